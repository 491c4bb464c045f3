package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/supervisor"
	"github.com/golxc/golxc/internal/sysx"
)

func init() {
	stage.Register("monitor", monitorMain)
}

type daemonStatus struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// AlreadyRunning distinguishes LXC's "already running" (exit 0).
	AlreadyRunning bool `json:"already_running,omitempty"`
}

// Monitor processes can be spawned before the command line is parsed
// (lxc-start does this) so the new process's Go runtime start-up overlaps
// the command's own parsing and config loading: on the start path every Go
// process start costs several milliseconds.
type Prespawned struct {
	cmd           *exec.Cmd
	sock          int
	lxcpath, name string
}

// Prespawn starts a monitor process for lxcpath/name that waits for its
// spec. Use it with StartDaemon, or Discard it.
func Prespawn(lxcpathDir, name string) (*Prespawned, error) {
	if supervisor.Available() && os.Getenv(EnvCMonitor) != "off" {
		// Most containers get the C monitor: a Go monitor started on a
		// guess would cost a runtime start-up for nothing.
		return nil, nil
	}
	return prespawn(lxcpathDir, name)
}

func prespawn(lxcpathDir, name string) (*Prespawned, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	theirs := os.NewFile(uintptr(pair[1]), "monitor")
	defer theirs.Close()
	null, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		unix.Close(pair[0])
		return nil, err
	}
	defer null.Close()
	cmd := &exec.Cmd{
		Path: "/proc/self/exe",
		Args: []string{fmt.Sprintf("[lxc monitor] %s %s", lxcpathDir, name)},
		// One P: the monitor is mostly idle and its work is I/O; a second
		// P and the cgroup-limit probe only slow its start.
		Env:        append(monitorEnv(), append(stage.Env("monitor", 3), "GOMAXPROCS=1")...),
		Dir:        "/",
		Stdin:      null,
		Stdout:     null,
		Stderr:     null,
		ExtraFiles: []*os.File{theirs},
		SysProcAttr: &syscall.SysProcAttr{
			Setsid: true,
		},
	}
	if err := cmd.Start(); err != nil {
		unix.Close(pair[0])
		return nil, fmt.Errorf("start monitor: %w", err)
	}
	return &Prespawned{cmd: cmd, sock: pair[0], lxcpath: lxcpathDir, name: name}, nil
}

// Discard ends a prespawned monitor that is not needed.
func (p *Prespawned) Discard() {
	if p == nil || p.cmd == nil {
		return
	}
	unix.Close(p.sock)
	p.cmd.Wait()
	p.cmd = nil
}

// StartDaemon runs the container under a detached monitor process titled
// "[lxc monitor] LXCPATH NAME" and returns once the container is RUNNING
// or failed to start. The monitor has a new session, / as cwd, stdio on
// /dev/null and none of our other descriptors. pre, if it was spawned for
// the same container, is used instead of starting a new monitor.
func StartDaemon(spec *Spec, pre *Prespawned) error {
	if cMonitorFits(spec) {
		pre.Discard()
		return startCMonitor(spec)
	}
	if pre != nil && (pre.cmd == nil || pre.lxcpath != spec.LXCPath || pre.name != spec.Name) {
		pre.Discard()
		pre = nil
	}
	if pre == nil {
		var err error
		if pre, err = prespawn(spec.LXCPath, spec.Name); err != nil {
			return err
		}
	}
	cmd, ours := pre.cmd, pre.sock
	pre.cmd = nil
	defer unix.Close(ours)
	spec.CLIStarted = time.Now().Format(time.RFC3339Nano)
	if err := ctl.Send(ours, spec, nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("send container spec to monitor: %w", err)
	}
	var st daemonStatus
	err := ctl.RecvNoFiles(ours, &st)
	if err != nil || !st.OK {
		// A failed monitor exits right after reporting: wait for it, so
		// nothing of this start outlives the command.
		cmd.Wait()
	} else {
		// The monitor stays alive as our child until we exit; init reaps it.
		cmd.Process.Release()
	}
	if err != nil {
		return fmt.Errorf("monitor exited before reporting: %w", err)
	}
	if st.AlreadyRunning {
		return ErrAlreadyRunning
	}
	if !st.OK {
		return errors.New(st.Error)
	}
	return nil
}

// monitorEnv is the environment the monitor (and so hooks) get: the
// caller's, as LXC's monitor inherits it, minus our stage variables.
func monitorEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if len(kv) > 7 && kv[:7] == "_GOLXC_" || strings.HasPrefix(kv, "GOMAXPROCS=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func monitorMain(fd int) {
	began := time.Now()
	// Set for our own start-up only; hooks inherit the environment.
	os.Unsetenv("GOMAXPROCS")
	// Whatever our caller had open without close-on-exec came with us: a
	// daemon holds none of it (LXC closes inherited fds when daemonizing),
	// or a caller's pipe stays open until the container stops.
	for _, ifd := range sysx.InheritedFDs() {
		if ifd != fd {
			unix.Close(ifd)
		}
	}
	var spec Spec
	err := ctl.RecvNoFiles(fd, &spec)
	if err != nil {
		os.Exit(1)
	}
	spec.began = began
	reported := false
	Run(&spec, func(err error) {
		reported = true
		st := daemonStatus{OK: err == nil}
		if err != nil {
			st.Error = err.Error()
			st.AlreadyRunning = errors.Is(err, ErrAlreadyRunning)
		}
		ctl.Send(fd, st, nil)
		unix.Close(fd)
	})
	if !reported {
		ctl.Send(fd, daemonStatus{Error: "monitor ended without starting the container"}, nil)
	}
	os.Exit(0)
}

// WaitRunning polls until the container answers RUNNING or timeout.
func WaitRunning(lxcpathDir, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ctl.State(lxcpathDir, name) == ctl.Running {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
