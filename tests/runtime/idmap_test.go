package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// unprivileged defines a busybox container with lxc.idmap (container root
// is host uid 100000) whose rootfs belongs to its root.
func unprivileged(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	p, n := container(t, append([]string{"lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536"}, extra...)...)
	os.Chmod(p, 0o711)
	os.Chmod(filepath.Join(p, n), 0o711)
	filepath.Walk(filepath.Join(p, n, "rootfs"), func(path string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(path, 100000, 100000)
		}
		return nil
	})
	return p, n
}

// TestIdmappedBindMount: "bind,idmap=container" shows a host directory
// owned by host root as owned by the container's root, and what the
// container writes there is owned by host root on the host; without
// idmap the same directory is nobody's inside. Also read-only and
// idmap=/path/to/userns, under both stage-2s.
func TestIdmappedBindMount(t *testing.T) {
	for _, env := range [][]string{nil, {"GOLXC_SUPERVISOR=off"}} {
		name := "c-stage2"
		if env != nil {
			name = "go-stage2"
		}
		t.Run(name, func(t *testing.T) {
			shared := t.TempDir()
			os.Chmod(shared, 0o755)
			os.Chmod(filepath.Dir(shared), 0o711) // container root must reach it
			testutil.WriteFile(t, filepath.Join(shared, "hostfile"), "x", 0o644)
			ro := t.TempDir()
			os.Chmod(ro, 0o755)
			p, n := unprivileged(t,
				"lxc.mount.entry = "+shared+" mnt/idm none bind,idmap=container,create=dir 0 0",
				"lxc.mount.entry = "+shared+" mnt/plain none bind,create=dir 0 0",
				"lxc.mount.entry = "+ro+" mnt/ro none bind,ro,idmap=container,create=dir 0 0")
			r := testutil.RunIn(t, env, "", "lxc-start", "-P", p, "-n", n)
			t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
			if r.Code != 0 {
				t.Fatalf("lxc-start: %s", r)
			}
			attach := func(cmd string) testutil.Result {
				return testutil.Run(t, "lxc-attach", "-P", p, "-n", n, "--", "/bin/sh", "-c", cmd)
			}
			if r := attach("stat -c %u:%g /mnt/idm/hostfile /mnt/plain/hostfile"); r.Code != 0 || r.Stdout != "0:0\n65534:65534\n" {
				t.Errorf("owners through the idmapped and the plain bind: %s\nwant 0:0 then 65534:65534", r)
			}
			if r := attach("echo y > /mnt/idm/fromct"); r.Code != 0 {
				t.Fatalf("write through the idmapped bind: %s", r)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(filepath.Join(shared, "fromct"), &st); err != nil || st.Uid != 0 || st.Gid != 0 {
				t.Errorf("file written by container root: uid %d gid %d (%v), want host root", st.Uid, st.Gid, err)
			}
			if r := attach("touch /mnt/ro/x"); r.Code == 0 || !strings.Contains(r.Stderr, "Read-only") {
				t.Errorf("write into the read-only idmapped bind: %s", r)
			}
		})
	}
}

// TestIdmapRequiresUserNamespace: idmap=container without lxc.idmap is
// refused with one line naming the entry; an optional one is skipped.
func TestIdmapRequiresUserNamespace(t *testing.T) {
	dir := t.TempDir()
	p, n := container(t, "lxc.mount.entry = "+dir+" mnt/idm none bind,idmap=container,create=dir 0 0")
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
	if r.Code != 1 || !strings.Contains(r.Stderr, "idmap=container needs lxc.idmap") || !strings.Contains(r.Stderr, "lxc.mount.entry") {
		t.Errorf("idmap=container without lxc.idmap: %s", r)
	}
	p2, n2 := container(t, "lxc.mount.entry = "+dir+" mnt/idm none bind,idmap=container,optional,create=dir 0 0")
	start(t, p2, n2)
}
