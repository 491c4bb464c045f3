package attachtool

import (
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The attached process never gets our own standard descriptors when they
// are not terminals: a file given as stdin could be reopened through
// /proc/self/fd/0 for writing, chmod-ed or chown-ed from inside the
// container (in a privileged container, a write to any host file the
// admin only meant to feed in). It gets pipes instead, which lxc-attach
// relays: bytes as they are (binary-clean), stdout and stderr separate,
// end of input passed on by closing the pipe, a closed reader of our
// output passed on as a broken pipe.

// pipeRelay is one standard descriptor relayed through a pipe.
type pipeRelay struct {
	fd    int      // 0, 1 or 2
	ours  *os.File // our end of the pipe
	child *os.File // the attached process's end, closed once it has it
	user  *os.File // our own descriptor it stands for
	done  chan struct{}
	moved atomic.Int64 // bytes relayed so far (drain progress)
}

// pipeStdio replaces each non-terminal standard descriptor of stdio by a
// pipe and starts relaying it; stdio[i] becomes the pipe end the attached
// process gets.
func pipeStdio(stdio *[3]*os.File) ([]*pipeRelay, error) {
	var relays []*pipeRelay
	for i, f := range stdio {
		if f == nil {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			closeRelays(relays)
			return nil, err
		}
		p := &pipeRelay{fd: i, user: f, done: make(chan struct{})}
		if i == 0 {
			p.ours, p.child = w, r
		} else {
			p.ours, p.child = r, w
		}
		stdio[i] = p.child
		relays = append(relays, p)
	}
	if len(relays) > 0 {
		// A broken pipe on our stdout must not kill lxc-attach before
		// the attached process learns of it and we report its status.
		signal.Notify(make(chan os.Signal, 1), unix.SIGPIPE)
	}
	for _, p := range relays {
		go p.copy()
	}
	return relays, nil
}

// copy moves bytes until the source ends or the destination is gone.
func (p *pipeRelay) copy() {
	defer close(p.done)
	src, dst := p.user, p.ours
	if p.fd != 0 {
		src, dst = p.ours, p.user
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
			p.moved.Add(int64(n))
		}
		if err != nil {
			break
		}
	}
	// Input: the end of ours is the end of theirs. Output: a reader that
	// went away becomes the attached process's broken pipe.
	p.ours.Close()
}

// handedOver closes our copies of the attached process's ends (the
// intermediate has its own now), so that its exit ends the output.
func handedOver(relays []*pipeRelay) {
	for _, p := range relays {
		if p.child != nil {
			p.child.Close()
			p.child = nil
		}
	}
}

// drain waits, once the attached process exited, until its output has
// been relayed: until end of file, or until no byte came for drainGrace
// (a background process that keeps the pipe open must not keep
// lxc-attach alive, as with a pty). Input is not waited for.
func drain(relays []*pipeRelay) {
	for _, p := range relays {
		if p.fd == 0 {
			continue
		}
		last := p.moved.Load()
	wait:
		for {
			select {
			case <-p.done:
				break wait
			case <-time.After(drainGrace):
				now := p.moved.Load()
				if now == last {
					break wait
				}
				last = now
			}
		}
	}
}

func closeRelays(relays []*pipeRelay) {
	for _, p := range relays {
		if p.child != nil {
			p.child.Close()
		}
	}
}
