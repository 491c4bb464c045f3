package attachtool

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/terminal"
	"github.com/golxc/golxc/internal/testutil"
)

// TestMain dispatches stages: this test binary is also the attached
// process of the probe tests below.
func TestMain(m *testing.M) {
	stage.Dispatch()
	os.Exit(m.Run())
}

// container is a running busybox container started with our lxc-start.
type container struct {
	path, name string
}

func startContainer(t *testing.T, extra ...string) container {
	t.Helper()
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("at")
	testutil.BusyboxContainer(t, p, name, extra...)
	testutil.MustRun(t, "lxc-start", "-P", p, "-n", name)
	t.Cleanup(func() {
		testutil.Run(t, "lxc-stop", "-P", p, "-n", name, "-k")
		// lxc-stop returns once the container is STOPPED; give its
		// monitor a moment to exit before the leftover check runs.
		for i := 0; i < 50 && len(testutil.ProcessesMentioning(p)) > 0; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return container{p, name}
}

func (c container) args(args ...string) []string {
	return append([]string{"-P", c.path, "-n", c.name}, args...)
}

// attach runs our lxc-attach with args after -P/-n.
func (c container) attach(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	return testutil.Run(t, "lxc-attach", c.args(args...)...)
}

func (c container) mustAttach(t *testing.T, args ...string) string {
	t.Helper()
	r := c.attach(t, args...)
	if r.Code != 0 {
		t.Fatalf("lxc-attach %q: %s", args, r)
	}
	return r.Stdout
}

func TestExitStatus(t *testing.T) {
	c := startContainer(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--", "/bin/true"}, 0, ""},
		{[]string{"--", "sh", "-c", "exit 7"}, 7, ""},
		{[]string{"--", "sh", "-c", "kill -9 $$"}, 128 + 9, ""},
		{[]string{"--", "/nonexistent"}, 127, `No such file or directory - Failed to exec "/nonexistent"`},
		{[]string{"--", "nonexistent"}, 127, `No such file or directory - Failed to exec "nonexistent"`},
		{[]string{"--", "/etc/passwd"}, 126, `Permission denied - Failed to exec "/etc/passwd"`},
	} {
		r := c.attach(t, tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.stderr) {
			t.Errorf("%q: %s; want exit %d and %q", tc.args, r, tc.code, tc.stderr)
		}
	}
}

func TestNotRunningOrUnknown(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	testutil.BusyboxContainer(t, p, "stopped")
	r := testutil.Run(t, "lxc-attach", "-P", p, "-n", "stopped", "--", "true")
	if r.Code != 1 || r.Stderr != "lxc-attach: stopped: stopped is not running\n" {
		t.Errorf("stopped container: %s", r)
	}
	r = testutil.Run(t, "lxc-attach", "-P", p, "-n", "nosuch", "--", "true")
	if r.Code != 1 || r.Stderr != "lxc-attach: nosuch: nosuch doesn't exist\n" {
		t.Errorf("unknown container: %s", r)
	}
	r = testutil.Run(t, "lxc-attach", "-P", p, "-n", "nosuch", "-q", "--", "true")
	if r.Code != 1 || r.Stderr != "" {
		t.Errorf("-q: %s", r)
	}
}

func envMap(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

func TestEnvironment(t *testing.T) {
	c := startContainer(t, "lxc.environment = FOO=bar", "lxc.environment = HOME=/from-config")
	callerEnv := []string{"GOLXC_TEST_VAR=kept", "PATH=/caller/bin:/bin:/usr/bin"}

	// --keep-env (the default): the caller's variables, then container=lxc,
	// lxc.environment and -v override.
	r := testutil.RunIn(t, callerEnv, "", "lxc-attach", c.args("-v", "SET=1", "--", "env")...)
	env := envMap(r.Stdout)
	if r.Code != 0 || env["GOLXC_TEST_VAR"] != "kept" || env["container"] != "lxc" || env["FOO"] != "bar" ||
		env["HOME"] != "/from-config" || env["SET"] != "1" || env["PATH"] != "/caller/bin:/bin:/usr/bin" {
		t.Errorf("keep-env: %s", r)
	}
	for k := range env {
		if strings.HasPrefix(k, "_GOLXC") {
			t.Errorf("internal variable %s reached the command", k)
		}
	}

	// --clear-env: only container=lxc, lxc.environment and a default PATH.
	r = testutil.RunIn(t, callerEnv, "", "lxc-attach", c.args("--clear-env", "--", "env")...)
	want := map[string]string{"PATH": defaultPath, "container": "lxc", "FOO": "bar", "HOME": "/from-config"}
	if got := envMap(r.Stdout); r.Code != 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("clear-env: %s\nwant %v", r, want)
	}
	// --keep-var keeps a variable (PATH too) and the last env policy wins.
	r = testutil.RunIn(t, callerEnv, "", "lxc-attach", c.args("--keep-env", "--clear-env", "--keep-var", "GOLXC_TEST_VAR", "--keep-var", "PATH", "--", "env")...)
	env = envMap(r.Stdout)
	if r.Code != 0 || len(env) != 5 || env["GOLXC_TEST_VAR"] != "kept" || env["PATH"] != "/caller/bin:/bin:/usr/bin" {
		t.Errorf("clear-env with keep-var: %s", r)
	}
}

func TestBinaryCleanPipes(t *testing.T) {
	c := startContainer(t)
	data := make([]byte, 1<<20)
	rand.Read(data)
	cmd := exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "cat")...)
	cmd.Stdin = bytes.NewReader(data)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("cat: %v %s", err, errb.String())
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("1 MiB through cat came back different (%d bytes)", out.Len())
	}
	// A tar of the rootfs to a file is binary-clean too.
	r := c.attach(t, "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; printf '\\r\\n\\000'")
	if r.Code != 0 || r.Stdout != "to-stdout\n\r\n\x00" || r.Stderr != "to-stderr\n" {
		t.Errorf("stdout and stderr: %s", r)
	}
	// No command: the user's shell reads commands from stdin.
	r = testutil.RunIn(t, nil, "echo hi; hostname\n", "lxc-attach", c.args()...)
	if r.Code != 0 || r.Stdout != "hi\n"+c.name+"\n" {
		t.Errorf("shell from stdin: %s", r)
	}
}

