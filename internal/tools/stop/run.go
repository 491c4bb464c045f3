package stoptool

import (
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
)

var opts struct {
	reboot, nowait, kill, nokill, nolock bool
	timeout                              string
}

func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.reboot, "reboot", "r", false, "reboot the container")
	f.BoolVarP(&opts.nowait, "nowait", "W", false, "don't wait for shutdown or reboot to complete")
	f.StringVarP(&opts.timeout, "timeout", "t", "", "wait T seconds before hard-stopping")
	f.BoolVarP(&opts.kill, "kill", "k", false, "kill container rather than request clean shutdown")
	f.BoolVar(&opts.nokill, "nokill", false, "Only request clean shutdown, don't force kill after timeout")
	f.BoolVar(&opts.nolock, "nolock", false, "Avoid using API locks")
}

func run(x *cli.Ctx) error {
	timeout := 60
	if opts.kill {
		timeout = 0
	}
	if opts.timeout != "" {
		n, err := strconv.Atoi(opts.timeout)
		if err != nil {
			return x.Errorf("Invalid timeout")
		}
		timeout = n
	}
	if opts.nowait {
		timeout = 0
	}
	switch {
	case timeout < -1:
		return x.Errorf("Invalid timeout")
	case opts.kill && opts.nokill:
		return x.Errorf("-k can't be used with --nokill")
	case opts.kill && opts.reboot:
		return x.Errorf("-k can't be used with -r")
	case opts.kill && opts.timeout != "" && timeout != 0:
		return x.Errorf("-k doesn't allow timeouts")
	case opts.nolock && !opts.kill:
		return x.Errorf("--nolock may only be used with -k")
	}
	if !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Failf(2, "%s is not running", x.Name)
	}
	if opts.kill {
		return hardStop(x)
	}
	if opts.reboot {
		return reboot(x, timeout)
	}
	if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdShutdown}); err != nil {
		if err == ctl.ErrNotRunning {
			return x.Failf(2, "%s is not running", x.Name)
		}
		return x.Errorf("Failed to request shutdown of %s: %v", x.Name, err)
	}
	if timeout == 0 {
		return nil
	}
	if waitStopped(x, timeout) {
		return nil
	}
	if opts.nokill {
		return x.Errorf("%s did not stop within %d seconds", x.Name, timeout)
	}
	x.Log.Infof("clean shutdown of %s timed out after %d seconds, killing it", x.Name, timeout)
	return hardStop(x)
}

func hardStop(x *cli.Ctx) error {
	if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdStop}); err != nil && err != ctl.ErrNotRunning {
		return x.Errorf("Failed to stop %s: %v", x.Name, err)
	}
	if !waitStopped(x, -1) {
		return x.Errorf("Failed to stop %s", x.Name)
	}
	return nil
}

// waitStopped waits for the monitor to go away (timeout seconds, -1 forever).
func waitStopped(x *cli.Ctx, timeout int) bool {
	c, err := ctl.Dial(x.LXCPath, x.Name)
	if err != nil {
		return true
	}
	defer c.Close()
	req := ctl.Request{Cmd: ctl.CmdWaitState, States: []string{ctl.Stopped}}
	if timeout > 0 {
		req.Timeout = float64(timeout)
	}
	if _, _, err := c.Call(req); err != nil && err.Error() == "timeout" {
		return false
	}
	// STOPPED is announced just before the monitor exits: wait for the
	// socket to disappear so the next start finds a clean slate.
	deadline := time.Now().Add(10 * time.Second)
	for ctl.IsRunning(x.LXCPath, x.Name) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func reboot(x *cli.Ctx, timeout int) error {
	before, _ := ctl.InitPID(x.LXCPath, x.Name)
	if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdReboot}); err != nil {
		return x.Errorf("Failed to reboot %s: %v", x.Name, err)
	}
	if timeout == 0 {
		return nil
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(time.Duration(timeout) * time.Second)
	}
	for deadline.IsZero() || time.Now().Before(deadline) {
		pid, err := ctl.InitPID(x.LXCPath, x.Name)
		if err == ctl.ErrNotRunning {
			return x.Errorf("%s stopped instead of rebooting", x.Name)
		}
		if err == nil && pid != before && ctl.State(x.LXCPath, x.Name) == ctl.Running {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return x.Errorf("%s did not reboot within %d seconds", x.Name, timeout)
}
