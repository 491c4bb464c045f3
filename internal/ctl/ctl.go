// Package ctl is the command channel between the lxc-* tools and a
// container's monitor. The monitor listens on LXC's abstract socket name
// ("@<lxcpath>/<name>/command", hashed when too long), so a container is
// "running" exactly when that socket answers, as in LXC, and `lxc-ls
// --active` can find it in /proc/net/unix.
//
// Wire format (ours, not liblxc's): SOCK_SEQPACKET, one JSON Request per
// packet, one JSON Response per packet; file descriptors ride along with
// SCM_RIGHTS. A message longer than 64 KiB travels in a sealed memfd
// instead, announced by a packet "\x00golxc-memfd:LENGTH" whose last
// descriptor is that memfd (Send and Recv do this), so no message size
// limits what a config may hold. The monitor accepts only peers that are root or have its own
// uid (checked with SO_PEERCRED), as LXC's command socket does.
package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/lxcpath"
)

// Container states, with LXC's exact strings.
const (
	Stopped  = "STOPPED"
	Starting = "STARTING"
	Running  = "RUNNING"
	Stopping = "STOPPING"
	Aborting = "ABORTING"
	Freezing = "FREEZING"
	Frozen   = "FROZEN"
	Thawed   = "THAWED"
)

// States lists every state name.
var States = []string{Stopped, Starting, Running, Stopping, Aborting, Freezing, Frozen, Thawed}

// Commands understood by the monitor.
const (
	CmdState        = "state"         // -> State
	CmdInitPID      = "init-pid"      // -> PID
	CmdInitPidfd    = "init-pidfd"    // -> PID, fd[0] = pidfd of init
	CmdStop         = "stop"          // Signal (0 = configured stop signal): kill now
	CmdShutdown     = "shutdown"      // Signal: send halt signal, return at once
	CmdReboot       = "reboot"        // send reboot signal; monitor restarts the container
	CmdFreeze       = "freeze"        //
	CmdUnfreeze     = "unfreeze"      //
	CmdCgroupGet    = "cgroup-get"    // Key -> Value
	CmdCgroupSet    = "cgroup-set"    // Key, Value
	CmdCgroupPaths  = "cgroup-paths"  // -> Paths (controller -> host directory)
	CmdConfigItem   = "config-item"   // Key -> Value (running config)
	CmdConsole      = "console"       // TTY (-1 = next free) -> TTY, fd[0] = pty master
	CmdDevptsFD     = "devpts-fd"     // -> fd[0] = container devpts root
	CmdAttachInfo   = "attach-info"   // -> Attach, fd[0] = pidfd of init
	CmdWaitState    = "wait-state"    // States, Timeout: reply when one is reached
	CmdNetInfo      = "net-info"      // -> Net
	CmdConsoleWinch = "console-winch" // TTY
)

// Request is one command.
type Request struct {
	Cmd     string   `json:"cmd"`
	Key     string   `json:"key,omitempty"`
	Value   string   `json:"value,omitempty"`
	Signal  int      `json:"signal,omitempty"`
	TTY     int      `json:"tty,omitempty"`
	States  []string `json:"states,omitempty"`
	Timeout float64  `json:"timeout,omitempty"` // seconds; <=0 forever
}

// NetDev describes one configured network device of a running container.
type NetDev struct {
	Index    int    `json:"index"`
	Type     string `json:"type"`
	Name     string `json:"name"`      // name inside the container
	HostName string `json:"host_name"` // host-side veth, or the link
	Link     string `json:"link"`
}

// AttachInfo is what lxc-attach needs to enter a container.
type AttachInfo struct {
	InitPID     int               `json:"init_pid"`
	Namespaces  []string          `json:"namespaces"` // proc names of the namespaces the container owns
	CgroupPaths map[string]string `json:"cgroup_paths"`
	CapDrop     []string          `json:"cap_drop"`
	CapKeep     []string          `json:"cap_keep"`
	CapKeepSet  bool              `json:"cap_keep_set"` // lxc.cap.keep given (empty = drop all)
	Environment []string          `json:"environment"`
	NoNewPrivs  bool              `json:"no_new_privs"`
	Arch        string            `json:"arch"`
	Seccomp     string            `json:"seccomp"`
	Unpriv      bool              `json:"unprivileged"`
	IDMaps      []string          `json:"idmaps"`
	// Rlimits (lxc.prlimit.*) and Proc (lxc.proc.*) are applied to the
	// attached process as to init.
	Rlimits []Rlimit `json:"rlimits,omitempty"`
	Proc    []KV     `json:"proc,omitempty"`
}

// Rlimit is one resource limit (RLIMIT_* number, soft and hard value).
type Rlimit struct {
	Resource int    `json:"resource"`
	Soft     uint64 `json:"soft"`
	Hard     uint64 `json:"hard"`
}

