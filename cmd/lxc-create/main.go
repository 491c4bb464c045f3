// Command lxc-create: see internal/tools/create.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/create"
)

func main() { cli.Main(createtool.Tool) }
