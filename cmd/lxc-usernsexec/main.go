// Command lxc-usernsexec: see internal/tools/usernsexec.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/usernsexec"
)

func main() { cli.Main(usernsexectool.Tool) }
