//go:build linux && cgo

package nsenter

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// report is what the test binary sends back when it runs as the process
// the constructor forked inside the target's namespaces.
type report struct {
	NS       map[string]string `json:"ns"`
	Dumpable int               `json:"dumpable"`
	FDs      []string          `json:"fds"`
	UID      int               `json:"uid"`
	Cwd      string            `json:"cwd"`
	PPid     int               `json:"ppid"`
	Mounts   string            `json:"mounts"`
}

// TestMain doubles as the attached side: the constructor returns into
// this very binary inside the target's namespaces.
func TestMain(m *testing.M) {
	if os.Getenv(EnvVar) != "" {
		os.Exit(childReport())
	}
	os.Exit(m.Run())
}

func childReport() int {
	r := report{NS: map[string]string{}, UID: os.Getuid(), PPid: os.Getppid()}
	for _, ns := range nsOrder {
		r.NS[ns.name], _ = os.Readlink("/proc/self/ns/" + ns.name)
	}
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	r.Dumpable = d
	// Read the descriptor table before Go opens anything of its own.
	if dir, err := os.Open("/proc/self/fd"); err == nil {
		self := fmt.Sprint(dir.Fd())
		names, _ := dir.Readdirnames(-1)
		for _, n := range names {
			if n != self {
				l, _ := os.Readlink("/proc/self/fd/" + n)
				r.FDs = append(r.FDs, n+"="+l)
			}
		}
		dir.Close()
	}
	r.Cwd, _ = os.Getwd()
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		r.Mounts = string(b)
	}
	data, _ := json.Marshal(&r)
	if err := unix.Sendmsg(3, data, nil, nil, 0); err != nil {
		return 2
	}
	return 0
}

func TestLayout(t *testing.T) {
	if got := binary.Size(bootWire{}); got != cBootSize {
		t.Errorf("bootWire is %d bytes, struct nsenter_boot %d", got, cBootSize)
	}
	if got := binary.Size(replyWire{}); got != cReplySize {
		t.Errorf("replyWire is %d bytes, struct nsenter_reply %d", got, cReplySize)
	}
	if maxFDs != cMaxFDs {
		t.Errorf("maxFDs %d, NSENTER_MAX_FDS %d", maxFDs, cMaxFDs)
	}
	if !Available {
		t.Error("Available is false in a cgo build")
	}
}

func TestKernelVersion(t *testing.T) {
	for _, c := range []struct {
		in           string
		major, minor int
	}{
		{"6.18.44-fc-v769", 6, 18}, {"5.8.0", 5, 8}, {"5.10-rc1", 5, 10}, {"4", 0, 0}, {"x.y", 0, 0},
	} {
		if ma, mi := kernelVersion(c.in); ma != c.major || mi != c.minor {
			t.Errorf("kernelVersion(%q) = %d.%d, want %d.%d", c.in, ma, mi, c.major, c.minor)
		}
	}
}

// target starts a sleeping process in new namespaces.
func target(t *testing.T, flags uintptr, userns bool) (*exec.Cmd, *os.File) {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags}
	if userns {
		cmd.SysProcAttr.Cloneflags |= unix.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 65536}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start target: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	t.Cleanup(func() { f.Close() })
	return cmd, f
}

// enter runs this test binary through the constructor with b and returns
// the attached process's report.
func enter(t *testing.T, b *Bootstrap) (*report, int) {
	t.Helper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	child := os.NewFile(uintptr(pair[1]), "channel")
	// A host directory the child must not keep (the constructor closes
	// everything beyond the channel).
	leak, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	// As lxc-attach does: the runtime keeps no cgroup files open.
	cmd.Env = []string{EnvVar + "=3", "GODEBUG=containermaxprocs=0,updatemaxprocs=0"}
	cmd.ExtraFiles = []*os.File{child, leak}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	if err := b.Send(pair[0]); err != nil {
		t.Fatal(err)
	}
	pid, err := ReadReply(pair[0])
	cmd.Wait()
	if err != nil {
		t.Fatalf("constructor failed: %v", err)
	}
	if cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("intermediate exited %v", cmd.ProcessState)
	}
	// CLONE_PARENT: the attached process is our child.
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("wait for attached process %d (must be our child): %v", pid, err)
	}
	if ws.ExitStatus() != 0 {
		t.Fatalf("attached process exited %d", ws.ExitStatus())
	}
	buf := make([]byte, 1<<20)
	unix.SetsockoptTimeval(pair[0], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 10})
	n, _, _, _, err := unix.Recvmsg(pair[0], buf, nil, 0)
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	var r report
	if err := json.Unmarshal(buf[:n], &r); err != nil {
		t.Fatal(err)
	}
	return &r, pid
}

func nsOf(t *testing.T, pid int) map[string]string {
	out := map[string]string{}
	for _, ns := range nsOrder {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name))
		if err != nil {
			t.Fatal(err)
		}
		out[ns.name] = l
	}
	return out
}

