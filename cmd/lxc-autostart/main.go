// Command lxc-autostart: see internal/tools/autostart.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/autostart"
)

func main() { cli.Main(autostarttool.Tool) }
