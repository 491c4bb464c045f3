// Package destroytool implements lxc-destroy.
package destroytool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-destroy.
var Tool = &cli.Tool{
	Name:  "lxc-destroy",
	Short: "lxc-destroy destroys a container with the identifier NAME",
	Help: `lxc-destroy --name=NAME [-f] [-P lxcpath]

lxc-destroy destroys a container with the identifier NAME

Options :
  -n, --name=NAME   NAME of the container
  -s, --snapshots   destroy including all snapshots
  -f, --force       stop and destroy the container if it's still running
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-destroy is not implemented yet")
}
