// Command lxc-console: see internal/tools/console.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/console"
)

func main() { cli.Main(consoletool.Tool) }
