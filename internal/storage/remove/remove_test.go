package remove

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// hostData makes a directory standing for host data, with files in it.
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
		if _, err := os.Stat(filepath.Join(d, f)); err != nil {
			t.Errorf("host data lost: %v", err)
		}
	}
}

func bindMount(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dst, unix.MNT_DETACH) })
}

func TestRemoveDetachesBindMount(t *testing.T) {
	testutil.Integration(t)
	host := hostData(t)
	tree := filepath.Join(t.TempDir(), "c1")
	testutil.WriteFile(t, filepath.Join(tree, "rootfs/etc/passwd"), "x", 0o644)
	bindMount(t, host, filepath.Join(tree, "rootfs/mnt/host"))
	var warned []string
	if err := RemoveAll(tree, Options{Warn: func(m string) { warned = append(warned, m) }}); err != nil {
		t.Fatal(err)
	}
	checkHostData(t, host)
	if _, err := os.Lstat(tree); !os.IsNotExist(err) {
		t.Errorf("tree still there: %v", err)
	}
	if len(warned) != 1 {
		t.Errorf("warnings: %q", warned)
	}
	if m := testutil.MountsUnder(tree); len(m) > 0 {
		t.Errorf("mounts left: %v", m)
	}
}

func TestRemoveRefusesMountWithNoDetach(t *testing.T) {
	testutil.Integration(t)
	host := hostData(t)
	tree := filepath.Join(t.TempDir(), "c1")
	bindMount(t, host, filepath.Join(tree, "rootfs/mnt/host"))
	err := RemoveAll(tree, Options{NoDetach: true})
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err = %v", err)
	}
	checkHostData(t, host)
}

// TestRemoveNeverEntersMountPoint bypasses the detach step to show that the
// walk itself stops at a mount point (same filesystem, so st_dev alone
// would not have noticed).
func TestRemoveNeverEntersMountPoint(t *testing.T) {
	testutil.Integration(t)
	host := hostData(t)
	tree := filepath.Join(t.TempDir(), "c1")
	testutil.WriteFile(t, filepath.Join(tree, "rootfs/etc/passwd"), "x", 0o644)
	bindMount(t, host, filepath.Join(tree, "rootfs/mnt/host"))
	fd, err := unix.Open(tree, dirFlags, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	id, _ := mountID(fd)
	r := &remover{mnt: id}
	r.removeContents(fd, tree, 0)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "mount point") {
		t.Fatalf("errors: %q", r.errs)
	}
	checkHostData(t, host)
	if _, err := os.Stat(filepath.Join(tree, "rootfs/etc")); !os.IsNotExist(err) {
		t.Errorf("the rest was not removed")
	}
}

func TestRemoveSymlinksNotFollowed(t *testing.T) {
	testutil.Integration(t)
	host := hostData(t)
	tree := filepath.Join(t.TempDir(), "c1")
	os.MkdirAll(filepath.Join(tree, "rootfs"), 0o755)
	os.Symlink(host, filepath.Join(tree, "rootfs/link-dir"))
	os.Symlink(filepath.Join(host, "precious"), filepath.Join(tree, "rootfs/link-file"))
	os.Symlink("../../../../../../../../"+host, filepath.Join(tree, "rootfs/rel"))
	if err := RemoveAll(tree, Options{}); err != nil {
		t.Fatal(err)
	}
	checkHostData(t, host)
	// The top itself a symlink: only the link goes.
	link := filepath.Join(t.TempDir(), "c2")
	os.Symlink(host, link)
	if err := RemoveAll(link, Options{}); err != nil {
		t.Fatal(err)
	}
	checkHostData(t, host)
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Error("symlink not removed")
	}
}

const fsImmutable = 0x10 // FS_IMMUTABLE_FL

func setFlags(t *testing.T, p string, flags int) {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.FS_IOC_SETFLAGS, uintptr(unsafe.Pointer(&flags))); e != 0 {
		t.Fatalf("set flags on %s: %v", p, e)
	}
}

func TestRemoveKeepsImmutable(t *testing.T) {
	testutil.Integration(t)
	tree := filepath.Join(t.TempDir(), "c1")
	f := filepath.Join(tree, "rootfs/locked")
	testutil.WriteFile(t, f, "x", 0o644)
	setFlags(t, f, fsImmutable)
	t.Cleanup(func() { setFlags(t, f, 0) })
	err := RemoveAll(tree, Options{})
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(f); err != nil {
		t.Fatalf("immutable file gone: %v", err)
	}
}

func TestRemoveKeep(t *testing.T) {
	testutil.Integration(t)
	tree := filepath.Join(t.TempDir(), "c1")
	testutil.WriteFile(t, filepath.Join(tree, "snaps/snap0/config"), "x", 0o644)
	testutil.WriteFile(t, filepath.Join(tree, "config"), "x", 0o644)
	if err := RemoveAll(tree, Options{Keep: []string{"snaps"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tree, "snaps/snap0/config")); err != nil {
		t.Fatal("snaps removed")
	}
	if _, err := os.Stat(filepath.Join(tree, "config")); !os.IsNotExist(err) {
		t.Fatal("config kept")
	}
}