// KV is an ordered key/value pair.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Response answers a Request. Err is set on failure.
type Response struct {
	Err    string            `json:"err,omitempty"`
	State  string            `json:"state,omitempty"`
	PID    int               `json:"pid,omitempty"`
	Value  string            `json:"value,omitempty"`
	TTY    int               `json:"tty,omitempty"`
	Paths  map[string]string `json:"paths,omitempty"`
	Attach *AttachInfo       `json:"attach,omitempty"`
	Net    []NetDev          `json:"net,omitempty"`
}

// ErrNotRunning means no monitor answered: the container is STOPPED.
var ErrNotRunning = errors.New("container is not running")

// ErrClosed means the monitor closed the connection without answering.
// After a request that stops the container this is success: the monitor
// stopped it and exited before its answer went out (LXC's client takes
// a reset connection after "stop" the same way).
var ErrClosed = errors.New("connection closed")

// maxPacket bounds one message sent inline.
const maxPacket = 1 << 20

// Messages longer than InlineMax go in a sealed memfd whose descriptor
// rides along (the last one) with a small packet saying so: a
// SOCK_SEQPACKET message must fit the socket's send buffer (about
// 200 KiB by default), and nothing a user controls, such as the size of
// a config in a container's spec or a get-config-item answer, may depend
// on that. maxLarge bounds what a receiver accepts that way.
const (
	InlineMax = 64 << 10
	maxLarge  = 1 << 30
)

// largeMark starts a packet that announces a message in a memfd: NUL
// (which no JSON text starts with), then the length in decimal.
const largeMark = "\x00golxc-memfd:"

// Client is a connection to a container's monitor.
type Client struct {
	fd int
}

// Dial connects to the monitor of lxcpath/name. It returns ErrNotRunning
// when nothing listens.
func Dial(lxcpathDir, name string) (*Client, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	sa := &unix.SockaddrUnix{Name: "@" + lxcpath.CommandSocket(lxcpathDir, name)}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.ECONNREFUSED) || errors.Is(err, unix.ENOENT) {
			return nil, ErrNotRunning
		}
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	return &Client{fd: fd}, nil
}

// Close closes the connection.
func (c *Client) Close() error {
	if c == nil || c.fd < 0 {
		return nil
	}
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}

// FD returns the socket descriptor (a lxc-console session keeps it open to
// hold its tty).
func (c *Client) FD() int { return c.fd }

// Call sends req and waits for the response and any descriptors.
func (c *Client) Call(req Request) (*Response, []*os.File, error) {
	if err := Send(c.fd, req, nil); err != nil {
		return nil, nil, err
	}
	var resp Response
	files, err := Recv(c.fd, &resp)
	if err != nil {
		return nil, nil, err
	}
	if resp.Err != "" {
		for _, f := range files {
			f.Close()
		}
		return &resp, nil, errors.New(resp.Err)
	}
	return &resp, files, nil
}

// SetTimeout bounds the next receive (0 = none).
func (c *Client) SetTimeout(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
}

// Send writes one message with optional descriptors.
func Send(fd int, v any, files []int) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(data) > InlineMax {
		mem, err := sealedMemfd(data)
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		defer unix.Close(mem)
		files = append(append([]int(nil), files...), mem)
		data = []byte(largeMark + strconv.Itoa(len(data)))
	}
	var oob []byte
	if len(files) > 0 {
		oob = unix.UnixRights(files...)
	}
	for {
		err = unix.Sendmsg(fd, data, oob, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// Recv reads one message into v, returning any descriptors received (as
// close-on-exec files).
func Recv(fd int, v any) ([]*os.File, error) {
	var buf []byte
	oob := make([]byte, unix.CmsgSpace(16*4))
	for {
		// Peek the size first: a SOCK_SEQPACKET read truncates silently.
		// The buffer is then exactly the message's size, so a long-lived
		// monitor answering queries makes little garbage per query.
		n, _, _, _, err := unix.Recvmsg(fd, nil, nil, unix.MSG_PEEK|unix.MSG_TRUNC)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECONNRESET {
			return nil, fmt.Errorf("receive: %w", ErrClosed)
		}
		if err != nil {
			return nil, fmt.Errorf("receive: %w", err)
		}
		if n > maxPacket {
			return nil, fmt.Errorf("receive: message of %d bytes is too large", n)
		}
		buf = make([]byte, max(n, 1))
		break
	}
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("receive: %w", err)
	}
	var files []*os.File
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil {
			for _, m := range msgs {
				fds, err := unix.ParseUnixRights(&m)
				if err != nil {
					continue
				}
				for _, f := range fds {
					files = append(files, os.NewFile(uintptr(f), "fd"))
				}
			}
		}
	}
	if n == 0 {
		for _, f := range files {
			f.Close()
		}
		return nil, fmt.Errorf("receive: %w", ErrClosed)
	}
	msg := buf[:n]
	if bytes.HasPrefix(msg, []byte(largeMark)) {
		if msg, files, err = readLarge(msg, files); err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("receive: %w", err)
		}
	}
	if err := json.Unmarshal(msg, v); err != nil {
		for _, f := range files {
			f.Close()
		}
		return nil, fmt.Errorf("receive: bad message: %w", err)
	}
	return files, nil
}

