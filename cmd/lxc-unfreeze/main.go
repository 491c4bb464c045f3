// Command lxc-unfreeze: see internal/tools/unfreeze.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/unfreeze"
)

func main() { cli.Main(unfreezetool.Tool) }
