package runner

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/supervisor"
)

// nsMode is what the container gets for one kind of namespace.
type nsMode uint8

const (
	// nsKept: the container stays in the monitor's namespace, normally
	// the host's (lxc.namespace.keep, lxc.namespace.clone without it, or
	// LXC's defaults: no user namespace without lxc.idmap, no network
	// namespace when every lxc.net device is of type none).
	nsKept nsMode = iota
	// nsNew: a namespace made for the container, which it owns.
	nsNew
	// nsShared: another container's or process's namespace, joined
	// (lxc.namespace.share.*, lxc-start --share-*). Nothing of the
	// container's configuration may change its state.
	nsShared
)

func (m nsMode) String() string {
	switch m {
	case nsNew:
		return "new"
	case nsShared:
		return "shared"
	}
	return "kept"
}

// nsPlan is the container's namespaces, decided once on the host side
// from the configuration; every later step asks it whether the container
// owns a namespace before changing anything in it.
type nsPlan map[string]nsMode

// planNamespaces follows LXC's resolve_clone_flags: with
// lxc.namespace.clone exactly the listed namespaces are made; otherwise
// every kind is made except a user namespace without lxc.idmap, a network
// namespace when every lxc.net device is of type none, a cgroup namespace
// the kernel lacks and a time namespace without offsets; then
// lxc.namespace.keep removes kinds and lxc.namespace.share replaces them
// by joined ones. Two golxc rules come on top: a mount namespace is always
// made unless one is shared (the rootfs is never built in the host's), and
// lxc.idmap always gets a user namespace unless one is shared (LXC would
// write the maps into the host's).
func planNamespaces(c *config.Container, cgroupNS bool) nsPlan {
	p := nsPlan{}
	for _, n := range config.NamespaceNames {
		p[n] = nsNew
	}
	if len(c.IDMaps) == 0 {
		p["user"] = nsKept
	}
	if network.SharesHostNetwork(c) {
		p["net"] = nsKept
	}
	if !cgroupNS {
		p["cgroup"] = nsKept
	}
	if !wantsTimeNS(c) {
		p["time"] = nsKept
	}
	if len(c.NamespaceClone) > 0 {
		for n := range p {
			p[n] = nsKept
		}
		for _, n := range c.NamespaceClone {
			p[n] = nsNew
		}
	}
	for _, n := range c.NamespaceKeep {
		p[n] = nsKept
	}
	p["mnt"] = nsNew
	if len(c.IDMaps) > 0 {
		p["user"] = nsNew
	}
	if p["cgroup"] == nsNew && !cgroupNS {
		p["cgroup"] = nsKept
	}
	for n, target := range c.NamespaceShare {
		if target != "" {
			p[n] = nsShared
		}
	}
	return p
}

// owns reports whether the container has a namespace of kind n of its own.
func (p nsPlan) owns(n string) bool { return p[n] == nsNew }

// cloneFlags are the namespaces stage-2 is created in. The cgroup and
// time namespaces are not among them: stage-2 unshares those itself, the
// cgroup one once it sits in its cgroup, the time one so the offsets can be
// written before anything runs in it.
func (p nsPlan) cloneFlags() uintptr {
	var f uintptr
	for n, m := range p {
		if m == nsNew && n != "cgroup" && n != "time" {
			f |= config.NamespaceFlags[n]
		}
	}
	return f
}

// joined lists the shared namespaces in the order LXC joins them
// (user first, so the others are entered with its capabilities).
func (p nsPlan) joined() []string {
	var out []string
	for _, n := range config.NamespaceNames {
		if p[n] == nsShared {
			out = append(out, n)
		}
	}
	return out
}

func wantsTimeNS(c *config.Container) bool {
	return c.TimeOffsetBootSec != 0 || c.TimeOffsetBootNsec != 0 ||
		c.TimeOffsetMonotonicSec != 0 || c.TimeOffsetMonotonicNsec != 0
}

// whyNot names the configuration that leaves the container without a
// namespace of kind n of its own, for messages ("lxc.namespace.keep =
// net keeps the host's").
func whyNot(c *config.Container, p nsPlan, n string) string {
	if p[n] == nsShared {
		return fmt.Sprintf("lxc.namespace.share.%s = %s joins the %s namespace of %s", n, c.NamespaceShare[n], nsTitle(n), c.NamespaceShare[n])
	}
	for _, k := range c.NamespaceKeep {
		if k == n {
			return fmt.Sprintf("lxc.namespace.keep = %s keeps the host's", strings.Join(c.NamespaceKeep, " "))
		}
	}
	if len(c.NamespaceClone) > 0 {
		return fmt.Sprintf("lxc.namespace.clone = %s does not include %s, so the container keeps the host's", strings.Join(c.NamespaceClone, " "), n)
	}
	return "the container keeps the host's"
}

