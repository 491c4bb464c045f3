package destroytool_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// Container names are unique per run: testutil's leftover check looks for
// cgroups and processes by container name, host-wide.
var (
	c1, c2, c3, c4 = testutil.UniqueName("da"), testutil.UniqueName("db"), testutil.UniqueName("dc"), testutil.UniqueName("dd")
	theirs, ours   = testutil.UniqueName("dt"), testutil.UniqueName("do")
	nope           = testutil.UniqueName("dn")
)

func hostData(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	testutil.WriteFile(t, filepath.Join(d, "precious"), "keep me", 0o644)
	testutil.WriteFile(t, filepath.Join(d, "sub/also"), "and me", 0o644)
	return d
}

func checkHostData(t *testing.T, d string) {
	t.Helper()
	for _, f := range []string{"precious", "sub/also"} {
		if b, err := os.ReadFile(filepath.Join(d, f)); err != nil || len(b) == 0 {
			t.Errorf("host data %s lost: %v", f, err)
		}
	}
}

func gone(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Errorf("%s still exists (%v)", p, err)
	}
}

// TestBindMountLeftByKilledContainer: host data bind-mounted into the
// rootfs (as a killed container's mount entries leave it) survives destroy.
func TestBindMountLeftByKilledContainer(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	cdir := testutil.BusyboxContainer(t, p, c1)
	host := hostData(t)
	mnt := filepath.Join(cdir, "rootfs/mnt/host")
	os.MkdirAll(mnt, 0o755)
	if err := syscall.Mount(host, mnt, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	// And a bind mount of a single file.
	hostFile := filepath.Join(host, "precious")
	fmnt := filepath.Join(cdir, "rootfs/etc/precious")
	testutil.WriteFile(t, fmnt, "", 0o644)
	if err := syscall.Mount(hostFile, fmnt, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(fmnt, syscall.MNT_DETACH) })

	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", c1)
	if r.Code != 0 {
		t.Fatal(r)
	}
	checkHostData(t, host)
	gone(t, cdir)
	if m := testutil.MountsUnder(p); len(m) > 0 {
		t.Errorf("mounts left: %v", m)
	}
	if !strings.Contains(r.Stderr, "unmounted") {
		t.Errorf("no note about the detached mounts: %q", r.Stderr)
	}
}

// TestSymlinksNeverFollowed: symlinks in the rootfs to host data, a rootfs
// that is itself a symlink, an lxc.rootfs.path outside the container, and
// a container directory that is a symlink.
func TestSymlinksNeverFollowed(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)

	// Symlinks inside the rootfs, absolute and relative.
	host := hostData(t)
	cdir := testutil.BusyboxContainer(t, p, c1)
	os.Symlink(host, filepath.Join(cdir, "rootfs/host-abs"))
	rel, _ := filepath.Rel(filepath.Join(cdir, "rootfs"), host)
	os.Symlink(rel, filepath.Join(cdir, "rootfs/host-rel"))
	os.Symlink(filepath.Join(host, "precious"), filepath.Join(cdir, "rootfs/etc/file-link"))
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", c1)
	checkHostData(t, host)
	gone(t, cdir)

	// The rootfs directory is a symlink to host data.
	host2 := hostData(t)
	cdir = filepath.Join(p, c2)
	os.MkdirAll(cdir, 0o770)
	os.Symlink(host2, filepath.Join(cdir, "rootfs"))
	testutil.WriteFile(t, filepath.Join(cdir, "config"), "lxc.rootfs.path = dir:"+cdir+"/rootfs\n", 0o640)
	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", c2)
	checkHostData(t, host2)
	if r.Code != 0 || !strings.Contains(r.Stderr, "not deleting through it") {
		t.Errorf("rootfs symlink: %s", r)
	}
	gone(t, cdir)

	// lxc.rootfs.path names a host directory golxc did not create.
	host3 := hostData(t)
	cdir = filepath.Join(p, c3)
	testutil.WriteFile(t, filepath.Join(cdir, "config"), "lxc.rootfs.path = dir:"+host3+"\n", 0o640)
	r = testutil.Run(t, "lxc-destroy", "-P", p, "-n", c3)
	if r.Code != 0 || !strings.Contains(r.Stderr, "left in place") {
		t.Errorf("outside rootfs: %s", r)
	}
	checkHostData(t, host3)
	gone(t, cdir)

	// The container directory itself is a symlink.
	host4 := hostData(t)
	testutil.WriteFile(t, filepath.Join(host4, "config"), "lxc.uts.name = "+c4+"\n", 0o640)
	os.Symlink(host4, filepath.Join(p, c4))
	r = testutil.Run(t, "lxc-destroy", "-P", p, "-n", c4)
	if r.Code != 1 || !strings.Contains(r.Stderr, "is a symlink") {
		t.Errorf("symlinked container dir: %s", r)
	}
	checkHostData(t, host4)
	os.Remove(filepath.Join(p, c4))
}

