// Command lxc-copy: see internal/tools/copy.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/copy"
)

func main() { cli.Main(copytool.Tool) }
