package usernic

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// setup makes a throw-away user, a network namespace with a bridge for
// the test (the user's commands run in it) and a private setuid build of
// the helper.
func setup(t *testing.T) (*testutil.User, *testutil.UserNIC, string) {
	t.Helper()
	u := testutil.NewUser(t)
	br, _ := u.UseNetNS()
	return u, testutil.NewUserNIC(t), br
}

// ownNetNS starts a process of u in a new user and network namespace of
// its own (the test's namespace is their parent) and returns its pid.
func ownNetNS(t *testing.T, u *testutil.User) int {
	t.Helper()
	cmd := u.Command("unshare", "--user", "--map-root-user", "--net", "sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return waitNewNetNS(t, cmd.Process.Pid)
}

// waitNewNetNS waits until pid has left the network namespace it started
// in (the exec chain of Command keeps one pid), and returns pid.
func waitNewNetNS(t *testing.T, pid int) int {
	t.Helper()
	first, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	for i := 0; i < 500; i++ {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			t.Fatalf("process %d is gone", pid)
		}
		if strings.HasSuffix(exe, "/sleep") && ns != first {
			return pid
		}
		if strings.HasSuffix(exe, "/sleep") {
			first = ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d never got its own network namespace", pid)
	return 0
}

// links lists the interface names in the test's namespace.
func links(t *testing.T, u *testutil.User) []string {
	t.Helper()
	r := u.InNetNS("ip", "-o", "link", "show")
	if r.Code != 0 {
		t.Fatalf("ip link: %s", r)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 {
			out = append(out, strings.SplitN(strings.TrimSuffix(f[1], ":"), "@", 2)[0])
		}
	}
	sort.Strings(out)
	return out
}

// inside runs ip in pid's network namespace.
func inside(t *testing.T, pid int, args ...string) string {
	t.Helper()
	out, err := exec.Command("nsenter", append([]string{"-t", fmt.Sprint(pid), "-n", "ip"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v in %d: %v: %s", args, pid, err, out)
	}
	return string(out)
}

var createOut = regexp.MustCompile(`^(eth\d+|[a-z0-9]+):(\d+):(veth\d+_[A-Za-z0-9]{4}):(\d+)\n$`)

// TestCreateQuotaDatabase: a user with a quota of two gets two veth
// devices, one end in its namespace under the asked name (or the kernel's
// eth%d), the other up on the bridge with a 0xfe MAC and recorded in the
// database; the third is refused with the numbers; when the namespace
// dies the devices go and the database forgets them.
func TestCreateQuotaDatabase(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 2", u.Name, br))
	pid := ownNetNS(t, u)
	before := links(t, u)

	r := u.Run(nic.Path, "create", "/lxcpath", "c1", fmt.Sprint(pid), "veth", br, "eth0")
	m := createOut.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m == nil || m[1] != "eth0" {
		t.Fatalf("create: %s", r)
	}
	host := m[3]
	if !strings.HasPrefix(host, fmt.Sprintf("veth%d_", u.UID)) {
		t.Errorf("host name %s does not carry uid %d", host, u.UID)
	}
	show := u.InNetNS("ip", "-o", "link", "show", host).Stdout
	if !strings.Contains(show, "master "+br) || !strings.Contains(show, ",UP") || !strings.Contains(show, "link/ether fe:") {
		t.Errorf("host end: %s", show)
	}
	if in := inside(t, pid, "-o", "link", "show", "eth0"); !strings.HasPrefix(in, m[2]+": eth0@") {
		t.Errorf("container end (index %s): %s", m[2], in)
	}
	r = u.Run(nic.Path, "create", "/lxcpath", "c1", fmt.Sprint(pid), "veth", br)
	m2 := createOut.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m2 == nil || m2[1] != "eth1" {
		t.Fatalf("second create (kernel-named): %s", r)
	}
	want := []string{u.Name + " veth " + br + " " + host, u.Name + " veth " + br + " " + m2[3]}
	if got := nic.Entries(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("database %q, want %q", got, want)
	}
	r = u.Run(nic.Path, "create", "/lxcpath", "c1", fmt.Sprint(pid), "veth", br)
	if r.Code != 1 || !strings.Contains(r.Stderr, "Quota reached") || !strings.Contains(r.Stderr, fmt.Sprintf("gives user %s 2 veth devices on %s and 2 are in use", u.Name, br)) {
		t.Errorf("third create: %s", r)
	}

	// The namespace dies: its devices go, and the next run forgets them.
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100 && len(links(t, u)) != len(before); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	pid2 := ownNetNS(t, u)
	r = u.Run(nic.Path, "create", "/lxcpath", "c1", fmt.Sprint(pid2), "veth", br, "net0")
	m3 := createOut.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m3 == nil || m3[1] != "net0" {
		t.Fatalf("create after the namespace died: %s", r)
	}
	if got := nic.Entries(); len(got) != 1 || got[0] != u.Name+" veth "+br+" "+m3[3] {
		t.Errorf("database after culling: %q", got)
	}
}

// TestGroupQuota: "@group" lines count for members, in file order, and
// the database records the line that paid for the device.
func TestGroupQuota(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 1", u.Name, br))
	nic.Allow(t, fmt.Sprintf("@%s veth %s 1", u.Name, br)) // useradd -U: a group of the user's name
	nic.Allow(t, fmt.Sprintf("@nosuchgroup veth %s 5", br))
	pid := ownNetNS(t, u)
	for i := 0; i < 2; i++ {
		if r := u.Run(nic.Path, "create", "/p", "c", fmt.Sprint(pid), "veth", br); r.Code != 0 {
			t.Fatalf("create %d: %s", i, r)
		}
	}
	got := nic.Entries()
	if len(got) != 2 || !strings.HasPrefix(got[0], u.Name+" veth") || !strings.HasPrefix(got[1], "@"+u.Name+" veth") {
		t.Errorf("database %q: the user's line first, then the group's", got)
	}
	if r := u.Run(nic.Path, "create", "/p", "c", fmt.Sprint(pid), "veth", br); r.Code != 1 || !strings.Contains(r.Stderr, "Quota reached") {
		t.Errorf("over both quotas: %s", r)
	}
}

// TestRefusals: what a caller may not do creates nothing.
func TestRefusals(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 10", u.Name, br))
	pid := ownNetNS(t, u)
	other := testutil.UniqueName("gxbr")
	if r := u.InNetNS("ip", "link", "add", other, "type", "bridge"); r.Code != 0 {
		t.Fatal(r)
	}
	before := links(t, u)

	// A root process in the test's namespace, a process of the user that
	// shares the caller's namespace: neither is the caller's to change.
	root := exec.Command("ip", "netns", "exec", u.Netns(), "sleep", "600")
	if err := root.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { root.Process.Kill(); root.Wait() }()
	waitExe(t, root.Process.Pid, "sleep")
	same := u.Command("sleep", "600")
	if err := same.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { same.Process.Kill(); same.Wait() }()
	waitExe(t, same.Process.Pid, "sleep")

	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"root's namespace", []string{"create", "/p", "c", fmt.Sprint(root.Process.Pid), "veth", br, "eth0"}, "may not modify netns for pid"},
		{"the caller's own namespace", []string{"create", "/p", "c", fmt.Sprint(same.Process.Pid), "veth", br, "eth0"}, "may not modify netns for pid"},
		{"pid 1", []string{"create", "/p", "c", "1", "veth", br, "eth0"}, "may not modify netns for pid 1"},
		{"no such pid", []string{"create", "/p", "c", "999999999", "veth", br, "eth0"}, "may not modify netns for pid 999999999"},
		{"bridge without a quota line", []string{"create", "/p", "c", fmt.Sprint(pid), "veth", other, "eth0"}, "Quota reached: no line of " + nic.Conf},
		{"not a bridge", []string{"create", "/p", "c", fmt.Sprint(pid), "veth", "lo", "eth0"}, "lo is not a bridge"},
		{"missing bridge", []string{"create", "/p", "c", fmt.Sprint(pid), "veth", "nosuchbr0", "eth0"}, "Bridge nosuchbr0 does not exist"},
		{"bad NIC name", []string{"create", "/p", "c", fmt.Sprint(pid), "veth", br, "../x"}, `Invalid network device name "../x"`},
		{"bad bridge name", []string{"create", "/p", "c", fmt.Sprint(pid), "veth", "a b", "eth0"}, `Invalid bridge name "a b"`},
		{"other type", []string{"create", "/p", "c", fmt.Sprint(pid), "macvlan", br, "eth0"}, "Network type macvlan is not supported"},
		{"bad pid", []string{"create", "/p", "c", "12x", "veth", br, "eth0"}, "Could not read pid: 12x"},
		{"usage", []string{"frobnicate", "/p", "c", "1", "veth", br, "eth0"}, "Available Commands:"},
	} {
		r := u.Run(nic.Path, c.args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, c.msg) || r.Stdout != "" {
			t.Errorf("%s: %s (want exit 1 and %q)", c.name, r, c.msg)
		}
	}
	if after := links(t, u); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("links changed: %v -> %v", before, after)
	}
	if got := nic.Entries(); len(got) != 0 {
		t.Errorf("database: %q", got)
	}
	// Without the setuid bit it says so.
	plain := filepath.Join(t.TempDir(), "lxc-user-nic")
	b, _ := os.ReadFile(nic.Path)
	os.WriteFile(plain, b, 0o755)
	os.Chmod(filepath.Dir(plain), 0o755)
	os.Chmod(filepath.Dir(filepath.Dir(plain)), 0o755)
	if r := u.Run(plain, "create", "/p", "c", fmt.Sprint(pid), "veth", br, "eth0"); r.Code != 1 || !strings.Contains(r.Stderr, "must be setuid root") {
		t.Errorf("without setuid: %s", r)
	}
}

func waitExe(t *testing.T, pid int, base string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); filepath.Base(exe) == base {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, base)
}

