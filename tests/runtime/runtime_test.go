// Package runtime_test starts real busybox containers with our lxc-start,
// lxc-execute, lxc-stop ... and checks what the container sees from inside
// (mounts, /dev, capabilities, hostname, pid 1, device access) and what is
// left on the host afterwards (nothing: testutil.LXCPath fails the test if
// a process, mount or cgroup survives).
package runtime_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/testutil"
)

// container defines a busybox container with extra config lines in a
// private lxcpath and returns (lxcpath, name).
func container(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("rt")
	testutil.BusyboxContainer(t, p, n, extra...)
	return p, n
}

func start(t *testing.T, p, n string, args ...string) {
	t.Helper()
	testutil.MustRun(t, "lxc-start", append([]string{"-P", p, "-n", n}, args...)...)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
}

func initPID(t *testing.T, p, n string) int {
	t.Helper()
	pid, err := ctl.InitPID(p, n)
	if err != nil {
		t.Fatalf("init pid of %s: %v", n, err)
	}
	return pid
}

func execute(t *testing.T, p, n string, cmd ...string) testutil.Result {
	t.Helper()
	return testutil.Run(t, "lxc-execute", append([]string{"-P", p, "-n", n, "--"}, cmd...)...)
}

func readProc(t *testing.T, pid int, file string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mountPoints(mountinfo string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(l)
		if len(f) < 10 {
			continue
		}
		sep := 6
		for sep < len(f) && f[sep] != "-" {
			sep++
		}
		out[f[4]] = f[sep+1] + " " + f[5]
	}
	return out
}

