// Command lxc-device: see internal/tools/device.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/device"
)

func main() { cli.Main(devicetool.Tool) }
