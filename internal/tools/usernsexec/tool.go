// Package usernsexectool implements lxc-usernsexec.
package usernsexectool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-usernsexec. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:   "lxc-usernsexec",
	Short:  "lxc-usernsexec",
	Help:   "lxc-usernsexec\n",
	Custom: true,
	Run:    run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-usernsexec is not implemented yet")
}
