package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BusyboxPath returns the host's static busybox, failing the test if absent.
func BusyboxPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	t.Fatal("busybox is not installed (make test-deps installs busybox-static)")
	return ""
}

// BusyboxRootfs fills dir with a minimal root filesystem: a copy of the
// host's static busybox, a link per applet, /etc/passwd and /etc/group, and
// the empty mount points a container needs. It does not depend on
// lxc-create, so runtime tests stand on their own.
func BusyboxRootfs(t testing.TB, dir string) {
	t.Helper()
	bb := BusyboxPath(t)
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "dev/pts", "tmp", "root", "home", "mnt", "var/log", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "tmp"), 0o1777)
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		os.Symlink("busybox", filepath.Join(dir, "bin", applet))
	}
	os.Symlink("../bin/busybox", filepath.Join(dir, "sbin/init"))
	WriteFile(t, filepath.Join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n", 0o644)
	WriteFile(t, filepath.Join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n", 0o644)
	WriteFile(t, filepath.Join(dir, "etc/inittab"), "::sysinit:/bin/true\n::respawn:/bin/sleep 100000\n::ctrlaltdel:/bin/true\n", 0o644)
	os.MkdirAll(filepath.Join(dir, "home/user"), 0o755)
	os.Chown(filepath.Join(dir, "home/user"), 1000, 1000)
}

// BusyboxContainer defines container name in lxcpath with a busybox rootfs
// and a small config (extra lines appended), without calling lxc-create.
// It returns the container directory.
func BusyboxContainer(t testing.TB, lxcpath, name string, extra ...string) string {
	t.Helper()
	cdir := filepath.Join(lxcpath, name)
	rootfs := filepath.Join(cdir, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(cdir, 0o770)
	BusyboxRootfs(t, rootfs)
	cfg := fmt.Sprintf(`lxc.rootfs.path = dir:%s
lxc.uts.name = %s
lxc.net.0.type = empty
lxc.autodev = 1
lxc.tty.max = 2
lxc.pty.max = 16
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.cap.drop = sys_module mac_admin mac_override sys_time
lxc.init.cmd = /bin/sleep 100000
`, rootfs, name)
	for _, l := range extra {
		cfg += l + "\n"
	}
	WriteFile(t, filepath.Join(cdir, "config"), cfg, 0o640)
	return cdir
}
