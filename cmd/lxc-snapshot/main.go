// Command lxc-snapshot: see internal/tools/snapshot.
package main

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/snapshot"
)

func main() { cli.Main(snapshottool.Tool) }
