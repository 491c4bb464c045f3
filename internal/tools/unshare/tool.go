// Package unsharetool implements lxc-unshare: run a command in new
// namespaces, without a container. Templates use it to run a step in a
// private mount namespace (lxc-unshare -s MOUNT -- chroot ROOTFS ...).
//
// Pure Go: the namespaces are created by the clone of a sealed copy of
// ourselves (SysProcAttr.Cloneflags), which runs the "unshare" stage and
// execs the command, so the command is PID 1 of a new pid namespace.
package unsharetool

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
)

var opts struct {
	namespaces string
	user       string
	hostname   string
	ifaces     []string
	daemon     bool
	remount    bool
}

func flags(f *pflag.FlagSet) {
	opts.namespaces, opts.user, opts.hostname, opts.ifaces = "", "", "", nil
	opts.daemon, opts.remount = false, false
	f.StringVarP(&opts.namespaces, "namespaces", "s", "", "ORed list of flags to unshare")
	f.StringVarP(&opts.user, "user", "u", "", "new id to be set if -s USER is specified")
	f.StringVarP(&opts.hostname, "hostname", "H", "", "Set the hostname in the container")
	f.StringArrayVarP(&opts.ifaces, "ifname", "i", nil, "Interface name to be moved into container")
	f.BoolVarP(&opts.daemon, "daemon", "d", false, "Daemonize (do not wait for container to exit)")
	f.BoolVarP(&opts.remount, "remount", "M", false, "Remount default fs inside container (/proc /dev/shm /dev/mqueue)")
}

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
	// LXC's lxc-unshare has the common -n (listed by --usage) but never
	// takes a positional as the name: the positionals are the command.
	WithName:     true,
	NameOptional: true,
	Flags:        flags,
	Run:          run,
}

// lookupUser resolves -u like LXC: a number that must exist in the host's
// passwd database, or a user name.
func lookupUser(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty user")
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		if _, err := user.LookupId(s); err != nil {
			return 0, fmt.Errorf("invalid uid %d", n)
		}
		return int(n), nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, fmt.Errorf("invalid username %s", s)
	}
	return strconv.Atoi(u.Uid)
}
