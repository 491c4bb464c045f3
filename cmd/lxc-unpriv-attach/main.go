// Command lxc-unpriv-attach: see internal/tools/unpriv.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/unpriv"
)

func main() { cli.Main(unprivtool.AttachTool) }
