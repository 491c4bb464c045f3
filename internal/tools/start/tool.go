// Package starttool implements lxc-start.
package starttool

import (
	"errors"
	"os"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/launch"
	"github.com/golxc/golxc/internal/runner"
)

var opts struct {
	daemon, foreground, closeAll bool
	pidfile, rcfile, console     string
	consoleLog                   string
	defines                      []string
	shareNet, shareIPC           string
	shareUTS, sharePID           string
}

// Tool is lxc-start.
var Tool = &cli.Tool{
	Name:  "lxc-start",
	Short: "lxc-start start COMMAND in specified container NAME",
	Help: `lxc-start --name=NAME -- COMMAND

lxc-start start COMMAND in specified container NAME

Options :
  -n, --name=NAME        NAME of the container
  -d, --daemon           Daemonize the container (default)
  -F, --foreground       Start with the current tty attached to /dev/console
  -p, --pidfile=FILE     Create a file with the process id
  -f, --rcfile=FILE      Load configuration file FILE
  -c, --console=FILE     Use specified FILE for the container console
  -L, --console-log=FILE Log container console output to FILE
  -C, --close-all-fds    If any fds are inherited, close them
                         Note: --daemon implies --close-all-fds
  -s, --define KEY=VAL   Assign VAL to configuration variable KEY
      --share-[net|ipc|uts|pid]=NAME Share a namespace with another container or pid
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags: func(f *pflag.FlagSet) {
		f.BoolVarP(&opts.daemon, "daemon", "d", false, "Daemonize the container (default)")
		f.BoolVarP(&opts.foreground, "foreground", "F", false, "Start with the current tty attached to /dev/console")
		f.StringVarP(&opts.pidfile, "pidfile", "p", "", "Create a file with the process id")
		f.StringVarP(&opts.rcfile, "rcfile", "f", "", "Load configuration file FILE")
		f.StringVarP(&opts.console, "console", "c", "", "Use specified FILE for the container console")
		f.StringVarP(&opts.consoleLog, "console-log", "L", "", "Log container console output to FILE")
		f.BoolVarP(&opts.closeAll, "close-all-fds", "C", false, "If any fds are inherited, close them")
		f.StringArrayVarP(&opts.defines, "define", "s", nil, "Assign VAL to configuration variable KEY")
		f.StringVar(&opts.shareNet, "share-net", "", "Share a network namespace with another container or pid")
		f.StringVar(&opts.shareIPC, "share-ipc", "", "Share an IPC namespace with another container or pid")
		f.StringVar(&opts.shareUTS, "share-uts", "", "Share a UTS namespace with another container or pid")
		f.StringVar(&opts.sharePID, "share-pid", "", "Share a PID namespace with another container or pid")
	},
	Run: run,
}

func run(x *cli.Ctx) error {
	x.RCFile = opts.rcfile
	foreground := opts.foreground && !opts.daemon
	if ctl.IsRunning(x.LXCPath, x.Name) {
		// LXC reports this as an error but exits 0.
		x.Log.Errorf("Container is already running")
		return nil
	}
	if fds := launch.InheritedFDs(); len(fds) > 0 {
		for _, fd := range fds {
			if opts.closeAll || !foreground {
				unix.Close(fd)
			} else {
				x.Log.Warnf("inherited fd %d (use -C to close it)", fd)
			}
		}
	}
	spec, err := launch.Prepare(x, launch.Options{
		RCFile: opts.rcfile, Defines: opts.defines, Console: opts.console, ConsoleLog: opts.consoleLog,
		Share:   map[string]string{"net": opts.shareNet, "ipc": opts.shareIPC, "uts": opts.shareUTS, "pid": opts.sharePID},
		Command: x.Args, Foreground: foreground, PidFile: opts.pidfile,
	})
	if err != nil {
		return x.Errorf("%v", err)
	}
	if !foreground {
		err := runner.StartDaemon(spec)
		if errors.Is(err, runner.ErrAlreadyRunning) {
			x.Log.Errorf("Container is already running")
			return nil
		}
		if err != nil {
			return x.Errorf("%s", launch.FailureMessage(err))
		}
		return nil
	}
	var startErr error
	runner.Run(spec, func(err error) { startErr = err })
	if errors.Is(startErr, runner.ErrAlreadyRunning) {
		x.Log.Errorf("Container is already running")
		return nil
	}
	if startErr != nil {
		return x.Errorf("%s", launch.FailureMessage(startErr))
	}
	return nil
}

var _ = os.Stdin
var _ = syscall.SIGKILL
