// Command lxc-top: see internal/tools/top.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/top"
)

func main() { cli.Main(toptool.Tool) }
