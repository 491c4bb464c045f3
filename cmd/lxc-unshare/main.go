// Command lxc-unshare: see internal/tools/unshare.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/unshare"
)

func main() { cli.Main(unsharetool.Tool) }