func checkJoined(t *testing.T, r *report, want map[string]string, names ...string) {
	t.Helper()
	for _, n := range names {
		if r.NS[n] != want[n] {
			t.Errorf("%s namespace: attached process is in %s, target in %s", n, r.NS[n], want[n])
		}
	}
	if r.Dumpable != 0 {
		t.Errorf("attached process is dumpable before exec")
	}
	if r.PPid != 0 && r.PPid != 1 {
		// Our parent lives outside the joined pid namespace: getppid is 0.
		t.Errorf("getppid() = %d inside the pid namespace, want 0", r.PPid)
	}
	for _, fd := range r.FDs {
		num, link, _ := strings.Cut(fd, "=")
		switch num {
		case "0", "1", "2":
		case "3":
			if !strings.HasPrefix(link, "socket:") {
				t.Errorf("fd 3 is %s, want the channel socket", link)
			}
		default:
			// Go's own netpoller, created inside the namespaces, is fine.
			if link != "anon_inode:[eventpoll]" && link != "anon_inode:[eventfd]" {
				t.Errorf("fd %s -> %s leaked into the attached process", num, link)
			}
		}
	}
}

func TestJoinWithPidfd(t *testing.T) {
	testutil.Integration(t)
	flags := uintptr(unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWPID | unix.CLONE_NEWNS)
	tgt, pidfd := target(t, flags, false)
	want := nsOf(t, tgt.Process.Pid)
	r, _ := enter(t, &Bootstrap{Flags: flags, PidFD: pidfd})
	checkJoined(t, r, want, "uts", "ipc", "net", "pid", "mnt")
	if r.Cwd != "/" {
		t.Errorf("cwd after joining the mount namespace = %q, want /", r.Cwd)
	}
}

func TestJoinWithNamespaceFDs(t *testing.T) {
	testutil.Integration(t)
	flags := uintptr(unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWPID | unix.CLONE_NEWNS)
	tgt, _ := target(t, flags, false)
	want := nsOf(t, tgt.Process.Pid)
	nsf, err := OpenNamespaces(tgt.Process.Pid, flags)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, f := range nsf {
			f.File.Close()
		}
	}()
	r, _ := enter(t, &Bootstrap{Flags: flags, NSFiles: nsf})
	checkJoined(t, r, want, "uts", "ipc", "net", "pid", "mnt")
}

func TestJoinUserNamespace(t *testing.T) {
	testutil.Integration(t)
	flags := uintptr(unix.CLONE_NEWUTS | unix.CLONE_NEWPID | unix.CLONE_NEWNS)
	tgt, pidfd := target(t, flags, true)
	want := nsOf(t, tgt.Process.Pid)
	for _, mode := range []string{"pidfd", "nsfd"} {
		t.Run(mode, func(t *testing.T) {
			b := &Bootstrap{Flags: flags | unix.CLONE_NEWUSER}
			if mode == "pidfd" {
				b.PidFD = pidfd
			} else {
				nsf, err := OpenNamespaces(tgt.Process.Pid, b.Flags)
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					for _, f := range nsf {
						f.File.Close()
					}
				}()
				b.NSFiles = nsf
			}
			r, pid := enter(t, b)
			checkJoined(t, r, want, "user", "uts", "pid", "mnt")
			if r.UID != 0 {
				t.Errorf("uid inside the user namespace = %d, want 0", r.UID)
			}
			_ = pid
		})
	}
}

func TestRemountSysProc(t *testing.T) {
	testutil.Integration(t)
	flags := uintptr(unix.CLONE_NEWPID | unix.CLONE_NEWNET)
	tgt, pidfd := target(t, flags, false)
	want := nsOf(t, tgt.Process.Pid)
	hostMnt, _ := os.Readlink("/proc/self/ns/mnt")
	r, _ := enter(t, &Bootstrap{Flags: flags, PidFD: pidfd, RemountSysProc: true})
	checkJoined(t, r, want, "pid", "net")
	if r.NS["mnt"] == hostMnt {
		t.Fatal("-R did not give the attached process its own mount namespace")
	}
	// The host's /proc is untouched.
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", os.Getpid())); err != nil {
		t.Fatalf("host /proc lost our pid: %v", err)
	}
}

func TestJoinFailureIsReported(t *testing.T) {
	testutil.Integration(t)
	tgt, pidfd := target(t, unix.CLONE_NEWUTS, false)
	_ = tgt
	// Our own user namespace cannot be joined again: EINVAL.
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	child := os.NewFile(uintptr(pair[1]), "channel")
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = []string{EnvVar + "=3"}
	cmd.ExtraFiles = []*os.File{child}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	if err := (&Bootstrap{Flags: unix.CLONE_NEWUSER, PidFD: pidfd}).Send(pair[0]); err != nil {
		t.Fatal(err)
	}
	_, err = ReadReply(pair[0])
	cmd.Wait()
	var ne *Error
	if !errors.As(err, &ne) || ne.Errno != unix.EINVAL || !strings.Contains(err.Error(), "Failed to attach to namespaces via pidfd") {
		t.Fatalf("want the constructor's EINVAL report, got %v", err)
	}
	if cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("intermediate exited %v, want 1", cmd.ProcessState)
	}
}

func TestBogusChannelRefused(t *testing.T) {
	testutil.Integration(t)
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = []string{EnvVar + "=1"}
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "does not name an inherited channel") {
		t.Fatalf("a bogus %s must be refused: exit %v, %q", EnvVar, cmd.ProcessState, out)
	}
	// And the parent dying before sending anything leaves no process.
	pair, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	child := os.NewFile(uintptr(pair[1]), "channel")
	cmd = exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = []string{EnvVar + "=3"}
	cmd.ExtraFiles = []*os.File{child}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	unix.Close(pair[0])
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the constructor did not give up when the parent went away")
	}
}
