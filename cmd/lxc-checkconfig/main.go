// Command lxc-checkconfig: see internal/tools/checkconfig.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/checkconfig"
)

func main() { cli.Main(checkconfigtool.Tool) }
