package lsm

import (
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
)

// LXC's profile names (lxc.apparmor.profile).
const (
	AADefaultProfile     = "lxc-container-default"
	AADefaultProfileCgns = "lxc-container-default-cgns"
	AAGenerated          = "generated"
	AAUnchanged          = "unchanged"
	AAUnconfined         = "unconfined"
)

// AAProfileName is the name of the profile generated for a container,
// LXC's "lxc-NAME_<LXCPATH>" (an FNV-1a hash when it would be too long
// for AppArmor).
func AAProfileName(name, lxcpath string) string {
	full := "lxc-" + name + "_<" + lxcpath + ">"
	if len(full)+7 > 253 {
		h := fnv.New64a()
		h.Write([]byte(full))
		return fmt.Sprintf("%016x", h.Sum64())
	}
	return full
}

// AANamespace is the profile name with slashes made hyphens: the policy
// namespace of a stacked generated profile, and its file name.
func AANamespace(name, lxcpath string) string {
	return strings.ReplaceAll(AAProfileName(name, lxcpath), "/", "-")
}

// AAProfilePath is where the generated profile is written:
// LXCPATH/NAME/apparmor/NAMESPACE, as LXC (apparmor_parser names its cache
// entry after the file).
func AAProfilePath(name, lxcpath string) string {
	return filepath.Join(lxcpath, name, "apparmor", AANamespace(name, lxcpath))
}

// AAProfileOptions select the parts of a generated profile.
type AAProfileOptions struct {
	Name, LXCPath string
	// UnixRules: apparmor_parser knows unix rules (2.10.95 and later).
	UnixRules bool
	// CgroupNS: the kernel has cgroup namespaces (cgroup mounts allowed).
	CgroupNS bool
	// Stacking: the profile is stacked in a policy namespace of its own,
	// where the container may load profiles.
	Stacking     bool
	AllowNesting bool
	Unprivileged bool
	Raw          []string // lxc.apparmor.raw, appended as written
}

