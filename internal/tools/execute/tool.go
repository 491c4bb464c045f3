// Package executetool implements lxc-execute.
package executetool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-execute.
var Tool = &cli.Tool{
	Name:  "lxc-execute",
	Short: "lxc-execute creates a container with the identifier NAME",
	Help: `lxc-execute --name=NAME -- COMMAND

lxc-execute creates a container with the identifier NAME
and execs COMMAND into this container.

Options :
  -n, --name=NAME      NAME of the container
  -d, --daemon         Daemonize the container
  -f, --rcfile=FILE    Load configuration file FILE
  -s, --define KEY=VAL Assign VAL to configuration variable KEY
  -u, --uid=UID        Execute COMMAND with UID inside the container
  -g, --gid=GID        Execute COMMAND with GID inside the container
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-execute is not implemented yet")
}