func TestWorkingDirectoryAndUser(t *testing.T) {
	c := startContainer(t)
	out := c.mustAttach(t, "--", "sh", "-c", "pwd; id -u; id -g; id -G; grep -E '^Cap(Eff|Prm)' /proc/self/status")
	if want := "/\n0\n0\n0\n"; !strings.HasPrefix(out, want) {
		t.Errorf("root: %q, want prefix %q", out, want)
	}
	out = c.mustAttach(t, "-u", "1000", "-g", "1000", "--", "sh", "-c", "pwd; id -u; id -g; id -G; grep -E '^Cap(Eff|Prm)' /proc/self/status")
	if want := "/home/user\n1000\n1000\n1000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"; out != want {
		t.Errorf("-u 1000 -g 1000: %q, want %q", out, want)
	}
	// A uid without a passwd entry starts in /.
	out = c.mustAttach(t, "-u", "4242", "--", "sh", "-c", "pwd; id -u")
	if out != "/\n4242\n" {
		t.Errorf("-u 4242: %q", out)
	}
}

func capBnd(t *testing.T, status string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`CapBnd:\s+([0-9a-f]+)`).FindStringSubmatch(status)
	if m == nil {
		t.Fatalf("no CapBnd in %q", status)
	}
	v, _ := strconv.ParseUint(m[1], 16, 64)
	return v
}

