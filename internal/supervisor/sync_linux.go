package supervisor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Sync message kinds (plan.h SYNC_*).
const (
	SyncMagic = 0x53584c47
	SyncSetup = 1
	SyncReady = 2
	SyncGo    = 3
	SyncError = 4
	SyncWarn  = 5
	// lxc-start and the C monitor.
	SyncStart    = 6
	SyncBound    = 7
	SyncBusy     = 8
	SyncHandover = 9
	SyncOK       = 10
	SyncClone    = 11
	// SyncMapped and SyncNetlink are the sync point of a user's container
	// (see internal/runner/unpriv_linux.go).
	SyncMapped  = 12
	SyncNetlink = 13
	// SyncPID: the intermediate of lxc.namespace.share.user (stage2.c:
	// spawn_in_userns) sends a pidfd of the stage-2 it cloned as our
	// child.
	SyncPID = 14

	syncHeader = 24
)

// Msg is one message from a stage-2.
type Msg struct {
	Kind    uint32
	Errno   unix.Errno
	Console bool // SyncReady: a console master follows the devpts fd
	TTYs    int  // SyncReady: tty masters that follow
	Text    string
	Files   []*os.File
}

// Err renders a SyncError as the user sees it: the text, then the
// errno's (Go's wording, as every other message of ours).
func (m *Msg) Err() error {
	if m.Errno != 0 {
		return fmt.Errorf("%s: %w", m.Text, m.Errno)
	}
	return errors.New(m.Text)
}

// Send writes a message without text or descriptors (SyncSetup, SyncGo).
func Send(fd int, kind uint32) error {
	b := make([]byte, syncHeader)
	binary.NativeEndian.PutUint32(b, SyncMagic)
	binary.NativeEndian.PutUint32(b[4:], kind)
	for {
		err := unix.Sendmsg(fd, b, nil, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		return err
	}
}

// ErrEOF means the stage-2 closed the channel: it exec'd (the socket is
// close-on-exec) or died.
var ErrEOF = errors.New("sync channel closed")

// Recv reads the next message. Descriptors arrive close-on-exec.
func Recv(fd int) (*Msg, error) {
	buf := make([]byte, syncHeader+4096)
	oob := make([]byte, unix.CmsgSpace(4*254))
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	m := &Msg{}
	if oobn > 0 {
		if cms, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
			for _, cm := range cms {
				if fds, err := unix.ParseUnixRights(&cm); err == nil {
					for _, f := range fds {
						m.Files = append(m.Files, os.NewFile(uintptr(f), "stage-2"))
					}
				}
			}
		}
	}
	if n == 0 {
		m.close()
		return nil, ErrEOF
	}
	ne := binary.NativeEndian
	if n < syncHeader || ne.Uint32(buf) != SyncMagic || uint32(n-syncHeader) != ne.Uint32(buf[20:]) {
		m.close()
		return nil, fmt.Errorf("malformed message from the container's stage-2 (%d bytes)", n)
	}
	m.Kind = ne.Uint32(buf[4:])
	m.Errno = unix.Errno(int32(ne.Uint32(buf[8:])))
	m.Console = ne.Uint32(buf[12:]) != 0
	m.TTYs = int(ne.Uint32(buf[16:]))
	m.Text = string(buf[syncHeader:n])
	return m, nil
}

func (m *Msg) close() {
	for _, f := range m.Files {
		f.Close()
	}
	m.Files = nil
}
