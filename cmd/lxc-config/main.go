// Command lxc-config: see internal/tools/config.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/config"
)

func main() { cli.Main(configtool.Tool) }