// TestManagedZero: lxc.rootfs.managed = 0 leaves everything, as LXC.
func TestManagedZero(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	cdir := testutil.BusyboxContainer(t, p, c1, "lxc.rootfs.managed = 0")
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", c1)
	for _, f := range []string{"config", "rootfs/bin/busybox"} {
		if _, err := os.Stat(filepath.Join(cdir, f)); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
	os.RemoveAll(cdir)
}

// TestRefusals: LXC's messages and exit codes.
func TestRefusals(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", nope)
	if r.Code != 1 || r.Stderr != "lxc-destroy: "+nope+": Container is not defined\n" {
		t.Errorf("not defined: %s", r)
	}
	cdir := testutil.BusyboxContainer(t, p, c1)
	testutil.WriteFile(t, filepath.Join(cdir, "lxc_snapshots"), p+"\n"+c2+"\n", 0o644)
	r = testutil.Run(t, "lxc-destroy", "-P", p, "-n", c1)
	if r.Code != 1 || r.Stderr != "lxc-destroy: "+c1+": Destroying "+c1+" failed: "+c1+" has clones\n" {
		t.Errorf("clones: %s", r)
	}
	os.Remove(filepath.Join(cdir, "lxc_snapshots"))
	os.MkdirAll(filepath.Join(cdir, "snaps/snap0"), 0o755)
	r = testutil.Run(t, "lxc-destroy", "-P", p, "-n", c1)
	if r.Code != 1 || r.Stderr != "lxc-destroy: "+c1+": Destroying "+c1+" failed: "+c1+" has snapshots\n" {
		t.Errorf("snapshots: %s", r)
	}
	os.RemoveAll(filepath.Join(cdir, "snaps"))
	// An empty snaps directory is removed, as LXC does.
	os.MkdirAll(filepath.Join(cdir, "snaps"), 0o755)
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", c1)
	gone(t, cdir)
}

// TestSnapshotsFlag: -s destroys the snapshots, then the container.
func TestSnapshotsFlag(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	cdir := testutil.BusyboxContainer(t, p, c1)
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", c1)
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", c1)
	if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", c1); r.Code != 1 {
		t.Fatalf("destroy with snapshots: %s", r)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", c1, "-s")
	gone(t, cdir)
}

// TestRunning: a running container is refused without -f and stopped and
// destroyed with it.
func TestRunning(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	cdir := testutil.BusyboxContainer(t, p, c1)
	testutil.MustRun(t, "lxc-start", "-P", p, "-n", c1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := testutil.Run(t, "lxc-info", "-P", p, "-n", c1, "-s", "-H")
		if strings.TrimSpace(r.Stdout) == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container did not start: %s", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", c1)
	if r.Code != 1 || r.Stderr != "lxc-destroy: "+c1+": "+c1+" is running\n" {
		t.Errorf("running: %s", r)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", c1, "-f")
	gone(t, cdir)
}

// TestInteropWithLXC: a container made by LXC's lxc-create is destroyed
// by ours, and one made by ours by LXC's.
func TestInteropWithLXC(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	if out, err := exec.Command("/usr/bin/lxc-create", "-P", p, "-n", theirs, "-t", "busybox").CombinedOutput(); err != nil {
		t.Fatalf("lxc-create: %v\n%s", err, out)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", theirs)
	gone(t, filepath.Join(p, theirs))
	r := testutil.RunIn(t, []string{"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates")}, "", "lxc-create", "-P", p, "-n", ours, "-t", "busybox")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if out, err := exec.Command("/usr/bin/lxc-destroy", "-P", p, "-n", ours).CombinedOutput(); err != nil {
		t.Fatalf("LXC's lxc-destroy: %v\n%s", err, out)
	}
	gone(t, filepath.Join(p, ours))
}
