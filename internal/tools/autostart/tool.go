// Package autostarttool implements lxc-autostart.
package autostarttool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-autostart.
var Tool = &cli.Tool{
	Name:  "lxc-autostart",
	Short: "lxc-autostart managed auto-started containers",
	Help: `lxc-autostart 
lxc-autostart managed auto-started containers

Options:
  -k, --kill        kill the containers instead of starting them
  -L, --list        list all affected containers and wait delay
  -r, --reboot      reboot the containers instead of starting them
  -s, --shutdown    shutdown the containers instead of starting them

  -a, --all         list all auto-started containers (ignore groups)
  -A, --ignore-auto ignore lxc.start.auto and select all matching containers
  -g, --groups      list of groups (comma separated) to select
  -t, --timeout=T   wait T seconds before hard-stopping
`,

	Flags:      flags,
	UsageExtra: []string{"[-h|--help]"},
	Run:        run,
}
