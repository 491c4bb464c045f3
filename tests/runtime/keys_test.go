package runtime_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// TestSessionKeyring: by default the container gets a session keyring of
// its own, so it cannot read the host's keys; lxc.keyring.session = 1
// (LXC's "disable" flag) keeps the inherited one.
func TestSessionKeyring(t *testing.T) {
	// Ours as a child of ours sees it (a keyctl call here could give only
	// this thread a new one: credentials are per thread).
	host := t.TempDir()
	helperIn(t, host)
	out, err := exec.Command(filepath.Join(host, "helper"), "keyring").Output()
	ours, aerr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || aerr != nil {
		t.Fatalf("our session keyring: %q %v %v", out, err, aerr)
	}
	for _, c := range []struct {
		line string
		same bool
	}{{"", false}, {"lxc.keyring.session = 1", true}} {
		p, n := container(t, c.line)
		h := helperIn(t, filepath.Join(p, n, "rootfs"))
		r := execute(t, p, n, h, "keyring")
		got, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
		if r.Code != 0 || err != nil {
			t.Fatalf("%q: helper: %s", c.line, r)
		}
		if (got == ours) != c.same || got == 0 {
			t.Errorf("%q: container session keyring %d, ours %d (want the same: %v)", c.line, got, ours, c.same)
		}
	}
}

// TestCoreScheduling: lxc.sched.core = 1 puts the container in a core
// scheduling domain of its own where the kernel can (SMT); on a machine
// without SMT the start goes on (as LXC); without a PID namespace of its
// own the start is refused.
func TestCoreScheduling(t *testing.T) {
	testutil.Integration(t)
	probe := exec.Command("sleep", "10")
	if err := probe.Start(); err != nil {
		t.Fatal(err)
	}
	perr := unix.Prctl(unix.PR_SCHED_CORE, unix.PR_SCHED_CORE_CREATE, uintptr(probe.Process.Pid), unix.PR_SCHED_CORE_SCOPE_THREAD_GROUP, 0)
	probe.Process.Kill()
	probe.Wait()
	p, n := container(t, "lxc.sched.core = 1")
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
	switch {
	case errors.Is(perr, unix.EINVAL):
		if r.Code != 1 || !strings.Contains(r.Stderr, "does not support core scheduling") {
			t.Errorf("kernel without core scheduling: %s", r)
		}
		return
	case r.Code != 0:
		t.Fatalf("lxc-start: %s", r)
	}
	var cookie uint64
	_, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_SCHED_CORE, unix.PR_SCHED_CORE_GET, uintptr(initPID(t, p, n)), unix.PR_SCHED_CORE_SCOPE_THREAD, uintptr(unsafeAddr(&cookie)), 0)
	if errno != 0 {
		t.Fatalf("PR_SCHED_CORE_GET: %v", errno)
	}
	if (cookie != 0) != (perr == nil) {
		t.Errorf("core scheduling cookie %d, the kernel's probe said %v", cookie, perr)
	}
	p2, n2 := container(t, "lxc.sched.core = 1", "lxc.namespace.keep = pid")
	if r := testutil.Run(t, "lxc-start", "-P", p2, "-n", n2); r.Code != 1 || !strings.Contains(r.Stderr, "lxc.sched.core needs a PID namespace") {
		t.Errorf("lxc.sched.core in the host's PID namespace: %s", r)
	}
}

// TestMonitorUnshare: with lxc.monitor.unshare = 1 a mount a pre-start
// hook makes is seen by the container's start (a start-host hook finds
// it) but never by the host.
func TestMonitorUnshare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mnt")
	os.Mkdir(dir, 0o755)
	out := filepath.Join(t.TempDir(), "seen")
	p, n := container(t, "lxc.monitor.unshare = 1",
		"lxc.hook.pre-start = /bin/sh -c 'mount -t tmpfs golxc-unshare-test "+dir+"'",
		"lxc.hook.start-host = /bin/sh -c 'grep -c golxc-unshare-test /proc/self/mountinfo > "+out+"'")
	start(t, p, n)
	if b, err := os.ReadFile(out); err != nil || strings.TrimSpace(string(b)) != "1" {
		t.Errorf("the start-host hook did not see the pre-start hook's mount: %q %v", b, err)
	}
	if m := testutil.MountsUnder(dir); len(m) > 0 {
		t.Errorf("the pre-start hook's mount reached the host: %v", m)
		for _, x := range m {
			unix.Unmount(x, unix.MNT_DETACH)
		}
	}
}

