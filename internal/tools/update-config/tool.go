// Package updateconfigtool implements lxc-update-config.
package updateconfigtool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-update-config. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:   "lxc-update-config",
	Short:  "lxc-update-config",
	Help:   "lxc-update-config\n",
	Custom: true,
	Run:    run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-update-config is not implemented yet")
}
