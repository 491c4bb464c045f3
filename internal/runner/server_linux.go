package runner

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
)

// serve accepts control connections until the listener is closed.
func (m *Monitor) serve() {
	for {
		m.mu.Lock()
		lfd := m.listenFD
		m.mu.Unlock()
		if lfd < 0 {
			return
		}
		fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err != nil {
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			return
		}
		if !peerAllowed(fd) {
			unix.Close(fd)
			continue
		}
		go m.handle(fd)
	}
}

// peerAllowed accepts root and our own uid only, as LXC's command socket.
func peerAllowed(fd int) bool {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return false
	}
	return cred.Uid == 0 || int(cred.Uid) == os.Geteuid()
}

func (m *Monitor) handle(fd int) {
	m.handleFrom(fd, nil)
}

// handleFrom serves a connection, first answering first if it is not
// nil (a request the C monitor received before the Go monitor took over).
func (m *Monitor) handleFrom(fd int, first *ctl.Request) {
	defer unix.Close(fd)
	if first != nil && !m.dispatch(fd, first) {
		return
	}
	for {
		var req ctl.Request
		err := ctl.RecvNoFiles(fd, &req)
		if err != nil {
			return
		}
		keep := m.dispatch(fd, &req)
		if !keep {
			return
		}
	}
}

func (m *Monitor) reply(fd int, resp ctl.Response, files ...*os.File) {
	var fds []int
	for _, f := range files {
		fds = append(fds, int(f.Fd()))
	}
	ctl.Send(fd, resp, fds)
	for _, f := range files {
		f.Close()
	}
}

func (m *Monitor) fail(fd int, format string, args ...any) {
	ctl.Send(fd, ctl.Response{Err: fmt.Sprintf(format, args...)}, nil)
}

// goOnlyCommands are the commands the C monitor leaves to the Go monitor
// (which it becomes to answer them): nothing of ours sends them (lxc-cgroup
// reads and writes the files itself), so they are not worth C.
var goOnlyCommands = []string{ctl.CmdCgroupGet, ctl.CmdCgroupSet, ctl.CmdConfigItem}

