// Package freezetool implements lxc-freeze.
package freezetool

import (
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
)

// Tool is lxc-freeze.
var Tool = &cli.Tool{
	Name:  "lxc-freeze",
	Short: "lxc-freeze freezes a container with the identifier NAME",
	Help: `lxc-freeze --name=NAME

lxc-freeze freezes a container with the identifier NAME

Options :
  -n, --name=NAME      NAME of the container
  --rcfile=FILE        Load configuration file FILE
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
	if _, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdFreeze}); err != nil {
		x.Log.Debugf("freeze: %v", err)
		if strings.Contains(err.Error(), ctl.NoCgroup) {
			x.Errorf("%v", err)
		}
		return x.Errorf("Failed to freeze %s:%s", x.LXCPath, x.Name)
	}
	return nil
}
