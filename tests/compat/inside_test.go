//go:build compat

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// What a started busybox container's init sees, read from the host
// through /proc/PID so it does not depend on lxc-attach: the mount tree,
// /dev, capabilities and security flags, namespaces and cgroups.
func TestInsideView(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "v")
	lpid, opid := p.start(t, "v")
	settle(lpid)
	settle(opid)

	lm, lprop := mountTree(t, p.lxc, lpid)
	om, oprop := mountTree(t, p.ours, opid)
	om = dropIntendedMounts(t, om)
	lm, om = consoleMounts(t, lm, om)
	sameLines(t, "mount tree (mount point, parent, root, options, fs, source, super options)", lm, om)
	sameLines(t, "mount propagation (kinds seen in the container's mount table)", lprop, oprop)

	ld, od := devListing(t, lpid), devListing(t, opid)
	ld, od = consoleDev(t, ld, 0), consoleDev(t, od, 1)
	sameLines(t, "/dev listing (name, type, mode, owner, device, link)", ld, od)

	ls, os_ := statusLines(t, lpid), statusLines(t, opid)
	sameLines(t, "init's capability sets and security flags (/proc/PID/status)", ls, os_)

	sameLines(t, "namespaces not shared with the host", nsDiff(t, lpid), nsDiff(t, opid))
	sameLines(t, "init's cgroups", strings.Split(p.lxc.norm(readProc(t, lpid, "cgroup")), "\n"), strings.Split(p.ours.norm(readProc(t, opid, "cgroup")), "\n"))
}

func readProc(t *testing.T, pid int, file string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mountTree renders init's mountinfo as a tree, independent of mount ids
// and listing order: one line per mount with its parent's mount point.
// Mount ids, device numbers and peer-group numbers differ between any two
// containers; propagation (shared, slave, private) is returned apart as
// the set of kinds seen, so one difference there does not hide the rest.
func mountTree(t *testing.T, s *side, pid int) (tree, propagation []string) {
	t.Helper()
	type m struct{ id, parent, line string }
	byID := map[string]string{}
	kinds := map[string]bool{}
	var ms []m
	peerRE := regexp.MustCompile(`^(shared|master|propagate_from):[0-9]+$`)
	for _, l := range strings.Split(readProc(t, pid, "mountinfo"), "\n") {
		f := strings.Fields(l)
		if len(f) < 10 {
			continue
		}
		sep := 6
		var tags []string
		for ; sep < len(f) && f[sep] != "-"; sep++ {
			tags = append(tags, peerRE.ReplaceAllString(f[sep], "$1:N"))
		}
		if len(tags) == 0 {
			tags = []string{"private"}
		}
		byID[f[0]] = f[4]
		super := regexp.MustCompile(`\bsize=[0-9]+k,nr_inodes=[0-9]+`).ReplaceAllString(f[sep+3], "size=N,nr_inodes=N")
		kinds[strings.Join(tags, ",")] = true
		ms = append(ms, m{f[0], f[1], fmt.Sprintf("%s root=%s opts=%s %s %s %s", f[4], f[3], f[5], f[sep+1], f[sep+2], super)})
	}
	for k := range kinds {
		propagation = append(propagation, k)
	}
	sort.Strings(propagation)
	var out []string
	for _, x := range ms {
		parent, ok := byID[x.parent]
		if !ok {
			parent = "(outside)"
		}
		mp, rest, _ := strings.Cut(x.line, " ")
		out = append(out, s.norm(mp+" on "+parent+" "+rest))
	}
	sort.Strings(out)
	return out, propagation
}

// dropIntendedMounts removes golxc's extra /proc and /sys masks, checking
// they are what the table says.
func dropIntendedMounts(t *testing.T, ms []string) []string {
	t.Helper()
	intended(t, "proc-masks")
	intended(t, "sysrq-readonly")
	masked := map[string]bool{}
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
		"/proc/sched_debug", "/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"} {
		masked[p] = true
	}
	var out []string
	for _, m := range ms {
		mp, _, _ := strings.Cut(m, " ")
		if masked[mp] {
			continue
		}
		out = append(out, m)
	}
	return out
}

