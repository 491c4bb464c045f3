package attachtool

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/terminal"
)

// drainGrace is how long output is still collected from the pty after the
// attached process exited; a background process that keeps the pty open
// must not keep lxc-attach alive.
const drainGrace = 100 * time.Millisecond

// relay connects the user's terminal with the master of the container
// pty: keystrokes in (the terminal is in raw mode, so Ctrl-C travels as a
// byte and the container's line discipline signals the command), output
// out (and to the -L log), window size along.
type relay struct {
	master  *os.File // non-blocking, so reads can time out
	in      *os.File // our stdin when it is a terminal
	out     *os.File // our terminal that shows the output
	sizeSrc *os.File // the terminal whose size the pty follows
	log     *os.File

	restoreOnce sync.Once
	restoreTerm func()
	exited      atomic.Bool
	outDone     chan struct{}
}

func newRelay(pty *terminal.Pty, ttys [3]bool, log *os.File) (*relay, error) {
	fd, err := unix.FcntlInt(pty.Master.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	r := &relay{master: os.NewFile(uintptr(fd), "ptmx"), log: log, outDone: make(chan struct{}), restoreTerm: func() {}}
	std := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	for _, i := range []int{1, 2, 0} {
		if ttys[i] && r.out == nil {
			r.out = std[i]
		}
	}
	for i := range std {
		if ttys[i] && r.sizeSrc == nil {
			r.sizeSrc = std[i]
		}
	}
	r.resize()
	if ttys[0] {
		r.in = os.Stdin
		restore, err := terminal.MakeRaw(os.Stdin)
		if err == nil {
			r.restoreTerm = restore
		}
	}
	return r, nil
}

// resize gives the pty the size of the user's terminal.
func (r *relay) resize() {
	if rows, cols, err := terminal.GetSize(r.sizeSrc); err == nil {
		terminal.SetSize(r.master, rows, cols)
	}
}

func (r *relay) start() {
	go func() {
		defer close(r.outDone)
		buf := make([]byte, 32*1024)
		for {
			n, err := r.master.Read(buf)
			if n > 0 {
				r.out.Write(buf[:n])
				if r.log != nil {
					r.log.Write(buf[:n])
				}
				if r.exited.Load() {
					r.master.SetReadDeadline(time.Now().Add(drainGrace))
				}
			}
			if err != nil {
				// EIO: every peer is closed; a deadline: the drain is over.
				return
			}
		}
	}()
	if r.in != nil {
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := r.in.Read(buf)
				if n > 0 {
					if _, werr := r.master.Write(buf[:n]); werr != nil && !errors.Is(werr, unix.EAGAIN) {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// finish collects what the exited process left in the pty.
func (r *relay) finish() {
	r.exited.Store(true)
	r.master.SetReadDeadline(time.Now().Add(drainGrace))
	<-r.outDone
	r.master.Close()
	r.restore()
}

// restore puts the user's terminal back into its original mode.
func (r *relay) restore() {
	r.restoreOnce.Do(r.restoreTerm)
}
