package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/terminal"
)

// consoleRelay owns the console pty master: it drains it continuously (so
// the container never blocks on a full console) into the console log, the
// ring buffer and every attached client, and forwards client input.
type consoleRelay struct {
	master *os.File

	mu      sync.Mutex
	clients map[*os.File]bool
	log     *os.File
	logMax  uint64
	logSize uint64
	logPath string
	rotate  bool
	ring    []byte
	ringMax int
	out     io.Writer // foreground terminal, if any
	done    chan struct{}
}

func newConsoleRelay(master *os.File, logPath string, logMax uint64, rotate bool, ringMax int, out io.Writer) (*consoleRelay, error) {
	r := &consoleRelay{master: master, clients: map[*os.File]bool{}, logMax: logMax, rotate: rotate, ringMax: ringMax, out: out, logPath: logPath, done: make(chan struct{})}
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open console log %s: %w", logPath, err)
		}
		if st, err := f.Stat(); err == nil {
			r.logSize = uint64(st.Size())
		}
		r.log = f
	}
	go r.pump()
	return r, nil
}

func (r *consoleRelay) pump() {
	defer close(r.done)
	buf := make([]byte, 32*1024)
	for {
		n, err := r.master.Read(buf)
		if n > 0 {
			r.emit(buf[:n])
		}
		if err != nil {
			// EIO: every peer is closed (the container is gone).
			return
		}
	}
}

func (r *consoleRelay) emit(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.log != nil {
		if r.logMax > 0 && r.logSize+uint64(len(b)) > r.logMax {
			r.rotateLog()
		}
		if r.log != nil {
			r.log.Write(b)
			r.logSize += uint64(len(b))
		}
	}
	if r.ringMax > 0 {
		r.ring = append(r.ring, b...)
		if len(r.ring) > r.ringMax {
			r.ring = r.ring[len(r.ring)-r.ringMax:]
		}
	}
	if r.out != nil {
		r.out.Write(b)
	}
	for c := range r.clients {
		if _, err := c.Write(b); err != nil {
			delete(r.clients, c)
			c.Close()
		}
	}
}

// rotateLog keeps lxc.console.size: with lxc.console.rotate the old file
// becomes FILE.1, otherwise it is truncated.
func (r *consoleRelay) rotateLog() {
	r.log.Close()
	r.log = nil
	if r.rotate {
		os.Rename(r.logPath, r.logPath+".1")
	} else {
		os.Truncate(r.logPath, 0)
	}
	f, err := os.OpenFile(r.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err == nil {
		r.log = f
	}
	r.logSize = 0
}

// attach adds a client stream (one end of a socketpair) and forwards its
// input to the console until it hangs up.
func (r *consoleRelay) attach(c *os.File) {
	r.mu.Lock()
	r.clients[c] = true
	r.mu.Unlock()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				r.master.Write(buf[:n])
			}
			if err != nil {
				break
			}
		}
		r.mu.Lock()
		if r.clients[c] {
			delete(r.clients, c)
			c.Close()
		}
		r.mu.Unlock()
	}()
}

// feed forwards input from the foreground terminal.
func (r *consoleRelay) feed(in *os.File) {
	go io.Copy(r.master, in)
}

func (r *consoleRelay) buffer() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.ring...)
}

func (r *consoleRelay) close() {
	r.master.Close()
	if r.done != nil {
		<-r.done
	}
	r.mu.Lock()
	for c := range r.clients {
		c.Close()
	}
	r.clients = map[*os.File]bool{}
	if r.log != nil {
		r.log.Close()
		r.log = nil
	}
	r.mu.Unlock()
}

// ttySlot is one /dev/ttyN of the container: the monitor keeps its master
// and lends it to one lxc-console client at a time.
type ttySlot struct {
	n      int
	master *os.File
	busy   bool
}

// takeTerminals receives the devpts root, console master and tty masters
// from stage-2.
func (m *Monitor) takeTerminals(console bool, ttys int, files []*os.File) error {
	want := 1 + ttys
	if console {
		want++
	}
	if len(files) != want {
		closeAll(files)
		return fmt.Errorf("container init sent %d terminal descriptors, expected %d", len(files), want)
	}
	m.devpts = files[0]
	i := 1
	if console && m.handingOver {
		// The C monitor will relay it: reading here would lose what a
		// read takes when this process exits.
		m.mu.Lock()
		m.console = &consoleRelay{master: files[1], clients: map[*os.File]bool{}}
		m.mu.Unlock()
		i = 2
	} else if console {
		var out io.Writer
		in := os.Stdin
		if m.spec.Foreground && !m.spec.PassStdio {
			out = os.Stdout
		}
		// lxc.console.path (lxc-start -c FILE) names the console's peer
		// instead of our terminal, as LXC's lxc_terminal_peer_default:
		// the container's console output goes to it and, when it is a
		// terminal, its input to the container.
		if p := m.cfg.ConsolePath; p != "" && p != "none" {
			peer, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
			if err != nil {
				closeAll(files[1:])
				return fmt.Errorf("lxc.console.path %s: %w", p, unwrapPath(err))
			}
			m.consolePeer = peer
			out, in = peer, peer
		}
		ringMax := int(m.cfg.ConsoleBufferSize)
		r, err := newConsoleRelay(files[1], m.cfg.ConsoleLogfile, m.cfg.ConsoleSize, m.cfg.ConsoleRotate, ringMax, out)
		if err != nil {
			closeAll(files[1:])
			return err
		}
		if out != nil && terminal.IsTerminal(in) {
			if rows, cols, err := terminal.GetSize(in); err == nil {
				terminal.SetSize(files[1], rows, cols)
			}
			r.feed(in)
		}
		m.mu.Lock()
		m.console = r
		m.mu.Unlock()
		i = 2
	}
	for n := 0; n < ttys; n++ {
		m.ttys = append(m.ttys, &ttySlot{n: n + 1, master: files[i]})
		i++
	}
	return nil
}

func (m *Monitor) closeTerminals() {
	m.mu.Lock()
	r := m.console
	m.console = nil
	m.mu.Unlock()
	if r != nil {
		r.close()
	}
	m.mu.Lock()
	for _, t := range m.ttys {
		t.master.Close()
	}
	m.ttys = nil
	if m.devpts != nil {
		m.devpts.Close()
		m.devpts = nil
	}
	if m.consolePeer != nil {
		m.consolePeer.Close()
		m.consolePeer = nil
	}
	m.mu.Unlock()
}

// lendTTY marks tty n (or the first free one when n < 1) busy and returns
// a duplicate of its master. release must be called when the client leaves.
func (m *Monitor) lendTTY(n int) (*ttySlot, *os.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ttys) == 0 {
		return nil, nil, errors.New("the container has no ttys (lxc.tty.max = 0)")
	}
	var slot *ttySlot
	if n < 1 {
		for _, t := range m.ttys {
			if !t.busy {
				slot = t
				break
			}
		}
		if slot == nil {
			return nil, nil, errors.New("all ttys are in use")
		}
	} else {
		if n > len(m.ttys) {
			return nil, nil, fmt.Errorf("tty %d does not exist (lxc.tty.max = %d)", n, len(m.ttys))
		}
		slot = m.ttys[n-1]
		if slot.busy {
			return nil, nil, fmt.Errorf("tty %d is in use", n)
		}
	}
	fd, err := unix.FcntlInt(slot.master.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, nil, err
	}
	slot.busy = true
	return slot, os.NewFile(uintptr(fd), "tty"), nil
}

func (m *Monitor) releaseTTY(slot *ttySlot) {
	m.mu.Lock()
	slot.busy = false
	m.mu.Unlock()
}
