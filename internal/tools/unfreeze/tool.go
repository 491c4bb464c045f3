// Package unfreezetool implements lxc-unfreeze.
package unfreezetool

import (
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
)

// Tool is lxc-unfreeze.
var Tool = &cli.Tool{
	Name:  "lxc-unfreeze",
	Short: "lxc-unfreeze unfreezes a container with the identifier NAME",
	Help: `lxc-unfreeze --name=NAME

lxc-unfreeze unfreezes a container with the identifier NAME

Options :
  -n, --name=NAME   NAME of the container
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	if !lxcpath.Defined(x.LXCPath, x.Name) && !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("No such container: %s:%s", x.LXCPath, x.Name)
	}
	// As LXC: unfreezing a container that is not running succeeds.
	if !ctl.IsRunning(x.LXCPath, x.Name) {
		return nil
	}
	if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdUnfreeze}); err != nil {
		x.Log.Debugf("unfreeze: %v", err)
		if strings.Contains(err.Error(), ctl.NoCgroup) {
			x.Errorf("%v", err)
		}
		return x.Errorf("Failed to unfreeze %s:%s", x.LXCPath, x.Name)
	}
	return nil
}
