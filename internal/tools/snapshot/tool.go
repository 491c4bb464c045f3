// Package snapshottool implements lxc-snapshot.
package snapshottool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-snapshot.
var Tool = &cli.Tool{
	Name:  "lxc-snapshot",
	Short: "lxc-snapshot snapshots a container",
	Help: `lxc-snapshot --name=NAME [-P lxcpath] [-L [-C]] [-c commentfile] [-r snapname [-N newname]]

lxc-snapshot snapshots a container

Options :
  -n, --name=NAME        NAME of the container
  -L, --list             list all snapshots
  -r, --restore=NAME     restore snapshot NAME, e.g. 'snap0'
  -N, --newname=NEWNAME  NEWNAME for the restored container
  -d, --destroy=NAME     destroy snapshot NAME, e.g. 'snap0'
                         use ALL to destroy all snapshots
  -c, --comment=FILE     add FILE as a comment
  -C, --showcomments     show snapshot comments
  --rcfile=FILE          Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-snapshot is not implemented yet")
}