func nsTitle(n string) string {
	switch n {
	case "uts", "ipc", "pid":
		return strings.ToUpper(n)
	case "net":
		return "network"
	case "mnt":
		return "mount"
	}
	return n
}

// checkNamespaces refuses, before anything is made, configurations that
// would change a namespace the container does not own in a way LXC
// refuses or that harms the host: network devices set up in the host's
// network namespace (a DHCP client in the container would then own the
// host's interfaces), time offsets without a time namespace to hold them.
func checkNamespaces(c *config.Container, p nsPlan) error {
	if p["net"] == nsKept {
		for _, n := range c.Net {
			if n.Type == "none" {
				continue
			}
			key := fmt.Sprintf("lxc.net.%d.type", n.Index)
			return fmt.Errorf("%s%s = %s needs a network namespace of the container's own, but %s: refusing to configure the host's network",
				where(c, key), key, n.EffectiveType(), whyNot(c, p, "net"))
		}
	}
	if p["user"] == nsShared {
		// spawn_in_userns (the C supervisor) enters it; a user's start
		// has its own id-map steps, not made for a namespace it joins.
		switch {
		case unprivileged():
			return fmt.Errorf("%slxc.namespace.share.user is not supported for a start by a non-root user", where(c, "lxc.namespace.share.user"))
		case !supervisor.Available():
			return fmt.Errorf("%slxc.namespace.share.user needs golxc's C supervisor, which this build lacks", where(c, "lxc.namespace.share.user"))
		}
	}
	if wantsTimeNS(c) && p["time"] == nsKept {
		for _, k := range c.NamespaceKeep {
			if k == "time" {
				return fmt.Errorf("%s%s needs a time namespace of the container's own, but %s", where(c, "lxc.namespace.keep"), timeOffsetKey(c), whyNot(c, p, "time"))
			}
		}
	}
	return nil
}

// where is the "FILE:LINE: " prefix of key's setting, "" if unknown.
func where(c *config.Container, key string) string {
	if src, ok := c.SourceOf(key); ok && src.File != "" {
		return src.String() + ": "
	}
	return ""
}

// timeOffsetsText is what /proc/PID/timens_offsets takes for
// lxc.time.offset.boot and .monotonic: one "CLOCK SECONDS NANOSECONDS"
// line per clock with an offset. As LXC, a seconds offset wins over a
// nanoseconds one (a key set twice in different units keeps both parts);
// the kernel wants 0 <= nanoseconds < 1 s, so -500ms is -1 s + 500000000 ns.
func timeOffsetsText(c *config.Container) string {
	var b strings.Builder
	for _, o := range []struct {
		clock     int
		sec, nsec int64
	}{{unix.CLOCK_BOOTTIME, c.TimeOffsetBootSec, c.TimeOffsetBootNsec}, {unix.CLOCK_MONOTONIC, c.TimeOffsetMonotonicSec, c.TimeOffsetMonotonicNsec}} {
		if o.sec == 0 && o.nsec == 0 {
			continue
		}
		sec, nsec := o.sec, int64(0)
		if sec == 0 {
			sec, nsec = o.nsec/1e9, o.nsec%1e9
			if nsec < 0 {
				sec, nsec = sec-1, nsec+1e9
			}
		}
		fmt.Fprintf(&b, "%d %d %d\n", o.clock, sec, nsec)
	}
	return b.String()
}

func timeOffsetKey(c *config.Container) string {
	if c.TimeOffsetBoot != "" {
		return "lxc.time.offset.boot = " + c.TimeOffsetBoot
	}
	return "lxc.time.offset.monotonic = " + c.TimeOffsetMonotonic
}