// RecvNoFiles reads one message into v, for messages that carry no
// descriptors: any that came along anyway are closed.
func RecvNoFiles(fd int, v any) error {
	files, err := Recv(fd, v)
	for _, f := range files {
		f.Close()
	}
	return err
}

// State returns the state of lxcpath/name: STOPPED when no monitor answers.
func State(lxcpathDir, name string) string {
	c, err := Dial(lxcpathDir, name)
	if err != nil {
		return Stopped
	}
	defer c.Close()
	c.SetTimeout(5 * time.Second)
	resp, _, err := c.Call(Request{Cmd: CmdState})
	if err != nil {
		return Stopped
	}
	return resp.State
}

// IsRunning reports whether the container's monitor answers.
func IsRunning(lxcpathDir, name string) bool {
	c, err := Dial(lxcpathDir, name)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// InitPID returns the host pid of the container's init.
func InitPID(lxcpathDir, name string) (int, error) {
	c, err := Dial(lxcpathDir, name)
	if err != nil {
		return -1, err
	}
	defer c.Close()
	resp, _, err := c.Call(Request{Cmd: CmdInitPID})
	if err != nil {
		return -1, err
	}
	return resp.PID, nil
}

// NoCgroup starts the monitor's answer to a cgroup request (freeze, a
// cgroup file) for a container that has no cgroup: a user's container on
// a host that delegates no cgroup hierarchy to that user, which LXC
// starts the same way. Tools print it before LXC's own message.
const NoCgroup = "the container has no cgroup"

// NoCgroupReason is that answer in full: what cannot be done to the
// container (e.g. "frozen") and whose cgroups are not delegated.
func NoCgroupReason(what, user string) string {
	return fmt.Sprintf("%s, so nothing of it can be %s: no cgroup hierarchy of this host is delegated to user %s "+
		"(LXC starts such a container the same way); stop it and start it with lxc-unpriv-start, which gets it a delegated cgroup or says what the host lacks",
		NoCgroup, what, user)
}

// Simple sends a request that needs no descriptors and returns the response.
func Simple(lxcpathDir, name string, req Request) (*Response, error) {
	c, err := Dial(lxcpathDir, name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	resp, files, err := c.Call(req)
	for _, f := range files {
		f.Close()
	}
	return resp, err
}

// sealedMemfd returns a memfd holding data that nobody can change any
// more (write, grow and shrink sealed).
func sealedMemfd(data []byte) (int, error) {
	fd, err := unix.MemfdCreate("golxc-msg", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	for off := 0; off < len(data); {
		n, err := unix.Write(fd, data[off:])
		if err != nil && err != unix.EINTR {
			unix.Close(fd)
			return -1, fmt.Errorf("write memfd: %w", err)
		}
		off += max(n, 0)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("seal memfd: %w", err)
	}
	return fd, nil
}

// readLarge reads the message a largeMark packet announces from the last
// descriptor, which must be a sealed memfd of exactly that size, and
// returns it with the other descriptors.
func readLarge(mark []byte, files []*os.File) ([]byte, []*os.File, error) {
	size, err := strconv.Atoi(string(mark[len(largeMark):]))
	if err != nil || size <= 0 || size > maxLarge {
		return nil, files, fmt.Errorf("bad large message header %q", mark)
	}
	if len(files) == 0 {
		return nil, files, errors.New("large message without its memfd")
	}
	mem := files[len(files)-1]
	files = files[:len(files)-1]
	defer mem.Close()
	seals, err := unix.FcntlInt(mem.Fd(), unix.F_GET_SEALS, 0)
	need := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if err != nil || seals&need != need {
		return nil, files, errors.New("large message in a descriptor that is not a sealed memfd")
	}
	if st, err := mem.Stat(); err != nil || st.Size() != int64(size) {
		return nil, files, errors.New("large message: memfd size differs from its header")
	}
	buf := make([]byte, size)
	if _, err := mem.ReadAt(buf, 0); err != nil {
		return nil, files, fmt.Errorf("read large message: %w", err)
	}
	return buf, files, nil
}
