package stoptool

import (
	"errors"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/bootrec"
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

// run: exit 0 when stopped (or rebooted), 2 when the container was not
// running (LXC's documented code, which vagrant-lxc relies on), 1 otherwise.
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
	// LXC 5.0.2 does not reject timeouts below -1: like -1 they wait forever.
	if timeout < -1 {
		timeout = -1
	}
	switch {
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
		// A monitor that was killed leaves its record: remove what it
		// left. Tasks still running without it (lxc.monitor.signal.pdeath
		// = 0) are killed, which is a stop.
		res, err := bootrec.Recover(x.LXCPath, x.Name)
		if err != nil {
			return x.Errorf("clean up after the dead monitor of %s: %v", x.Name, err)
		}
		if res.Found {
			x.Log.Infof("the monitor of %s had died: %s", x.Name, res)
		}
		if res.Running {
			return nil
		}
		return x.Failf(2, "%s is not running", x.Name)
	}
	wait := time.Duration(timeout) * time.Second
	if timeout < 0 {
		wait = -1
	}
	var err error
	switch {
	case opts.kill:
		err = ctl.Kill(x.LXCPath, x.Name)
	case opts.reboot:
		err = ctl.Reboot(x.LXCPath, x.Name, wait)
	default:
		err = ctl.Shutdown(x.LXCPath, x.Name, wait, opts.nokill)
	}
	if err == nil {
		// A monitor that died during its teardown left its record.
		if _, rerr := bootrec.Recover(x.LXCPath, x.Name); rerr != nil {
			return x.Errorf("clean up after the monitor of %s: %v", x.Name, rerr)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ctl.ErrNotRunning):
		return x.Failf(2, "%s is not running", x.Name)
	case errors.Is(err, ctl.ErrTimeout):
		return x.Errorf("%s did not stop within %d seconds", x.Name, timeout)
	}
	return x.Errorf("%v", err)
}
