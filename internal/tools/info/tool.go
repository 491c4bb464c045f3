// Package infotool implements lxc-info.
package infotool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-info.
var Tool = &cli.Tool{
	Name:  "lxc-info",
	Short: "lxc-info display some information about a container with the identifier NAME",
	Help: `lxc-info --name=NAME

lxc-info display some information about a container with the identifier NAME

Options :
  -n, --name=NAME       NAME of the container
  -c, --config=KEY      show configuration variable KEY from running container
  -i, --ips             shows the IP addresses
  -p, --pid             shows the process id of the init container
  -S, --stats           shows usage stats
  -H, --no-humanize     shows stats as raw numbers, not humanized
  -s, --state           shows the state of the container
  --rcfile=FILE         Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-info is not implemented yet")
}
