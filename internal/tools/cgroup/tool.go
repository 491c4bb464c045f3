// Package cgrouptool implements lxc-cgroup.
package cgrouptool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/userns"
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
// container. The monitor says where the container's cgroups are; the
// file is read or written here, with our own privileges (root or the
// container's owner: the monitor accepts no one else either).
func run(x *cli.Ctx) error {
	if len(x.Args) < 1 || len(x.Args) > 2 {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	key := x.Args[0]
	if !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("'%s:%s' is not running", x.LXCPath, x.Name)
	}
	cg, err := openCgroup(x)
	if len(x.Args) == 2 {
		val := x.Args[1]
		if err == nil {
			// cgroup.* files and controllers v1 does not have are cgroup2's.
			v2 := cg.Host.Unified() != nil && (strings.HasPrefix(key, "cgroup.") || cg.Path(strings.SplitN(key, ".", 2)[0]) == "")
			err = cg.Set(key, val, v2)
		}
		if err != nil {
			x.Log.Debugf("%v", err)
			if strings.Contains(err.Error(), ctl.NoCgroup) {
				x.Errorf("%v", err)
			}
			return x.Errorf("Failed to assign '%s' value to '%s' for '%s'", quote.Inner(val), quote.Inner(key), x.Name)
		}
		return nil
	}
	var v string
	if err == nil {
		v, err = cg.Get(key)
	}
	if err != nil {
		x.Log.Debugf("%v", err)
		if strings.Contains(err.Error(), ctl.NoCgroup) {
			x.Errorf("%v", err)
		}
		return x.Errorf("Failed to retrieve value of '%s' for '%s:%s'", quote.Inner(key), x.LXCPath, x.Name)
	}
	// LXC prints the kernel's text (already ending in a newline) and a newline.
	fmt.Fprintf(x.Stdout, "%s\n", strings.TrimRight(v, "\x00"))
	return nil
}

// openCgroup asks the monitor where the container's cgroups are.
func openCgroup(x *cli.Ctx) (*cgroup.Cgroup, error) {
	resp, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdCgroupPaths})
	if err != nil {
		return nil, err
	}
	h, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	cg := cgroup.Open(h, resp.Paths)
	if cg.Empty() {
		what := "read"
		if len(x.Args) == 2 {
			what = "changed"
		}
		return nil, errors.New(ctl.NoCgroupReason(what, userns.UserName()))
	}
	return cg, nil
}
