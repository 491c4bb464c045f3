// Package lstool implements lxc-ls.
package lstool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-ls.
var Tool = &cli.Tool{
	Name:  "lxc-ls",
	Short: "lxc-ls list containers",
	Help: `lxc-ls 
[-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]
[-1] [-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]
[-f] [-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]

lxc-ls list containers

Options :
  -1, --line         show one entry per line
  -f, --fancy        use a fancy, column-based output
  -F, --fancy-format comma separated list of columns to show in the fancy output
                     valid columns are: NAME, STATE, PID, RAM, SWAP, AUTOSTART,
                     GROUPS, INTERFACE, IPV4 and IPV6, UNPRIVILEGED
  --active           list only active containers
  --running          list only running containers
  --frozen           list only frozen containers
  --stopped          list only stopped containers
  --defined          list only defined containers
  --nesting=NUM      list nested containers up to NUM (default is 5) levels of nesting
  --filter=REGEX     filter container names by regular expression
  -g --groups        comma separated list of groups a container must have to be displayed
`,
	NameOptional: true,
	Run:          run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-ls is not implemented yet")
}
