package checkpointtool

import (
	"os/exec"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
)

var opts struct {
	restore, verbose, stop, predump, daemon, foreground bool
	dir, actionScript, predumpDir                       string
}

func flags(f *pflag.FlagSet) {
	// LXC's table order (what --usage lists).
	f.StringVarP(&opts.dir, "checkpoint-dir", "D", "", "directory to save the checkpoint in")
	f.StringVarP(&opts.actionScript, "action-script", "A", "", "Path to criu action script")
	f.BoolVarP(&opts.stop, "stop", "s", false, "Stop the container after checkpointing.")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "Enable verbose criu logs")
	f.BoolVarP(&opts.restore, "restore", "r", false, "Restore container")
	f.BoolVarP(&opts.daemon, "daemon", "d", false, "Daemonize the container (default)")
	f.BoolVarP(&opts.foreground, "foreground", "F", false, "Start with the current tty attached to /dev/console")
	f.BoolVarP(&opts.predump, "pre-dump", "p", false, "Only pre-dump the memory of the container.")
	f.StringVar(&opts.predumpDir, "predump-dir", "", "path to images from previous dump (relative to -D)")
}

// run validates the options as LXC does. Checkpoint/restore itself needs
// CRIU, which golxc does not drive yet: say so in one line.
func run(x *cli.Ctx) error {
	if opts.dir == "" {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	if opts.stop && opts.restore {
		return x.Errorf("-s not compatible with -r")
	}
	if !opts.restore && (opts.daemon || opts.foreground) {
		return x.Errorf("-d/-F not compatible with -s")
	}
	if _, err := exec.LookPath("criu"); err != nil {
		return x.Errorf("checkpoint/restore needs CRIU: criu is not installed")
	}
	if !opts.restore && !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("%s is not running", x.Name)
	}
	return x.Errorf("checkpoint/restore with CRIU is not supported by golxc yet")
}
