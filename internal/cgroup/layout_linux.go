// Package cgroup manages a container's control groups on cgroup v1, v2 and
// hybrid hosts: layout detection, the payload and monitor cgroups LXC names
// lxc.payload.NAME and lxc.monitor.NAME, raw key writes, device rules (v1
// devices controller and a v2 eBPF device program), freeze, kill and
// removal.
package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/mountinfo"
)

// Layout is the host's cgroup layout.
type Layout int

// Layouts, as LXC labels them.
const (
	Legacy  Layout = iota // only v1 hierarchies
	Hybrid                // v1 controllers plus a cgroup2 mount (controller-less)
	Unified               // only cgroup2
)

func (l Layout) String() string {
	return [...]string{"legacy", "hybrid", "unified"}[l]
}

// Hierarchy is one mounted cgroup hierarchy.
type Hierarchy struct {
	Mount       string   // e.g. /sys/fs/cgroup/memory
	Controllers []string // v1 controllers (name=systemd included); v2: from cgroup.controllers
	V2          bool
	// Base is this process's cgroup in the hierarchy, relative to the
	// mount root ("/" or "/process_api/x"), from /proc/self/cgroup.
	Base string
}

// Has reports whether the hierarchy carries controller c.
func (h *Hierarchy) Has(c string) bool {
	for _, x := range h.Controllers {
		if x == c {
			return true
		}
	}
	return false
}

// Name is the hierarchy's label for messages and cgroup path maps: the
// joined v1 controllers, or "unified".
func (h *Hierarchy) Name() string {
	if h.V2 {
		return "unified"
	}
	return strings.Join(h.Controllers, ",")
}

// Host is the cgroup layout seen by this process.
type Host struct {
	Layout      Layout
	Hierarchies []*Hierarchy
}

// Unified returns the cgroup2 hierarchy, or nil.
func (h *Host) Unified() *Hierarchy {
	for _, x := range h.Hierarchies {
		if x.V2 {
			return x
		}
	}
	return nil
}

// ForController returns the v1 hierarchy carrying c, or, on a unified host
// (or when no v1 hierarchy has it), the cgroup2 hierarchy if its
// controllers include c.
func (h *Host) ForController(c string) *Hierarchy {
	for _, x := range h.Hierarchies {
		if !x.V2 && x.Has(c) {
			return x
		}
	}
	if u := h.Unified(); u != nil && (u.Has(c) || h.Layout == Unified) {
		return u
	}
	return nil
}

// Detect reads the layout from /proc/self/mountinfo and /proc/self/cgroup.
func Detect() (*Host, error) {
	return detect("/proc/self/mountinfo", "/proc/self/cgroup")
}

func detect(mountinfoPath, selfCgroup string) (*Host, error) {
	bases, err := readSelfCgroup(selfCgroup)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(mountinfoPath)
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	h := &Host{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent maj:min root mountpoint opts [optional...] - fstype source superopts
		line := sc.Text()
		sep := strings.Index(line, " - ")
		if sep < 0 {
			continue
		}
		pre := strings.Fields(line[:sep])
		post := strings.Fields(line[sep+3:])
		if len(pre) < 5 || len(post) < 3 {
			continue
		}
		fstype, mp, root := post[0], mountinfo.Unescape(pre[4]), mountinfo.Unescape(pre[3])
		switch fstype {
		case "cgroup2":
			if seen["unified"] {
				continue
			}
			seen["unified"] = true
			hy := &Hierarchy{Mount: mp, V2: true, Base: relBase(bases["0"], root)}
			if b, err := os.ReadFile(filepath.Join(mp, "cgroup.controllers")); err == nil {
				hy.Controllers = strings.Fields(string(b))
			}
			h.Hierarchies = append(h.Hierarchies, hy)
		case "cgroup":
			var ctrls []string
			for _, o := range strings.Split(post[2], ",") {
				switch {
				case strings.HasPrefix(o, "name="):
					ctrls = append(ctrls, o)
				case isV1Controller(o):
					ctrls = append(ctrls, o)
				}
			}
			if len(ctrls) == 0 {
				continue
			}
			sort.Strings(ctrls)
			key := strings.Join(ctrls, ",")
			if seen[key] {
				continue
			}
			seen[key] = true
			h.Hierarchies = append(h.Hierarchies, &Hierarchy{Mount: mp, Controllers: ctrls, Base: relBase(bases[key], root)})
		}
	}
	v1, v2 := 0, 0
	for _, x := range h.Hierarchies {
		if x.V2 {
			v2++
		} else {
			v1++
		}
	}
	switch {
	case v1 > 0 && v2 > 0:
		h.Layout = Hybrid
	case v2 > 0:
		h.Layout = Unified
	default:
		h.Layout = Legacy
	}
	if len(h.Hierarchies) == 0 {
		return nil, fmt.Errorf("no cgroup hierarchy is mounted (mount cgroup2 on /sys/fs/cgroup or the v1 controllers)")
	}
	return h, nil
}