func TestStartIsolatesAndStops(t *testing.T) {
	p, n := container(t)
	start(t, p, n)
	if st := ctl.State(p, n); st != ctl.Running {
		t.Fatalf("state %s, want RUNNING", st)
	}
	pid := initPID(t, p, n)
	// pid 1 of its own pid namespace, our hostname.
	status := readProc(t, pid, "status")
	if !strings.Contains(status, "NSpid:\t"+strconv.Itoa(pid)+"\t1\n") {
		t.Errorf("init is not pid 1 of a new pid namespace:\n%s", status)
	}
	for _, ns := range []string{"mnt", "pid", "uts", "ipc", "net", "cgroup"} {
		mine, _ := os.Readlink("/proc/self/ns/" + ns)
		theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if mine == theirs {
			t.Errorf("container shares the host's %s namespace", ns)
		}
	}
	// Capability bounding set without the dropped caps (sys_module=16,
	// sys_time=25, mac_override=32, mac_admin=33), as LXC's 000001fcfcfeffff.
	if !strings.Contains(status, "CapBnd:\t000001fcfcfeffff") {
		t.Errorf("bounding set:\n%s", status)
	}
	// Only stdio is open in init: nothing of ours leaked.
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	var names []string
	for _, f := range fds {
		names = append(names, f.Name())
	}
	if strings.Join(names, ",") != "0,1,2" {
		t.Errorf("init has fds %v, want only 0,1,2", names)
	}
	// The mount table: proc mixed, sys read-only, a new devpts instance.
	mi := readProc(t, pid, "mountinfo")
	mp := mountPoints(mi)
	for target, want := range map[string]string{
		"/proc": "proc rw", "/proc/sys": "proc ro", "/sys": "sysfs ro", "/dev": "tmpfs rw",
		"/dev/pts": "devpts rw", "/dev/ptmx": "devpts rw", "/dev/console": "devpts rw", "/dev/tty1": "devpts rw",
	} {
		if got := mp[target]; !strings.HasPrefix(got, strings.Fields(want)[0]) || !strings.HasPrefix(strings.Fields(got + " x")[1], strings.Fields(want)[1]) {
			t.Errorf("mount %s = %q, want %q\n%s", target, got, want, mi)
		}
	}
	if !strings.Contains(mi, "ptmxmode=666") {
		t.Errorf("devpts is not a new instance (ptmxmode=666):\n%s", mi)
	}
	// /dev holds only the allowed nodes.
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/root/dev", pid))
	if err != nil {
		t.Fatal(err)
	}
	var dev []string
	for _, e := range ents {
		dev = append(dev, e.Name())
	}
	sort.Strings(dev)
	want := ".lxc-boot-id console fd full null ptmx pts random stderr stdin stdout tty tty1 tty2 urandom zero"
	if strings.Join(dev, " ") != want {
		t.Errorf("/dev = %v\nwant %s", dev, want)
	}
	// The hostname is the container's.
	if h := testutil.MustRun(t, "lxc-execute", "-P", p, "-n", testutil.UniqueName("x"), "-f", filepath.Join(p, n, "config"), "--", "hostname"); strings.TrimSpace(h.Stdout) != n {
		t.Errorf("hostname %q, want %q", h.Stdout, n)
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	if st := ctl.State(p, n); st != ctl.Stopped {
		t.Fatalf("state after stop: %s", st)
	}
	if cg := testutil.CgroupsNamed(n); len(cg) > 0 {
		t.Errorf("cgroups left after stop: %v", cg)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("init %d still alive after stop", pid)
	}
}

func TestExecuteExitCodes(t *testing.T) {
	p, n := container(t)
	for _, c := range []struct {
		cmd  []string
		code int
	}{
		{[]string{"/bin/true"}, 0},
		{[]string{"/bin/sh", "-c", "exit 7"}, 7},
		{[]string{"/bin/sh", "-c", "kill -9 $$"}, 128 + 9},
		{[]string{"/nonexistent"}, 255},
	} {
		r := execute(t, p, n, c.cmd...)
		if r.Code != c.code {
			t.Errorf("%v: %s\nwant exit %d", c.cmd, r, c.code)
		}
	}
	// stdio is passed through; the application is a child of our init
	// (pid 1). (Not pid 2 as under LXC: the init's threads use pids.)
	r := execute(t, p, n, "/bin/sh", "-c", "grep PPid /proc/$$/status; echo err >&2")
	if r.Code != 0 || r.Stdout != "PPid:\t1\n" || r.Stderr != "err\n" {
		t.Errorf("execute stdio: %s", r)
	}
	// Orphans are reaped: the init exits once the last process is gone.
	r = execute(t, p, n, "/bin/sh", "-c", "(sleep 0.2; echo orphan) & exit 3")
	if r.Code != 3 || !strings.Contains(r.Stdout, "orphan") {
		t.Errorf("orphan handling: %s", r)
	}
}

// TestDeviceRules: "deny a" plus allow lines as the old ubuntu template
// wrote them make a node created inside (mknod is allowed by "b *:* m")
// fail to open with EPERM: on cgroup v1 (devices controller) and on
// cgroup2 (eBPF program on the unified hierarchy, also on this hybrid host).
func TestDeviceRules(t *testing.T) {
	for _, v := range []string{"cgroup", "cgroup2"} {
		t.Run(v, func(t *testing.T) {
			p, n := container(t,
				"lxc.cap.drop =",
				"lxc."+v+".devices.deny = a",
				"lxc."+v+".devices.allow = c *:* m",
				"lxc."+v+".devices.allow = b *:* m",
				"lxc."+v+".devices.allow = c 1:3 rwm",
				"lxc."+v+".devices.allow = c 1:5 rwm",
				"lxc."+v+".devices.allow = c 1:8 rwm",
				"lxc."+v+".devices.allow = c 1:9 rwm",
				"lxc."+v+".devices.allow = c 5:0 rwm",
				"lxc."+v+".devices.allow = c 5:1 rwm",
				"lxc."+v+".devices.allow = c 5:2 rwm",
				"lxc."+v+".devices.allow = c 136:* rwm",
			)
			r := execute(t, p, n, "/bin/sh", "-c", "mknod /tmp/mem c 1 1 && head -c1 /tmp/mem; echo rc=$?; head -c1 /dev/zero | od -c | head -1")
			if !strings.Contains(r.Stderr, "Operation not permitted") || !strings.Contains(r.Stdout, "rc=1") || !strings.Contains(r.Stdout, `\0`) {
				t.Errorf("device rules not enforced: %s", r)
			}
		})
	}
}

func TestStartFailuresLeaveNothing(t *testing.T) {
	cases := map[string][]string{
		"bad mount entry": {"lxc.mount.entry = /nonexistent/golxc mnt none bind 0 0"},
		"hook fails":      {"lxc.hook.pre-start = /bin/false"},
		"init not found":  {"lxc.init.cmd = /no/such/init"},
		"mount hook":      {"lxc.hook.mount = /bin/sh -c 'exit 3'"},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			p, n := container(t, extra...)
			r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
			if r.Code == 0 {
				t.Fatalf("start succeeded: %s", r)
			}
			if lines := strings.Count(strings.TrimSpace(r.Stderr), "\n") + 1; lines != 1 || !strings.Contains(r.Stderr, "failed to start") {
				t.Errorf("want one clear error line, got: %s", r)
			}
			if st := ctl.State(p, n); st != ctl.Stopped {
				t.Errorf("state %s after failed start", st)
			}
			time.Sleep(50 * time.Millisecond)
			if cg := testutil.CgroupsNamed(n); len(cg) > 0 {
				t.Errorf("cgroups left: %v", cg)
			}
			if ps := testutil.ProcessesMentioning(p); len(ps) > 0 {
				t.Errorf("processes left: %v", ps)
			}
		})
	}
	t.Run("missing rootfs", func(t *testing.T) {
		p, n := container(t)
		os.RemoveAll(filepath.Join(p, n, "rootfs"))
		r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
		if r.Code == 0 || !strings.Contains(r.Stderr, "rootfs") {
			t.Errorf("%s", r)
		}
	})
}