// namespaceWarnings lists, one line each, the settings a start will not
// apply because the namespace they change is not the container's own.
// LXC skips the hostname of a shared UTS namespace and the network of a
// shared network namespace silently, and applies the rest to whatever
// namespace the container is in; golxc applies none of them and says so
// (the hostname of a shared UTS namespace excepted: keeping it is what
// sharing asks for).
func namespaceWarnings(c *config.Container, p nsPlan) []string {
	var w []string
	if c.UTSName != "" && p["uts"] == nsKept {
		w = append(w, fmt.Sprintf("lxc.uts.name = %s is not applied: %s UTS namespace", c.UTSName, whyNot(c, p, "uts")))
	}
	if p["net"] == nsShared {
		for _, n := range c.Net {
			if t := n.EffectiveType(); t != "none" && t != "empty" {
				w = append(w, fmt.Sprintf("lxc.net.%d (%s) is not set up: %s", n.Index, t, whyNot(c, p, "net")))
			}
		}
	}
	if p["net"] == nsNew && !network.SharesHostNetwork(c) {
		for _, n := range c.Net {
			if n.Type == "none" {
				w = append(w, fmt.Sprintf("lxc.net.%d.type = none is ignored: the other lxc.net devices give the container a network namespace of its own", n.Index))
			}
		}
	}
	for _, kv := range c.Sysctls {
		if n := sysctlNamespace(kv.Key); n != "" && !p.owns(n) {
			w = append(w, fmt.Sprintf("lxc.sysctl.%s is not applied: %s", kv.Key, whyNotOwn(c, p, n)))
		}
	}
	if wantsTimeNS(c) && p["time"] != nsNew && !keeps(c, "time") {
		w = append(w, fmt.Sprintf("%s is not applied: %s", timeOffsetKey(c), whyNotOwn(c, p, "time")))
	}
	if p["mnt"] == nsShared {
		var keys []string
		if c.RootfsPath != "" {
			keys = append(keys, "lxc.rootfs.path")
		}
		if len(c.MountEntries) > 0 || c.MountFstab != "" || c.MountAuto != (config.MountAuto{}) {
			keys = append(keys, "lxc.mount.*")
		}
		if c.TTYMax > 0 {
			keys = append(keys, "lxc.tty.max")
		}
		if len(c.Sysctls) > 0 {
			keys = append(keys, "lxc.sysctl.*")
		}
		if len(keys) > 0 {
			w = append(w, fmt.Sprintf("%s not applied: %s (no mounts are made in it)", strings.Join(keys, ", "), whyNot(c, p, "mnt")))
		}
	}
	return w
}

func keeps(c *config.Container, n string) bool {
	for _, k := range c.NamespaceKeep {
		if k == n {
			return true
		}
	}
	return false
}

// whyNotOwn is whyNot with the namespace named ("... the host's network
// namespace").
func whyNotOwn(c *config.Container, p nsPlan, n string) string {
	s := whyNot(c, p, n)
	if p[n] == nsShared {
		return s
	}
	return s + " " + nsTitle(n) + " namespace"
}

// sysctlNamespace returns the namespace kind a sysctl belongs to ("" for
// the global ones), as the kernel scopes them: net.* per network
// namespace; the SysV IPC and POSIX message queue limits per IPC
// namespace; host and domain name per UTS namespace; user.* per user
// namespace; kernel.ns_last_pid per PID namespace.
func sysctlNamespace(key string) string {
	k := strings.ReplaceAll(key, "/", ".")
	switch {
	case strings.HasPrefix(k, "net."):
		return "net"
	case strings.HasPrefix(k, "fs.mqueue."):
		return "ipc"
	case strings.HasPrefix(k, "user."):
		return "user"
	}
	switch k {
	case "kernel.hostname", "kernel.domainname":
		return "uts"
	case "kernel.ns_last_pid":
		return "pid"
	case "kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.shm_next_id",
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.msg_next_id", "kernel.sem", "kernel.sem_next_id",
		"kernel.auto_msgmni":
		return "ipc"
	}
	return ""
}

// ownSysctls returns the lxc.sysctl.* settings stage-2 writes: those of
// namespaces the container owns, and the global ones (which LXC writes
// too: a privileged container's configuration may tune the host).
func ownSysctls(c *config.Container, p nsPlan) [][2]string {
	var out [][2]string
	for _, kv := range c.Sysctls {
		if n := sysctlNamespace(kv.Key); n == "" || p.owns(n) {
			out = append(out, [2]string{kv.Key, kv.Value})
		}
	}
	return out
}

// String renders the plan for trace logs: "mnt=new net=shared ...".
func (p nsPlan) String() string {
	var parts []string
	for _, n := range config.NamespaceNames {
		parts = append(parts, n+"="+p[n].String())
	}
	return strings.Join(parts, " ")
}
