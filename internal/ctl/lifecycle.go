package ctl

import (
	"errors"
	"fmt"
	"time"
)

// ErrTimeout means the container did not reach the state in time.
var ErrTimeout = errors.New("timeout")

// WaitStopped waits up to timeout (<0: forever) for the container to stop
// and for its monitor to go away. It returns ErrTimeout if it did not.
func WaitStopped(lxcpathDir, name string, timeout time.Duration) error {
	c, err := Dial(lxcpathDir, name)
	if err != nil {
		return nil
	}
	req := Request{Cmd: CmdWaitState, States: []string{Stopped}}
	if timeout > 0 {
		req.Timeout = timeout.Seconds()
	}
	_, _, err = c.Call(req)
	if err != nil && err.Error() == "timeout" {
		c.Close()
		return ErrTimeout
	}
	// STOPPED is announced just before the monitor exits. The monitor
	// closes our connection when it exits: wait for that, so a following
	// start or destroy finds a clean slate.
	c.SetTimeout(10 * time.Second)
	var junk Response
	Recv(c.fd, &junk)
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for IsRunning(lxcpathDir, name) {
		if time.Now().After(deadline) {
			return ErrTimeout
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// StopGrace is how long a container has to go after lxc.signal.stop
// (when that is not SIGKILL) before every task in it is killed.
const StopGrace = 5 * time.Second

// Kill stops the container at once with lxc.signal.stop (SIGKILL by
// default), as LXC does, and waits until it is gone. A container still
// there StopGrace later (an init that ignores the signal), or whose stop
// signal cannot be sent, is killed: a kill always ends with the
// container stopped.
func Kill(lxcpathDir, name string) error {
	err := askToStop(lxcpathDir, name, CmdStop)
	switch {
	case errors.Is(err, ErrNotRunning):
		return nil
	case err == nil:
		if err := WaitStopped(lxcpathDir, name, StopGrace); !errors.Is(err, ErrTimeout) {
			return err
		}
	}
	_, kerr := Simple(lxcpathDir, name, Request{Cmd: CmdStop, Signal: 9})
	switch {
	case kerr == nil || errors.Is(kerr, ErrClosed):
	case err != nil:
		// Neither request was done: the first one's error says why.
		return fmt.Errorf("stop %s: %w", name, err)
	case errors.Is(kerr, ErrNotRunning):
		return nil
	default:
		return fmt.Errorf("stop %s: %w", name, kerr)
	}
	return WaitStopped(lxcpathDir, name, -1)
}

// KillNow asks the monitor to SIGKILL every task of the container,
// whatever lxc.signal.stop says, and returns without waiting.
func KillNow(lxcpathDir, name string) error {
	_, err := Simple(lxcpathDir, name, Request{Cmd: CmdStop, Signal: 9})
	if err == nil || errors.Is(err, ErrClosed) || errors.Is(err, ErrNotRunning) {
		return nil
	}
	return fmt.Errorf("stop %s: %w", name, err)
}

// askToStop sends a stop or shutdown request. A monitor that closes the
// connection instead of answering has already stopped the container and
// is exiting (the answer and the exit race), which is what was asked.
func askToStop(lxcpathDir, name, cmd string) error {
	_, err := Simple(lxcpathDir, name, Request{Cmd: cmd})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// Shutdown asks init to halt (lxc.signal.halt) and waits up to timeout
// (0: do not wait; <0: forever). Unless noKill, a container still running
// after the timeout is killed. It returns ErrTimeout when the container
// did not stop and was not killed.
func Shutdown(lxcpathDir, name string, timeout time.Duration, noKill bool) error {
	if err := askToStop(lxcpathDir, name, CmdShutdown); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return err
		}
		return fmt.Errorf("request shutdown of %s: %w", name, err)
	}
	if timeout == 0 {
		return nil
	}
	if err := WaitStopped(lxcpathDir, name, timeout); err == nil {
		return nil
	}
	if noKill {
		return ErrTimeout
	}
	return Kill(lxcpathDir, name)
}

// Reboot sends lxc.signal.reboot and waits up to timeout (0: do not wait)
// until the container runs again with a new init.
func Reboot(lxcpathDir, name string, timeout time.Duration) error {
	before, _ := InitPID(lxcpathDir, name)
	if _, err := Simple(lxcpathDir, name, Request{Cmd: CmdReboot}); err != nil {
		return fmt.Errorf("reboot %s: %w", name, err)
	}
	if timeout == 0 {
		return nil
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for deadline.IsZero() || time.Now().Before(deadline) {
		pid, err := InitPID(lxcpathDir, name)
		if errors.Is(err, ErrNotRunning) {
			return fmt.Errorf("%s stopped instead of rebooting", name)
		}
		if err == nil && pid != before && State(lxcpathDir, name) == Running {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ErrTimeout
}
