// Package monitortool implements lxc-monitor.
package monitortool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-monitor.
var Tool = &cli.Tool{
	Name:  "lxc-monitor",
	Short: "lxc-monitor monitors the state of the NAME container",
	Help: `lxc-monitor [--name=NAME]

lxc-monitor monitors the state of the NAME container

Options :
  -n, --name=NAME   NAME of the container
                    NAME may be a regular expression
  -Q, --quit        tell lxc-monitord to quit
`,
	MultiPath:    true,
	WithName:     true,
	NameOptional: true,
	Flags:        flags,
	Run:          run,
}
