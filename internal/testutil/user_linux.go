package testutil

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// UserComment marks the logins NewUser makes, so a sweep after a killed
// test run (hack/testreap) finds them and nothing else.
const UserComment = "golxc test user"

// UserPrefix starts the name of every login NewUser makes.
const UserPrefix = "gxt"

// IDRange is a subordinate id range of /etc/subuid or /etc/subgid.
type IDRange struct{ Start, Count int }

// User is a throw-away login made for one test: its own uid, group, home
// directory and subordinate id ranges. Commands run as it with a clean
// environment (HOME, USER, LOGNAME, PATH with our tools first, and an
// XDG_RUNTIME_DIR), optionally inside a network namespace of the test's
// own (UseNetNS). Cleanup kills its processes and those of its mapped ids,
// then removes the login, its subordinate ids and its home, and fails the
// test if any of them survived.
type User struct {
	Name     string
	UID, GID int
	Home     string
	SubUID   IDRange
	SubGID   IDRange
	// RunDir is its XDG_RUNTIME_DIR.
	RunDir string
	// madeRunUser: /run/user did not exist before (removed when empty).
	madeRunUser bool
	// Env is added to every command's environment (after the defaults).
	Env []string
	// CgroupV2Only runs the user's commands where only the cgroup2
	// hierarchy is mounted on /sys/fs/cgroup (a pure v2 host, made in a
	// mount namespace of the command).
	CgroupV2Only bool

	t     testing.TB
	netns string
}

// idFileMu serialises our edits of /etc/subuid and /etc/subgid (useradd
// and usermod lock the files themselves against other programs).
var idFileMu sync.Mutex