// dispatch answers one request; it returns false to close the connection.
func (m *Monitor) dispatch(fd int, req *ctl.Request) bool {
	cg, nd, console := m.resources()
	switch req.Cmd {
	case ctl.CmdState:
		st := m.getState()
		if st == ctl.Running && cg != nil && cg.FreezerState() == "FROZEN" {
			st = ctl.Frozen
		}
		m.reply(fd, ctl.Response{State: st})
	case ctl.CmdInitPID:
		m.mu.Lock()
		pid := m.initPID
		m.mu.Unlock()
		if pid == 0 {
			m.fail(fd, "container is not running")
			return true
		}
		m.reply(fd, ctl.Response{PID: pid})
	case ctl.CmdInitPidfd, ctl.CmdAttachInfo:
		m.mu.Lock()
		pid, pfd := m.initPID, m.pidfd
		m.mu.Unlock()
		if pid == 0 || pfd < 0 || m.getState() != ctl.Running {
			m.fail(fd, "container is not running")
			return true
		}
		dup, err := unix.FcntlInt(uintptr(pfd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			m.fail(fd, "dup pidfd: %v", err)
			return true
		}
		resp := ctl.Response{PID: pid}
		if req.Cmd == ctl.CmdAttachInfo {
			resp.Attach = m.attachInfo(pid, cg)
		}
		m.reply(fd, resp, os.NewFile(uintptr(dup), "pidfd"))
	case ctl.CmdStop:
		m.mu.Lock()
		m.stopRq = true
		m.mu.Unlock()
		sig := req.Signal
		if sig == 0 {
			sig = m.cfg.StopSignal()
		}
		if sig != int(syscall.SIGKILL) {
			// lxc.signal.stop first, as LXC; but a stop always ends
			// with the container killed (an init that ignores the
			// signal, or a signal that cannot be sent, must not leave
			// lxc-stop -k or lxc-destroy -f waiting for ever).
			if err := m.signalInit(syscall.Signal(sig)); err != nil {
				m.log.Warnf("stop signal %d: %v; killing the container", sig, err)
			} else {
				m.killAfter(ctl.StopGrace)
				m.reply(fd, ctl.Response{})
				return true
			}
		}
		if !cg.Empty() {
			cg.Kill()
		} else if err := m.signalInit(syscall.SIGKILL); err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{})
	case ctl.CmdShutdown:
		sig := req.Signal
		if sig == 0 {
			sig = m.haltSignal()
		}
		m.mu.Lock()
		m.stopRq = true
		m.mu.Unlock()
		if err := m.signalInit(syscall.Signal(sig)); err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{})
	case ctl.CmdReboot:
		m.mu.Lock()
		m.rebootRq = true
		m.mu.Unlock()
		if err := m.signalInit(syscall.Signal(m.cfg.RebootSignal())); err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{})
	case ctl.CmdFreeze, ctl.CmdUnfreeze:
		if cg == nil || m.getState() != ctl.Running {
			m.fail(fd, "container is not running")
			return true
		}
		if cg.Empty() {
			m.fail(fd, "%s", noCgroupReason("frozen"))
			return true
		}
		var err error
		if req.Cmd == ctl.CmdFreeze {
			m.announce(ctl.Freezing)
			err = cg.Freeze(10 * time.Second)
			if err == nil {
				m.announce(ctl.Frozen)
			}
		} else {
			err = cg.Thaw(10 * time.Second)
			if err == nil {
				m.announce(ctl.Thawed)
				m.announce(ctl.Running)
			}
		}
		if err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{})
	case ctl.CmdCgroupGet:
		if cg == nil {
			m.fail(fd, "container is not running")
			return true
		}
		if cg.Empty() {
			m.fail(fd, "%s", noCgroupReason("read"))
			return true
		}
		v, err := cg.Get(req.Key)
		if err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{Value: v})
	case ctl.CmdCgroupSet:
		if cg == nil {
			m.fail(fd, "container is not running")
			return true
		}
		if cg.Empty() {
			m.fail(fd, "%s", noCgroupReason("changed"))
			return true
		}
		v2 := cg.Host.Unified() != nil && (strings.HasPrefix(req.Key, "cgroup.") || cg.Path(strings.SplitN(req.Key, ".", 2)[0]) == "")
		if err := cg.Set(req.Key, req.Value, v2); err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{})
	case ctl.CmdCgroupPaths:
		if cg == nil {
			m.fail(fd, "container is not running")
			return true
		}
		m.reply(fd, ctl.Response{Paths: cg.PathMap()})
	case ctl.CmdConfigItem:
		v, err := m.cfg.GetItem(req.Key)
		if err != nil {
			m.fail(fd, "%v", err)
			return true
		}
		m.reply(fd, ctl.Response{Value: v})
	case ctl.CmdNetInfo:
		m.reply(fd, ctl.Response{Net: nd.Info()})
	case ctl.CmdDevptsFD:
		m.mu.Lock()
		var dup int = -1
		var err error
		if m.devpts != nil {
			dup, err = unix.FcntlInt(m.devpts.Fd(), unix.F_DUPFD_CLOEXEC, 3)
		}
		m.mu.Unlock()
		if dup < 0 || err != nil {
			m.fail(fd, "container has no devpts instance")
			return true
		}
		m.reply(fd, ctl.Response{}, os.NewFile(uintptr(dup), "devpts"))
	case ctl.CmdConsole:
		return m.serveConsole(fd, req, console)
	case ctl.CmdWaitState:
		return m.waitState(fd, req)
	default:
		m.fail(fd, "unknown command %q", req.Cmd)
	}
	return true
}

// killAfter kills the container's tasks if the init running now still
// runs after d.
func (m *Monitor) killAfter(d time.Duration) {
	m.mu.Lock()
	pid := m.initPID
	m.mu.Unlock()
	time.AfterFunc(d, func() {
		m.mu.Lock()
		cg, now := m.cg, m.initPID
		m.mu.Unlock()
		if now == 0 || now != pid {
			return
		}
		m.log.Warnf("the container did not stop %v after lxc.signal.stop: killing it", d)
		if !cg.Empty() {
			cg.Kill()
		} else {
			m.signalInit(syscall.SIGKILL)
		}
	})
}

// waitState answers when one of req.States is reached (or at once if the
// container is in one now), or with an error on timeout.
func (m *Monitor) waitState(fd int, req *ctl.Request) bool {
	w := &waiter{states: map[string]bool{}, ch: make(chan string, 1)}
	for _, s := range req.States {
		w.states[s] = true
	}
	m.mu.Lock()
	cur := m.state
	if cur == ctl.Running && m.cg != nil && m.cg.FreezerState() == "FROZEN" {
		cur = ctl.Frozen
	}
	if w.states[cur] {
		m.mu.Unlock()
		m.reply(fd, ctl.Response{State: cur})
		return true
	}
	m.waiters[w] = true
	m.mu.Unlock()
	var timeout <-chan time.Time
	if req.Timeout > 0 {
		timeout = time.After(time.Duration(req.Timeout * float64(time.Second)))
	}
	select {
	case s := <-w.ch:
		m.reply(fd, ctl.Response{State: s})
	case <-timeout:
		m.mu.Lock()
		delete(m.waiters, w)
		m.mu.Unlock()
		m.fail(fd, "timeout")
	}
	return true
}

