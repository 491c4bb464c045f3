// Package checkconfigtool implements lxc-checkconfig.
package checkconfigtool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-checkconfig. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:   "lxc-checkconfig",
	Short:  "lxc-checkconfig",
	Help:   "lxc-checkconfig\n",
	Custom: true,
	Run:    run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-checkconfig is not implemented yet")
}