func TestConcurrentStartsOneWins(t *testing.T) {
	p, n := container(t)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
	var wg sync.WaitGroup
	results := make([]testutil.Result, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = testutil.Run(t, "lxc-start", "-P", p, "-n", n)
		}(i)
	}
	wg.Wait()
	already := 0
	for _, r := range results {
		if r.Code != 0 {
			t.Errorf("start: %s", r)
		}
		if strings.Contains(r.Stderr, "already running") {
			already++
		}
	}
	if already != len(results)-1 {
		t.Errorf("%d of %d starts said 'already running', want %d", already, len(results), len(results)-1)
	}
	if mons := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n); len(mons) != 1 {
		t.Errorf("%d monitors running, want 1", len(mons))
	}
}

func TestMonitorKilledTakesContainerDown(t *testing.T) {
	p, n := container(t)
	start(t, p, n)
	pid := initPID(t, p, n)
	mons := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n)
	if len(mons) != 1 {
		t.Fatalf("monitors: %v", mons)
	}
	syscall.Kill(mons[0], syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Fatalf("container init %d survived its monitor", pid)
	}
	// The next start works and cleans the stale cgroups.
	testutil.MustRun(t, "lxc-start", "-P", p, "-n", n)
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
}

func TestShutdownRebootWait(t *testing.T) {
	p, n := container(t, "lxc.init.cmd = /sbin/init")
	start(t, p, n)
	first := initPID(t, p, n)
	testutil.MustRun(t, "lxc-wait", "-P", p, "-n", n, "-s", "RUNNING", "-t", "5")
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-r", "-t", "20")
	second := initPID(t, p, n)
	if second == first {
		t.Fatalf("init pid unchanged after reboot (%d)", first)
	}
	// Clean shutdown through lxc.signal.halt (SIGUSR1 for busybox init).
	r := testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-t", "20")
	if r.Code != 0 {
		t.Fatalf("stop: %s", r)
	}
	if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", n); r.Code != 2 || !strings.Contains(r.Stderr, "is not running") {
		t.Errorf("stop of a stopped container: %s (want exit 2)", r)
	}
	testutil.MustRun(t, "lxc-wait", "-P", p, "-n", n, "-s", "STOPPED", "-t", "1")
}

func TestStopTimeoutKills(t *testing.T) {
	// sleep as pid 1 ignores the halt signal: lxc-stop must kill after -t.
	p, n := container(t)
	start(t, p, n)
	t0 := time.Now()
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-t", "1")
	if d := time.Since(t0); d < time.Second || d > 10*time.Second {
		t.Errorf("stop took %v", d)
	}
	start(t, p, n)
	if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-t", "1", "--nokill"); r.Code != 1 {
		t.Errorf("--nokill timeout: %s", r)
	}
	if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k", "--nokill"); r.Code != 1 {
		t.Errorf("-k --nokill accepted: %s", r)
	}
}

