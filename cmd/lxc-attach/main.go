// Command lxc-attach: see internal/tools/attach.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/attach"
)

func main() { cli.Main(attachtool.Tool) }
