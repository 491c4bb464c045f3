package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/testutil"
)

// userSetup makes a throw-away user with subordinate ids, a network
// namespace of the test with a bridge (every command of the user runs in
// it, never on the host's links), a private setuid lxc-user-nic with a
// quota of 4 veth devices on that bridge, and a default.conf that maps
// the user's ranges and puts lxc.net.0 on the bridge at 10.213.0.2.
func userSetup(t *testing.T) (*testutil.User, string, *testutil.UserNIC) {
	t.Helper()
	u := testutil.NewUser(t)
	br, _ := u.UseNetNS()
	nic := testutil.NewUserNIC(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 4", u.Name, br))
	u.Env = append(u.Env, "GOLXC_USER_NIC="+nic.Path)
	u.WriteFile(".config/lxc/default.conf", u.IDMapConfig()+
		"lxc.net.0.type = veth\nlxc.net.0.link = "+br+"\nlxc.net.0.flags = up\n"+
		"lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\nlxc.net.0.ipv4.address = 10.213.0.2/24\n")
	return u, br, nic
}

func hostUID(t *testing.T, pid int) int {
	t.Helper()
	for _, l := range strings.Split(readProc(t, pid, "status"), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no Uid line for %d", pid)
	return -1
}

func ownerOf(t *testing.T, p string) (int, int) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return int(st.Uid), int(st.Gid)
}

// TestUserContainerLifecycle is the whole life of a user's busybox
// container, every step run as the user: create (template through
// lxc-usernsexec, rootfs owned by the mapped root), start, attach (root
// inside, a subordinate uid outside), eth0 on the bridge through
// lxc-user-nic with its address, lxc-ls -f UNPRIVILEGED true, copy,
// overlay snapshot copy, snapshot, stop, destroy; nothing is left.
func TestUserContainerLifecycle(t *testing.T) {
	u, br, nic := userSetup(t)
	lxcpath := filepath.Join(u.Home, ".local/share/lxc")
	u.MustRun("lxc-create", "-n", "c1", "-t", "busybox")
	cdir := filepath.Join(lxcpath, "c1")
	if uid, gid := ownerOf(t, cdir); uid != u.SubUID.Start || gid != u.GID {
		t.Errorf("container directory owned by %d:%d, want the mapped root and the user's group %d:%d", uid, gid, u.SubUID.Start, u.GID)
	}
	if uid, gid := ownerOf(t, filepath.Join(cdir, "rootfs", "bin")); uid != u.SubUID.Start || gid != u.SubGID.Start {
		t.Errorf("rootfs/bin owned by %d:%d, want %d:%d", uid, gid, u.SubUID.Start, u.SubGID.Start)
	}
	if uid, _ := ownerOf(t, filepath.Join(cdir, "config")); uid != u.UID {
		t.Errorf("config owned by %d, want the user", uid)
	}

	u.MustRun("lxc-start", "-n", "c1")
	if r := u.MustRun("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Fatalf("lxc-info: %s", r)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(u.MustRun("lxc-info", "-n", "c1", "-pH").Stdout))
	if got := hostUID(t, pid); got != u.SubUID.Start {
		t.Errorf("init runs as host uid %d, want %d", got, u.SubUID.Start)
	}
	r := u.MustRun("lxc-attach", "-n", "c1", "--", "sh", "-c", "id -u; cat /proc/self/uid_map")
	if f := strings.Fields(r.Stdout); len(f) != 4 || f[0] != "0" || f[1] != "0" || f[2] != strconv.Itoa(u.SubUID.Start) || f[3] != "65536" {
		t.Errorf("attach: %s", r)
	}
	// eth0 is the container end of a veth whose host end lxc-user-nic
	// put on the bridge; its address came through the stage-2's socket.
	info := u.MustRun("lxc-info", "-n", "c1").Stdout
	m := regexp.MustCompile(`Link:\s+(veth\S+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no host link in lxc-info:\n%s", info)
	}
	if show := u.InNetNS("ip", "-o", "link", "show", m[1]).Stdout; !strings.Contains(show, "master "+br) {
		t.Errorf("host end %s is not on %s: %s", m[1], br, show)
	}
	if got := nic.Entries(); len(got) != 1 || got[0] != u.Name+" veth "+br+" "+m[1] {
		t.Errorf("lxc-user-nic database: %q", got)
	}
	r = u.MustRun("lxc-attach", "-n", "c1", "--", "sh", "-c", "ip -o -4 addr show eth0; ping -c 1 -W 5 10.213.0.1 >/dev/null && echo pong")
	if !strings.Contains(r.Stdout, "10.213.0.2/24") || !strings.Contains(r.Stdout, "pong") {
		t.Errorf("eth0 inside: %s", r)
	}
	ls := u.MustRun("lxc-ls", "-f").Stdout
	if !regexp.MustCompile(`(?m)^c1\s+RUNNING\s+0\s+-\s+10\.213\.0\.2\s+-\s+true\s*$`).MatchString(ls) {
		t.Errorf("lxc-ls -f:\n%s", ls)
	}

	u.MustRun("lxc-stop", "-n", "c1")
	u.MustRun("lxc-copy", "-n", "c1", "-N", "c2")
	if uid, _ := ownerOf(t, filepath.Join(lxcpath, "c2", "rootfs", "bin")); uid != u.SubUID.Start {
		t.Errorf("the copy's rootfs belongs to %d", uid)
	}
	u.MustRun("lxc-copy", "-n", "c1", "-N", "c3", "-s")
	u.MustRun("lxc-start", "-n", "c3")
	u.MustRun("lxc-attach", "-n", "c3", "--", "touch", "/written-in-c3")
	if got := strings.TrimSpace(u.MustRun("lxc-attach", "-n", "c3", "--", "hostname").Stdout); got != "c3" {
		t.Errorf("hostname of the snapshot copy: %q", got)
	}
	u.MustRun("lxc-stop", "-n", "c3", "-k")
	if _, err := os.Stat(filepath.Join(lxcpath, "c3", "overlay", "delta", "written-in-c3")); err != nil {
		t.Errorf("the overlay copy wrote nothing into its delta: %v", err)
	}
	if _, err := os.Stat(filepath.Join(lxcpath, "c1", "rootfs", "written-in-c3")); err == nil {
		t.Error("the overlay copy wrote into its source")
	}
	u.MustRun("lxc-snapshot", "-n", "c1")
	if r := u.MustRun("lxc-snapshot", "-n", "c1", "-L"); !strings.HasPrefix(r.Stdout, "snap0 ") {
		t.Errorf("lxc-snapshot -L: %s", r)
	}
	for _, n := range []string{"c3", "c2"} {
		u.MustRun("lxc-destroy", "-n", n)
	}
	u.MustRun("lxc-destroy", "-n", "c1", "-s")
	if ents, err := os.ReadDir(lxcpath); err != nil || len(ents) != 0 {
		t.Errorf("left in %s: %v %v", lxcpath, ents, err)
	}
}

// TestUserToolsWithoutCgroup: on a host that delegates no cgroup to the
// user (this host: LXC then starts the container in its caller's
// cgroups), the container runs; freeze and lxc-cgroup fail as with LXC,
// after a line saying why; lxc-execute and lxc-stop -k work.
func TestUserToolsWithoutCgroup(t *testing.T) {
	u, _, _ := userSetup(t)
	h, err := cgroupDelegatedToNobody()
	if err != nil {
		t.Fatal(err)
	}
	if h {
		t.Fatal("this test needs a host that delegates no cgroup to a new user")
	}
	u.MustRun("lxc-create", "-n", "c1", "-t", "busybox")
	u.MustRun("lxc-start", "-n", "c1")
	if out := userConsole(t, u, "c1"); !strings.Contains(out, "c1 login:") {
		t.Errorf("lxc-console -t 1 shows no getty:\n%q", out)
	}
	r := u.Run("lxc-freeze", "-n", "c1")
	if r.Code != 1 || !strings.Contains(r.Stderr, "lxc-freeze: c1: the container has no cgroup, so nothing of it can be frozen: no cgroup hierarchy of this host is delegated to user "+u.Name) ||
		!strings.HasSuffix(r.Stderr, "lxc-freeze: c1: Failed to freeze "+filepath.Join(u.Home, ".local/share/lxc")+":c1\n") {
		t.Errorf("lxc-freeze: %s", r)
	}
	// The way out works with or without systemd.
	if !strings.Contains(r.Stderr, "start it with lxc-unpriv-start, which gets it a delegated cgroup") {
		t.Errorf("lxc-freeze does not say how to get a cgroup: %s", r)
	}
	if r := u.Run("lxc-cgroup", "-n", "c1", "pids.max"); r.Code != 1 || !strings.Contains(r.Stderr, "the container has no cgroup") {
		t.Errorf("lxc-cgroup: %s", r)
	}
	u.MustRun("lxc-stop", "-n", "c1", "-k")
	if r := u.Run("lxc-execute", "-n", "c1", "--", "sh", "-c", "id -u; exit 3"); r.Code != 3 || r.Stdout != "0\n" {
		t.Errorf("lxc-execute: %s", r)
	}
	// lxc-autostart finds the user's containers in the user's lxcpath.
	u.MustRun("sh", "-c", "echo 'lxc.start.auto = 1' >> ~/.local/share/lxc/c1/config")
	u.MustRun("lxc-autostart")
	if r := u.MustRun("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Errorf("after lxc-autostart: %s", r)
	}
	u.MustRun("lxc-autostart", "-k")
	if r := u.MustRun("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "STOPPED") {
		t.Errorf("after lxc-autostart -k: %s", r)
	}
	u.MustRun("lxc-destroy", "-n", "c1")
}

// cgroupDelegatedToNobody reports whether a user without privileges
// could use any of this host's cgroup hierarchies from the root cgroup.
func cgroupDelegatedToNobody() (bool, error) {
	var st unix.Stat_t
	for _, d := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"} {
		if unix.Stat(d, &st) == nil && st.Mode&0o002 != 0 {
			return true, nil
		}
	}
	return false, nil
}

// TestUserDelegatedCgroup2: a user whose commands run in a cgroup2
// subtree delegated to it gets a payload cgroup there, which freeze,
// lxc-cgroup and the stop use; the subtree is empty again afterwards.
func TestUserDelegatedCgroup2(t *testing.T) {
	u, _, _ := userSetup(t)
	deleg := delegatedCgroup(t, u)
	inDeleg := func(args ...string) testutil.Result {
		t.Helper()
		return runInCgroup(t, u, deleg, args...)
	}
	if r := inDeleg("lxc-create", "-n", "c1", "-t", "busybox"); r.Code != 0 {
		t.Fatalf("create: %s", r)
	}
	if r := inDeleg("lxc-start", "-n", "c1"); r.Code != 0 {
		t.Fatalf("start: %s", r)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(u.MustRun("lxc-info", "-n", "c1", "-pH").Stdout))
	if cg := readProc(t, pid, "cgroup"); !strings.Contains(cg, "0::/"+filepath.Base(deleg)+"/lxc.payload.c1\n") {
		t.Errorf("init's cgroups:\n%s", cg)
	}
	// Attaching from outside the delegated tree cannot move the command
	// into the container's cgroup: one line says why and what to run.
	if r := u.Run("lxc-attach", "-n", "c1", "--", "true"); r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "run lxc-attach from the delegated cgroup the container was started from, or lxc-unpriv-attach") {
		t.Errorf("lxc-attach from a cgroup outside the delegated tree: %s", r)
	}
	if r := inDeleg("lxc-attach", "-n", "c1", "--", "id", "-u"); r.Code != 0 || r.Stdout != "0\n" {
		t.Errorf("lxc-attach from the delegated cgroup: %s", r)
	}
	u.MustRun("lxc-freeze", "-n", "c1")
	if r := u.MustRun("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "FROZEN") {
		t.Errorf("after freeze: %s", r)
	}
	u.MustRun("lxc-unfreeze", "-n", "c1")
	if r := u.MustRun("lxc-cgroup", "-n", "c1", "cgroup.type"); r.Stdout != "domain\n\n" { // LXC prints the file and a newline
		t.Errorf("lxc-cgroup cgroup.type: %s", r)
	}
	u.MustRun("lxc-stop", "-n", "c1", "-k")
	u.MustRun("lxc-destroy", "-n", "c1")
}

// delegatedCgroup makes a cgroup2 cgroup delegated to u (the directory
// and the files its owner writes are u's), removed at cleanup, which
// fails if something was left in it.
func delegatedCgroup(t *testing.T, u *testutil.User) string {
	t.Helper()
	deleg := filepath.Join(unifiedMount(t), testutil.UniqueName("golxc-test-deleg-"))
	if err := os.Mkdir(deleg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Rmdir(deleg); err != nil {
			t.Errorf("delegated cgroup %s: %v (something was left in it)", deleg, err)
		}
	})
	for _, f := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
		if err := os.Chown(filepath.Join(deleg, f), u.UID, u.GID); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return deleg
}

// runInCgroup runs args as u, born in the cgroup2 cgroup dir.
func runInCgroup(t *testing.T, u *testutil.User, dir string, args ...string) testutil.Result {
	t.Helper()
	cmd := u.Command(args[0], args[1:]...)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	return testutil.RunCmd(t, cmd)
}

// unifiedMount is where the cgroup2 hierarchy is mounted.
func unifiedMount(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		var st unix.Statfs_t
		if unix.Statfs(d, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return d
		}
	}
	t.Fatal("no cgroup2 hierarchy is mounted")
	return ""
}

// TestUserCgroup2NotDelegated: where only cgroup2 is mounted (a pure v2
// host, made here in a mount namespace of the test) and the user's cgroup
// is not delegated, lxc-start stops before anything is made with one line
// naming what is missing and the commands that fix it.
func TestUserCgroup2NotDelegated(t *testing.T) {
	u, _, _ := userSetup(t)
	u.MustRun("lxc-create", "-n", "c1", "-t", "busybox")
	u.CgroupV2Only = true
	r := u.Run("lxc-start", "-n", "c1")
	_, systemd := os.Stat("/run/systemd/system")
	want := "cgroup v2 is not delegated to user " + u.Name + " (/sys/fs/cgroup is not writable by it): "
	if systemd == nil {
		want += "start the container in a delegated scope: systemd-run --user --scope -p Delegate=yes -- lxc-start -n c1"
	} else {
		want += fmt.Sprintf("ask root to delegate one: mkdir /sys/fs/cgroup/lxc-%[1]s && chown -R %[1]s /sys/fs/cgroup/lxc-%[1]s && echo YOUR_SHELL_PID > /sys/fs/cgroup/lxc-%[1]s/cgroup.procs; then run lxc-start -n c1 from that shell", u.Name)
	}
	if r.Code != 1 || r.Stderr != "lxc-start: c1: "+want+"\n" {
		t.Errorf("start without delegation: %s\nwant %q", r, want)
	}
	u.CgroupV2Only = false
	if r := u.Run("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "STOPPED") {
		t.Errorf("after the refusal: %s", r)
	}
	u.MustRun("lxc-destroy", "-n", "c1")
}

// TestUserPreflight: what a user's setup lacks is named, one line each,
// with its fix, before anything runs.
func TestUserPreflight(t *testing.T) {
	u, _, _ := userSetup(t)
	u.MustRun("lxc-create", "-n", "c1", "-t", "busybox")
	// The mapped root cannot walk into a 0700 home.
	os.Chmod(u.Home, 0o700)
	u.Env = append(u.Env, "GOLXC_USER_NIC=/nonexistent/lxc-user-nic")
	r := u.Run("lxc-start", "-n", "c1")
	os.Chmod(u.Home, 0o755)
	want := fmt.Sprintf("lxc-start: c1: the container's root (host uid %d) cannot reach %s/.local/share/lxc/c1/rootfs: %s is not searchable by it; run chmod o+x %s (or setfacl -m u:%d:x %s)\n"+
		"lxc-start: c1: veth devices of a user's container come from lxc-user-nic, and /nonexistent/lxc-user-nic is missing (make install puts it there, setuid root)\n",
		u.SubUID.Start, u.Home, u.Home, u.Home, u.SubUID.Start, u.Home)
	if r.Code != 1 || r.Stderr != want {
		t.Errorf("start: %s\nwant %q", r, want)
	}
	u.MustRun("lxc-destroy", "-n", "c1")
}

// TestUnshareAndUsernsexecAsUser: lxc-unshare -s USER... works for a user
// as in LXC (an unmapped nobody in a new user namespace), and
// lxc-usernsexec keeps the caller's descriptors.
func TestUnshareAndUsernsexecAsUser(t *testing.T) {
	u, _, _ := userSetup(t)
	r := u.Run("lxc-unshare", "-s", "USER|MOUNT|PID", "--", "sh", "-c", "id; echo $$")
	if r.Code != 0 || r.Stdout != "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n1\n" {
		t.Errorf("lxc-unshare: %s", r)
	}
	r = u.Run("lxc-unshare", "-s", "USER|MOUNT|PID|UTSNAME", "-u", "0", "-H", "h1", "-M", "--", "sh", "-c", "id -u; hostname; ls /proc | grep -c '^[0-9]'")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "0\nh1\n") {
		t.Errorf("lxc-unshare -u 0 -H -M: %s", r)
	}
	// Without USER, the kernel refuses a user the other namespaces:
	// one line says what to add (LXC: "Failed to clone (0x20000)").
	r = u.Run("lxc-unshare", "-s", "MOUNT|PID", "--", "true")
	if r.Code != 1 || r.Stderr != "lxc-unshare: Failed to clone: a user who is not root may create these namespaces only together with a user namespace: add USER, e.g. -s \"USER|MOUNT|PID\"\n" {
		t.Errorf("lxc-unshare -s MOUNT|PID as a user: %s", r)
	}
	out := filepath.Join(u.Home, "fd5")
	r = u.Run("sh", "-c", "lxc-usernsexec -- sh -c 'id -u; cat /proc/self/uid_map; echo x >&5' 5>"+out)
	if f := strings.Fields(r.Stdout); r.Code != 0 || len(f) != 4 || f[0] != "0" || f[2] != strconv.Itoa(u.SubUID.Start) {
		t.Errorf("lxc-usernsexec with the default map: %s", r)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "x\n" {
		t.Errorf("fd 5 through lxc-usernsexec: %q %v", b, err)
	}

	// A newuidmap without its setuid bit first on PATH: named, with
	// the fix, instead of newuidmap's "write to uid_map failed".
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		os.Chmod(d, 0o755)
	}
	for _, h := range []string{"newuidmap", "newgidmap"} {
		b, err := os.ReadFile("/usr/bin/" + h)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, h), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r = u.Run("env", "PATH="+dir+":"+testutil.BinDir(t)+":/usr/bin:/bin", "lxc-usernsexec", "--", "true")
	if want := "Failed to write id mapping for child process: " + dir + "/newuidmap is neither setuid root nor given cap_setuid/cap_setgid, so it cannot write id maps (Debian: apt install --reinstall uidmap)\n"; r.Code != 1 || r.Stderr != want {
		t.Errorf("lxc-usernsexec with a newuidmap that is not setuid: %s\nwant %q", r, want)
	}

	// A user without subordinate ids: LXC's line, then the way out.
	for _, c := range []struct{ flag, file string }{{"--del-subuids", "/etc/subuid"}, {"--del-subgids", "/etc/subgid"}} {
		rng := u.SubUID
		if c.file == "/etc/subgid" {
			rng = u.SubGID
		}
		if out, err := exec.Command("usermod", c.flag, fmt.Sprintf("%d-%d", rng.Start, rng.Start+rng.Count-1), u.Name).CombinedOutput(); err != nil {
			t.Fatalf("usermod %s: %v: %s", c.flag, err, out)
		}
	}
	r = u.Run("lxc-usernsexec", "--", "true")
	if want := "Failed to find subuid or subgid allocation: no entry for " + u.Name + " in /etc/subuid; give -m maps, or ask an administrator for ranges, e.g. usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + u.Name + "\n"; r.Code != 1 || r.Stderr != want {
		t.Errorf("lxc-usernsexec without subordinate ids: %s\nwant %q", r, want)
	}
}

// userConsole connects to tty 1 of the user's container n as the user,
// presses Enter until the getty's prompt shows, and leaves with Ctrl+a q.
func userConsole(t *testing.T, u *testutil.User, n string) string {
	t.Helper()
	cmd := u.Command("lxc-console", "-n", n, "-t", "1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outf, _ := os.CreateTemp(t.TempDir(), "out")
	cmd.Stdout, cmd.Stderr = outf, outf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := func() string { b, _ := os.ReadFile(outf.Name()); return string(b) }
	for i := 0; i < 50 && !strings.Contains(read(), "login:"); i++ {
		in.Write([]byte("\n"))
		time.Sleep(100 * time.Millisecond)
	}
	in.Write([]byte{1, 'q'})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Errorf("lxc-console did not leave on Ctrl+a q")
	}
	return read()
}

// TestUnprivStartAttach: lxc-unpriv-start and lxc-unpriv-attach (which
// Debian's lxc package ships as systemd-run wrappers) run lxc-start and
// lxc-attach directly from a delegated cgroup, with no extra output;
// from a cgroup that is not delegated, and with no systemd user session
// to make one (a new user has none), they say so in one line: the start
// goes on where cgroup v1 controllers exist, as lxc-start's would, and
// is refused before anything is made where only cgroup2 is mounted.
func TestUnprivStartAttach(t *testing.T) {
	u, _, _ := userSetup(t)
	u.MustRun("lxc-create", "-n", "c1", "-t", "busybox")
	h, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	if delegated, _ := cgroupDelegatedToNobody(); delegated {
		t.Fatal("this test needs a host that delegates no cgroup to a new user")
	}

	// Not delegated, as this host runs it.
	r := u.Run("lxc-unpriv-start", "-n", "c1")
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if h.Layout == cgroup.Unified {
		if r.Code != 1 || len(lines) != 1 || !strings.Contains(r.Stderr, "cgroup v2 is not delegated to user "+u.Name) {
			t.Errorf("lxc-unpriv-start on a cgroup2-only host without delegation: %s", r)
		}
	} else {
		if r.Code != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "lxc-unpriv-start: the container runs in your own cgroups") {
			t.Errorf("lxc-unpriv-start without a delegated cgroup: %s", r)
		}
		if r := u.Run("lxc-unpriv-attach", "-n", "c1", "--", "id", "-u"); r.Code != 0 || r.Stdout != "0\n" || r.Stderr != "" {
			t.Errorf("lxc-unpriv-attach: %s", r)
		}
		u.MustRun("lxc-stop", "-n", "c1", "-k")
	}

	// Where only cgroup2 is mounted, the start is refused in one line.
	u.CgroupV2Only = true
	r = u.Run("lxc-unpriv-start", "-n", "c1")
	u.CgroupV2Only = false
	if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, "lxc-unpriv-start: ") || !strings.Contains(r.Stderr, "cgroup v2 is not delegated to user "+u.Name) {
		t.Errorf("lxc-unpriv-start, cgroup2 only, not delegated: %s", r)
	}
	if r := u.MustRun("lxc-info", "-n", "c1", "-s"); !strings.Contains(r.Stdout, "STOPPED") {
		t.Errorf("after the refusal: %s", r)
	}

	// From a delegated cgroup: lxc-start itself, nothing more.
	deleg := delegatedCgroup(t, u)
	r = runInCgroup(t, u, deleg, "lxc-unpriv-start", "-n", "c1")
	if r.Code != 0 || r.Stderr != "" {
		t.Errorf("lxc-unpriv-start from a delegated cgroup: %s", r)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(u.MustRun("lxc-info", "-n", "c1", "-pH").Stdout))
	if cg := readProc(t, pid, "cgroup"); !strings.Contains(cg, "0::/"+filepath.Base(deleg)+"/lxc.payload.c1\n") {
		t.Errorf("init's cgroups:\n%s", cg)
	}
	if r := runInCgroup(t, u, deleg, "lxc-unpriv-attach", "-n", "c1", "--", "id", "-u"); r.Code != 0 || r.Stdout != "0\n" || r.Stderr != "" {
		t.Errorf("lxc-unpriv-attach from the delegated cgroup: %s", r)
	}
	u.MustRun("lxc-stop", "-n", "c1", "-k")
	u.MustRun("lxc-destroy", "-n", "c1")
}

// TestUserUmask027: with umask 027 every directory lxc-create makes on
// the way to the rootfs is closed to the container's root; lxc-start
// names all of them in one line, and the command it gives is enough.
func TestUserUmask027(t *testing.T) {
	u, _, _ := userSetup(t)
	u.MustRun("sh", "-c", "umask 027 && lxc-create -n c1 -t busybox")
	r := u.Run("lxc-start", "-n", "c1")
	dirs := strings.Join([]string{filepath.Join(u.Home, ".local"), filepath.Join(u.Home, ".local/share"), filepath.Join(u.Home, ".local/share/lxc")}, " ")
	want := fmt.Sprintf("lxc-start: c1: the container's root (host uid %d) cannot reach %s/.local/share/lxc/c1/rootfs: %s are not searchable by it; run chmod o+x %s (or setfacl -m u:%d:x %s)\n",
		u.SubUID.Start, u.Home, dirs, dirs, u.SubUID.Start, dirs)
	if r.Code != 1 || r.Stderr != want {
		t.Fatalf("start under umask 027: %s\nwant %q", r, want)
	}
	u.MustRun("sh", "-c", "chmod o+x "+dirs)
	u.MustRun("lxc-start", "-n", "c1")
	u.MustRun("lxc-stop", "-n", "c1", "-k")
	u.MustRun("lxc-destroy", "-n", "c1")
}
