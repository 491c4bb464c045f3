package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// Copies between storage types that LXC 5.0.2 makes and golxc must too,
// and restores of snapshots LXC made.

// rootfsType is the TYPE of a container's lxc.rootfs.path (TYPE:PATH).
func rootfsType(t *testing.T, cdir string) string {
	t.Helper()
	for _, l := range strings.Split(readFile(t, filepath.Join(cdir, "config")), "\n") {
		if v, ok := strings.CutPrefix(l, "lxc.rootfs.path = "); ok {
			typ, _, _ := strings.Cut(v, ":")
			return typ
		}
	}
	t.Fatalf("%s/config has no lxc.rootfs.path", cdir)
	return ""
}

// TestCopyOfOverlayToOtherStorage: an overlay snapshot clone whose
// container added and deleted files copies to dir and to loop (-B) as the
// files its container sees, with no overlay whiteouts; lxc-copy -p into
// another lxcpath without -B gives a directory, as LXC's storage_copy
// does, for an overlay and for a loop source.
func TestCopyOfOverlayToOtherStorage(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "mkfs.ext4")
	p := testutil.LXCPath(t)
	o := testutil.UniqueName("ov")
	tool(t, "lxc-create", "-P", p, "-n", o, "-t", "busybox", "-f", netEmpty(t))
	s := o + "s"
	tool(t, "lxc-copy", "-P", p, "-n", o, "-N", s, "-s")
	if typ := rootfsType(t, filepath.Join(p, s)); typ != "overlay" {
		t.Fatalf("lxc-copy -s of a dir container made %s storage", typ)
	}
	tool(t, "lxc-start", "-P", p, "-n", s)
	attach(t, p, s, "sh", "-c", "echo added > /root/added && rm /etc/hostname && rm -r /etc/init.d && sync")
	stopKill(t, p, s)

	check := func(c string, files func(rel string) (string, bool)) {
		t.Helper()
		if got, ok := files("root/added"); !ok || got != "added\n" {
			t.Errorf("%s: /root/added = %q (%v), want the clone's file", c, got, ok)
		}
		for _, gone := range []string{"etc/hostname", "etc/init.d"} {
			if _, ok := files(gone); ok {
				t.Errorf("%s: /%s, deleted in the clone, came back", c, gone)
			}
		}
		if _, ok := files("bin/busybox"); !ok {
			t.Errorf("%s: /bin/busybox of the origin is missing", c)
		}
	}
	onHost := func(root string) func(string) (string, bool) {
		return func(rel string) (string, bool) {
			fi, err := os.Lstat(filepath.Join(root, rel))
			if err != nil {
				return "", false
			}
			if fi.Mode()&os.ModeCharDevice != 0 {
				t.Errorf("%s is an overlay whiteout", filepath.Join(root, rel))
			}
			b, _ := os.ReadFile(filepath.Join(root, rel))
			return string(b), true
		}
	}
	inside := func(c string) func(string) (string, bool) {
		return func(rel string) (string, bool) {
			r := testutil.Run(t, "lxc-attach", "-P", p, "-n", c, "--", "sh", "-c", "test -e /"+rel+" || exit 3; test -f /"+rel+" && cat /"+rel+"; true")
			return r.Stdout, r.Code == 0
		}
	}

	d := o + "d"
	tool(t, "lxc-copy", "-P", p, "-n", s, "-N", d, "-B", "dir")
	if typ := rootfsType(t, filepath.Join(p, d)); typ != "dir" {
		t.Errorf("-B dir copy of an overlay container: %s storage", typ)
	}
	check(d, onHost(filepath.Join(p, d, "rootfs")))

	l := o + "l"
	tool(t, "lxc-copy", "-P", p, "-n", s, "-N", l, "-B", "loop", "-L", "40M")
	if typ := rootfsType(t, filepath.Join(p, l)); typ != "loop" {
		t.Errorf("-B loop copy of an overlay container: %s storage", typ)
	}
	tool(t, "lxc-start", "-P", p, "-n", l)
	check(l, inside(l))
	stopKill(t, p, l)

	// Another lxcpath, no -B: a directory, from overlay and from loop.
	p2 := testutil.LXCPath(t)
	for _, src := range []string{s, l} {
		tool(t, "lxc-copy", "-P", p, "-n", src, "-N", src+"p", "-p", p2)
		cdir := filepath.Join(p2, src+"p")
		if typ := rootfsType(t, cdir); typ != "dir" {
			t.Errorf("lxc-copy -p of a %s container: %s storage, want dir", map[string]string{s: "overlay", l: "loop"}[src], typ)
		}
		check(src+"p", onHost(filepath.Join(cdir, "rootfs")))
		tool(t, "lxc-destroy", "-P", p2, "-n", src+"p")
	}
	for _, c := range []string{d, l, s, o} {
		tool(t, "lxc-destroy", "-P", p, "-n", c)
	}
	noLoopDevices(t, p)
}

// TestRestoreDirSnapshotOfLoop: LXC's lxc-snapshot of a loop container is
// a directory (snaps/snapN/rootfs); golxc's lxc-snapshot -r restores it
// into a new loop image, as LXC does, beside the original and in place.
func TestRestoreDirSnapshotOfLoop(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "mkfs.ext4")
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("rs")
	tool(t, "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-B", "loop", "--fssize", "40M", "-f", netEmpty(t))
	// The snapshot as LXC 5.0.2 writes it.
	snaps := filepath.Join(p, n, "snaps")
	sdir := testutil.BusyboxContainer(t, snaps, "snap0")
	testutil.WriteFile(t, filepath.Join(sdir, "rootfs", "root", "mark"), "from the snapshot\n", 0o644)
	testutil.WriteFile(t, filepath.Join(sdir, "ts"), "2026:01:02 03:04:05", 0o644)
	if typ := rootfsType(t, sdir); typ != "dir" {
		t.Fatalf("the snapshot fixture is %s", typ)
	}

	for _, target := range []string{n + "r", n} {
		args := []string{"-P", p, "-n", n, "-r", "snap0"}
		if target != n {
			args = append(args, "-N", target)
		}
		tool(t, "lxc-snapshot", args...)
		if typ := rootfsType(t, filepath.Join(p, target)); typ != "loop" {
			t.Errorf("restored %s: %s storage, want loop as the container", target, typ)
		}
		if fi, err := os.Stat(filepath.Join(p, target, "rootdev")); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("restored %s: no loop image: %v", target, err)
		}
		tool(t, "lxc-start", "-P", p, "-n", target)
		if got := attach(t, p, target, "cat", "/root/mark"); got != "from the snapshot\n" {
			t.Errorf("restored %s: /root/mark = %q", target, got)
		}
		stopKill(t, p, target)
	}
	if _, err := os.Stat(filepath.Join(snaps, "snap0", "config")); err != nil {
		t.Errorf("the snapshot went with the in-place restore: %v", err)
	}
	tool(t, "lxc-destroy", "-P", p, "-n", n+"r")
	tool(t, "lxc-destroy", "-P", p, "-n", n, "-s")
	noLoopDevices(t, p)
}
