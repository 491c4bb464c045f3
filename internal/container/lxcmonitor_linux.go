package container

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/lxcpath"
)

// RunningUnderLXC reports whether the container is run by LXC's own
// monitor: LXC 5.0.2's lxc-start, or a program using liblxc (python3-lxc,
// Incus' liblxc driver), which stays installable beside golxc. Such a
// monitor listens on the same abstract command socket name as golxc's,
// but as a stream socket (golxc's is a seqpacket one, a separate name
// space), so golxc's own running check does not see it. Connecting and
// closing at once is harmless to LXC's monitor.
func RunningUnderLXC(ref Ref) bool {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrUnix{Name: "@" + lxcpath.CommandSocket(ref.LXCPath, ref.Name)}
	return unix.Connect(fd, sa) == nil
}

// ErrRunningUnderLXC is the refusal for a container LXC's monitor runs:
// golxc cannot stop it, and must neither change its files nor start it a
// second time on the same root filesystem.
func ErrRunningUnderLXC(name string) error {
	return &DestroyError{fmt.Sprintf("%s is running under LXC's monitor (liblxc), which golxc cannot control; stop it with LXC's tools (or kill its init) first", name)}
}

// Startable refuses to start a container that another tool is making,
// copying or destroying (LXC's locked "partial" marker: LXC refuses the
// same way), or whose create, copy or destroy was killed (an unlocked
// marker: its remains are removed, as by the next operation on the name),
// and one that LXC's own monitor runs (a second start would run two inits
// on the same root filesystem).
func Startable(ref Ref, warn func(string)) error {
	switch CheckPartial(ref.Dir()) {
	case CreateOngoing:
		return errors.New("ongoing container creation detected")
	case CreateAbandoned:
		if ReapAbandoned(ref, warn) {
			return fmt.Errorf("%s was left incomplete by an interrupted create, copy or destroy; its remains have been removed", ref.Name)
		}
		return errors.New("ongoing container creation detected")
	}
	if RunningUnderLXC(ref) {
		return ErrRunningUnderLXC(ref.Name)
	}
	return nil
}