// serveConsole lends a tty master (ttys 1..N) or attaches a relay stream
// to the console (tty 0). The tty stays busy until the client closes its
// control connection, which this goroutine waits for.
func (m *Monitor) serveConsole(fd int, req *ctl.Request, console *consoleRelay) bool {
	if m.getState() != ctl.Running {
		m.fail(fd, "container is not running")
		return false
	}
	if req.TTY == 0 {
		if console == nil {
			m.fail(fd, "the container has no console (lxc.console.path = none)")
			return false
		}
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			m.fail(fd, "console socketpair: %v", err)
			return false
		}
		ours := os.NewFile(uintptr(pair[0]), "console-client")
		theirs := os.NewFile(uintptr(pair[1]), "console")
		// A duplicate of the master lets the client set the window size.
		dup, err := unix.FcntlInt(console.master.Fd(), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			ours.Close()
			theirs.Close()
			m.fail(fd, "dup console: %v", err)
			return false
		}
		console.attach(ours)
		m.reply(fd, ctl.Response{TTY: 0}, theirs, os.NewFile(uintptr(dup), "console-master"))
		return true
	}
	slot, master, err := m.lendTTY(req.TTY)
	if err != nil {
		m.fail(fd, "%v", err)
		return false
	}
	m.reply(fd, ctl.Response{TTY: slot.n}, master)
	m.holdTTY(fd, slot)
	return false
}

// holdTTY keeps a lent tty busy until its client hangs up.
func (m *Monitor) holdTTY(fd int, slot *ttySlot) {
	buf := make([]byte, 1)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if n <= 0 || err != nil {
			break
		}
	}
	if slot != nil {
		m.releaseTTY(slot)
	}
}

// attachInfo collects what lxc-attach needs.
func (m *Monitor) attachInfo(pid int, cg *cgroup.Cgroup) *ctl.AttachInfo {
	c := m.cfg
	ai := &ctl.AttachInfo{
		InitPID: pid, CapDrop: c.CapDrop, CapKeep: c.CapKeep, CapKeepSet: c.CapKeepSet, Environment: c.Environment,
		NoNewPrivs: c.NoNewPrivs, Arch: c.Arch, Seccomp: c.SeccompProfile, Unpriv: len(c.IDMaps) > 0,
	}
	if cg != nil {
		ai.CgroupPaths = cg.PathMap()
	}
	for _, im := range c.IDMaps {
		ai.IDMaps = append(ai.IDMaps, im.String())
	}
	for _, p := range c.Prlimits {
		if res, ok := p.Resource(); ok {
			ai.Rlimits = append(ai.Rlimits, ctl.Rlimit{Resource: res, Soft: p.Soft, Hard: p.Hard})
		}
	}
	for _, kv := range c.Proc {
		ai.Proc = append(ai.Proc, ctl.KV{Key: kv.Key, Value: kv.Value})
	}
	self := map[string]string{}
	for _, ns := range config.NamespaceNames {
		if l, err := os.Readlink("/proc/self/ns/" + ns); err == nil {
			self[ns] = l
		}
	}
	for _, ns := range config.NamespaceNames {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if err == nil && l != self[ns] {
			ai.Namespaces = append(ai.Namespaces, ns)
		}
	}
	return ai
}

// haltSignal is lxc.signal.halt, or SIGPWR; when unset and init blocks
// SIGRTMIN+3 (systemd does), SIGRTMIN+3, as LXC decides.
func (m *Monitor) haltSignal() int {
	if m.cfg.SignalHalt != 0 {
		return m.cfg.SignalHalt
	}
	m.mu.Lock()
	pid := m.initPID
	m.mu.Unlock()
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "SigBlk:") {
				continue
			}
			var mask uint64
			fmt.Sscanf(strings.TrimSpace(line[7:]), "%x", &mask)
			if mask&(1<<(37-1)) != 0 {
				return 37
			}
		}
	}
	return m.cfg.HaltSignal()
}
