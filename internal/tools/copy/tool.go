// Package copytool implements lxc-copy.
package copytool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-copy.
var Tool = &cli.Tool{
	Name:  "lxc-copy",
	Short: "lxc-copy clone a container",
	Help: `lxc-copy 
--name=NAME [-P lxcpath] -N newname [-p newpath] [-B backingstorage] [-s] [-K] [-M] [-L size [unit]] -- hook options
--name=NAME [-P lxcpath] [-N newname] [-p newpath] [-B backingstorage] -e [-d] [-D] [-K] [-M] [-m {bind,overlay}=/src:/dest] -- hook options
--name=NAME [-P lxcpath] -N newname -R

lxc-copy clone a container

Options :
  -n, --name=NAME           NAME of the container
  -N, --newname=NEWNAME     NEWNAME for the restored container
  -p, --newpath=NEWPATH     NEWPATH for the container to be stored
  -R, --rename              rename container
  -s, --snapshot            create snapshot instead of clone
  -a, --allowrunning        allow snapshot creation even if source container is running
  -F, --foreground          start with current tty attached to /dev/console
  -d, --daemon              daemonize the container (default)
  -e, --ephemeral           start ephemeral container
  -m, --mount               directory to mount into container, either 
                            {bind,overlay}=/src-path or {bind,overlay}=/src-path:/dst-path
  -B, --backingstorage=TYPE backingstorage type for the container
  -t, --tmpfs               place ephemeral container on a tmpfs
                            (WARNING: On reboot all changes made to the container will be lost.)
  -L, --fssize              size of the new block device for block device containers
  -D, --keepdata            pass together with -e start a persistent snapshot 
  -K, --keepname            keep the hostname of the original container
  --  hook options          arguments passed to the hook program
  -M, --keepmac             keep the MAC address of the original container
  --rcfile=FILE             Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-copy is not implemented yet")
}