// relBase turns the path from /proc/self/cgroup into one relative to the
// mount root (a hierarchy mounted from a sub-cgroup shows a root != "/").
func relBase(p, root string) string {
	if p == "" {
		p = "/"
	}
	if root != "/" && strings.HasPrefix(p, root) {
		p = strings.TrimPrefix(p, root)
		if p == "" {
			p = "/"
		}
	}
	return p
}

var v1Controllers = map[string]bool{
	"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "devices": true, "freezer": true,
	"blkio": true, "pids": true, "net_cls": true, "net_prio": true, "perf_event": true,
	"hugetlb": true, "rdma": true, "misc": true,
}

func isV1Controller(o string) bool { return v1Controllers[o] }

// readSelfCgroup maps "sorted,controllers" (or "0" for v2) to the path.
func readSelfCgroup(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			out["0"] = parts[2]
			continue
		}
		ctrls := strings.Split(parts[1], ",")
		sort.Strings(ctrls)
		out[strings.Join(ctrls, ",")] = parts[2]
	}
	return out, nil
}

// isCgroupFS reports whether dir is on a cgroup or cgroup2 filesystem (used
// to refuse writes through a path the container could have redirected).
func isCgroupFS(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == unix.CGROUP_SUPER_MAGIC || st.Type == unix.CGROUP2_SUPER_MAGIC
}

// Cgroup2KeyApplies decides whether lxc.cgroup2.KEY can be set on this
// host, and says why not. LXC 5.0.2 ignores every lxc.cgroup2 key unless
// the host is cgroup2-only; golxc decides per key: on a cgroup2-only host
// every key applies (a wrong one fails at write time with the kernel's
// reason); on a hybrid host a key applies when its controller is enabled
// in the cgroup2 hierarchy, or is the core "cgroup" interface, or is a
// device rule (an eBPF program, attached to the cgroup2 hierarchy on any
// host that has one); a controller bound to v1 cannot be set there.
func (h *Host) Cgroup2KeyApplies(key string) (bool, string) {
	u := h.Unified()
	if u == nil {
		return false, "the host has no cgroup2 hierarchy"
	}
	if h.Layout == Unified || IsDeviceKey(key) {
		return true, ""
	}
	ctrl, _, _ := strings.Cut(key, ".")
	if ctrl == "cgroup" || u.delegates(ctrl) {
		return true, ""
	}
	for _, x := range h.Hierarchies {
		if !x.V2 && x.Has(ctrl) {
			return false, fmt.Sprintf("the %s controller is bound to cgroup v1 on this host (lxc.cgroup.%s.* sets it there)", ctrl, ctrl)
		}
	}
	if u.Has(ctrl) {
		return false, fmt.Sprintf("the %s controller is not enabled for the cgroups golxc makes (cgroup.subtree_control of %s)", ctrl, filepath.Join(u.Mount, u.Base))
	}
	return false, fmt.Sprintf("the host's cgroup2 hierarchy has no %s controller", ctrl)
}

// delegates reports whether ctrl is enabled for the children of the
// hierarchy's base cgroup (its cgroup.subtree_control), i.e. whether a
// cgroup made there has the controller's files.
func (h *Hierarchy) delegates(ctrl string) bool {
	b, err := os.ReadFile(filepath.Join(h.Mount, h.Base, "cgroup.subtree_control"))
	if err != nil {
		return false
	}
	for _, c := range strings.Fields(string(b)) {
		if c == ctrl {
			return true
		}
	}
	return false
}

// Cgroup1KeyApplies is Cgroup2KeyApplies for lxc.cgroup.KEY: as LXC,
// every key is ignored on a cgroup2-only host, but device rules, which
// become part of the cgroup2 eBPF program there. Elsewhere a key whose
// controller no hierarchy carries fails the start, as in LXC.
func (h *Host) Cgroup1KeyApplies(key string) (bool, string) {
	if h.Layout == Unified && !IsDeviceKey(key) {
		return false, "the host has no cgroup v1 hierarchy (lxc.cgroup2.* sets limits there)"
	}
	return true, ""
}

// Use keeps the hierarchies lxc.conf's lxc.cgroup.use allows, as LXC's
// cgfsng: a v1 hierarchy goes when one of its controllers is not listed
// (a controller-less cgroup2 one stays); each listed controller must be
// found in a hierarchy that stays.
func (h *Host) Use(controllers []string) (*Host, error) {
	want := map[string]bool{}
	for _, c := range controllers {
		if c = strings.TrimSpace(c); c != "" {
			want[c] = true
		}
	}
	out := &Host{Layout: h.Layout}
	found := map[string]bool{}
	for _, hy := range h.Hierarchies {
		keep := true
		if !hy.V2 {
			for _, c := range hy.Controllers {
				if !want[c] {
					keep = false
				}
			}
		}
		if !keep {
			continue
		}
		out.Hierarchies = append(out.Hierarchies, hy)
		for _, c := range hy.Controllers {
			found[c] = true
		}
	}
	for c := range want {
		if !found[c] {
			return nil, fmt.Errorf("no cgroup hierarchy carries the %s controller alone", c)
		}
	}
	return out, nil
}
