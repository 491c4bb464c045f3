// Package freezetool implements lxc-freeze.
package freezetool

import (
	"github.com/golxc/golxc/internal/cli"
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
	return x.Errorf("lxc-freeze is not implemented yet")
}
