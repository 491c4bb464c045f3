//go:build debootstrap

package template_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/storage/copier"
	"github.com/golxc/golxc/internal/testutil"
)

// TestDebootstrapBookworm creates a Debian bookworm (minbase) container
// through debootstrap from the host's apt mirror, then a second one served
// from the cache, and times both; it also times the per-container copy of
// the real rootfs with the copier against rsync -aHAX. Booting the result
// to systemd is the runtime's test.
func TestDebootstrapBookworm(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "debootstrap", "rsync")
	cache := t.TempDir()
	p := testutil.LXCPath(t)
	env := templatesEnv(cache)

	cold := testutil.UniqueName("deb")
	start := time.Now()
	r := testutil.RunIn(t, env, "", "lxc-create", "-P", p, "-n", cold, "-t", "debian", "--", "-r", "bookworm")
	coldTime := time.Since(start)
	if r.Code != 0 {
		t.Fatalf("cold create: %s", r)
	}
	if !strings.Contains(r.Stdout, "Download complete.") {
		t.Errorf("cold create did not download:\n%s", r.Stdout)
	}
	root := filepath.Join(p, cold, "rootfs")
	for _, f := range []string{"etc/debian_version", "usr/bin/apt-get", "lib/systemd/systemd", "sbin/init", "usr/sbin/sshd", "etc/network/interfaces"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("rootfs lacks %s: %v", f, err)
		}
	}
	if v := read(t, filepath.Join(root, "etc/debian_version")); !strings.HasPrefix(v, "12") {
		t.Errorf("debian_version %q", v)
	}
	if h := read(t, filepath.Join(root, "etc/hostname")); h != cold+"\n" {
		t.Errorf("hostname %q", h)
	}
	arch := strings.TrimSpace(string(must(exec.Command("dpkg", "--print-architecture").Output())))
	cached := filepath.Join(cache, "debian/bookworm/rootfs-"+arch)
	if _, err := os.Stat(cached); err != nil {
		t.Fatalf("no cache entry: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "debian/bookworm/partial-"+arch)); !os.IsNotExist(err) {
		t.Error("partial download left in the cache")
	}

	warm := testutil.UniqueName("deb")
	start = time.Now()
	r = testutil.RunIn(t, env, "", "lxc-create", "-P", p, "-n", warm, "-t", "debian", "--", "-r", "bookworm")
	warmTime := time.Since(start)
	if r.Code != 0 {
		t.Fatalf("warm create: %s", r)
	}
	if strings.Contains(r.Stdout, "Downloading") {
		t.Errorf("warm create downloaded again:\n%s", r.Stdout)
	}
	// Each container has its own SSH host keys.
	k1 := read(t, filepath.Join(p, cold, "rootfs/etc/ssh/ssh_host_ed25519_key.pub"))
	k2 := read(t, filepath.Join(p, warm, "rootfs/etc/ssh/ssh_host_ed25519_key.pub"))
	if k1 == k2 {
		t.Error("two containers share SSH host keys")
	}
	t.Logf("debootstrap bookworm minbase: cold create %v, warm create (from cache) %v", coldTime.Round(time.Millisecond), warmTime.Round(time.Millisecond))

	// The per-container copy on a real rootfs: copier vs rsync -aHAX,
	// interleaved, page cache warm, five rounds each.
	var ours, theirs []time.Duration
	scratch := t.TempDir()
	exec.Command("sync").Run()
	for i := 0; i < 5; i++ {
		dst := filepath.Join(scratch, fmt.Sprintf("r%d", i))
		start := time.Now()
		if out, err := exec.Command("rsync", "-aHAX", cached+"/", dst+"/").CombinedOutput(); err != nil {
			t.Fatalf("rsync: %v\n%s", err, out)
		}
		theirs = append(theirs, time.Since(start))
		exec.Command("sync").Run()
		dst = filepath.Join(scratch, fmt.Sprintf("o%d", i))
		start = time.Now()
		st, err := copier.Copy(cached, dst, copier.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, time.Since(start))
		exec.Command("sync").Run()
		if i == 0 {
			t.Logf("rootfs: %d files, %d dirs, %d symlinks, %d hard links, %d MiB", st.Files, st.Dirs, st.Symlinks, st.HardLinks, st.Bytes>>20)
		}
		os.RemoveAll(filepath.Join(scratch, fmt.Sprintf("r%d", i)))
		os.RemoveAll(dst)
	}
	mo, mt := median(ours), median(theirs)
	t.Logf("per-container copy of the bookworm rootfs (median of 5): copier %v, rsync -aHAX %v (%.1fx); all: copier %v rsync %v",
		mo.Round(time.Millisecond), mt.Round(time.Millisecond), float64(mt)/float64(mo), ours, theirs)
	// (A measurement, not an assertion: make bench compares speed.)

	// The warm container boots to systemd with our runtime, stops cleanly
	// through lxc.signal.halt (systemd's SIGRTMIN+3, detected as LXC does).
	// No bridge here: the network device becomes "empty".
	testutil.MustRun(t, "lxc-start", "-P", p, "-n", warm, "-s", "lxc.net.0.type=empty")
	state := ""
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		r := testutil.Run(t, "lxc-attach", "-P", p, "-n", warm, "--", "systemctl", "is-system-running")
		if state = strings.TrimSpace(r.Stdout); state == "running" || state == "degraded" {
			break
		}
	}
	if state != "running" && state != "degraded" {
		t.Errorf("systemd did not finish booting: is-system-running says %q", state)
	}
	if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", warm, "-t", "60", "--nokill"); r.Code != 0 {
		t.Errorf("clean shutdown of systemd: %s", r)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", cold)
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", warm)
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// TestDebootstrapAsUser: a user's Debian container (LXC's own lxc-debian
// refuses unprivileged ones): debootstrap runs as the container's root in
// the user's cache, with the host's device nodes bound instead of made,
// and the rootfs and cache belong to the mapped root. The user's commands
// run on the host's network here (the mirror), which they do not change.
func TestDebootstrapAsUser(t *testing.T) {
	u := testutil.NewUser(t)
	testutil.Need(t, "debootstrap")
	u.WriteFile(".config/lxc/default.conf", u.IDMapConfig()+"lxc.net.0.type = empty\n")
	r := u.Run("lxc-create", "-n", "deb1", "-t", "debian", "--", "-r", "bookworm")
	if r.Code != 0 {
		t.Fatalf("create as %s: %s", u.Name, r)
	}
	root := filepath.Join(u.Home, ".local/share/lxc/deb1/rootfs")
	for _, f := range []string{"etc/debian_version", "usr/bin/apt-get", "sbin/init", "usr/sbin/sshd"} {
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(root, f), &st); err != nil {
			t.Errorf("rootfs lacks %s: %v", f, err)
		} else if int(st.Uid) != u.SubUID.Start {
			t.Errorf("%s belongs to %d, want the mapped root %d", f, st.Uid, u.SubUID.Start)
		}
	}
	arch := strings.TrimSpace(string(must(exec.Command("dpkg", "--print-architecture").Output())))
	if _, err := os.Stat(filepath.Join(u.Home, ".cache/lxc/debian/bookworm", fmt.Sprintf("rootfs-%s-root%d", arch, u.SubUID.Start))); err != nil {
		t.Errorf("no cache entry of the mapping in the user's cache: %v", err)
	}
	u.MustRun("lxc-destroy", "-n", "deb1")
	// The cache belongs to the container's root too: the user removes it
	// as that root (the README says so).
	u.MustRun("sh", "-c", fmt.Sprintf("lxc-usernsexec -m b:0:%d:65536 -- rm -rf ~/.cache/lxc/debian/bookworm && rmdir ~/.cache/lxc/debian", u.SubUID.Start))
	if _, err := os.Stat(filepath.Join(u.Home, ".cache/lxc/debian")); !os.IsNotExist(err) {
		t.Errorf("the user could not remove its cache: %v", err)
	}
}
