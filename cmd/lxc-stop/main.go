// Command lxc-stop: see internal/tools/stop.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/stop"
)

func main() { cli.Main(stoptool.Tool) }
