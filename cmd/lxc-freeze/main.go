// Command lxc-freeze: see internal/tools/freeze.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/freeze"
)

func main() { cli.Main(freezetool.Tool) }