func TestFreezeCgroupWait(t *testing.T) {
	p, n := container(t, "lxc.cgroup.pids.max = 77")
	start(t, p, n)
	if r := testutil.MustRun(t, "lxc-cgroup", "-P", p, "-n", n, "pids.max"); r.Stdout != "77\n\n" {
		t.Errorf("lxc-cgroup get: %q", r.Stdout)
	}
	testutil.MustRun(t, "lxc-cgroup", "-P", p, "-n", n, "pids.max", "88")
	if r := testutil.MustRun(t, "lxc-cgroup", "-P", p, "-n", n, "pids.max"); r.Stdout != "88\n\n" {
		t.Errorf("lxc-cgroup after set: %q", r.Stdout)
	}
	if r := testutil.Run(t, "lxc-cgroup", "-P", p, "-n", n, "pids.max", "abc"); r.Code != 1 || !strings.Contains(r.Stderr, "Failed to assign 'abc' value to 'pids.max'") {
		t.Errorf("bad set: %s", r)
	}
	testutil.MustRun(t, "lxc-freeze", "-P", p, "-n", n)
	if st := ctl.State(p, n); st != ctl.Frozen {
		t.Errorf("state %s after freeze", st)
	}
	testutil.MustRun(t, "lxc-wait", "-P", p, "-n", n, "-s", "FROZEN", "-t", "2")
	testutil.MustRun(t, "lxc-unfreeze", "-P", p, "-n", n)
	if st := ctl.State(p, n); st != ctl.Running {
		t.Errorf("state %s after unfreeze", st)
	}
	if r := testutil.Run(t, "lxc-wait", "-P", p, "-n", n, "-s", "running"); r.Code != 1 {
		t.Errorf("lower-case state accepted: %s", r)
	}
	if r := testutil.Run(t, "lxc-wait", "-P", p, "-n", n, "-s", "STOPPED", "-t", "1"); r.Code != 1 {
		t.Errorf("wait STOPPED on a running container: %s", r)
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	if r := testutil.Run(t, "lxc-freeze", "-P", p, "-n", n); r.Code != 1 {
		t.Errorf("freeze of stopped: %s", r)
	}
	if r := testutil.Run(t, "lxc-cgroup", "-P", p, "-n", n, "pids.max"); r.Code != 1 || !strings.Contains(r.Stderr, "is not running") {
		t.Errorf("cgroup of stopped: %s", r)
	}
}

func TestConfigKeysApplied(t *testing.T) {
	p, n := container(t,
		"lxc.environment = FOO=bar baz",
		"lxc.init.cwd = /tmp/work",
		"lxc.init.uid = 1000",
		"lxc.init.gid = 1000",
		"lxc.prlimit.nofile = 100:200",
		"lxc.sysctl.kernel.msgmax = 4321",
		"lxc.proc.oom_score_adj = 123",
		"lxc.cap.drop =",
		"lxc.cap.keep = chown kill",
	)
	r := execute(t, p, n, "/bin/sh", "-c", "echo $FOO; pwd; id -u; id -g; ulimit -n; cat /proc/sys/kernel/msgmax; cat /proc/1/oom_score_adj; grep CapBnd /proc/self/status; echo $container")
	want := "bar baz\n/tmp/work\n1000\n1000\n100\n4321\n123\nCapBnd:\t0000000000000021\nlxc\n"
	if r.Code != 0 || r.Stdout != want {
		t.Errorf("%s\nwant stdout %q", r, want)
	}
}

// TestMountEntriesStayInRoot: targets are resolved inside the rootfs, so a
// symlink planted in the image cannot make a mount land on the host
// (CVE-2015-1335, lxc-test-symlink): a target whose symlink leads out of the
// rootfs makes the start fail, one that stays inside is followed inside, and
// proc as a symlink is refused.
func TestMountEntriesStayInRoot(t *testing.T) {
	testutil.Integration(t)
	hostDir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(hostDir, "data"), "host data\n", 0o644)
	victim := t.TempDir()

	// opt -> a host directory that does not exist in the rootfs: refused.
	p, n := container(t, "lxc.mount.entry = "+hostDir+" opt/evil none bind,create=dir 0 0")
	os.Symlink(victim, filepath.Join(p, n, "rootfs", "opt"))
	if r := testutil.Run(t, "lxc-start", "-P", p, "-n", n); r.Code == 0 {
		t.Errorf("start through a symlink leaving the rootfs succeeded: %s", r)
	}

	// mnt/link -> /etc (absolute, resolved in the rootfs): the file is
	// created and mounted on the container's /etc, never the host's.
	p, n = container(t,
		"lxc.mount.entry = "+hostDir+"/data mnt/link/golxc-data none bind,ro,create=file 0 0",
		"lxc.mount.entry = tmpfs srv/new tmpfs create=dir,size=1m 0 0",
		"lxc.mount.entry = /nonexistent/x mnt/opt none bind,optional 0 0",
	)
	os.MkdirAll(filepath.Join(p, n, "rootfs", "mnt"), 0o755)
	os.Symlink("/etc", filepath.Join(p, n, "rootfs", "mnt", "link"))
	r := execute(t, p, n, "/bin/sh", "-c", "cat /etc/golxc-data; echo x > /etc/golxc-data; grep -c ' /srv/new ' /proc/self/mountinfo")
	if !strings.Contains(r.Stdout, "host data\n") || !strings.Contains(r.Stderr, "Read-only file system") || !strings.Contains(r.Stdout, "1\n") {
		t.Errorf("in-root mounts: %s", r)
	}
	if _, err := os.Stat("/etc/golxc-data"); err == nil {
		os.Remove("/etc/golxc-data")
		t.Errorf("mount target created on the host's /etc")
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Errorf("mkdir escaped to the host through a symlink: %v", ents)
	}
	if m := testutil.MountsUnder(victim); len(m) > 0 {
		t.Errorf("mount landed on host: %v", m)
	}

	// /proc as a symlink: refused.
	p2, n2 := container(t)
	root2 := filepath.Join(p2, n2, "rootfs")
	os.RemoveAll(filepath.Join(root2, "proc"))
	os.Symlink("/tmp", filepath.Join(root2, "proc"))
	if r := testutil.Run(t, "lxc-start", "-P", p2, "-n", n2); r.Code == 0 || !strings.Contains(r.Stderr, "symlink") {
		t.Errorf("start with proc -> /tmp: %s", r)
	}
}

