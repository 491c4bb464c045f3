//go:build compat

package compat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// More storage across the two toolsets: snapshots of loop containers made
// by one and restored by the other, copies into another lxcpath and of
// overlay clones.

// rootfsLine is a container's lxc.rootfs.path value, its directory
// replaced by CDIR ("" when there is none).
func rootfsLine(cdir string) string {
	b, _ := os.ReadFile(filepath.Join(cdir, "config"))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "lxc.rootfs.path = "); ok {
			return strings.ReplaceAll(v, cdir, "CDIR")
		}
	}
	return ""
}

// TestSnapshotOfLoopContainer: LXC's lxc-snapshot of a loop container is
// a directory, golxc's a loop image (loop-snapshot); each side restores
// its own snapshots and the other side's, and the restored containers are
// loop containers that start and hold the snapshot's files.
func TestSnapshotOfLoopContainer(t *testing.T) {
	p := newPair(t)
	for _, s := range p.both() {
		s.must("lxc-create", "-P", s.path, "-n", s.name("a"), "-t", lxcBusybox, "-f", s.confFile("a"), "-B", "loop", "--fssize", "64M")
		s.must("lxc-start", "-P", s.path, "-n", s.name("a"))
		s.attachOut(s.path, s.name("a"), "sh", "-c", "echo snapped-by-"+s.label+" > /root/mark; sync")
		s.must("lxc-stop", "-P", s.path, "-n", s.name("a"), "-k")
		s.must("lxc-snapshot", "-P", s.path, "-n", s.name("a"))
	}
	d := intended(t, "loop-snapshot")
	snap := func(s *side) string { return rootfsLine(filepath.Join(s.path, s.name("a"), "snaps", "snap0")) }
	if got := snap(p.lxc); got != "dir:CDIR/rootfs" {
		t.Errorf("%s: LXC's snapshot of a loop container: lxc.rootfs.path = %q", d.ID, got)
	}
	if got := snap(p.ours); got != "loop:CDIR/rootdev" {
		t.Errorf("%s: golxc's snapshot of a loop container: lxc.rootfs.path = %q", d.ID, got)
	}
	// Each side restores both snapshots as new containers of its own
	// lxcpath: b from its own snap0, c from snap1, a copy of the other
	// side's snap0.
	for _, s := range p.both() {
		other := p.lxc
		if s == p.lxc {
			other = p.ours
		}
		src := filepath.Join(other.path, other.name("a"), "snaps", "snap0")
		dst := filepath.Join(s.path, s.name("a"), "snaps", "snap1")
		if out, err := exec.Command("cp", "-a", "--sparse=always", src, dst).CombinedOutput(); err != nil {
			t.Fatalf("cp -a %s %s: %v: %s", src, dst, err, out)
		}
		// The copy's paths name its old place.
		cfg := filepath.Join(dst, "config")
		b, _ := os.ReadFile(cfg)
		testutil.WriteFile(t, cfg, strings.ReplaceAll(string(b), src, dst), 0o640)
	}
	for _, s := range p.both() {
		for snapName, role := range map[string]string{"snap0": "b", "snap1": "c"} {
			s.must("lxc-snapshot", "-P", s.path, "-n", s.name("a"), "-r", snapName, "-N", s.name(role))
			if got := rootfsLine(filepath.Join(s.path, s.name(role))); got != "loop:CDIR/rootdev" {
				t.Errorf("%s restored %s as %s", s.label, snapName, got)
			}
			s.must("lxc-start", "-P", s.path, "-n", s.name(role))
			if got := s.attachOut(s.path, s.name(role), "cat", "/root/mark"); !strings.HasPrefix(got, "snapped-by-") {
				t.Errorf("%s's restore of %s: /root/mark = %q", s.label, snapName, got)
			}
			s.must("lxc-stop", "-P", s.path, "-n", s.name(role), "-k")
			s.must("lxc-destroy", "-P", s.path, "-n", s.name(role))
		}
		s.must("lxc-destroy", "-P", s.path, "-n", s.name("a"), "-s")
	}
	noLoops(t, p.lxc.path, p.ours.path)
}

// TestCopyStorageTypes: lxc-copy -p into another lxcpath without -B
// gives a directory for loop and overlay sources on both sides, -B dir
// and -B loop copy an overlay clone's merged files on both sides, and a
// plain copy of an overlay clone fails under LXC and is a new overlay
// clone under golxc (overlay-copy).
func TestCopyStorageTypes(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "a")
	for _, s := range p.both() {
		s.must("lxc-create", "-P", s.path, "-n", s.name("l"), "-t", lxcBusybox, "-f", s.confFile("l"), "-B", "loop", "--fssize", "64M")
		s.must("lxc-copy", "-P", s.path, "-n", s.name("a"), "-N", s.name("s"), "-s")
		if err := os.MkdirAll(filepath.Join(s.tmp, "p2"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outcome := func(s *side, path, role string, r res) string {
		return strings.Join([]string{map[bool]string{true: "ok", false: "fail"}[r.Code == 0], rootfsLine(filepath.Join(path, s.name(role)))}, " ")
	}
	for _, c := range []struct{ src, role string }{{"l", "lp"}, {"s", "sp"}} {
		var got []string
		for _, s := range p.both() {
			p2 := filepath.Join(s.tmp, "p2")
			r := s.run("lxc-copy", "-P", s.path, "-n", s.name(c.src), "-N", s.name(c.role), "-p", p2)
			got = append(got, outcome(s, p2, c.role, r))
			if r.Code == 0 {
				s.must("lxc-destroy", "-P", p2, "-n", s.name(c.role))
			}
		}
		if got[0] != "ok dir:CDIR/rootfs" || got[1] != got[0] {
			t.Errorf("lxc-copy -p of %s: LXC %q, golxc %q", c.src, got[0], got[1])
		}
	}
	for _, b := range []string{"dir", "loop"} {
		var got []string
		for _, s := range p.both() {
			r := s.run("lxc-copy", "-P", s.path, "-n", s.name("s"), "-N", s.name("s"+b), "-B", b)
			got = append(got, outcome(s, s.path, "s"+b, r))
		}
		if !strings.HasPrefix(got[0], "ok "+b+":") || got[1] != got[0] {
			t.Errorf("lxc-copy -B %s of an overlay clone: LXC %q, golxc %q", b, got[0], got[1])
		}
	}
	d := intended(t, "overlay-copy")
	lxc, ours := p.runBoth("lxc-copy", "-P", "@P", "-n", "@s", "-N", "@c")
	if lxc.Code != 1 || ours.Code != 0 || !strings.HasPrefix(rootfsLine(filepath.Join(p.ours.path, p.ours.name("c"))), "overlay:") {
		t.Errorf("%s: plain copy of an overlay clone: LXC %s; golxc %s", d.ID, lxc, ours)
	}
	for _, s := range p.both() {
		for _, role := range []string{"c", "sdir", "sloop", "s", "a", "l"} {
			if _, err := os.Stat(filepath.Join(s.path, s.name(role), "config")); err == nil {
				s.must("lxc-destroy", "-P", s.path, "-n", s.name(role))
			}
		}
	}
	noLoops(t, p.lxc.path, p.ours.path)
}