// NewUser makes a login with a 65536-id subordinate range for uids and
// gids (the one useradd allocates, or a free one given with usermod).
func NewUser(t testing.TB) *User {
	t.Helper()
	Integration(t)
	Need(t, "useradd", "userdel", "usermod", "setpriv", "newuidmap", "newgidmap")
	name := UniqueName(UserPrefix)
	home := filepath.Join("/home", name)
	idFileMu.Lock()
	out, err := exec.Command("useradd", "-m", "-d", home, "-s", "/bin/sh", "-c", UserComment, "-U", name).CombinedOutput()
	idFileMu.Unlock()
	if err != nil {
		t.Fatalf("useradd %s: %v: %s", name, err, out)
	}
	u := &User{Name: name, Home: home, t: t}
	t.Cleanup(func() { u.remove() })
	pw, err := lookupPasswd(name)
	if err != nil {
		t.Fatal(err)
	}
	u.UID, u.GID = pw[0], pw[1]
	// Deterministic for tests, whatever HOME_MODE says: the mapped root
	// of a container must be able to reach the lxcpath below it.
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	u.SubUID = u.subordinate(t, "/etc/subuid", "--add-subuids")
	u.SubGID = u.subordinate(t, "/etc/subgid", "--add-subgids")
	u.RunDir = fmt.Sprintf("/run/user/%d", u.UID)
	if _, err := os.Stat("/run/user"); os.IsNotExist(err) {
		u.madeRunUser = true
	}
	if err := os.MkdirAll("/run/user", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(u.RunDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(u.RunDir, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	return u
}

// lookupPasswd returns uid and gid of name from /etc/passwd.
func lookupPasswd(name string) ([2]int, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return [2]int{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ":")
		if len(p) >= 4 && p[0] == name {
			uid, err1 := strconv.Atoi(p[2])
			gid, err2 := strconv.Atoi(p[3])
			if err1 != nil || err2 != nil {
				return [2]int{}, fmt.Errorf("bad /etc/passwd entry for %s", name)
			}
			return [2]int{uid, gid}, nil
		}
	}
	return [2]int{}, fmt.Errorf("%s is not in /etc/passwd", name)
}

// subIDs returns the ranges of name in a subuid/subgid file, and the end
// of the highest range of anyone.
func subIDs(path, name string) ([]IDRange, int) {
	b, _ := os.ReadFile(path)
	var mine []IDRange
	top := 0
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.Split(line, ":")
		if len(p) != 3 {
			continue
		}
		start, err1 := strconv.Atoi(p[1])
		count, err2 := strconv.Atoi(p[2])
		if err1 != nil || err2 != nil {
			continue
		}
		if start+count > top {
			top = start + count
		}
		if p[0] == name {
			mine = append(mine, IDRange{start, count})
		}
	}
	return mine, top
}

// subordinate returns the user's range in path, adding a free one with
// usermod when useradd allocated none (SUB_UID_COUNT 0 in login.defs).
func (u *User) subordinate(t testing.TB, path, flag string) IDRange {
	t.Helper()
	idFileMu.Lock()
	defer idFileMu.Unlock()
	mine, top := subIDs(path, u.Name)
	if len(mine) > 0 {
		return mine[0]
	}
	start := 100000
	if top > start {
		start = (top + 65535) / 65536 * 65536
	}
	r := IDRange{start, 65536}
	if out, err := exec.Command("usermod", flag, fmt.Sprintf("%d-%d", start, start+r.Count-1), u.Name).CombinedOutput(); err != nil {
		t.Fatalf("usermod %s: %v: %s", flag, err, out)
	}
	return r
}

// remove kills what runs as the user or as one of its subordinate ids,
// then deletes the login, its ids and home, and reports leftovers.
func (u *User) remove() {
	for _, p := range u.teardown() {
		u.t.Error(p)
	}
	if u.RunDir != "" && u.madeRunUser {
		os.Remove("/run/user") // only if empty
	}
}

// teardown is remove without a test: it returns what went wrong.
func (u *User) teardown() []string {
	var problems []string
	for i := 0; i < 50; i++ {
		if n := u.killProcesses(); n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if u.RunDir != "" {
		os.RemoveAll(u.RunDir)
	}
	idFileMu.Lock()
	out, err := exec.Command("userdel", "-r", u.Name).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "does not exist") {
		problems = append(problems, fmt.Sprintf("userdel -r %s: %v: %s", u.Name, err, out))
	}
	// userdel removes subordinate ids in current shadow; older ones leave
	// them (and usermod no longer knows the user), so drop what is left.
	for _, path := range []string{"/etc/subuid", "/etc/subgid"} {
		if mine, _ := subIDs(path, u.Name); len(mine) > 0 {
			problems = append(problems, fmt.Sprintf("userdel left %s's ranges in %s", u.Name, path))
			removeSubIDLine(path, u.Name)
		}
	}
	idFileMu.Unlock()
	if _, err := lookupPasswd(u.Name); err == nil {
		problems = append(problems, fmt.Sprintf("user %s still exists", u.Name))
	}
	if _, err := os.Stat(u.Home); err == nil {
		problems = append(problems, fmt.Sprintf("home %s still exists", u.Home))
		os.RemoveAll(u.Home)
	}
	return problems
}

// SweepUsers removes the logins NewUser made whose test was killed before
// its cleanup ran (their processes, subordinate ids and homes too), and
// returns their names. Only logins with UserPrefix and UserComment count.
func SweepUsers() []string {
	b, _ := os.ReadFile("/etc/passwd")
	var swept []string
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.Split(line, ":")
		if len(p) < 7 || !strings.HasPrefix(p[0], UserPrefix) || p[4] != UserComment {
			continue
		}
		uid, _ := strconv.Atoi(p[2])
		u := &User{Name: p[0], UID: uid, Home: p[5], RunDir: fmt.Sprintf("/run/user/%d", uid)}
		if r, _ := subIDs("/etc/subuid", u.Name); len(r) > 0 {
			u.SubUID = r[0]
		}
		u.teardown()
		swept = append(swept, u.Name)
	}
	return swept
}

// removeSubIDLine drops name's lines from a subuid/subgid file (the user
// no longer exists, so usermod cannot do it).
func removeSubIDLine(path, name string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var keep []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(line, name+":") {
			keep = append(keep, line)
		}
	}
	tmp := path + ".golxc-test"
	if os.WriteFile(tmp, []byte(strings.Join(keep, "")), 0o644) == nil {
		os.Rename(tmp, path)
	}
}

