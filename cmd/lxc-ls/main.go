// Command lxc-ls: see internal/tools/ls.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/ls"
)

func main() { cli.Main(lstool.Tool) }
