// Package snapshottool implements lxc-snapshot.
package snapshottool

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/lxcpath"
)

// Tool is lxc-snapshot.
var Tool = &cli.Tool{
	Name:  "lxc-snapshot",
	Short: "lxc-snapshot snapshots a container",
	Help: `lxc-snapshot --name=NAME [-P lxcpath] [-L [-C]] [-c commentfile] [-r snapname [-N newname]]

lxc-snapshot snapshots a container

Options :
  -n, --name=NAME        NAME of the container
  -L, --list             list all snapshots
  -r, --restore=NAME     restore snapshot NAME, e.g. 'snap0'
  -N, --newname=NEWNAME  NEWNAME for the restored container
  -d, --destroy=NAME     destroy snapshot NAME, e.g. 'snap0'
                         use ALL to destroy all snapshots
  -c, --comment=FILE     add FILE as a comment
  -C, --showcomments     show snapshot comments
  --rcfile=FILE          Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}

var opts struct {
	list, showComments                 bool
	restore, newname, destroy, comment string
}

// flags declares lxc-snapshot's options in LXC's table order.
func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.list, "list", "L", false, "list all snapshots")
	f.StringVarP(&opts.restore, "restore", "r", "", "restore snapshot NAME, e.g. 'snap0'")
	f.StringVarP(&opts.newname, "newname", "N", "", "NEWNAME for the restored container")
	f.StringVarP(&opts.destroy, "destroy", "d", "", "destroy snapshot NAME, e.g. 'snap0'")
	f.StringVarP(&opts.comment, "comment", "c", "", "add FILE as a comment")
	f.BoolVarP(&opts.showComments, "showcomments", "C", false, "show snapshot comments")
}

// task is the last of -L, -r, -d given (LXC's parser overwrites it).
func task(f *pflag.FlagSet) string {
	t := "snap"
	f.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "list", "restore", "destroy":
			t = fl.Name
		}
	})
	return t
}

// LXC 5.0.2's lxc-snapshot initialises logging only with -o/-l, so its
// errors are silent by default; golxc prints them (as LXC 6.0 does).
func run(x *cli.Ctx) error {
	ref := container.Ref{LXCPath: x.LXCPath, Name: x.Name}
	warn := func(m string) { x.Warnf("%s", m) }
	if !lxcpath.Defined(ref.LXCPath, ref.Name) && x.RCFile == "" {
		return x.Errorf("Container %s is not defined", x.Name)
	}
	switch task(x.Flags) {
	case "list":
		snaps, err := container.ListSnapshots(ref)
		if err != nil {
			x.Log.Errorf("%v", err)
			return x.Errorf("Error listing snapshots")
		}
		if len(snaps) == 0 {
			x.Infof("No snapshots")
			return nil
		}
		for _, s := range snaps {
			x.Infof("%s (%s) %s", s.Name, s.LXCPath, s.Timestamp)
			if opts.showComments {
				if data, err := os.ReadFile(s.Comment); err == nil && !x.Quiet {
					x.Stdout.Write(data)
				}
			}
		}
		return nil
	case "restore":
		newname := opts.newname
		if newname == "" {
			switch len(x.Args) {
			case 0:
			case 1:
				newname = x.Args[0]
			default:
				return x.Errorf("Too many arguments")
			}
		}
		if newname != "" {
			if err := lxcpath.ValidateName(newname); err != nil {
				return x.Errorf("%v", err)
			}
		}
		if err := container.RestoreSnapshot(ref, opts.restore, newname, warn); err != nil {
			x.Log.Errorf("%v", err)
			return x.Errorf("Error restoring snapshot %s", opts.restore)
		}
		return nil
	case "destroy":
		if err := container.DestroySnapshot(ref, opts.destroy, warn); err != nil {
			x.Log.Errorf("%v", err)
			return x.Errorf("Error destroying snapshot %s", opts.destroy)
		}
		return nil
	}
	if _, err := container.TakeSnapshot(ref, x.RCFile, opts.comment, warn); err != nil {
		x.Log.Errorf("%v", err)
		return x.Errorf("Error creating a snapshot")
	}
	return nil
}
