package cgroup

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Skipped is a hierarchy a non-root caller may not use, and why.
type Skipped struct {
	Hierarchy *Hierarchy
	// Dir is the caller's cgroup in it; File the first thing there the
	// caller cannot write (the directory itself when File is "").
	Dir, File string
}

// delegateFiles lists what the owner of a delegated cgroup2 subtree must
// be able to write: the kernel's own list (/sys/kernel/cgroup/delegate),
// else the files every kernel with cgroup2 has.
func delegateFiles() []string {
	out := []string{"cgroup.procs"}
	b, err := os.ReadFile("/sys/kernel/cgroup/delegate")
	if err != nil {
		return append(out, "cgroup.threads", "cgroup.subtree_control")
	}
	for _, f := range strings.Fields(string(b)) {
		if f != "cgroup.procs" {
			out = append(out, f)
		}
	}
	return out
}

// writable reports whether the caller (effective ids) may write path; a
// missing file does not count against it, as in LXC.
func writable(path string) bool {
	err := unix.Faccessat(unix.AT_FDCWD, path, unix.W_OK, unix.AT_EACCESS)
	return err == nil || err == unix.ENOENT
}

// ForUser returns the hierarchies a non-root caller may use, by LXC
// 5.0.2's rule for unprivileged callers: the caller's own cgroup (from
// /proc/self/cgroup) is the base in each hierarchy; a v1 hierarchy counts
// when that cgroup's directory is writable, the cgroup2 hierarchy when
// its directory and the files a delegated cgroup's owner writes are. The
// others are returned as skipped. With none left, the container runs in
// its caller's cgroups, as LXC starts it.
func (h *Host) ForUser() (*Host, []Skipped) {
	out := &Host{Layout: h.Layout}
	var skipped []Skipped
	for _, hy := range h.Hierarchies {
		dir := filepath.Join(hy.Mount, hy.Base)
		bad := ""
		if !writable(dir) {
			bad = "."
		} else if hy.V2 {
			for _, f := range delegateFiles() {
				if !writable(filepath.Join(dir, f)) {
					bad = f
					break
				}
			}
		}
		if bad != "" {
			if bad == "." {
				bad = ""
			}
			skipped = append(skipped, Skipped{Hierarchy: hy, Dir: dir, File: bad})
			continue
		}
		out.Hierarchies = append(out.Hierarchies, hy)
	}
	return out, skipped
}

// EnableControllers passes down every controller of the cgroup2 base to
// its children (cgroup.subtree_control), so a container cgroup below it
// can be limited. Best effort: the kernel refuses while the base has
// processes of its own (a user's login scope usually does), and then the
// container gets no controllers, only the core cgroup2 files (freeze,
// kill, events).
func (h *Host) EnableControllers() []string {
	u := h.Unified()
	if u == nil {
		return nil
	}
	dir := filepath.Join(u.Mount, u.Base)
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil
	}
	var enabled []string
	for _, c := range strings.Fields(string(b)) {
		if writeFile(filepath.Join(dir, "cgroup.subtree_control"), "+"+c) == nil {
			enabled = append(enabled, c)
		}
	}
	return enabled
}

// Empty reports whether the cgroup exists in no hierarchy (a user's
// container on a host that delegates none).
func (cg *Cgroup) Empty() bool { return cg == nil || len(cg.Paths) == 0 }
