// Command lxc-start: see internal/tools/start.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/start"
)

func main() { cli.Main(starttool.Tool) }
