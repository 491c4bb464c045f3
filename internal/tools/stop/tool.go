// Package stoptool implements lxc-stop.
package stoptool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-stop.
var Tool = &cli.Tool{
	Name:  "lxc-stop",
	Short: "lxc-stop stops a container with the identifier NAME",
	Help: `lxc-stop --name=NAME

lxc-stop stops a container with the identifier NAME

Options :
  -n, --name=NAME   NAME of the container
  -r, --reboot      reboot the container
  -W, --nowait      don't wait for shutdown or reboot to complete
  -t, --timeout=T   wait T seconds before hard-stopping
  -k, --kill        kill container rather than request clean shutdown
      --nolock      Avoid using API locks
      --nokill      Only request clean shutdown, don't force kill after timeout
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}
