// Command lxc-monitor: see internal/tools/monitor.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/monitor"
)

func main() { cli.Main(monitortool.Tool) }