// TestCVE2017_5985: user A names the pid of user B's container, whose
// network namespace A does not own: refused, and no device appears.
func TestCVE2017_5985(t *testing.T) {
	a, nic, br := setup(t)
	b := testutil.NewUser(t)
	b.UseNetNSOf(a)
	nic.Allow(t, fmt.Sprintf("%s veth %s 10", a.Name, br))
	nic.Allow(t, fmt.Sprintf("%s veth %s 10", b.Name, br))
	pidB := ownNetNS(t, b)
	before := links(t, a)
	inB := inside(t, pidB, "-o", "link")
	r := a.Run(nic.Path, "create", "/p", "c", fmt.Sprint(pidB), "veth", br, "eth0")
	if r.Code != 1 || !strings.Contains(r.Stderr, fmt.Sprintf("User %s may not modify netns for pid %d", a.Name, pidB)) {
		t.Errorf("A into B's namespace: %s", r)
	}
	if after := links(t, a); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("links of the test namespace changed: %v -> %v", before, after)
	}
	if got := inside(t, pidB, "-o", "link"); got != inB {
		t.Errorf("B's namespace changed:\n%s\n->\n%s", inB, got)
	}
	// B itself may.
	if r := b.Run(nic.Path, "create", "/p", "c", fmt.Sprint(pidB), "veth", br, "eth0"); r.Code != 0 {
		t.Errorf("B into its own namespace: %s", r)
	}
}