// killProcesses SIGKILLs every process whose real or effective uid is the
// user's or one of its subordinate uids, and returns how many it found.
func (u *User) killProcesses() int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "Uid:") {
				continue
			}
			f := strings.Fields(line)
			for _, s := range f[1:3] {
				id, _ := strconv.Atoi(s)
				if id == u.UID || (u.SubUID.Count > 0 && id >= u.SubUID.Start && id < u.SubUID.Start+u.SubUID.Count) {
					syscall.Kill(pid, syscall.SIGKILL)
					n++
					break
				}
			}
			break
		}
	}
	return n
}

// Environ is the environment of the user's commands.
func (u *User) Environ() []string {
	env := []string{
		"HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name,
		"PATH=" + BinDir(u.t) + ":/usr/sbin:/usr/bin:/sbin:/bin",
		"XDG_RUNTIME_DIR=" + u.RunDir, "LANG=C.UTF-8",
	}
	return append(env, u.Env...)
}

// Command prepares prog (a path, or a name looked up in the user's PATH)
// to run as the user, in its home, with its environment and, after
// UseNetNS, inside the test's network namespace.
func (u *User) Command(prog string, args ...string) *exec.Cmd {
	setpriv := []string{"setpriv", "--reuid=" + strconv.Itoa(u.UID), "--regid=" + strconv.Itoa(u.GID), "--init-groups", "--"}
	argv := append(setpriv, "env", "-i")
	argv = append(argv, u.Environ()...)
	argv = append(argv, prog)
	argv = append(argv, args...)
	var script string
	switch {
	case u.netns != "" && u.CgroupV2Only:
		script = `umount -l /sys && mount -t sysfs sysfs /sys && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 125`
	case u.netns != "":
		// A sysfs of the namespace (LXC's lxc-user-nic reads
		// /sys/class/net) and the host's cgroup hierarchies put back.
		script = `mount -t tmpfs golxc-test /mnt && mkdir /mnt/cg && mount --rbind /sys/fs/cgroup /mnt/cg &&
mount -t sysfs sysfs /sys && mount --move /mnt/cg /sys/fs/cgroup && umount /mnt || exit 125`
	case u.CgroupV2Only:
		script = `umount -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 125`
	}
	if script != "" {
		argv = append([]string{"unshare", "--mount", "--propagation", "slave", "--", "sh", "-c", script + "\nexec \"$@\"", "sh"}, argv...)
		if u.netns != "" {
			argv = append([]string{"nsenter", "--net=/run/netns/" + u.netns, "--"}, argv...)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = u.Home
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	return cmd
}

// Run runs prog as the user and returns its result.
func (u *User) Run(prog string, args ...string) Result {
	u.t.Helper()
	return RunCmd(u.t, u.Command(prog, args...))
}

// MustRun runs prog as the user and fails the test unless it exits 0.
func (u *User) MustRun(prog string, args ...string) Result {
	u.t.Helper()
	r := u.Run(prog, args...)
	if r.Code != 0 {
		u.t.Fatalf("as %s: %s %s: %s", u.Name, prog, strings.Join(args, " "), r)
	}
	return r
}

// WriteFile writes a file in the user's home (path relative to it),
// owned by the user, with parent directories made and owned by it too.
func (u *User) WriteFile(rel, content string) {
	u.t.Helper()
	p := filepath.Join(u.Home, rel)
	var made []string
	for d := filepath.Dir(p); d != u.Home && d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		u.t.Fatal(err)
	}
	for _, d := range append(made, p) {
		if d == p {
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				u.t.Fatal(err)
			}
		}
		if err := os.Chown(d, u.UID, u.GID); err != nil {
			u.t.Fatal(err)
		}
	}
}

// IDMapConfig is the lxc.idmap lines giving a container the user's
// subordinate ranges.
func (u *User) IDMapConfig() string {
	return fmt.Sprintf("lxc.idmap = u 0 %d %d\nlxc.idmap = g 0 %d %d\n", u.SubUID.Start, u.SubUID.Count, u.SubGID.Start, u.SubGID.Count)
}

