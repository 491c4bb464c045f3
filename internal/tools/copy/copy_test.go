package copytool_test

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

func lxc(t *testing.T, tool string, args ...string) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/"+tool, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

var mac = regexp.MustCompile(`00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}`)

// source makes a container with what a clone rewrites: MACs, a hook
// script and an fstab in its directory, an overlay mount entry pointing
// into it, a hostname file.
func source(t *testing.T, p, name string) string {
	t.Helper()
	cdir := filepath.Join(p, name)
	cfg := filepath.Join(t.TempDir(), "src.conf")
	testutil.WriteFile(t, cfg, strings.Join([]string{
		"lxc.net.0.type = veth",
		"lxc.net.0.link = nosuchbr",
		"lxc.net.0.hwaddr = 00:16:3e:12:34:56",
		"lxc.net.1.type = empty",
		"lxc.group = web",
		"lxc.hook.pre-start = " + cdir + "/hook.sh",
		"lxc.mount.fstab = " + cdir + "/fstab",
		"lxc.mount.entry = /opt opt overlay lowerdir=/opt,upperdir=" + cdir + "/delta,workdir=" + cdir + "/work,create=dir 0 0",
		""}, "\n"), 0o644)
	r := testutil.RunIn(t, []string{"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates")}, "", "lxc-create", "-P", p, "-n", name, "-t", "busybox", "-f", cfg)
	if r.Code != 0 {
		t.Fatal(r)
	}
	testutil.WriteFile(t, filepath.Join(cdir, "hook.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	testutil.WriteFile(t, filepath.Join(cdir, "fstab"), "# empty\n", 0o644)
	testutil.WriteFile(t, filepath.Join(cdir, "rootfs/etc/hostname"), name+"\n", 0o644)
	return cdir
}

// TestCopyMatchesLXC: the config our lxc-copy writes is the one LXC's
// writes for the same source (names and the fresh random MACs aside).
func TestCopyMatchesLXC(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	src := testutil.UniqueName("cs")
	source(t, p, src)
	for _, c := range []struct {
		name  string
		flags []string
	}{
		{"plain", nil},
		{"keep", []string{"-K", "-M"}},
		{"snap", []string{"-s"}},
	} {
		ours, theirs := testutil.UniqueName("co"), testutil.UniqueName("ct")
		testutil.MustRun(t, "lxc-copy", append([]string{"-P", p, "-n", src, "-N", ours}, c.flags...)...)
		lxc(t, "lxc-copy", append([]string{"-P", p, "-n", src, "-N", theirs}, c.flags...)...)
		o := strings.ReplaceAll(read(t, filepath.Join(p, ours, "config")), ours, "NEW")
		th := strings.ReplaceAll(read(t, filepath.Join(p, theirs, "config")), theirs, "NEW")
		if c.name == "keep" {
			if !strings.Contains(o, "00:16:3e:12:34:56") {
				t.Errorf("%s: MAC not kept", c.name)
			}
		} else {
			if strings.Contains(o, "00:16:3e:12:34:56") || !mac.MatchString(o) {
				t.Errorf("%s: MAC not renewed:\n%s", c.name, o)
			}
			o, th = mac.ReplaceAllString(o, "MAC"), mac.ReplaceAllString(th, "MAC")
		}
		if o != th {
			t.Errorf("%s: config differs from LXC's:\n--- ours\n%s\n--- LXC\n%s", c.name, o, th)
		}
		for _, f := range []string{"hook.sh", "fstab", "lxc_rdepends"} {
			_, e1 := os.Stat(filepath.Join(p, ours, f))
			_, e2 := os.Stat(filepath.Join(p, theirs, f))
			if (e1 == nil) != (e2 == nil) {
				t.Errorf("%s: %s present in ours: %v, in LXC's: %v", c.name, f, e1 == nil, e2 == nil)
			}
		}
		if c.name == "snap" {
			rd := strings.ReplaceAll(read(t, filepath.Join(p, ours, "lxc_rdepends")), ours, "NEW")
			if rd != strings.ReplaceAll(read(t, filepath.Join(p, theirs, "lxc_rdepends")), theirs, "NEW") {
				t.Errorf("lxc_rdepends differ")
			}
			snaps := read(t, filepath.Join(p, src, "lxc_snapshots"))
			if snaps != p+"\n"+ours+"\n"+p+"\n"+theirs+"\n" {
				t.Errorf("lxc_snapshots: %q", snaps)
			}
		}
		// The hostname file follows the name unless -K, as LXC's.
		want := ours
		if c.name == "keep" {
			want = src + "\n"
		}
		if c.name != "snap" {
			if got := read(t, filepath.Join(p, ours, "rootfs/etc/hostname")); got != want {
				t.Errorf("%s: hostname %q, want %q", c.name, got, want)
			}
		}
		testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", ours)
		lxc(t, "lxc-destroy", "-P", p, "-n", theirs)
	}
	if _, err := os.Stat(filepath.Join(p, src, "lxc_snapshots")); !os.IsNotExist(err) {
		t.Errorf("lxc_snapshots left after the clones were destroyed: %v", err)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", src)
}

// TestSnapshotClone: an overlay clone sees the source's files, writes to
// its delta only, and blocks the source's destroy until it is gone.
func TestSnapshotClone(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	src, clone := testutil.UniqueName("cs"), testutil.UniqueName("cc")
	source(t, p, src)
	testutil.MustRun(t, "lxc-copy", "-P", p, "-n", src, "-N", clone, "-s")
	cfg := read(t, filepath.Join(p, clone, "config"))
	want := "lxc.rootfs.path = overlay:" + p + "/" + src + "/rootfs:" + p + "/" + clone + "/overlay/delta\n"
	if !strings.Contains(cfg, want) {
		t.Errorf("config lacks %q", want)
	}
	if got := read(t, filepath.Join(p, clone, "overlay/delta/etc/hostname")); got != clone {
		t.Errorf("hostname in delta: %q", got)
	}
	if got := read(t, filepath.Join(p, src, "rootfs/etc/hostname")); got != src+"\n" {
		t.Errorf("source hostname changed: %q", got)
	}
	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", src)
	if r.Code != 1 || !strings.Contains(r.Stderr, "has clones") {
		t.Errorf("source destroyed under its clone: %s", r)
	}
	if m := testutil.MountsUnder(p); len(m) > 0 {
		t.Errorf("mounts left: %v", m)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", clone)
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", src)
}

// TestRenameAndErrors: -R keeps the MACs and removes the old container;
// the usual refusals.
func TestRenameAndErrors(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	src, dst := testutil.UniqueName("cs"), testutil.UniqueName("cr")
	source(t, p, src)
	testutil.MustRun(t, "lxc-copy", "-P", p, "-n", src, "-N", dst, "-R")
	if _, err := os.Stat(filepath.Join(p, src)); !os.IsNotExist(err) {
		t.Error("old container left")
	}
	cfg := read(t, filepath.Join(p, dst, "config"))
	if !strings.Contains(cfg, "00:16:3e:12:34:56") || !strings.Contains(cfg, "lxc.uts.name = "+dst+"\n") {
		t.Errorf("renamed config:\n%s", cfg)
	}
	if r := testutil.Run(t, "lxc-copy", "-P", p, "-n", dst); r.Code != 1 || !strings.Contains(r.Stderr, "You must provide a NEWNAME") {
		t.Errorf("no -N: %s", r)
	}
	if r := testutil.Run(t, "lxc-copy", "-P", p, "-n", "nosuch"+dst, "-N", "x"+dst); r.Code != 1 || !strings.Contains(r.Stderr, "is not defined") {
		t.Errorf("undefined source: %s", r)
	}
	if r := testutil.Run(t, "lxc-copy", "-P", p, "-n", dst, "-N", dst); r.Code != 1 || !strings.Contains(r.Stderr, "exists") {
		t.Errorf("existing target: %s", r)
	}
	if r := testutil.Run(t, "lxc-copy", "-P", p, "-n", dst, "-N", "z"+dst, "-B", "rbd"); r.Code != 1 || !strings.Contains(r.Stderr, "not supported") {
		t.Errorf("-B rbd: %s", r)
	}
	if _, err := os.Stat(filepath.Join(p, "z"+dst)); !os.IsNotExist(err) {
		t.Error("failed copy left a directory")
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", dst)
}
