// Package waittool implements lxc-wait.
package waittool

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
)

// Tool is lxc-wait.
var Tool = &cli.Tool{
	Name:  "lxc-wait",
	Short: "lxc-wait waits for NAME container state to reach STATE",
	Help: `lxc-wait --name=NAME --state=STATE

lxc-wait waits for NAME container state to reach STATE

Options :
  -n, --name=NAME   NAME of the container
  -s, --state=STATE ORed states to wait for
                    STOPPED, STARTING, RUNNING, STOPPING,
                    ABORTING, FREEZING, FROZEN, THAWED
  -t, --timeout=TMO Seconds to wait for state changes
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}

var opts struct {
	states  string
	timeout string
}

func flags(f *pflag.FlagSet) {
	f.StringVarP(&opts.states, "state", "s", "", "ORed states to wait for")
	f.StringVarP(&opts.timeout, "timeout", "t", "", "Seconds to wait for state changes")
}

// run waits for one of the |-separated states (upper case only, as LXC).
// While the container is not running its socket is retried once a second,
// each try counting against the timeout; STOPPED is reached at once.
func run(x *cli.Ctx) error {
	if opts.states == "" {
		// LXC's message is lost before logging starts; only this shows.
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	want := map[string]bool{}
	var list []string
	for _, s := range strings.Split(opts.states, "|") {
		ok := false
		for _, k := range ctl.States {
			if s == k {
				ok = true
			}
		}
		if !ok {
			return x.Errorf("invalid state '%s'", s)
		}
		want[s] = true
		list = append(list, s)
	}
	timeout := -1
	if opts.timeout != "" {
		n, err := strconv.Atoi(opts.timeout)
		if err != nil || n < -1 {
			x.Plainf("%s: could not parse command line", x.Tool.Name)
			return cli.Exit(1)
		}
		timeout = n
	}
	for {
		c, err := ctl.Dial(x.LXCPath, x.Name)
		if err != nil {
			if want[ctl.Stopped] {
				return nil
			}
			if timeout == 0 {
				return cli.Exit(1)
			}
			if timeout > 0 {
				timeout--
			}
			time.Sleep(time.Second)
			continue
		}
		req := ctl.Request{Cmd: ctl.CmdWaitState, States: list}
		if timeout > 0 {
			req.Timeout = float64(timeout)
		}
		resp, _, err := c.Call(req)
		c.Close()
		if err == nil && want[resp.State] {
			return nil
		}
		if err != nil && err.Error() == "timeout" {
			// LXC's two lines for a timed-out wait.
			x.Log.Errorf("Resource temporarily unavailable - Failed to receive message")
			x.Log.Errorf("Resource temporarily unavailable - Failed to receive state from monitor")
			return cli.Exit(1)
		}
		// The monitor went away while we waited: it stopped.
		if want[ctl.Stopped] {
			return nil
		}
		if timeout == 0 {
			return cli.Exit(1)
		}
	}
}
