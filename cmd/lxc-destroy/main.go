// Command lxc-destroy: see internal/tools/destroy.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/destroy"
)

func main() { cli.Main(destroytool.Tool) }