// TestHooks: every hook gets LXC 5.0.2's arguments and variables, for
// lxc.hook.version 0 and 1: LXC_PID from start-host on (also in stop and
// post-stop), LXC_TARGET at stop, lxc.environment only in the hooks that
// run in the container, and in stop hooks the container's namespaces as
// LXC_<KIND>_NS paths nsenter can use after init died (version 0: also as
// KIND:PATH arguments).
func TestHooks(t *testing.T) {
	testutil.Integration(t)
	for _, v := range []string{"0", "1"} {
		t.Run("version"+v, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "hooks.log")
			script := filepath.Join(t.TempDir(), "hook.sh")
			testutil.WriteFile(t, script, `#!/bin/sh
echo "${LXC_HOOK_TYPE:-} $@ pid=${LXC_PID:-} target=${LXC_TARGET:-} name=$LXC_NAME rootfs=${LXC_ROOTFS_PATH##*/} foo=${FOO:-}" >> `+out+`
if [ -n "${LXC_UTS_NS:-}" ]; then echo "uts=$(nsenter --uts=$LXC_UTS_NS hostname) net=$(nsenter --net=$LXC_NET_NS ip -o link | wc -l) mnt=${LXC_MNT_NS:+y}${LXC_PID_NS:+y}${LXC_IPC_NS:+y}${LXC_CGROUP_NS:+y}" >> `+out+`; fi
`, 0o755)
			p, n := container(t,
				"lxc.hook.version = "+v,
				"lxc.environment = FOO=bar",
				"lxc.hook.pre-start = "+script,
				"lxc.hook.pre-mount = "+script,
				"lxc.hook.mount = "+script,
				"lxc.hook.autodev = "+script,
				"lxc.hook.start-host = "+script,
				"lxc.hook.stop = "+script,
				"lxc.hook.post-stop = "+script,
				// In the container, after the pivot: a path of the rootfs.
				"lxc.hook.start = /bin/sh -c 'echo $LXC_HOOK_VERSION:$FOO > /start-hook-ran'",
			)
			start(t, p, n)
			pid := initPID(t, p, n)
			if b, err := os.ReadFile(filepath.Join(p, n, "rootfs", "start-hook-ran")); err != nil || string(b) != v+":bar\n" {
				t.Errorf("start hook: %q %v", b, err)
			}
			testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
			b, _ := os.ReadFile(out)
			got := string(b)
			prefix := func(typ string) string {
				if v == "1" {
					return typ + " "
				}
				return " " + n + " lxc " + typ
			}
			nsArgs := ""
			if v == "0" {
				nsArgs = " mnt:/proc/"
			}
			for _, want := range []string{
				prefix("pre-start") + " pid= target= name=" + n + " rootfs=rootfs foo=\n",
				prefix("pre-mount") + " pid= target= name=" + n + " rootfs=rootfs foo=bar\n",
				prefix("mount") + " pid= target= name=" + n + " rootfs=rootfs foo=bar\n",
				prefix("autodev") + " pid= target= name=" + n + " rootfs=rootfs foo=bar\n",
				fmt.Sprintf("%s pid=%d target= name=%s rootfs=rootfs foo=\n", prefix("start-host"), pid, n),
				prefix("stop") + nsArgs,
				fmt.Sprintf(" pid=%d target=stop name=%s rootfs=rootfs foo=\nuts=%s net=1 mnt=yyyy\n", pid, n, n),
				fmt.Sprintf("%s pid=%d target=stop name=%s rootfs=rootfs foo=\n", prefix("post-stop"), pid, n),
			} {
				if !strings.Contains(got, want) {
					t.Errorf("hook log lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

func TestConsoleAndTTY(t *testing.T) {
	p, n := container(t, "lxc.init.cmd = /sbin/init", "lxc.console.logfile = CONSOLELOG")
	// busybox init: a shell on tty1, a message on the console.
	rootfs := filepath.Join(p, n, "rootfs")
	testutil.WriteFile(t, filepath.Join(rootfs, "etc/inittab"), "::sysinit:/bin/echo hello-console\ntty1::respawn:/bin/sh\n::respawn:/bin/sleep 100000\n", 0o644)
	logf := filepath.Join(p, n, "console.log")
	cfg := filepath.Join(p, n, "config")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "CONSOLELOG", logf, 1)), 0o640)
	start(t, p, n)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(logf); strings.Contains(string(b), "hello-console") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b, _ := os.ReadFile(logf); !strings.Contains(string(b), "hello-console") {
		t.Errorf("console log %q lacks init's output", b)
	}
	// A shell runs on tty1: talk to it through lxc-console, leave with Ctrl+a q.
	r := runConsole(t, p, n, "echo tty-$((6*7))\n")
	if !strings.Contains(r, "tty-42") || !strings.Contains(r, "Connected to tty 1") {
		t.Errorf("lxc-console -t 1: %q", r)
	}
	if r := testutil.Run(t, "lxc-console", "-P", p, "-n", n, "-t", "9"); r.Code != 1 {
		t.Errorf("tty 9 of 2: %s", r)
	}
}

// runConsole feeds input to lxc-console on tty 1, waits for the output and
// leaves with the escape sequence.
func runConsole(t *testing.T, p, n, input string) string {
	t.Helper()
	pr, pw, _ := os.Pipe()
	outf, _ := os.CreateTemp(t.TempDir(), "out")
	attr := &os.ProcAttr{Files: []*os.File{pr, outf, outf}}
	proc, err := os.StartProcess(testutil.Bin(t, "lxc-console"), []string{"lxc-console", "-P", p, "-n", n, "-t", "1"}, attr)
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	pw.Write([]byte(input))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(outf.Name())
		if strings.Contains(string(b), "tty-42") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pw.Write([]byte{1, 'q'})
	done := make(chan struct{})
	go func() { proc.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		proc.Kill()
		t.Errorf("lxc-console did not leave on Ctrl+a q")
	}
	pw.Close()
	b, _ := os.ReadFile(outf.Name())
	return string(b)
}

func TestStartOptions(t *testing.T) {
	p, n := container(t, "lxc.tty.dir = lxc", "lxc.rootfs.options = ro", "lxc.namespace.keep = ipc")
	pidfile := filepath.Join(t.TempDir(), "pid")
	start(t, p, n, "-p", pidfile)
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	mons := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n)
	if len(mons) != 1 || strings.TrimSpace(string(b)) != strconv.Itoa(mons[0]) {
		t.Errorf("pid file %q, monitor %v", b, mons)
	}
	pid := initPID(t, p, n)
	// lxc.tty.dir: ttys under /dev/lxc with /dev/ttyN links.
	if l, err := os.Readlink(fmt.Sprintf("/proc/%d/root/dev/tty1", pid)); err != nil || l != "lxc/tty1" {
		t.Errorf("/dev/tty1 -> %q (%v)", l, err)
	}
	// lxc.rootfs.options = ro.
	if mp := mountPoints(readProc(t, pid, "mountinfo")); !strings.HasPrefix(mp["/"], "ext4 ro") && !strings.Contains(mp["/"], " ro") {
		t.Errorf("rootfs not read-only: %q", mp["/"])
	}
	// lxc.namespace.keep = ipc: the host's IPC namespace.
	mine, _ := os.Readlink("/proc/self/ns/ipc")
	theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/ipc", pid))
	if mine != theirs {
		t.Errorf("ipc namespace not kept")
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	if _, err := os.Stat(pidfile); err == nil {
		t.Errorf("pid file left after stop")
	}
}

// TestForegroundCommand: lxc-start -F -- CMD runs CMD as init; without a
// terminal its console output is copied to our stdout (LXC loses it).
func TestForegroundCommand(t *testing.T) {
	p, n := container(t)
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n, "-F", "--", "/bin/sh", "-c", "echo from-init $$")
	if r.Code != 0 || !strings.Contains(r.Stdout, "from-init 1") {
		t.Errorf("%s", r)
	}
	if st := ctl.State(p, n); st != ctl.Stopped {
		t.Errorf("state %s", st)
	}
}

func TestConsoleZero(t *testing.T) {
	p, n := container(t, "lxc.init.cmd = /bin/sh -c 'while read l; do echo got-$l; done'")
	start(t, p, n)
	pr, pw, _ := os.Pipe()
	outf, _ := os.CreateTemp(t.TempDir(), "out")
	proc, err := os.StartProcess(testutil.Bin(t, "lxc-console"), []string{"lxc-console", "-P", p, "-n", n, "-t", "0", "-e", "^b"}, &os.ProcAttr{Files: []*os.File{pr, outf, outf}})
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	pw.Write([]byte("ping\n"))
	deadline := time.Now().Add(5 * time.Second)
	var out string
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(outf.Name())
		if out = string(b); strings.Contains(out, "got-ping") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pw.Write([]byte{2, 'q'})
	done := make(chan struct{})
	go func() { proc.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		proc.Kill()
		t.Errorf("lxc-console -t 0 did not leave on Ctrl+b q")
	}
	if !strings.Contains(out, "got-ping") || !strings.Contains(out, "Connected to tty 0") || !strings.Contains(out, "<Ctrl+b q>") {
		t.Errorf("console output: %q", out)
	}
}

func TestAutostart(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	a, b, c := testutil.UniqueName("aa"), testutil.UniqueName("ab"), testutil.UniqueName("ac")
	testutil.BusyboxContainer(t, p, a, "lxc.start.auto = 1", "lxc.start.order = 2")
	testutil.BusyboxContainer(t, p, b, "lxc.start.auto = 1", "lxc.start.order = 1", "lxc.start.delay = 0")
	testutil.BusyboxContainer(t, p, c, "lxc.start.auto = 1", "lxc.group = web")
	if r := testutil.MustRun(t, "lxc-autostart", "-P", p, "-L"); r.Stdout != b+" 0\n"+a+" 0\n" {
		t.Errorf("-L: %q", r.Stdout)
	}
	if r := testutil.MustRun(t, "lxc-autostart", "-P", p, "-L", "-g", "web"); r.Stdout != c+" 0\n" {
		t.Errorf("-L -g web: %q", r.Stdout)
	}
	testutil.MustRun(t, "lxc-autostart", "-P", p, "-a")
	for _, n := range []string{a, b, c} {
		if st := ctl.State(p, n); st != ctl.Running {
			t.Errorf("%s: %s after lxc-autostart -a", n, st)
		}
	}
	if r := testutil.MustRun(t, "lxc-autostart", "-P", p, "-L", "-k", "-a"); r.Stdout != a+"\n"+b+"\n"+c+"\n" {
		t.Errorf("-L -k -a: %q", r.Stdout)
	}
	testutil.MustRun(t, "lxc-autostart", "-P", p, "-k", "-a")
	for _, n := range []string{a, b, c} {
		if st := ctl.State(p, n); st != ctl.Stopped {
			t.Errorf("%s: %s after lxc-autostart -k", n, st)
		}
	}
}

func TestDeviceAdd(t *testing.T) {
	p, n := container(t)
	start(t, p, n)
	pid := initPID(t, p, n)
	testutil.MustRun(t, "lxc-device", "-P", p, "-n", n, "add", "/dev/loop-control")
	st, err := os.Stat(fmt.Sprintf("/proc/%d/root/dev/loop-control", pid))
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("device not created: %v", err)
	}
	testutil.MustRun(t, "lxc-device", "-P", p, "-n", n, "del", "/dev/loop-control")
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/root/dev/loop-control", pid)); err == nil {
		t.Errorf("device not removed")
	}
	if r := testutil.Run(t, "lxc-device", "-P", p, "-n", n, "frob", "/dev/null"); r.Code != 1 || !strings.Contains(r.Stderr, "Please use add or del") {
		t.Errorf("bad action: %s", r)
	}
}

