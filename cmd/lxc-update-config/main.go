// Command lxc-update-config: see internal/tools/update-config.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/update-config"
)

func main() { cli.Main(updateconfigtool.Tool) }
