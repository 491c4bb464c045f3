// Package terminal allocates ptys from a container's own devpts instance
// (never the host's) and relays them to a user's terminal.
package terminal

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Pty is a pty pair allocated in a devpts instance.
type Pty struct {
	Master *os.File
	Peer   *os.File
	Index  int // N of /dev/pts/N
}

// Close closes both ends that are still open.
func (p *Pty) Close() {
	if p.Master != nil {
		p.Master.Close()
	}
	if p.Peer != nil {
		p.Peer.Close()
	}
}

// Alloc opens ptmx beneath the devpts root handle, checks it really is the
// instance's ptmx (char 5:2 on devpts), unlocks it and obtains the peer
// with TIOCGPTPEER, so no path lookup in the container's /dev/pts is ever
// trusted (CVE-2016-10124, CVE-2025-52565).
func Alloc(devpts *os.File) (*Pty, error) {
	mfd, err := unix.Openat(int(devpts.Fd()), "ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("open ptmx: %w", err)
	}
	master := os.NewFile(uintptr(mfd), "ptmx")
	ok := false
	defer func() {
		if !ok {
			master.Close()
		}
	}()
	var st unix.Stat_t
	if err := unix.Fstat(mfd, &st); err != nil {
		return nil, fmt.Errorf("stat ptmx: %w", err)
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(mfd, &sfs); err != nil {
		return nil, fmt.Errorf("statfs ptmx: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(5, 2) || sfs.Type != unix.DEVPTS_SUPER_MAGIC {
		return nil, errors.New("ptmx is not the devpts instance's multiplexer")
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("get pty number: %w", err)
	}
	pfd, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		return nil, fmt.Errorf("open pty peer (TIOCGPTPEER): %w", errno)
	}
	ok = true
	return &Pty{Master: master, Peer: os.NewFile(pfd, fmt.Sprintf("/dev/pts/%d", n)), Index: n}, nil
}

// SetSize sets the window size of a pty (master or peer).
func SetSize(f *os.File, rows, cols uint16) error {
	return unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}

// GetSize reads the window size of a terminal.
func GetSize(f *os.File) (rows, cols uint16, err error) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0, err
	}
	return ws.Row, ws.Col, nil
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// MakeRaw puts a terminal in raw mode and returns a function restoring it.
func MakeRaw(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}, err
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return func() {}, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}
