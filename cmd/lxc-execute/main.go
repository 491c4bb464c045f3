// Command lxc-execute: see internal/tools/execute.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/execute"
)

func main() { cli.Main(executetool.Tool) }