func TestPrivilegesAndCgroups(t *testing.T) {
	c := startContainer(t, "lxc.no_new_privs = 1")
	sysModule := uint64(1) << config.CapNumber("sys_module")

	out := c.mustAttach(t, "--", "cat", "/proc/self/status", "/proc/self/cgroup")
	if capBnd(t, out)&sysModule != 0 {
		t.Error("lxc.cap.drop sys_module not applied to the attached process")
	}
	if !strings.Contains(out, "NoNewPrivs:\t1") {
		t.Error("lxc.no_new_privs not applied to the attached process")
	}
	// In the container's cgroups: the cgroup namespace root (the .lxc leaf
	// on cgroup2, as LXC).
	if !regexp.MustCompile(`(?m)^\d+:pids:/$`).MatchString(out) || !strings.Contains(out, "\n0::/.lxc\n") {
		t.Errorf("attached process is not in the container's cgroups:\n%s", out)
	}
	out = c.mustAttach(t, "-eCAP", "--", "cat", "/proc/self/status", "/proc/self/cgroup")
	if capBnd(t, out)&sysModule == 0 {
		t.Error("-eCAP still dropped sys_module")
	}
	if !regexp.MustCompile(`(?m)^\d+:pids:/$`).MatchString(out) {
		t.Error("-eCAP left the container's cgroups")
	}
	out = c.mustAttach(t, "--elevated-privileges=CGROUP", "--", "cat", "/proc/self/status", "/proc/self/cgroup")
	if capBnd(t, out)&sysModule != 0 {
		t.Error("-e CGROUP kept sys_module")
	}
	if regexp.MustCompile(`(?m)^\d+:pids:/$`).MatchString(out) {
		t.Errorf("-e CGROUP: still in the container's cgroups:\n%s", out)
	}
	out = c.mustAttach(t, "-a", "i686", "--", "uname", "-m")
	if out != "i686\n" {
		t.Errorf("-a i686: uname -m = %q", out)
	}
}

func TestNamespaceSubsets(t *testing.T) {
	c := startContainer(t)
	host, _ := os.Hostname()
	// Only UTSNAME: the container's hostname, the host's mounts.
	cwd, _ := os.Getwd()
	out := c.mustAttach(t, "-s", "UTSNAME", "--", "sh", "-c", "hostname; test -d "+c.path+" && echo host-fs; pwd")
	if out != c.name+"\nhost-fs\n"+cwd+"\n" {
		t.Errorf("-s UTSNAME: %q", out)
	}
	// Only MOUNT|PID: the host's hostname, the container's files and pids.
	out = c.mustAttach(t, "-s", "MOUNT|PID", "--", "sh", "-c", "hostname; test -d "+c.path+" || echo container-fs; test -x /bin/busybox && echo busybox")
	if out != host+"\ncontainer-fs\nbusybox\n" {
		t.Errorf("-s MOUNT|PID: %q", out)
	}
	// USER on a container without a user namespace: nothing to join.
	out = c.mustAttach(t, "-s", "USER|UTSNAME", "--", "hostname")
	if out != c.name+"\n" {
		t.Errorf("-s USER|UTSNAME: %q", out)
	}
	out = c.mustAttach(t, "-s", "USER", "--", "hostname")
	if out != host+"\n" {
		t.Errorf("-s USER: %q", out)
	}
	// -R: a fresh /proc of the container's pid namespace, host mounts intact.
	out = c.mustAttach(t, "-R", "-s", "PID|NETWORK", "--", "sh", "-c", "cat /proc/1/comm; ls /sys/class/net | tr '\\n' ' '")
	if !strings.HasPrefix(out, "sleep\n") || !strings.Contains(out, "lo") || strings.Contains(out, "eth0") {
		t.Errorf("-R -s PID|NETWORK: %q", out)
	}
	if comm, _ := os.ReadFile("/proc/1/comm"); strings.TrimSpace(string(comm)) == "sleep" {
		t.Error("-R changed the host's /proc")
	}
}

