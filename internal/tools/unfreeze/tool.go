// Package unfreezetool implements lxc-unfreeze.
package unfreezetool

import (
	"github.com/golxc/golxc/internal/cli"
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
	return x.Errorf("lxc-unfreeze is not implemented yet")
}