// TestSeccompAllowNesting: a container started by a process that is
// already seccomp-confined (a container in a container) does not load its
// lxc.seccomp.profile, as LXC; lxc.seccomp.allow_nesting = 1 stacks it.
func TestSeccompAllowNesting(t *testing.T) {
	testutil.Integration(t)
	prof := filepath.Join(t.TempDir(), "p.seccomp")
	testutil.WriteFile(t, prof, "2\ndenylist\n[all]\nsethostname errno 38\n", 0o644)
	self, _ := os.Executable()
	for _, c := range []struct {
		nesting, want string
	}{{"0", "set\n"}, {"1", "refused\n"}} {
		p, n := container(t, "lxc.seccomp.profile = "+prof, "lxc.seccomp.allow_nesting = "+c.nesting)
		cmd := exec.Command(self, testutil.Bin(t, "lxc-execute"), "-P", p, "-n", n, "--", "/bin/sh", "-c", "hostname nested 2>/dev/null && echo set || echo refused")
		cmd.Env = append(os.Environ(), "GOLXC_TEST_HELPER=seccomp-exec")
		r := testutil.RunCmd(t, cmd)
		if r.Code != 0 || r.Stdout != c.want {
			t.Errorf("allow_nesting = %s under a seccomp filter: %s\nwant %q", c.nesting, r, c.want)
		}
	}
}

// TestLogSyslog: lxc.log.syslog sends the start's log to the system logger
// with that facility, at lxc.log.level. The start runs in a mount
// namespace where /dev/log is the test's socket.
func TestLogSyslog(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "unshare")
	sock := filepath.Join(t.TempDir(), "log.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p, n := container(t, "lxc.log.syslog = local3", "lxc.log.level = DEBUG")
	script := `set -e
mkdir /tmp/golxc-host-dev 2>/dev/null || true
d=$(mktemp -d)
mount --bind /dev "$d"
mount -t tmpfs none /dev
for x in null zero full random urandom tty ptmx; do touch /dev/$x; mount --bind "$d/$x" /dev/$x; done
mkdir /dev/pts /dev/shm; mount --bind "$d/pts" /dev/pts
touch /dev/log; mount --bind "$SOCK" /dev/log
exec "$START" -P "$P" -n "$N"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "SOCK="+sock, "START="+testutil.Bin(t, "lxc-start"), "P="+p, "N="+n)
	r := testutil.RunCmd(t, cmd)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
	if r.Code != 0 {
		t.Fatalf("lxc-start: %s", r)
	}
	ln.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	var got []string
	for {
		k, err := ln.Read(buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:k]))
		if strings.Contains(string(buf[:k]), "namespaces:") {
			break
		}
	}
	want := fmt.Sprintf("<%d>", 19*8+7) // local3.debug
	ok := false
	for _, m := range got {
		if strings.HasPrefix(m, want) && strings.Contains(m, " lxc[") && strings.Contains(m, n+" start - namespaces:") {
			ok = true
		}
	}
	if !ok {
		t.Errorf("no local3.debug message naming %s on the syslog socket; got %q", n, got)
	}
}

// TestConsolePath: lxc.console.path (lxc-start -c FILE) is the console's
// peer: what the container writes on its console ends up there.
func TestConsolePath(t *testing.T) {
	for _, viaOption := range []bool{false, true} {
		peer := filepath.Join(t.TempDir(), "console")
		testutil.WriteFile(t, peer, "", 0o600)
		lines := []string{"lxc.init.cmd = /bin/sh -c 'echo hello-console; exec sleep 100000'"}
		var args []string
		if viaOption {
			args = []string{"-c", peer}
		} else {
			lines = append(lines, "lxc.console.path = "+peer)
		}
		p, n := container(t, lines...)
		start(t, p, n, args...)
		var b []byte
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if b, _ = os.ReadFile(peer); strings.Contains(string(b), "hello-console") {
				break
			}
		}
		if !strings.Contains(string(b), "hello-console") {
			t.Errorf("-c given: %v: the console's output did not reach %s: %q", viaOption, peer, b)
		}
	}
}
