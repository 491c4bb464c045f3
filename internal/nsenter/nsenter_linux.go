package nsenter

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

const (
	magic  = 0x4e584c47 // NSENTER_MAGIC
	maxFDs = 8          // NSENTER_MAX_FDS
)

// NSFile is one namespace descriptor for kernels without setns(pidfd).
type NSFile struct {
	Flag uintptr // its CLONE_NEW* flag
	File *os.File
}

// Bootstrap tells the constructor what to join.
type Bootstrap struct {
	// Flags are the CLONE_NEW* namespaces to join.
	Flags uintptr
	// PidFD is the target's pidfd: setns(pidfd, Flags) joins everything
	// at once (Linux 5.8+). When nil, NSFiles are joined one by one.
	PidFD   *os.File
	NSFiles []NSFile
	// SetupUID/SetupGID are taken right after joining a user namespace
	// (normally 0: the container's root).
	SetupUID, SetupGID int
	// RemountSysProc gives the attached process a private mount
	// namespace with a fresh /proc and /sys (lxc-attach -R).
	RemountSysProc bool
	// Plan, when set, is a memfd holding the attached process's
	// instructions (internal/supervisor encoding): it performs them and
	// execs from C (attach.c) instead of returning into Go.
	Plan *os.File
}

// bootWire and replyWire mirror struct nsenter_boot and nsenter_reply.
type bootWire struct {
	Magic    uint32
	Flags    uint32
	NFDs     uint32
	FDFlags  [maxFDs]uint32
	SetupUID int32
	SetupGID int32
	Remount  uint32
	ExecPlan uint32
}

type replyWire struct {
	Magic uint32
	Pid   int32
	Err   int32
	Msg   [116]byte
}

// Send writes the bootstrap, with its descriptors, to the channel.
func (b *Bootstrap) Send(sock int) error {
	w := bootWire{Magic: magic, Flags: uint32(b.Flags), SetupUID: int32(b.SetupUID), SetupGID: int32(b.SetupGID)}
	if b.RemountSysProc {
		w.Remount = 1
	}
	if b.Plan != nil {
		w.ExecPlan = 1
	}
	var fds []int
	if b.PidFD != nil {
		fds = append(fds, int(b.PidFD.Fd()))
	} else {
		if len(b.NSFiles) > maxFDs {
			return fmt.Errorf("too many namespaces to join (%d)", len(b.NSFiles))
		}
		for i, f := range b.NSFiles {
			w.FDFlags[i] = uint32(f.Flag)
			fds = append(fds, int(f.File.Fd()))
		}
	}
	if len(fds) == 0 {
		return errors.New("nothing to join")
	}
	w.NFDs = uint32(len(fds))
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.NativeEndian, &w); err != nil {
		return err
	}
	for {
		err := unix.Sendmsg(sock, buf.Bytes(), unix.UnixRights(fds...), nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("send namespaces to join: %w", err)
		}
		break
	}
	if b.Plan == nil {
		return nil
	}
	// Queued behind the bootstrap: the attached process reads it.
	for {
		err := unix.Sendmsg(sock, []byte{0}, unix.UnixRights(int(b.Plan.Fd())), nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("send attach instructions: %w", err)
		}
		return nil
	}
}

// Error is a failure reported by the constructor.
type Error struct {
	Msg   string
	Errno unix.Errno
}

// Error uses LXC's "strerror - message" order.
func (e *Error) Error() string { return fmt.Sprintf("%s - %s", e.Errno.Error(), e.Msg) }

func (e *Error) Unwrap() error { return e.Errno }

// ReadReply reads the constructor's answer: the host pid of the attached
// process, or the *Error that stopped it.
func ReadReply(sock int) (int, error) {
	buf := make([]byte, binary.Size(replyWire{}))
	var n int
	var err error
	for {
		n, _, _, _, err = unix.Recvmsg(sock, buf, nil, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, fmt.Errorf("receive attached pid: %w", err)
	}
	if n == 0 {
		return -1, errors.New("the attaching process exited without reporting")
	}
	var r replyWire
	if n != len(buf) {
		return -1, fmt.Errorf("malformed reply from the attaching process (%d bytes)", n)
	}
	if err := binary.Read(bytes.NewReader(buf), binary.NativeEndian, &r); err != nil || r.Magic != magic {
		return -1, errors.New("malformed reply from the attaching process")
	}
	if r.Pid <= 0 {
		msg := string(r.Msg[:])
		if i := strings.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i]
		}
		return -1, &Error{Msg: msg, Errno: unix.Errno(r.Err)}
	}
	return int(r.Pid), nil
}

var (
	pidfdOnce sync.Once
	pidfdOK   bool
)

// PidfdSetnsSupported reports whether setns() accepts a pidfd (Linux 5.8).
// It is decided from the kernel release: probing would need a setns call,
// which a multi-threaded Go process cannot make safely.
func PidfdSetnsSupported() bool {
	pidfdOnce.Do(func() {
		var u unix.Utsname
		if unix.Uname(&u) != nil {
			return
		}
		major, minor := kernelVersion(unix.ByteSliceToString(u.Release[:]))
		pidfdOK = major > 5 || major == 5 && minor >= 8
	})
	return pidfdOK
}

func kernelVersion(release string) (major, minor int) {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, _ = strconv.Atoi(parts[0])
	m := parts[1]
	for i, c := range m {
		if c < '0' || c > '9' {
			m = m[:i]
			break
		}
	}
	minor, _ = strconv.Atoi(m)
	return major, minor
}

// Namespace proc names and flags, in LXC's order.
var nsOrder = []struct {
	name string
	flag uintptr
}{
	{"user", unix.CLONE_NEWUSER}, {"mnt", unix.CLONE_NEWNS}, {"pid", unix.CLONE_NEWPID},
	{"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}, {"net", unix.CLONE_NEWNET},
	{"cgroup", unix.CLONE_NEWCGROUP}, {"time", unix.CLONE_NEWTIME},
}

// OpenNamespaces opens /proc/PID/ns/* for every namespace in flags (the
// fallback for kernels without setns(pidfd)). The caller checks afterwards
// that pid still names the same process (pidfd_send_signal 0).
func OpenNamespaces(pid int, flags uintptr) ([]NSFile, error) {
	var out []NSFile
	for _, ns := range nsOrder {
		if flags&ns.flag == 0 {
			continue
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name))
		if err != nil {
			for _, o := range out {
				o.File.Close()
			}
			return nil, fmt.Errorf("open %s namespace of %d: %w", ns.name, pid, err)
		}
		out = append(out, NSFile{Flag: ns.flag, File: f})
	}
	return out, nil
}