// TestCVE2018_6556: delete opens the path it is given only as the caller
// and never for I/O unless it is a namespace file: a FIFO's blocked writer
// stays blocked, and a FIFO, a device and a regular file all get the same
// refusal.
func TestCVE2018_6556(t *testing.T) {
	u, nic, br := setup(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	opened := make(chan struct{})
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.Close()
		}
		close(opened)
	}()
	time.Sleep(100 * time.Millisecond)
	for _, p := range []string{fifo, "/dev/ptmx", "/dev/null", file} {
		r := u.Run(nic.Path, "delete", "/p", "c", p, "veth", br, "veth0")
		if r.Code != 1 || r.Stderr != fmt.Sprintf("lxc-user-nic: Failed while opening netns file for \"%s\"\n", p) {
			t.Errorf("delete %s: %s", p, r)
		}
	}
	select {
	case <-opened:
		t.Fatal("the FIFO's writer woke up: the helper opened the FIFO for reading")
	case <-time.After(200 * time.Millisecond):
	}
	// Release the writer.
	if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		<-opened
		f.Close()
	}
}

// TestCVE2022_47952: the output for a path in a directory the caller
// cannot read is the same whether or not the file exists.
func TestCVE2022_47952(t *testing.T) {
	u, nic, br := setup(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	secret := filepath.Join(dir, "secret")
	os.Mkdir(secret, 0o700)
	os.WriteFile(filepath.Join(secret, "exists"), nil, 0o600)
	os.Symlink("/proc/1/ns/net", filepath.Join(secret, "netns"))
	var outs []string
	for _, name := range []string{"exists", "missing", "netns"} {
		p := filepath.Join(secret, name)
		r := u.Run(nic.Path, "delete", "/p", "c", p, "veth", br, "veth0")
		outs = append(outs, fmt.Sprintf("%d %q %q", r.Code, r.Stdout, strings.ReplaceAll(r.Stderr, p, "PATH")))
	}
	if outs[0] != outs[1] || outs[1] != outs[2] || !strings.HasPrefix(outs[0], "1 ") {
		t.Errorf("outputs differ or succeed:\n%s", strings.Join(outs, "\n"))
	}
}

// TestDeleteOnlyOwnRecords (CVE-2026-39402): a NIC is the caller's only
// when the database records it for the caller with the same type and
// bridge; a matching name is not enough.
func TestDeleteOnlyOwnRecords(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 10", u.Name, br))
	pid := ownNetNS(t, u)
	r := u.MustRun(nic.Path, "create", "/p", "c", fmt.Sprint(pid), "veth", br, "eth0")
	host := createOut.FindStringSubmatch(r.Stdout)[3]
	// Someone else's record of a device that exists.
	os.MkdirAll(filepath.Dir(nic.DB), 0o755)
	f, _ := os.OpenFile(nic.DB, os.O_WRONLY|os.O_APPEND, 0)
	fmt.Fprintf(f, "root veth %s lo\n", br)
	f.Close()
	ns := fmt.Sprintf("/proc/%d/ns/net", pid)
	for _, c := range []struct{ args []string }{
		{[]string{"delete", "/p", "c", ns, "veth", br, "lo"}},           // root's record
		{[]string{"delete", "/p", "c", ns, "veth", br, "veth999_none"}}, // no record
	} {
		if r := u.Run(nic.Path, c.args...); r.Code != 1 || !strings.Contains(r.Stderr, "Caller is not allowed to delete network device") {
			t.Errorf("%v: %s", c.args, r)
		}
	}
	// Its own record on a Linux bridge: LXC deletes only Open vSwitch
	// ports; the device goes with its namespace.
	if r := u.Run(nic.Path, "delete", "/p", "c", ns, "veth", br, host); r.Code != 1 || !strings.Contains(r.Stderr, "Deletion of non ovs type network devices not implemented") {
		t.Errorf("own record: %s", r)
	}
	if got := nic.Entries(); len(got) != 2 {
		t.Errorf("database changed: %q", got)
	}
	// A namespace the caller does not own.
	if r := u.Run(nic.Path, "delete", "/p", "c", "/proc/1/ns/net", "veth", br, host); r.Code != 1 || !strings.Contains(r.Stderr, "Failed while opening netns file") {
		t.Errorf("pid 1's namespace: %s", r)
	}
}

// lockDB makes the helper's database (root's, 0600) and holds a write
// lock on it, as another run of the helper would, until the returned
// function is called.
func lockDB(t *testing.T, nic *testutil.UserNIC, content string) func() {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(nic.DB), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(nic.DB, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// waitLockWait waits until pid blocks on a lock (a "->" line of
// /proc/locks names it).
func waitLockWait(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		b, _ := os.ReadFile("/proc/locks")
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 5 && f[1] == "->" && f[5] == fmt.Sprint(pid) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never waited for the database lock", pid)
}

// TestCallerCannotSignal: the helper serialises every user's runs on
// the database lock, so a caller who could stop it (SIGSTOP, or SIGTSTP
// from the terminal) while it holds the lock would hang every other
// user's container start, and one who could kill it mid-rewrite would
// leave a torn database. Once it runs, its caller can send it nothing.
func TestCallerCannotSignal(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 2", u.Name, br))
	pid := ownNetNS(t, u)
	unlock := lockDB(t, nic, "")
	defer unlock()
	cmd := u.Command(nic.Path, "create", "/p", "c", fmt.Sprint(pid), "veth", br, "eth0")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		unlock()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	helper := cmd.Process.Pid
	waitExe(t, helper, filepath.Base(nic.Path))
	waitLockWait(t, helper)
	for _, sig := range []string{"STOP", "TSTP", "KILL", "TERM"} {
		if r := u.Run("kill", "-"+sig, fmt.Sprint(helper)); r.Code == 0 {
			t.Errorf("the caller sent SIG%s to the helper", sig)
		}
	}
	time.Sleep(50 * time.Millisecond)
	unlock()
	select {
	case <-done:
		if waitErr != nil || !createOut.MatchString(out.String()) {
			t.Errorf("create after the lock was released: %v: %s", waitErr, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the helper did not finish once the lock was free (stopped?): %s", out.String())
	}
}

// TestFileSizeLimit: a caller's RLIMIT_FSIZE (with SIGXFSZ ignored, so a
// write comes back short instead of killing) must not tear the database
// while the helper rewrites it: other users' lines stay whole.
func TestFileSizeLimit(t *testing.T) {
	u, nic, br := setup(t)
	nic.Allow(t, fmt.Sprintf("%s veth %s 2", u.Name, br))
	pid := ownNetNS(t, u)
	// The caller's own stale line first (its device is gone, so the
	// run drops it and rewrites everything after it), then others'.
	others := []string{"alice veth " + br + " veth2000_aaaa", "bob veth " + br + " veth2001_bbbb", "carol veth " + br + " veth2002_cccc"}
	content := u.Name + " veth " + br + " veth" + fmt.Sprint(u.UID) + "_gone\n" + strings.Join(others, "\n") + "\n"
	lockDB(t, nic, content)()
	r := u.Run("sh", "-c", `trap "" XFSZ; exec prlimit --fsize=40 "$@"`, "sh", nic.Path, "create", "/p", "c", fmt.Sprint(pid), "veth", br, "eth0")
	got := nic.Entries()
	var kept []string
	for _, l := range got {
		if !strings.HasPrefix(l, u.Name+" ") {
			kept = append(kept, l)
		}
	}
	if strings.Join(kept, "|") != strings.Join(others, "|") {
		t.Errorf("other users' lines after a run with a 40-byte file size limit (%s):\n%q\nwant %q", r, got, others)
	}
	if r.Code != 0 && (strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "file size")) {
		t.Errorf("a refusal should say it is the file size limit, in one line: %s", r)
	}
}
