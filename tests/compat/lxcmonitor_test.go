//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Containers golxc must refuse to touch: one LXC's own monitor runs, and
// lxc-destroy -s of a running one.

// TestDestroySnapshotsOfRunning: lxc-destroy -s, and -s -f, of a running
// container with a snapshot (destroy-snapshots-running).
func TestDestroySnapshotsOfRunning(t *testing.T) {
	p := newPair(t)
	d := intended(t, "destroy-snapshots-running")
	snapKept := func(s *side, role string) bool {
		_, err := os.Stat(filepath.Join(s.path, s.name(role), "snaps", "snap0", "config"))
		return err == nil
	}
	for _, role := range []string{"a", "b"} {
		p.busybox(t, role)
		for _, s := range p.both() {
			s.must("lxc-snapshot", "-P", s.path, "-n", s.name(role))
		}
		p.start(t, role)
	}
	lxc, ours := p.runBoth("lxc-destroy", "-P", "@P", "-n", "@a", "-s")
	if lxc.Code != 1 || ours.Code != 1 || snapKept(p.lxc, "a") || !snapKept(p.ours, "a") {
		t.Errorf("%s: lxc-destroy -s: LXC %s (snapshot kept: %v); golxc %s (snapshot kept: %v)", d.ID, lxc, snapKept(p.lxc, "a"), ours, snapKept(p.ours, "a"))
	}
	lxc, ours = p.runBoth("lxc-destroy", "-P", "@P", "-n", "@b", "-s", "-f")
	_, lerr := os.Stat(filepath.Join(p.lxc.path, p.lxc.name("b"), "config"))
	_, oerr := os.Stat(filepath.Join(p.ours.path, p.ours.name("b")))
	if lxc.Code != 1 || lerr != nil || snapKept(p.lxc, "b") || ours.Code != 0 || !os.IsNotExist(oerr) {
		t.Errorf("%s: lxc-destroy -s -f: LXC %s (config: %v, snapshot kept: %v); golxc %s (%v)", d.ID, lxc, lerr, snapKept(p.lxc, "b"), ours, oerr)
	}
}

// TestRunningUnderLXCIsLeftAlone: a container LXC 5.0.2's lxc-start runs
// (as liblxc's users, which stay installed beside golxc, do) is not
// golxc's to touch: golxc's lxc-destroy (also -f and -s), lxc-copy,
// lxc-snapshot, lxc-start and lxc-execute refuse it with one line naming
// LXC's monitor, and it keeps running with its files.
func TestRunningUnderLXCIsLeftAlone(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "a")
	l := p.lxc
	l.must("lxc-start", "-P", l.path, "-n", l.name("a"))
	pid := l.initPID("a")
	ours := func(tool string, args ...string) {
		t.Helper()
		r := p.ours.run(tool, append([]string{"-P", l.path, "-n", l.name("a")}, args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, "running under LXC's monitor") {
			t.Errorf("golxc's %s %v of a container LXC runs: %s", tool, args, r)
		}
	}
	ours("lxc-destroy")
	ours("lxc-destroy", "-f")
	ours("lxc-destroy", "-s", "-f")
	ours("lxc-start")
	ours("lxc-execute", "--", "/bin/true")
	r := p.ours.run("lxc-copy", "-P", l.path, "-n", l.name("a"), "-N", l.name("b"))
	if r.Code == 0 || !strings.Contains(r.Stderr, "is running") {
		t.Errorf("golxc's lxc-copy of a container LXC runs: %s", r)
	}
	r = p.ours.run("lxc-snapshot", "-P", l.path, "-n", l.name("a"))
	if r.Code == 0 {
		t.Errorf("golxc's lxc-snapshot of a container LXC runs: %s", r)
	}
	if got := l.initPID("a"); got != pid {
		t.Errorf("LXC's container: init %d, was %d", got, pid)
	}
	if _, err := os.Stat(filepath.Join(l.path, l.name("a"), "rootfs", "bin", "busybox")); err != nil {
		t.Errorf("LXC's running container lost its files: %v", err)
	}
	l.must("lxc-stop", "-P", l.path, "-n", l.name("a"), "-k")
	l.must("lxc-destroy", "-P", l.path, "-n", l.name("a"))
}