// TestSeccompProfile: LXC's common.seccomp (a denylist with
// reject_force_umount) is enforced in the container.
func TestSeccompProfile(t *testing.T) {
	testutil.Integration(t)
	prof := filepath.Join(t.TempDir(), "common.seccomp")
	testutil.WriteFile(t, prof, "2\ndenylist\nreject_force_umount\n[all]\nkexec_load errno 1\nsethostname errno 38\n", 0o644)
	p, n := container(t, "lxc.seccomp.profile = "+prof)
	r := execute(t, p, n, "/bin/sh", "-c", "hostname foo; echo rc=$?; umount -f /proc; echo rc=$?")
	if !strings.Contains(r.Stderr, "Function not implemented") || !strings.Contains(r.Stderr, "ermission denied") {
		t.Errorf("filter not enforced: %s", r)
	}
}

// TestOverlaySnapshotStarts: a snapshot clone (lxc-copy -s, an overlay
// rootfs) starts, and its writes land in its delta, not in the source.
func TestOverlaySnapshotStarts(t *testing.T) {
	p, base := container(t)
	clone := testutil.UniqueName("ov")
	testutil.MustRun(t, "lxc-copy", "-P", p, "-n", base, "-N", clone, "-s")
	r := testutil.MustRun(t, "lxc-execute", "-P", p, "-n", clone, "--", "/bin/sh", "-c", "echo data > /root/written; hostname; grep ' / ' /proc/self/mountinfo")
	if !strings.Contains(r.Stdout, clone+"\n") || !strings.Contains(r.Stdout, "overlay") {
		t.Errorf("%s", r)
	}
	if _, err := os.Stat(filepath.Join(p, clone, "overlay/delta/root/written")); err != nil {
		t.Errorf("write did not reach the delta: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p, base, "rootfs/root/written")); err == nil {
		t.Errorf("write reached the source container")
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", clone)
}

// TestIdmappedContainer: with lxc.idmap the container gets its own user
// namespace; its root is host uid 100000 and has no power over the host.
func TestIdmappedContainer(t *testing.T) {
	p, n := container(t, "lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536")
	rootfs := filepath.Join(p, n, "rootfs")
	// The namespace's root must be able to reach its rootfs (as with LXC).
	os.Chmod(p, 0o711)
	os.Chmod(filepath.Join(p, n), 0o711)
	filepath.Walk(rootfs, func(path string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(path, 100000, 100000)
		}
		return nil
	})
	start(t, p, n)
	pid := initPID(t, p, n)
	status := readProc(t, pid, "status")
	if !strings.Contains(status, "Uid:\t100000\t100000\t100000\t100000") {
		t.Errorf("init does not run as host uid 100000:\n%s", status)
	}
	if m := readProc(t, pid, "uid_map"); strings.Join(strings.Fields(m), " ") != "0 100000 65536" {
		t.Errorf("uid_map %q", m)
	}
	mine, _ := os.Readlink("/proc/self/ns/user")
	theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
	if mine == theirs {
		t.Errorf("no user namespace")
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
}

// TestDaemonKeepsNoCallerFDs: the monitor of a daemonized start holds no
// descriptor of its caller, as LXC closes inherited fds when it
// daemonizes. `lxc-start -n x 3>&1 | cat` must not hang cat until the
// container stops because the monitor keeps the pipe's write end open.
func TestDaemonKeepsNoCallerFDs(t *testing.T) {
	p, n := container(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(testutil.Bin(t, "lxc-start"), "-P", p, "-n", n)
	// Fds 3 and 4: the monitor's own channel also lands on fd 3.
	cmd.ExtraFiles = []*os.File{w, w}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(w.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	ours := fmt.Sprintf("pipe:[%d]", st.Ino)
	out, err := cmd.CombinedOutput()
	w.Close()
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
	if err != nil {
		t.Fatalf("lxc-start: %v\n%s", err, out)
	}
	// The deadline only bounds a failure: with no writer left, the read
	// returns EOF at once.
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read from the caller's pipe: %v; want EOF (a process of the container kept the write end)", err)
	}
	mons := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n)
	if len(mons) != 1 {
		t.Fatalf("monitors: %v", mons)
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", mons[0]))
	for _, fd := range fds {
		target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", mons[0], fd.Name()))
		if target == ours {
			t.Errorf("monitor fd %s -> %s", fd.Name(), target)
		}
	}
}
