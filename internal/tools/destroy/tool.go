// Package destroytool implements lxc-destroy.
package destroytool

import (
	"errors"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/container"
)

// Tool is lxc-destroy.
var Tool = &cli.Tool{
	Name:  "lxc-destroy",
	Short: "lxc-destroy destroys a container with the identifier NAME",
	Help: `lxc-destroy --name=NAME [-f] [-P lxcpath]

lxc-destroy destroys a container with the identifier NAME

Options :
  -n, --name=NAME   NAME of the container
  -s, --snapshots   destroy including all snapshots
  -f, --force       stop and destroy the container if it's still running
  --rcfile=FILE     Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}

var opts struct{ snapshots, force bool }

func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.force, "force", "f", false, "stop and destroy the container if it's still running")
	f.BoolVarP(&opts.snapshots, "snapshots", "s", false, "destroy including all snapshots")
}

func run(x *cli.Ctx) error {
	ref := container.Ref{LXCPath: x.LXCPath, Name: x.Name}
	opt := container.DestroyOptions{
		ConfigFile: x.RCFile,
		Force:      opts.force,
		Warn:       func(m string) { x.Warnf("%s", m) },
	}
	var err error
	if opts.snapshots {
		err = container.DestroyWithSnapshots(ref, opt)
	} else {
		err = container.Destroy(ref, opt)
	}
	if err == nil {
		return nil
	}
	var de *container.DestroyError
	if errors.As(err, &de) {
		return x.Errorf("%s", de.Msg)
	}
	x.Log.Errorf("%v", err)
	return x.Errorf("Destroying %s failed", x.Name)
}