// UseNetNS makes a network namespace for the test with a bridge in it
// (address 10.213.N.1/24, up) and runs the user's later commands inside
// it, never on the host's links. It returns the bridge's name and the
// namespace's name; both go away at cleanup.
func (u *User) UseNetNS() (bridge, netns string) {
	t := u.t
	t.Helper()
	Need(t, "ip", "nsenter", "unshare")
	netns = UniqueName("gxn")
	if out, err := exec.Command("ip", "netns", "add", netns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", netns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", netns, err, out)
		}
	})
	bridge = UniqueName("gxbr")
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", "10.213.0.1/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", netns}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip -n %s %s: %v: %s", netns, strings.Join(args, " "), err, out)
		}
	}
	u.netns = netns
	return bridge, netns
}

// Netns is the name of the network namespace the user's commands run in
// ("" for the caller's).
func (u *User) Netns() string { return u.netns }

// UseNetNSOf runs the user's later commands in other's test namespace.
func (u *User) UseNetNSOf(other *User) { u.netns = other.netns }

// InNetNS runs a command as root inside the test's network namespace.
func (u *User) InNetNS(prog string, args ...string) Result {
	u.t.Helper()
	return RunCmd(u.t, exec.Command("ip", append([]string{"netns", "exec", u.netns, prog}, args...)...))
}

// UserNIC is a private, setuid-root build of lxc-user-nic whose quota file
// and database live in a root-owned directory of the test, so tests never
// read or change the host's /etc/lxc/lxc-usernet or /run/lxc/nics.
type UserNIC struct {
	Path, Conf, DB string
}

// NewUserNIC builds the helper into a fresh directory (root-owned, 0755,
// on a filesystem that honours setuid) and gives the test its path.
func NewUserNIC(t testing.TB) *UserNIC {
	t.Helper()
	dir := usernicDir(t)
	n := &UserNIC{Path: filepath.Join(dir, "lxc-user-nic"), Conf: filepath.Join(dir, "lxc-usernet"), DB: filepath.Join(dir, "run", "nics")}
	n.build(t)
	if err := os.WriteFile(n.Conf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// NewUserNICWithFiles builds a private setuid copy that uses conf and db
// (the host's own files for a comparison with LXC's helper; the caller
// restores them).
func NewUserNICWithFiles(t testing.TB, conf, db string) *UserNIC {
	t.Helper()
	n := &UserNIC{Path: filepath.Join(usernicDir(t), "lxc-user-nic"), Conf: conf, DB: db}
	n.build(t)
	return n
}

// usernicDir is a root-owned 0755 directory for a helper, removed at
// cleanup.
func usernicDir(t testing.TB) string {
	t.Helper()
	Integration(t)
	dir, err := os.MkdirTemp("", "golxc-test-usernic-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// build compiles the helper into n.Path with n's files, setuid root.
func (n *UserNIC) build(t testing.TB) {
	t.Helper()
	Need(t, "make", "cc")
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(n.Path), &st); err != nil {
		t.Fatal(err)
	}
	if st.Flags&unix.ST_NOSUID != 0 {
		t.Fatalf("%s is on a nosuid filesystem: set TMPDIR to a directory where setuid programs run", filepath.Dir(n.Path))
	}
	cmd := exec.Command("make", "-s", "usernic-variant", "USERNIC_OUT="+n.Path, "USERNET_CONF="+n.Conf, "USERNIC_DB="+n.DB)
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build lxc-user-nic: %v: %s", err, out)
	}
	if err := unix.Chmod(n.Path, 0o4755); err != nil {
		t.Fatal(err)
	}
}

// Allow appends a line to the helper's lxc-usernet.
func (n *UserNIC) Allow(t testing.TB, line string) {
	t.Helper()
	f, err := os.OpenFile(n.Conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// Entries returns the helper's database lines.
func (n *UserNIC) Entries() []string {
	b, _ := os.ReadFile(n.DB)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