// consoleMounts handles "console-devpts": /dev/console and /dev/ttyN
// come from different devpts instances on the two sides, and golxc's
// devpts has one more pty. Their presence and mount options stay compared.
func consoleMounts(t *testing.T, lxc, ours []string) ([]string, []string) {
	t.Helper()
	intended(t, "console-devpts")
	ttyRE := regexp.MustCompile(`^(/dev/console|/dev/tty[0-9]+) on /dev root=/[0-9]+ `)
	maxRE := regexp.MustCompile(`\bmax=[0-9]+`)
	fix := func(ms []string) []string {
		var out []string
		for _, m := range ms {
			if ttyRE.MatchString(m) {
				m = ttyRE.ReplaceAllString(m, "$1 on /dev root=/N ")
				if strings.HasPrefix(m, "/dev/console") {
					m = "/dev/console on /dev (a pty)"
				}
			}
			out = append(out, maxRE.ReplaceAllString(m, "max=N"))
		}
		return out
	}
	return fix(lxc), fix(ours)
}

// devListing lists /dev as init sees it, recursively.
func devListing(t *testing.T, pid int) []string {
	t.Helper()
	root := fmt.Sprintf("/proc/%d/root/dev", pid)
	var out []string
	filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil || path == root {
			return nil
		}
		rel := strings.TrimPrefix(path, root)
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %s %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&os.ModeDevice != 0:
			line += fmt.Sprintf(" %d,%d", major(st.Rdev), minor(st.Rdev))
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			line += " -> " + target
		}
		out = append(out, line)
		return nil
	})
	return out
}

func major(d uint64) uint64 { return (d >> 8) & 0xfff }
func minor(d uint64) uint64 { return (d & 0xff) | ((d >> 12) & 0xfff00) }

// consoleDev undoes "console-devpts" in a /dev listing: golxc's pty 0 is
// the console, so its ttys are ptys 1..N where LXC's are 0..N-1; LXC's
// console is a host pty of any number. Names, types, modes and owners
// stay compared.
func consoleDev(t *testing.T, ls []string, shift int) []string {
	t.Helper()
	intended(t, "console-devpts")
	pts := regexp.MustCompile(`^/pts/([0-9]+) (.*) 136,([0-9]+)$`)
	tty := regexp.MustCompile(`^(/console|/tty[0-9]+) (.*) 136,([0-9]+)$`)
	var out []string
	for _, l := range ls {
		if m := pts.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n < shift {
				continue
			}
			l = fmt.Sprintf("/pts/%d %s 136,%d", n-shift, m[2], n-shift)
		} else if m := tty.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[3])
			if m[1] == "/console" {
				l = m[1] + " " + m[2] + " 136,N"
			} else {
				l = fmt.Sprintf("%s %s 136,%d", m[1], m[2], n-shift)
			}
		}
		out = append(out, l)
	}
	return out
}

// statusLines keeps the security-relevant lines of /proc/PID/status.
func statusLines(t *testing.T, pid int) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(readProc(t, pid, "status"), "\n") {
		for _, k := range []string{"Cap", "NoNewPrivs", "Seccomp", "Uid:", "Gid:", "Groups:"} {
			if strings.HasPrefix(l, k) {
				out = append(out, l)
			}
		}
	}
	return out
}

// nsDiff lists the namespaces init does not share with this process.
func nsDiff(t *testing.T, pid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/ns")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		mine, _ := os.Readlink("/proc/self/ns/" + e.Name())
		theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, e.Name()))
		if mine != theirs {
			out = append(out, e.Name())
		}
	}
	return out
}

// sameLines compares two line lists and prints only the lines that differ.
func sameLines(t *testing.T, what string, lxc, ours []string) {
	t.Helper()
	a, b := strings.Join(lxc, "\n"), strings.Join(ours, "\n")
	if a != b {
		t.Errorf("%s differs:%s", what, lineDiff(a, b))
	}
}