// TestPty drives lxc-attach under a real terminal (script(1)).
func TestPty(t *testing.T) {
	c := startContainer(t)
	testutil.Need(t, "script")
	bin := testutil.Bin(t, "lxc-attach")
	log := filepath.Join(t.TempDir(), "pty.log")
	inner := `tty; stty size; [ "$(stat -c %d:%i "$(tty)")" = "$(stat -L -c %d:%i /proc/self/fd/0)" ] && echo same-pty; echo fds $(ls /proc/self/fd)`
	cmdline := fmt.Sprintf("stty rows 33 cols 77; %s -P %s -n %s -L %s -- sh -c '%s'", bin, c.path, c.name, log, inner)
	// Keep script's stdin open (not at EOF) while the command runs.
	cmd := exec.Command("script", "-qec", cmdline, "/dev/null")
	sleep := exec.Command("sleep", "30")
	pr, err := sleep.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = pr
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script: %v\n%q", err, out)
	}
	s := string(out)
	if !regexp.MustCompile(`(?m)^/dev/pts/\d+\r$`).MatchString(s) || !strings.Contains(s, "33 77\r\n") ||
		!strings.Contains(s, "same-pty\r\n") || !strings.Contains(s, "fds 0 1 2 3\r\n") {
		t.Errorf("pty session output: %q", s)
	}
	logged, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(logged), "same-pty") {
		t.Errorf("-L log: %q %v", logged, err)
	}
	if st, err := os.Stat(log); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("-L log mode %v, want 0600", st.Mode().Perm())
	}

	// A terminal on stdin but stdout redirected to a file: the file gets
	// the command's bytes untouched (no pty in between), stderr the pty.
	outFile := filepath.Join(t.TempDir(), "out.bin")
	cmd = exec.Command("script", "-qec", fmt.Sprintf(`%s -P %s -n %s -- sh -c 'printf "a\nb\000"; tty >&2' > %s`, bin, c.path, c.name, outFile), "/dev/null")
	sleep2 := exec.Command("sleep", "30")
	if cmd.Stdin, err = sleep2.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	sleep2.Start()
	out, err = cmd.Output()
	sleep2.Process.Kill()
	sleep2.Wait()
	if got, _ := os.ReadFile(outFile); err != nil || string(got) != "a\nb\x00" || !regexp.MustCompile(`^/dev/pts/\d+\r\n$`).Match(out) {
		t.Errorf("stdout to a file from a terminal: file %q, terminal %q, %v", got, out, err)
	}

	// Ctrl-C typed at the terminal interrupts the command (exit 130)
	// through the container pty, and is not taken by lxc-attach itself.
	cmd = exec.Command("script", "-qec", fmt.Sprintf("%s -P %s -n %s -- sleep 100", bin, c.path, c.name), "/dev/null")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	in.Write([]byte{3})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("Ctrl-C: exit %d, want 130", code)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Error("Ctrl-C did not stop the attached command")
	}
	in.Close()
}

// TestInheritedDescriptors is the fd whitelist test (lxc#1345,
// CVE-2024-21626): descriptors of the caller beyond 0-2, a host
// directory among them, never reach the command, and a host directory as
// stdio is refused.
func TestInheritedDescriptors(t *testing.T) {
	c := startContainer(t)
	dir, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	file, err := os.Open("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	cmd := exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "sh", "-c", "ls /proc/self/fd | tr '\\n' ' '; readlink /proc/self/cwd")...)
	cmd.ExtraFiles = []*os.File{dir, file}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	// ls itself has its directory open as 3.
	if string(out) != "0 1 2 3 /\n" {
		t.Errorf("descriptors or cwd of the attached process: %q", out)
	}
	cmd = exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "true")...)
	cmd.Stdin = dir
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "Refusing to pass a host directory") {
		t.Errorf("host directory as stdin: exit %d, %q", cmd.ProcessState.ExitCode(), out)
	}
}

// probeReport is what the probe stage sees right after the constructor
// let it into the container: the state of every attached process before
// its setup and exec.
type probeReport struct {
	Pid      int      `json:"pid"` // inside the container's pid namespace
	Dumpable int      `json:"dumpable"`
	FDs      []string `json:"fds"`
	Exe      string   `json:"exe"`
	// ExeWriteErr is why the process could not open its own executable
	// for writing ("" if it could).
	ExeWriteErr string `json:"exe_write_err"`
}

