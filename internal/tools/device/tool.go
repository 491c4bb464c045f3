// Package devicetool implements lxc-device.
package devicetool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-device.
var Tool = &cli.Tool{
	Name:  "lxc-device",
	Short: "lxc-device attach or detach DEV to or from container.",
	Help: `lxc-device --name=NAME -- add|del DEV

lxc-device attach or detach DEV to or from container.

Options :
  -n, --name=NAME      NAME of the container
  --rcfile=FILE        Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}
