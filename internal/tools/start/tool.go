// Package starttool implements lxc-start.
package starttool

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/launch"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/runner"
	"github.com/golxc/golxc/internal/sysx"
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
	Prelude:     prespawn,
	Flags: func(f *pflag.FlagSet) {
		// LXC's table order (what --usage lists).
		f.BoolVarP(&opts.daemon, "daemon", "d", false, "Daemonize the container (default)")
		f.BoolVarP(&opts.foreground, "foreground", "F", false, "Start with the current tty attached to /dev/console")
		f.StringVarP(&opts.rcfile, "rcfile", "f", "", "Load configuration file FILE")
		f.StringArrayVarP(&opts.defines, "define", "s", nil, "Assign VAL to configuration variable KEY")
		f.StringVarP(&opts.console, "console", "c", "", "Use specified FILE for the container console")
		f.StringVarP(&opts.consoleLog, "console-log", "L", "", "Log container console output to FILE")
		f.BoolVarP(&opts.closeAll, "close-all-fds", "C", false, "If any fds are inherited, close them")
		f.StringVarP(&opts.pidfile, "pidfile", "p", "", "Create a file with the process id")
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
	// Whatever happens below, a monitor spawned early and not used ends.
	defer func() { early.Discard() }()
	if err := container.Startable(container.Ref{LXCPath: x.LXCPath, Name: x.Name}, func(m string) { x.Warnf("%s", m) }); err != nil {
		return x.Errorf("%s", launch.FailureMessage(err))
	}
	if gone, err := container.ReapStaleEphemeral(container.Ref{LXCPath: x.LXCPath, Name: x.Name}, func(m string) { x.Warnf("%s", m) }); err != nil {
		return x.Errorf("%v", err)
	} else if gone {
		return x.Errorf("%s was an ephemeral container whose monitor died before its stop could destroy it; it has been destroyed now", x.Name)
	}
	if ctl.IsRunning(x.LXCPath, x.Name) {
		// LXC reports this as an error but exits 0.
		x.Log.Errorf("Container is already running")
		return nil
	}
	if fds := sysx.InheritedFDs(); len(fds) > 0 {
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
		x.Log.Tracef("command main began at %s; handing the spec to the monitor", beganAt.Format(time.RFC3339Nano))
		err := runner.StartDaemon(spec, early)
		early = nil
		x.Log.Tracef("monitor reported: %v", err)
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

// early is a monitor spawned by prespawn before the command line was
// parsed; run hands it the spec (or discards it).
var early *runner.Prespawned

// beganAt is when our main started (trace logs).
var beganAt time.Time

// prespawn starts the monitor process right away for a daemonized start,
// guessing lxcpath and name from the raw arguments, so its runtime start-up
// overlaps our parsing and config loading. A wrong guess costs one idle
// process that is discarded; the real start then spawns a fresh monitor.
func prespawn(args []string) {
	beganAt = time.Now()
	name, path := "", ""
	valued := map[string]bool{"-n": true, "--name": true, "-P": true, "--lxcpath": true, "-p": true, "--pidfile": true,
		"-f": true, "--rcfile": true, "-c": true, "--console": true, "-L": true, "--console-log": true, "-s": true,
		"--define": true, "-o": true, "--logfile": true, "-l": true, "--logpriority": true, "--share-net": true,
		"--share-ipc": true, "--share-uts": true, "--share-pid": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i = len(args)
		case a == "-F" || a == "--foreground" || a == "-h" || a == "--help" || a == "-?" || a == "--usage" || a == "--version":
			return
		case a == "-n" || a == "--name":
			if i+1 < len(args) {
				name = args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--name="):
			name = a[len("--name="):]
		case strings.HasPrefix(a, "-n") && len(a) > 2:
			name = a[2:]
		case a == "-P" || a == "--lxcpath":
			if i+1 < len(args) {
				path = args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--lxcpath="):
			path = a[len("--lxcpath="):]
		case strings.HasPrefix(a, "-P") && len(a) > 2:
			path = a[2:]
		case valued[a]:
			i++
		case strings.HasPrefix(a, "-"):
			if strings.Contains(a, "F") && !strings.HasPrefix(a, "--") {
				return // e.g. -dF
			}
		case name == "":
			name = a
		}
	}
	if name == "" || lxcpath.ValidateName(name) != nil {
		return
	}
	if path == "" {
		path = config.LoadSystem().LXCPath
	}
	path = strings.TrimRight(path, "/")
	if path == "" {
		path = "/"
	}
	early, _ = runner.Prespawn(path, name)
}
