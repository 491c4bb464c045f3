// Package cgrouptool implements lxc-cgroup.
package cgrouptool

import (
	"fmt"
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
)

// Tool is lxc-cgroup.
var Tool = &cli.Tool{
	Name:  "lxc-cgroup",
	Short: "lxc-cgroup --name=NAME state-object [value]",
	Help: `lxc-cgroup --name=NAME state-object [value]

Get or set the value of a state object (for example, 'cpuset.cpus')
in the container's cgroup for the corresponding subsystem.

Options :
  -n, --name=NAME      NAME of the container
  --rcfile=FILE        Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

// run gets (KEY) or sets (KEY VALUE) a cgroup file of the running
// container, through its monitor.
func run(x *cli.Ctx) error {
	if len(x.Args) < 1 || len(x.Args) > 2 {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	key := x.Args[0]
	if !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("'%s:%s' is not running", x.LXCPath, x.Name)
	}
	if len(x.Args) == 2 {
		val := x.Args[1]
		if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdCgroupSet, Key: key, Value: val}); err != nil {
			x.Log.Debugf("%v", err)
			return x.Errorf("Failed to assign '%s' value to '%s' for '%s'", val, key, x.Name)
		}
		return nil
	}
	resp, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdCgroupGet, Key: key})
	if err != nil {
		x.Log.Debugf("%v", err)
		return x.Errorf("Failed to retrieve value of '%s' for '%s:%s'", key, x.LXCPath, x.Name)
	}
	// LXC prints the kernel's text (already ending in a newline) and a newline.
	fmt.Fprintf(x.Stdout, "%s\n", strings.TrimRight(resp.Value, "\x00"))
	return nil
}
