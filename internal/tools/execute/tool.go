// Package executetool implements lxc-execute.
package executetool

import (
	"errors"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/launch"
	"github.com/golxc/golxc/internal/runner"
)

// Tool is lxc-execute.
var Tool = &cli.Tool{
	Name:  "lxc-execute",
	Short: "lxc-execute creates a container with the identifier NAME",
	Help: `lxc-execute --name=NAME -- COMMAND

lxc-execute creates a container with the identifier NAME
and execs COMMAND into this container.

Options :
  -n, --name=NAME      NAME of the container
  -d, --daemon         Daemonize the container
  -f, --rcfile=FILE    Load configuration file FILE
  -s, --define KEY=VAL Assign VAL to configuration variable KEY
  -u, --uid=UID        Execute COMMAND with UID inside the container
  -g, --gid=GID        Execute COMMAND with GID inside the container
`,
	WithName:       true,
	NameFromArg:    true,
	RCFile:         true,
	Flags:          flags,
	NoInterspersed: true,
	Run:            run,
}

var opts struct {
	daemon                                 bool
	rcfile                                 string
	defines                                []string
	uid, gid                               string
	shareNet, shareIPC, shareUTS, sharePID string
}

func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.daemon, "daemon", "d", false, "Daemonize the container")
	f.StringVarP(&opts.rcfile, "rcfile", "f", "", "Load configuration file FILE")
	f.StringArrayVarP(&opts.defines, "define", "s", nil, "Assign VAL to configuration variable KEY")
	f.StringVarP(&opts.uid, "uid", "u", "", "Execute COMMAND with UID inside the container")
	f.StringVarP(&opts.gid, "gid", "g", "", "Execute COMMAND with GID inside the container")
	f.StringVar(&opts.shareNet, "share-net", "", "Share a network namespace with another container or pid")
	f.StringVar(&opts.shareIPC, "share-ipc", "", "Share an IPC namespace with another container or pid")
	f.StringVar(&opts.shareUTS, "share-uts", "", "Share a UTS namespace with another container or pid")
	f.StringVar(&opts.sharePID, "share-pid", "", "Share a PID namespace with another container or pid")
}

// run starts the container with a small init as pid 1 that runs the
// command as pid 2, and exits with the command's status (128+N for a
// signal, 255 when it could not be executed), as LXC's lxc-execute does.
func run(x *cli.Ctx) error {
	x.RCFile = opts.rcfile
	if ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("Container is already running")
	}
	if err := container.Startable(container.Ref{LXCPath: x.LXCPath, Name: x.Name}, func(m string) { x.Warnf("%s", m) }); err != nil {
		return x.Errorf("%v", err)
	}
	spec, err := launch.Prepare(x, launch.Options{
		RCFile: opts.rcfile, Defines: opts.defines, UID: opts.uid, GID: opts.gid,
		Share:   map[string]string{"net": opts.shareNet, "ipc": opts.shareIPC, "uts": opts.shareUTS, "pid": opts.sharePID},
		Command: x.Args, Execute: true, Foreground: !opts.daemon,
	})
	var nc *launch.ErrNoConfig
	if errors.As(err, &nc) {
		return x.Errorf("Executing a container with no configuration file may crash the host")
	}
	if err != nil {
		return x.Errorf("%v", err)
	}
	if len(spec.Command) == 0 && spec.Config.ExecuteCmd == "" {
		return x.Errorf("Missing command to execute!")
	}
	if opts.daemon {
		if err := runner.StartDaemon(spec, nil); err != nil {
			return x.Errorf("Failed run an application inside container: %v", err)
		}
		return nil
	}
	spec.PassStdio = true
	var startErr error
	res := runner.Run(spec, func(err error) { startErr = err })
	if startErr != nil {
		return x.Errorf("Failed run an application inside container: %v", startErr)
	}
	ws := res.Status
	if ws.Signaled() {
		return cli.Exit(128 + int(ws.Signal()))
	}
	if ws.ExitStatus() != 0 {
		return cli.Exit(ws.ExitStatus())
	}
	return nil
}

var _ syscall.Signal