func init() {
	stage.Register("attach-probe", probeMain)
}

// probeMain stands in for childMain: it reports, then holds the attached
// process in its pre-exec state until the test lets it go.
func probeMain(fd int) {
	var c childConfig
	ctl.Recv(fd, &c)
	r := probeReport{Pid: os.Getpid()}
	r.Dumpable, _ = unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if dir, err := os.Open("/proc/self/fd"); err == nil {
		self := strconv.Itoa(int(dir.Fd()))
		names, _ := dir.Readdirnames(-1)
		for _, n := range names {
			if n != self {
				l, _ := os.Readlink("/proc/self/fd/" + n)
				r.FDs = append(r.FDs, n+"="+l)
			}
		}
		dir.Close()
	}
	r.Exe, _ = os.Readlink("/proc/self/exe")
	if f, err := os.OpenFile("/proc/self/exe", os.O_WRONLY|os.O_APPEND, 0); err != nil {
		r.ExeWriteErr = err.Error()
	} else {
		f.Close()
	}
	ctl.Send(fd, &r, nil)
	var release struct{}
	ctl.Recv(fd, &release)
	os.Exit(0)
}

// holdAttached starts an attached process running the probe and returns
// its report; it is released and reaped at cleanup.
func holdAttached(t *testing.T, c container) probeReport {
	t.Helper()
	client, err := ctl.Dial(c.path, c.name)
	if err != nil {
		t.Fatal(err)
	}
	resp, files, err := client.Call(ctl.Request{Cmd: ctl.CmdAttachInfo})
	client.Close()
	if err != nil || len(files) == 0 {
		t.Fatalf("attach-info: %v", err)
	}
	defer files[0].Close()
	var flags uintptr
	for _, n := range resp.Attach.Namespaces {
		flags |= config.NamespaceFlags[n]
	}
	im, err := startIntermediate([3]*os.File{}, "attach-probe")
	if err != nil {
		t.Fatal(err)
	}
	pid, sock, err := im.enter(&spawnSpec{
		pidfd: files[0], initPID: resp.Attach.InitPID, flags: flags,
		cgroups: uniqueDirs(resp.Attach.CgroupPaths), config: &childConfig{},
	})
	if err != nil {
		t.Fatalf("enter: %v", err)
	}
	t.Cleanup(func() {
		ctl.Send(int(sock.Fd()), struct{}{}, nil)
		sock.Close()
		unix.Wait4(pid, nil, 0, nil)
	})
	var r probeReport
	unix.SetsockoptTimeval(int(sock.Fd()), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 20})
	if _, err := ctl.Recv(int(sock.Fd()), &r); err != nil {
		t.Fatalf("probe report: %v", err)
	}
	return r
}

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestAttachingProcessIsSealed covers CVE-2016-8649 (nothing of the host
// reachable while attaching: non-dumpable, only stdio and the channel)
// and CVE-2019-5736 (its /proc/PID/exe is a sealed copy a container root
// cannot write; nor can it write through the container's init).
func TestAttachingProcessIsSealed(t *testing.T) {
	c := startContainer(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binaries := []string{self, testutil.Bin(t, "lxc-attach"), testutil.Bin(t, "lxc-start")}
	before := map[string][32]byte{}
	for _, b := range binaries {
		before[b] = sha(t, b)
	}

	r := holdAttached(t, c)
	if r.Dumpable != 0 {
		t.Error("the attaching process is dumpable before exec")
	}
	// A sealed memfd or a detached read-only overlay: root cannot open it
	// for writing (ETXTBSY, EPERM or EROFS).
	if r.ExeWriteErr == "" {
		t.Errorf("the attaching process could open its own executable %q for writing", r.Exe)
	}
	// What a root process in the container sees of it.
	out := c.mustAttach(t, "--", "sh", "-c", fmt.Sprintf("ls -l /proc/%d/fd/ | sed 1d | sed 's/.* \\([0-9]*\\) -> /\\1=/'", r.Pid))
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		num, link, _ := strings.Cut(l, "=")
		switch {
		case (num == "0" || num == "1" || num == "2") && link == "/dev/null":
		case num == "3" && strings.HasPrefix(link, "socket:"):
		case link == "anon_inode:[eventpoll]" || link == "anon_inode:[eventfd]":
			// Go's netpoller, created inside the container.
		default:
			t.Errorf("attaching process holds fd %s -> %s, visible from the container", num, link)
		}
	}
	// Overwrite attempts from inside, as CVE-2019-5736 did.
	c.attach(t, "--", "sh", "-c", fmt.Sprintf("echo pwned >> /proc/%d/exe; echo pwned > /proc/%d/exe; echo pwned >> /proc/1/exe", r.Pid, r.Pid))
	res := c.attach(t, "--", "sh", "-c", fmt.Sprintf("exec 5<>/proc/%d/exe && echo opened", r.Pid))
	if strings.Contains(res.Stdout, "opened") {
		// Opening is allowed for root; writing through it must not be.
		res = c.attach(t, "--", "sh", "-c", fmt.Sprintf("exec 5<>/proc/%d/exe; echo pwned >&5 && echo wrote", r.Pid))
		if strings.Contains(res.Stdout, "wrote") {
			t.Error("a container root wrote to the attaching process's executable")
		}
	}
	for _, b := range binaries {
		if sha(t, b) != before[b] {
			t.Errorf("%s was modified from inside the container", b)
		}
	}
}

func TestShellIsTheUsersShell(t *testing.T) {
	c := startContainer(t)
	// Give user 1000 a different shell: /bin/ash is busybox's ash too.
	r := c.attach(t, "--", "sed", "-i", "s#^user:.*#user:x:1000:1000:user:/home/user:/bin/ash#", "/etc/passwd")
	if r.Code != 0 {
		t.Fatal(r)
	}
	r = testutil.RunIn(t, nil, "echo $0\n", "lxc-attach", c.args("-u", "1000", "-g", "1000")...)
	if r.Code != 0 || r.Stdout != "/bin/ash\n" {
		t.Errorf("login shell of uid 1000: %s", r)
	}
	// A user without an entry gets /bin/sh.
	r = testutil.RunIn(t, nil, "echo $0\n", "lxc-attach", c.args("-u", "4242")...)
	if r.Code != 0 || r.Stdout != "/bin/sh\n" {
		t.Errorf("shell of an unknown uid: %s", r)
	}
}

func TestSignalsAreForwarded(t *testing.T) {
	c := startContainer(t)
	cmd := exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "sleep", "100")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	// SIGINT is ignored by lxc-attach itself (LXC issue #313) ...
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	// ... SIGTERM is passed on.
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("SIGTERM did not end the attached command")
	}
	if code := cmd.ProcessState.ExitCode(); code != 128+15 {
		t.Errorf("exit %d after SIGTERM, want 143", code)
	}
}

