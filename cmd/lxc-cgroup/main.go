// Command lxc-cgroup: see internal/tools/cgroup.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/cgroup"
)

func main() { cli.Main(cgrouptool.Tool) }
