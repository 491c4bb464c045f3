// Command lxc-checkpoint: see internal/tools/checkpoint.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/checkpoint"
)

func main() { cli.Main(checkpointtool.Tool) }
