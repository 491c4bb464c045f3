// Package waittool implements lxc-wait.
package waittool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-wait.
var Tool = &cli.Tool{
	Name:  "lxc-wait",
	Short: "lxc-wait waits for NAME container state to reach STATE",
	Help: `lxc-wait --name=NAME --state=STATE

lxc-wait waits for NAME container state to reach STATE

Options :
  -n, --name=NAME   NAME of the container
  -s, --state=STATE ORed states to wait for
                    STOPPED, STARTING, RUNNING, STOPPING,
                    ABORTING, FREEZING, FROZEN, THAWED
  -t, --timeout=TMO Seconds to wait for state changes
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-wait is not implemented yet")
}
