// Command lxc-wait: see internal/tools/wait.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/wait"
)

func main() { cli.Main(waittool.Tool) }
