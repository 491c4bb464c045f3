// Command lxc-info: see internal/tools/info.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/info"
)

func main() { cli.Main(infotool.Tool) }
