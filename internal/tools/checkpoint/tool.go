// Package checkpointtool implements lxc-checkpoint.
package checkpointtool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-checkpoint.
var Tool = &cli.Tool{
	Name:  "lxc-checkpoint",
	Short: "lxc-checkpoint checkpoints and restores a container",
	Help: `lxc-checkpoint --name=NAME

lxc-checkpoint checkpoints and restores a container
  Serializes a container's running state to disk to allow restoring it in
  its running state at a later time.

Options :
  -n, --name=NAME           NAME of the container
  -r, --restore             Restore container
  -D, --checkpoint-dir=DIR  directory to save the checkpoint in
  -v, --verbose             Enable verbose criu logs
  -A, --action-script=PATH  Path to criu action script
  Checkpoint options:
  -s, --stop                Stop the container after checkpointing.
  -p, --pre-dump            Only pre-dump the memory of the container.
                            Container keeps on running and following
                            checkpoints will only dump the changes.
  --predump-dir=DIR         path to images from previous dump (relative to -D)
  Restore options:
  -d, --daemon              Daemonize the container (default)
  -F, --foreground          Start with the current tty attached to /dev/console
  --rcfile=FILE             Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}