// TestSeccompLimitsAndProc: the container's seccomp profile, lxc.prlimit
// and lxc.proc apply to attached processes as to init; -e LSM skips the
// seccomp profile as in LXC.
func TestSeccompLimitsAndProc(t *testing.T) {
	testutil.Integration(t)
	profile := filepath.Join(t.TempDir(), "deny-mkdir.seccomp")
	testutil.WriteFile(t, profile, "2\ndenylist\nmkdir errno 1\nmkdirat errno 1\n", 0o644)
	c := startContainer(t, "lxc.seccomp.profile = "+profile, "lxc.prlimit.nofile = 1234:4321", "lxc.proc.oom_score_adj = 10")
	r := c.attach(t, "--", "sh", "-c", "ulimit -Sn; ulimit -Hn; cat /proc/self/oom_score_adj; mkdir /tmp/gx && echo made")
	if r.Stdout != "1234\n4321\n10\n" || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Errorf("seccomp, prlimit, proc: %s", r)
	}
	r = c.attach(t, "-eLSM", "--", "sh", "-c", "mkdir /tmp/gx && echo made")
	if r.Code != 0 || r.Stdout != "made\n" {
		t.Errorf("-e LSM still filtered: %s", r)
	}
}

// TestWindowSizeFollows gives lxc-attach a real controlling terminal (a
// host pty) and resizes it mid-session: SIGWINCH must carry the new size
// to the container pty.
func TestWindowSizeFollows(t *testing.T) {
	c := startContainer(t)
	devpts, err := os.OpenFile("/dev/pts", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	pty, err := terminal.Alloc(devpts)
	devpts.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	terminal.SetSize(pty.Master, 20, 50)
	cmd := exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "sh", "-c", "stty size; read x; stty size")...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pty.Peer, pty.Peer, pty.Peer
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pty.Peer.Close()
	pty.Peer = nil
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	finished := false
	defer func() {
		if !finished {
			cmd.Process.Kill()
			<-done
		}
	}()
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := pty.Master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(s string) {
		t.Helper()
		for i := 0; i < 200; i++ {
			mu.Lock()
			ok := strings.Contains(out.String(), s)
			mu.Unlock()
			if ok {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q in the session output %q", s, out.String())
	}
	waitFor("20 50")
	terminal.SetSize(pty.Master, 30, 90)
	time.Sleep(300 * time.Millisecond)
	pty.Master.Write([]byte("\r"))
	waitFor("30 90")
	select {
	case err := <-done:
		finished = true
		if err != nil {
			t.Errorf("lxc-attach: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("the session did not end")
	}
}

// TestStdioIsRelayedNotPassed: with a host file as stdin and another as
// stdout, the attached process sees pipes, not our files: reopening
// /proc/self/fd/0 for writing, or chmod/chown through it, cannot reach
// the host file. Input ends (EOF) when ours does, and a reader of our
// output that goes away ends the command (broken pipe) without hanging.
func TestStdioIsRelayedNotPassed(t *testing.T) {
	c := startContainer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	out := filepath.Join(dir, "out")
	if err := os.WriteFile(in, []byte("host data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inf, _ := os.Open(in)
	defer inf.Close()
	outf, _ := os.OpenFile(out, os.O_WRONLY|os.O_CREATE, 0o600)
	defer outf.Close()
	cmd := exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "sh", "-c",
		`readlink /proc/self/fd/0; readlink /proc/self/fd/1; cat; echo evil >> /proc/self/fd/0; chmod 666 /proc/self/fd/0 /proc/self/fd/1; chown 1:1 /proc/self/fd/0; exit 3`)...)
	cmd.Stdin, cmd.Stdout = inf, outf
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("exit %d (%v), want 3: %s", code, err, errb.String())
	}
	got, _ := os.ReadFile(out)
	lines := strings.Split(string(got), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "pipe:") || !strings.HasPrefix(lines[1], "pipe:") || lines[2] != "host data" {
		t.Errorf("the attached process saw %q, want two pipes and the input", got)
	}
	if b, _ := os.ReadFile(in); string(b) != "host data\n" {
		t.Errorf("the host file given as stdin was written: %q", b)
	}
	for _, f := range []string{in, out} {
		st, _ := os.Stat(f)
		if st.Mode().Perm() != 0o600 || st.Sys().(*syscall.Stat_t).Uid != 0 {
			t.Errorf("%s: mode %v uid %d, the container changed it", f, st.Mode(), st.Sys().(*syscall.Stat_t).Uid)
		}
	}
	// A reader that stops: yes gets a broken pipe and lxc-attach ends.
	cmd = exec.Command(testutil.Bin(t, "lxc-attach"), c.args("--", "yes")...)
	pipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	io.ReadFull(pipe, buf)
	pipe.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("lxc-attach -- yes did not end after its reader went away")
	}
}
