package snapshottool_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var listLine = regexp.MustCompile(`^snap[0-9]+ \(.*/snaps\) [0-9]{4}:[0-9]{2}:[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`)

// TestSnapshotLikeLXC: our snapshots have LXC's layout and config, and
// both tools read each other's.
func TestSnapshotLikeLXC(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("s")
	cdir := testutil.BusyboxContainer(t, p, name, "lxc.net.0.hwaddr = 00:16:3e:12:34:56")
	if r := testutil.Run(t, "lxc-snapshot", "-P", p, "-n", name, "-L"); r.Stdout != "No snapshots\n" {
		t.Errorf("empty list: %s", r)
	}
	comment := filepath.Join(t.TempDir(), "comment")
	testutil.WriteFile(t, comment, "first one\n", 0o600)
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-c", comment)
	// LXC's lxc-snapshot takes the next one in the same directory.
	if out, err := exec.Command("/usr/bin/lxc-snapshot", "-P", p, "-n", name).CombinedOutput(); err != nil {
		t.Fatalf("LXC's lxc-snapshot: %v\n%s", err, out)
	}
	snaps := filepath.Join(cdir, "snaps")
	ours := strings.ReplaceAll(read(t, filepath.Join(snaps, "snap0/config")), "snap0", "SNAP")
	theirs := strings.ReplaceAll(read(t, filepath.Join(snaps, "snap1/config")), "snap1", "SNAP")
	if ours != theirs {
		t.Errorf("snapshot config differs:\n--- ours\n%s\n--- LXC\n%s", ours, theirs)
	}
	if !strings.Contains(ours, "00:16:3e:12:34:56") {
		t.Error("snapshot changed the MAC")
	}
	if ts := read(t, filepath.Join(snaps, "snap0/ts")); !regexp.MustCompile(`^[0-9]{4}:[0-9]{2}:[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`).MatchString(ts) {
		t.Errorf("ts %q", ts)
	}
	for _, f := range []string{"snap0/ts", "snap0/comment"} {
		if fi, _ := os.Stat(filepath.Join(snaps, f)); fi == nil || fi.Mode().Perm() != 0o644 && f == "snap0/ts" {
			t.Errorf("%s: %v", f, fi)
		}
	}
	for _, tool := range []string{"", "/usr/bin/lxc-snapshot"} {
		var out string
		if tool == "" {
			out = testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-L", "-C").Stdout
		} else {
			b, err := exec.Command(tool, "-P", p, "-n", name, "-L", "-C").Output()
			if err != nil {
				t.Fatal(err)
			}
			out = string(b)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || !listLine.MatchString(lines[0]) || lines[1] != "first one" || !listLine.MatchString(lines[2]) {
			t.Errorf("%s -L -C:\n%s", tool, out)
		}
	}
	// Restore under a new name: hostname and MACs are the new container's.
	restored := testutil.UniqueName("r")
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-r", "snap0", "-N", restored)
	rc := read(t, filepath.Join(p, restored, "config"))
	if !strings.Contains(rc, "lxc.uts.name = "+restored+"\n") || strings.Contains(rc, "00:16:3e:12:34:56") ||
		!strings.Contains(rc, "lxc.rootfs.path = dir:"+p+"/"+restored+"/rootfs\n") {
		t.Errorf("restored config:\n%s", rc)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", restored)
	// Restore in place: the container is replaced, its snapshots stay.
	os.Remove(filepath.Join(cdir, "rootfs/bin/busybox"))
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-r", "snap1")
	if _, err := os.Stat(filepath.Join(cdir, "rootfs/bin/busybox")); err != nil {
		t.Errorf("restore did not bring the rootfs back: %v", err)
	}
	if _, err := os.Stat(filepath.Join(snaps, "snap1/config")); err != nil {
		t.Errorf("snapshots lost by restore: %v", err)
	}
	if r := testutil.Run(t, "lxc-snapshot", "-P", p, "-n", name, "-r", "snap0", "a", "b"); r.Code != 1 || !strings.Contains(r.Stderr, "Too many arguments") {
		t.Errorf("too many arguments: %s", r)
	}
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-d", "snap0")
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", name, "-d", "ALL")
	if _, err := os.Stat(snaps); !os.IsNotExist(err) {
		t.Errorf("snaps directory left: %v", err)
	}
	if r := testutil.Run(t, "lxc-snapshot", "-P", p, "-n", name, "-d", "snap7"); r.Code != 1 || !strings.Contains(r.Stderr, "Error destroying snapshot snap7") {
		t.Errorf("missing snapshot: %s", r)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", name)
}

// TestOverlaySnapshot: snapshots of an overlay clone are overlay snapshots
// depending on it.
func TestOverlaySnapshot(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	base, clone := testutil.UniqueName("b"), testutil.UniqueName("o")
	testutil.BusyboxContainer(t, p, base)
	testutil.MustRun(t, "lxc-copy", "-P", p, "-n", base, "-N", clone, "-s")
	testutil.WriteFile(t, filepath.Join(p, clone, "overlay/delta/changed"), "x", 0o644)
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", clone)
	sc := read(t, filepath.Join(p, clone, "snaps/snap0/config"))
	if !strings.Contains(sc, "lxc.rootfs.path = overlay:"+p+"/"+base+"/rootfs:"+p+"/"+clone+"/snaps/snap0/overlay/delta\n") {
		t.Errorf("snapshot config:\n%s", sc)
	}
	if _, err := os.Stat(filepath.Join(p, clone, "snaps/snap0/overlay/delta/changed")); err != nil {
		t.Errorf("delta not copied: %v", err)
	}
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", clone, "-d", "snap0")
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", clone)
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", base)
}
