// Package unsharetool implements lxc-unshare.
package unsharetool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-unshare.
var Tool = &cli.Tool{
	Name:  "lxc-unshare",
	Short: "lxc-unshare run a COMMAND in a new set of NAMESPACES",
	Help: `lxc-unshare -s NAMESPACES COMMAND

lxc-unshare run a COMMAND in a new set of NAMESPACES

Options :
  -s, --namespaces=FLAGS
                    ORed list of flags to unshare:
                    MOUNT, PID, UTSNAME, IPC, USER, NETWORK
  -u, --user=USERID
                    new id to be set if -s USER is specified
  -H, --hostname=HOSTNAME
                    Set the hostname in the container
  -i, --ifname=IFNAME
                    Interface name to be moved into container (presumably with NETWORK unsharing set)
  -d, --daemon      Daemonize (do not wait for container to exit)
  -M, --remount     Remount default fs inside container (/proc /dev/shm /dev/mqueue)
`,

	Run: run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-unshare is not implemented yet")
}
