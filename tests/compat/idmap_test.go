//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// TestIdmappedMount: an unprivileged container (lxc.idmap) with a host
// directory bound "bind,idmap=container": the container's root sees the
// host root's file as its own and what it writes there belongs to host
// root, as under LXC. LXC runs without newuidmap on its PATH, so as root it
// writes the maps itself (the host has no /etc/subuid range for root).
func TestIdmappedMount(t *testing.T) {
	p := newPair(t)
	got := map[string]string{}
	for _, s := range p.both() {
		dir := filepath.Join(s.tmp, "shared")
		testutil.WriteFile(t, filepath.Join(dir, "hostfile"), "x", 0o644)
		os.Chmod(s.tmp, 0o755)
		os.Chmod(filepath.Dir(s.tmp), 0o711)
		n := s.name("i")
		testutil.BusyboxContainer(t, s.path, n, "lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536",
			"lxc.mount.entry = "+dir+" mnt/idm none bind,idmap=container,create=dir 0 0")
		os.Chmod(s.path, 0o711)
		os.Chmod(filepath.Join(s.path, n), 0o711)
		filepath.Walk(filepath.Join(s.path, n, "rootfs"), func(path string, _ os.FileInfo, err error) error {
			if err == nil {
				os.Lchown(path, 100000, 100000)
			}
			return nil
		})
		env := append(os.Environ(), "PATH=/usr/sbin:/sbin") // no newuidmap (in /usr/bin)
		if r := s.runT(60*time.Second, env, "", "lxc-start", "-P", s.path, "-n", n, "-l", "debug", "-o", filepath.Join(s.tmp, "log")); r.Code != 0 {
			b, _ := os.ReadFile(filepath.Join(s.tmp, "log"))
			t.Logf("%s", b)
			t.Fatalf("%s lxc-start: %s", s.label, r)
		}
		r := s.runT(60*time.Second, env, "", "lxc-attach", "-P", s.path, "-n", n, "--", "/bin/sh", "-c", "stat -c %u:%g /mnt/idm/hostfile && echo y > /mnt/idm/fromct")
		var st syscall.Stat_t
		err := syscall.Stat(filepath.Join(dir, "fromct"), &st)
		got[s.label] = r.Stdout + func() string {
			if err != nil {
				return "no file: " + err.Error()
			}
			if st.Uid == 0 && st.Gid == 0 {
				return "written as host root"
			}
			return "written as another uid"
		}()
		s.runT(60*time.Second, env, "", "lxc-stop", "-P", s.path, "-n", n, "-k")
	}
	if got["LXC"] != got["golxc"] || got["golxc"] != "0:0\nwritten as host root" {
		t.Errorf("idmapped bind: LXC %q, golxc %q", got["LXC"], got["golxc"])
	}
}
