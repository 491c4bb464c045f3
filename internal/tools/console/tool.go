// Package consoletool implements lxc-console.
package consoletool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-console.
var Tool = &cli.Tool{
	Name:  "lxc-console",
	Short: "lxc-console logs on the container with the identifier NAME",
	Help: `lxc-console --name=NAME [--tty NUMBER]

lxc-console logs on the container with the identifier NAME

Options :
  -n, --name=NAME      NAME of the container
  -t, --tty=NUMBER     console tty number
  -e, --escape=PREFIX  prefix for escape command
  --rcfile=FILE        Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}
