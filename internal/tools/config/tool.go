// Package configtool implements lxc-config.
package configtool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-config. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:   "lxc-config",
	Short:  "lxc-config",
	Help:   "lxc-config\n",
	Custom: true,
	Run:    run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-config is not implemented yet")
}
