package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Command is one run of an external storage tool (lvcreate, zfs, mkfs.*):
// its argv (argv[0] is looked up in PATH) and extra environment.
type Command struct {
	Argv []string
	Env  []string
}

func (c Command) String() string { return strings.Join(c.Argv, " ") }

// CommandError is a storage tool that failed: its command line, exit
// status and what it printed, on one line.
type CommandError struct {
	Cmd    Command
	Status int // exit status, -1 when it could not run or was killed
	Output string
	Err    error
}

func (e *CommandError) Error() string {
	out := oneLine(e.Output)
	switch {
	case errors.Is(e.Err, exec.ErrNotFound):
		return fmt.Sprintf("%s is not installed (not found in PATH)", e.Cmd.Argv[0])
	case e.Status < 0 && out == "":
		return fmt.Sprintf("%s: %v", e.Cmd.Argv[0], e.Err)
	case out == "":
		return fmt.Sprintf("%s failed with status %d", e.Cmd, e.Status)
	}
	return fmt.Sprintf("%s: %s", e.Cmd.Argv[0], out)
}

func (e *CommandError) Unwrap() error { return e.Err }

// oneLine joins a tool's output into one line (trimmed, at most 512
// bytes): errors are printed on one line whatever the tool printed.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	if len(s) > 512 {
		s = s[:509] + "..."
	}
	return s
}

// RunCommand runs a storage tool and returns its combined output. It is a
// variable so that tests can check the exact commands golxc runs against
// LVM and ZFS, which this project's test machines do not have; everything
// golxc does with lvm2 and zfs goes through it.
var RunCommand = func(c Command) (string, error) {
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Env = append(os.Environ(), c.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return out.String(), nil
	}
	status := -1
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		status = ee.ExitCode()
	}
	return out.String(), &CommandError{Cmd: c, Status: status, Output: out.String(), Err: err}
}

// exitStatus returns the exit status of a failed RunCommand (-1 if none).
func exitStatus(err error) int {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.Status
	}
	return -1
}

// mkfs makes a filesystem as LXC does: "mkfs.TYPE DEVICE".
func mkfs(fstype, dev string) error {
	if _, err := RunCommand(Command{Argv: []string{"mkfs." + fstype, dev}}); err != nil {
		return fmt.Errorf("create %s filesystem on %s: %w", fstype, dev, err)
	}
	return nil
}
