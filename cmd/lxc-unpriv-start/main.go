// Command lxc-unpriv-start: see internal/tools/unpriv.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/unpriv"
)

func main() { cli.Main(unprivtool.StartTool) }
