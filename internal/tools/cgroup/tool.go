// Package cgrouptool implements lxc-cgroup.
package cgrouptool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-cgroup.
var Tool = &cli.Tool{
	Name:  "lxc-cgroup",
	Short: "lxc-cgroup --name=NAME state-object [value]",
	Help: `lxc-cgroup --name=NAME state-object [value]

Get or set the value of a state object (for example, 'cpuset.cpus')
in the container's cgroup for the corresponding subsystem.

Options :
  -n, --name=NAME      NAME of the container
  --rcfile=FILE        Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-cgroup is not implemented yet")
}