// AAProfile is the text of a generated profile, LXC's model: a base that
// allows what a system container needs and denies writes to the parts of
// /proc and /sys that reach the host, then one section per feature or
// setting.
func AAProfile(o AAProfileOptions) string {
	var b strings.Builder
	full := AAProfileName(o.Name, o.LXCPath)
	fmt.Fprintf(&b, "#include <tunables/global>\nprofile \"%s\" flags=(attach_disconnected,mediate_deleted) {\n", full)
	b.WriteString(aaBase)
	sysKeep := []string{"fs/cgroup/**", "devices/virtual/net/**", "class/net/**"}
	if o.Stacking {
		sysKeep = append(sysKeep, "kernel/security/apparmor/**")
	}
	b.WriteString("\n  # writes to /proc/sys and /sys are denied but to what a container owns\n")
	for _, r := range denyAllBut("/proc/sys", []string{"kernel/shm*", "kernel/sem*", "kernel/msg*", "kernel/hostname", "kernel/domainname", "net/**"}) {
		b.WriteString("  " + r + "\n")
	}
	for _, r := range denyAllBut("/sys", sysKeep) {
		b.WriteString("  " + r + "\n")
	}
	b.WriteString(aaRemounts())
	if o.UnixRules {
		b.WriteString(aaUnix)
	}
	if o.CgroupNS {
		b.WriteString(aaCgroupNS)
	}
	ns := AANamespace(o.Name, o.LXCPath)
	if o.Stacking {
		fmt.Fprintf(&b, "\n  ### Feature: apparmor stacking: profiles may be loaded in the container's namespace\n"+
			"  change_profile -> \":%s:*\",\n  change_profile -> \":%s://*\",\n", ns, ns)
	} else {
		b.WriteString("\n  ### Feature: apparmor stacking (not present)\n  deny /sys/k*{,/**} rwklx,\n")
	}
	if o.AllowNesting {
		b.WriteString(aaNesting)
		if !o.Stacking {
			fmt.Fprintf(&b, "  change_profile -> \"%s\",\n", full)
		}
	}
	if o.Unprivileged {
		b.WriteString(aaUnprivileged)
	}
	for _, r := range o.Raw {
		b.WriteString(r + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// aaRemounts allows the read-only bind remounts an init makes of its
// mounts, with any of nodev, nosuid, noexec and an atime mode, anywhere
// but on /proc, /sys and /dev (except /dev/.lxc).
func aaRemounts() string {
	var b strings.Builder
	b.WriteString("\n  # read-only bind remounts, but of /proc, /sys and /dev\n")
	opts := []string{",nodev", ",nosuid", ",noexec"}
	for bits := 0; bits < 1<<len(opts); bits++ {
		base := "  mount options=(ro,remount,bind"
		for i, o := range opts {
			if bits&(1<<i) != 0 {
				base += o
			}
		}
		for _, atime := range []string{"", ",noatime", ",strictatime"} {
			for _, dest := range aaMountDests {
				fmt.Fprintf(&b, "%s%s) -> %s,\n", base, atime, dest)
			}
		}
	}
	return b.String()
}

// aaMountDests are the paths a bind, move or remount may target: every
// path but /proc, /sys and /dev, /dev/.lxc excepted.
var aaMountDests = []string{
	"/[^spd]*{,/**}", "/d[^e]*{,/**}", "/de[^v]*{,/**}", "/dev/.[^l]*{,/**}", "/dev/.l[^x]*{,/**}",
	"/dev/.lx[^c]*{,/**}", "/dev/.lxc?*{,/**}", "/dev/[^.]*{,/**}", "/dev?*{,/**}", "/p[^r]*{,/**}",
	"/pr[^o]*{,/**}", "/pro[^c]*{,/**}", "/proc?*{,/**}", "/s[^y]*{,/**}", "/sy[^s]*{,/**}", "/sys?*{,/**}",
}

var aaBase = func() string {
	var b strings.Builder
	b.WriteString(`  ### Base profile
  capability,
  dbus,
  file,
  network,
  umount,

  # signals: received from anywhere, sent to ourselves
  signal (receive),
  signal peer=@{profile_name},

  # ptrace: others may read and trace us (they need the right to first);
  # we may trace ourselves
  ptrace (readby),
  ptrace (tracedby),
  ptrace peer=@{profile_name},

  # no DENIED noise from remounting / read-only
  deny mount options=(ro, remount) -> /,
  deny mount options=(ro, remount, silent) -> /,

  # filesystems a container may mount anywhere
  mount fstype=tmpfs,
  mount fstype=hugetlbfs,
  mount fstype=mqueue,
  mount fstype=fuse,
  mount fstype=fuse.*,

  # /proc: no PCI devices, no binfmt_misc registrations (but its mount),
  # no kernel memory, no sysrq, no ACPI
  deny @{PROC}/bus/** wklx,
  mount fstype=binfmt_misc -> /proc/sys/fs/binfmt_misc/,
  deny @{PROC}/sys/fs/** wklx,
  deny @{PROC}/kcore rwklx,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/acpi/** rwklx,

  # /sys: efivars mountable but unreadable, fuse, security and debug
  # filesystems mountable where they belong, debugfs unreadable
  mount fstype=efivarfs -> /sys/firmware/efi/efivars/,
  deny /sys/firmware/efi/efivars/** rwklx,
  mount fstype=fusectl -> /sys/fs/fuse/connections/,
  mount fstype=securityfs -> /sys/kernel/security/,
  mount fstype=debugfs -> /sys/kernel/debug/,
  deny mount fstype=debugfs -> /var/lib/ureadahead/debugfs/,
  deny /sys/kernel/debug/{,**} rwklx,
  mount fstype=proc -> /proc/,
  mount fstype=sysfs -> /sys/,
  mount options=(rw, nosuid, nodev, noexec, remount) -> /sys/,
  mount options=(ro, nosuid, nodev, noexec, remount, strictatime) -> /sys/fs/cgroup/,

  # mount propagation of / may change
`)
	for _, p := range []string{"slave", "rslave", "shared", "rshared", "private", "rprivate", "unbindable", "runbindable"} {
		fmt.Fprintf(&b, "  mount options=(rw,make-%s) -> /,\n", p)
	}
	for _, kind := range []string{"bind", "rbind", "move"} {
		fmt.Fprintf(&b, "\n  # %s mounts of anything but /proc, /sys and /dev\n", kind)
		for _, d := range aaMountDests {
			// rbind: /dev/.lxc is no exception.
			if kind == "rbind" && strings.HasPrefix(d, "/dev/") {
				continue
			}
			fmt.Fprintf(&b, "  mount options=(rw,%s) %s,\n", kind, d)
		}
	}
	return b.String()
}()

const aaUnix = `
  ### Feature: unix
  # receive on unix sockets from anywhere, everything within the container
  unix (receive),
  unix peer=(label=@{profile_name}),
`

const aaCgroupNS = `
  ### Feature: cgroup namespace
  mount fstype=cgroup -> /sys/fs/cgroup/**,
  mount fstype=cgroup2 -> /sys/fs/cgroup/**,
`

const aaNesting = `
  ### Configuration: nesting (lxc.apparmor.allow_nesting)
  pivot_root,
  ptrace,
  signal,

  # the nested container's /proc and /sys helpers stay out of reach
  deny /dev/.lxc/proc/** rw,
  deny /dev/.lxc/sys/** rw,

  mount fstype=proc -> /usr/lib/*/lxc/**,
  mount fstype=sysfs -> /usr/lib/*/lxc/**,

  # nested LXD
  mount none -> /var/lib/lxd/shmounts/,
  mount /var/lib/lxd/shmounts/ -> /var/lib/lxd/shmounts/,
  mount options=bind /var/lib/lxd/shmounts/** -> /var/lib/lxd/**,

  # nested starts remount /proc/sys with flags AppArmor cannot express
  mount,
`

var aaUnprivileged = func() string {
	var b strings.Builder
	b.WriteString("\n  ### Configuration: unprivileged container\n  pivot_root,\n\n  # mount propagation may change anywhere\n")
	for _, p := range []string{"slave", "rslave", "shared", "rshared", "private", "rprivate", "unbindable", "runbindable"} {
		fmt.Fprintf(&b, "  mount options=(rw,make-%s) -> **,\n", p)
	}
	b.WriteString("\n  # binds of anything, read-only remounts\n  mount options=(rw,bind),\n  mount options=(rw,rbind),\n  mount options=(ro,remount),\n")
	return b.String()
}()

// AppArmorPlan is what a start does with AppArmor.
type AppArmorPlan struct {
	// Label is set with the exec attribute ("" leaves the label alone).
	Label string
	// Profile, when set, is generated: written to ProfilePath and loaded
	// with apparmor_parser before the start, unloaded after the stop;
	// Namespace is its policy namespace (stacking), "" without.
	Profile, ProfilePath, Namespace string
	Warnings                        []string
}

// Attr is the write that applies Label.
func (p AppArmorPlan) Attr() *AttrWrite {
	if p.Label == "" {
		return nil
	}
	return &AttrWrite{Name: "apparmor/exec", Fallback: "exec", Value: "exec " + p.Label}
}

// ErrNoParser is LXC's refusal of "generated" without apparmor_parser.
var ErrNoParser = errors.New("lxc.apparmor.profile = generated: apparmor_parser is not available (install the apparmor package)")

// PlanAppArmor decides the start's AppArmor label, LXC's apparmor_prepare
// and apparmor_process_label_set: current is our own label (from
// /proc/self/attr), unixRules whether apparmor_parser knows unix rules
// (parserOK false: no parser).
func PlanAppArmor(c Config, h Host, current string, parserOK, unixRules bool) (AppArmorPlan, error) {
	var p AppArmorPlan
	if !h.AppArmor {
		for _, k := range c.Set {
			if !strings.HasPrefix(k, "lxc.apparmor.") {
				continue
			}
			if k == "lxc.apparmor.profile" && (c.AppArmorProfile == AAUnconfined || c.AppArmorProfile == AAUnchanged) {
				continue
			}
			p.Warnings = append(p.Warnings, k+" is not applied: AppArmor is not enabled on this host")
		}
		return p, nil
	}
	label := c.AppArmorProfile
	if label == AAUnchanged {
		return p, nil
	}
	if label == AAGenerated {
		if !parserOK {
			return p, ErrNoParser
		}
		stacking := h.AACanStack && !h.AAStacked
		p.Profile = AAProfile(AAProfileOptions{Name: c.Name, LXCPath: c.LXCPath, UnixRules: unixRules, CgroupNS: c.CgroupNS,
			Stacking: stacking, AllowNesting: c.AppArmorAllowNesting, Unprivileged: c.Unprivileged, Raw: c.AppArmorRaw})
		p.ProfilePath = AAProfilePath(c.Name, c.LXCPath)
		label = AAProfileName(c.Name, c.LXCPath)
		if stacking {
			p.Namespace = AANamespace(c.Name, c.LXCPath)
			label += "//&:" + p.Namespace + ":"
		}
	} else if len(c.AppArmorRaw) > 0 {
		p.Warnings = append(p.Warnings, "lxc.apparmor.raw is not applied: it only goes into a generated profile (lxc.apparmor.profile = generated)")
	}
	confined := current != "" && current != AAUnconfined && current != "/usr/bin/lxc-start"
	if !h.AACanStack && confined {
		// Already confined and no stacking: only "no change" works.
		if label == "" || label == current {
			p.Profile, p.ProfilePath, p.Namespace = "", "", ""
			return p, nil
		}
		return AppArmorPlan{}, fmt.Errorf("lxc.apparmor.profile = %s: already confined by AppArmor profile %s, which cannot stack another", label, current)
	}
	if label == "" {
		label = AADefaultProfile
		if c.CgroupNS {
			label = AADefaultProfileCgns
		}
	}
	if !h.AAMountFeatures && label != AAUnconfined {
		if !c.AppArmorAllowIncomplete {
			return AppArmorPlan{}, fmt.Errorf("incomplete AppArmor support in this kernel (no mount mediation): set lxc.apparmor.allow_incomplete = 1 to start the container with profile %s anyway", label)
		}
		p.Warnings = append(p.Warnings, "incomplete AppArmor support in this kernel (no mount mediation): the container's profile cannot confine its mounts")
	}
	if label == AAUnconfined && (current == "" || current == AAUnconfined) {
		return p, nil // already so
	}
	p.Label = label
	return p, nil
}
