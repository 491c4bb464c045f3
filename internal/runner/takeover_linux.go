package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/stage"
)

// The C monitor becomes the Go monitor by execve (monitor.c hand_to_go)
// for what only Go does: a reboot, a stop whose teardown is Go's
// (goStop), a command it does not answer (goOnlyCommands). The process
// stays the same, so the container's init stays its child and the
// command socket stays bound. What the Go monitor then needs comes from
// two places: the handoff lxc-start wrote at the handover (what it
// decided and made), and what the C monitor knows now (init's fate, the
// requests, the descriptors it held and the clients it served).

// handoff is the state of a container handed to the C monitor that a Go
// monitor taking it over needs.
type handoff struct {
	Spec *Spec `json:"spec"`
	// NS is the namespace plan of the boot.
	NS nsPlan `json:"ns"`
	// Host is the cgroup layout the cgroups were made in (the bases
	// lxc-start saw, not the monitor's own).
	Host *cgroup.Host `json:"host"`
	// Cgroup, Limit and Monitor are the container's cgroup, the one its
	// limits went to if another (lxc.cgroup.dir.container.inner), and the
	// monitor's: a directory per hierarchy.
	Cgroup  []string `json:"cgroup"`
	Limit   []string `json:"limit,omitempty"`
	Monitor []string `json:"monitor,omitempty"`
	// Made are the lxc.cgroup.dir directories the start made.
	Made []string `json:"made,omitempty"`
	// Net is what the network's teardown undoes.
	Net *network.State `json:"net,omitempty"`
	// Held names the namespaces the C monitor holds for the stop (in
	// the order of its descriptors).
	Held []string `json:"held,omitempty"`
	// LSM: a generated AppArmor profile is loaded (unloaded at the stop).
	LSM bool `json:"lsm,omitempty"`
	// Console: a console master is among the terminals.
	Console bool `json:"console,omitempty"`
}

// handoff describes this start for a Go monitor that may take over; mc
// is the monitor's cgroup (nil if none).
func (m *Monitor) handoff(mc *cgroup.Cgroup) *handoff {
	h := &handoff{Spec: m.spec, NS: m.ns, Host: m.host, Cgroup: dirs(m.cg), Made: m.madeCgroups,
		LSM: m.lsmLoaded, Console: m.console != nil}
	if m.limitCg != nil && m.limitCg != m.cg {
		h.Limit = dirs(m.limitCg)
	}
	if mc != nil {
		h.Monitor = dirs(mc)
		h.Made = append(append([]string(nil), h.Made...), mc.Made...)
	}
	if m.net != nil {
		st := m.net.State()
		h.Net = &st
	}
	return h
}

func dirs(cg *cgroup.Cgroup) []string {
	if cg == nil {
		return nil
	}
	var out []string
	for _, d := range cg.Paths {
		out = append(out, d)
	}
	return out
}

// takeover is what the C monitor passed in _GOLXC_RESUME.
type takeover struct {
	pid     int                // the container's init
	running bool               // init runs; else status is how it ended
	status  syscall.WaitStatus //
	stop    bool               // a stop was asked for
	reboot  bool               // a reboot was asked for
	listen  int
	record  int
	devpts  int
	console int
	ttys    []int
	held    []int
	conns   []resumedConn
	req     int // the connection whose request made the C monitor hand over
}

// resumedConn is a client of the C monitor: holding a lent tty ('h',
// arg: its number), reading the console ('c'), or a command connection
// ('w', waiting for the states of mask until ms from now, -1: no
// deadline; mask 0: not waiting).
type resumedConn struct {
	fd, arg int
	kind    byte
	mask    uint64
	ms      int64
}

// cStates are the C monitor's state numbers (monitor.c state_name).
var cStates = []string{ctl.Stopped, ctl.Starting, ctl.Running, ctl.Stopping, ctl.Aborting, ctl.Freezing, ctl.Frozen, ctl.Thawed}

// parseTakeover reads "key=value ..." (lists comma-separated).
func parseTakeover(s string) (*takeover, error) {
	t := &takeover{listen: -1, record: -1, devpts: -1, console: -1, req: -1}
	num := func(v string) int {
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		return n
	}
	list := func(v string) []int {
		var out []int
		for _, x := range strings.Split(v, ",") {
			out = append(out, num(x))
		}
		return out
	}
	status := -1
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "pid":
			t.pid = num(v)
		case "status":
			status = num(v)
		case "stop":
			t.stop = v == "1"
		case "reboot":
			t.reboot = v == "1"
		case "listen":
			t.listen = num(v)
		case "record":
			t.record = num(v)
		case "devpts":
			t.devpts = num(v)
		case "console":
			t.console = num(v)
		case "ttys":
			t.ttys = list(v)
		case "held":
			t.held = list(v)
		case "req":
			t.req = num(v)
		case "conns":
			for _, c := range strings.Split(v, ",") {
				f := strings.Split(c, ":")
				if len(f) < 2 || len(f[1]) != 1 {
					return nil, fmt.Errorf("bad connection %q", c)
				}
				rc := resumedConn{fd: num(f[0]), kind: f[1][0]}
				if len(f) > 2 {
					rc.arg = num(f[2])
					rc.mask, _ = strconv.ParseUint(f[2], 10, 64)
				}
				if len(f) > 3 {
					rc.ms, _ = strconv.ParseInt(f[3], 10, 64)
				}
				t.conns = append(t.conns, rc)
			}
		}
	}
	if t.listen < 3 || t.pid <= 0 {
		return nil, fmt.Errorf("incomplete: %q", s)
	}
	t.running = status < 0
	t.status = syscall.WaitStatus(max(status, 0))
	return t, nil
}

func init() {
	stage.Register("monitor-resume", monitorResume)
}

// monitorResume is the Go monitor taking over from the C monitor: the
// handoff is in the memfd fd, the rest in the environment.
func monitorResume(fd int) {
	t, err := parseTakeover(os.Getenv("_GOLXC_RESUME"))
	req := os.Getenv("_GOLXC_RESUME_REQ")
	os.Unsetenv("_GOLXC_RESUME")
	os.Unsetenv("_GOLXC_RESUME_REQ")
	var h handoff
	if err == nil {
		f := os.NewFile(uintptr(fd), "handoff")
		// From the start: the memfd's offset is where lxc-start stopped.
		err = json.NewDecoder(io.NewSectionReader(f, 0, 1<<40)).Decode(&h)
		f.Close()
	}
	if err == nil && (h.Spec == nil || h.Spec.Config == nil || h.Host == nil) {
		err = fmt.Errorf("incomplete state")
	}
	if err != nil {
		// Nothing to supervise with: init dies with us (its death
		// signal), the boot record stays for the next lxc-stop or
		// lxc-start.
		fmt.Fprintf(os.Stderr, "golxc monitor: take over from the C monitor: %v\n", err)
		os.Exit(1)
	}
	os.Exit(resume(&h, t, req))
}

// resume rebuilds the Monitor of a running (or just ended) container and
// supervises it from there, as Run would have.
func resume(h *handoff, t *takeover, req string) int {
	spec := h.Spec
	spec.began = time.Now()
	spec.ListenFD = t.listen
	m := &Monitor{spec: spec, cfg: spec.Config, waiters: map[*waiter]bool{}, pidfd: -1, listenFD: t.listen}
	m.log = startLog(spec)
	defer m.log.Close()
	m.log.Debugf("the Go monitor takes the container over from the C monitor")
	defer m.closeListener()
	if t.record >= 0 {
		m.rec = bootrec.Adopt(os.NewFile(uintptr(t.record), "boot record"), spec.LXCPath, spec.Name)
	}
	defer func() {
		if m.leftovers {
			m.rec.Release()
		} else {
			m.rec.Done()
		}
	}()
	if spec.PidFile != "" {
		defer os.Remove(spec.PidFile)
	}
	m.ns, m.host, m.madeCgroups = h.NS, h.Host, h.Made
	m.cg = m.host.At(h.Cgroup)
	if len(h.Limit) > 0 {
		m.limitCg = m.host.At(h.Limit)
	}
	if len(h.Monitor) > 0 {
		m.monCg = m.host.At(h.Monitor)
	}
	m.hookEnv = hostHookEnv(spec, m.cfg)
	m.hookEnv.PID = t.pid
	if h.LSM {
		if p, _, err := planLSM(m.cfg, spec); err == nil {
			m.lsm, m.lsmLoaded = p, true
		} else {
			m.log.Errorf("the generated AppArmor profile cannot be unloaded: %v", err)
		}
	}
	for i, fd := range t.held {
		if i < len(h.Held) && fd >= 0 {
			unix.CloseOnExec(fd)
			m.heldNS = append(m.heldNS, heldNamespace{h.Held[i], os.NewFile(uintptr(fd), "ns")})
		}
	}
	if h.Net != nil {
		var netNS *os.File
		for _, hn := range m.heldNS {
			if hn.kind == "net" {
				netNS = hn.file
			}
		}
		nd, err := network.Restore(&network.Context{Name: spec.Name, LXCPath: spec.LXCPath, Config: m.cfg, InitPID: t.pid,
			Log: m.log, HookEnv: m.hookEnv, Record: m.record}, *h.Net, netNS)
		if err != nil {
			m.log.Errorf("network devices: %v", err)
		}
		m.net = nd
	}
	// The terminals, in the order of the stage-2's READY.
	files := []*os.File{os.NewFile(uintptr(t.devpts), "devpts")}
	if h.Console && t.console >= 0 {
		files = append(files, os.NewFile(uintptr(t.console), "console"))
	}
	for _, fd := range t.ttys {
		files = append(files, os.NewFile(uintptr(fd), "tty"))
	}
	for _, f := range files {
		unix.CloseOnExec(int(f.Fd()))
	}
	if t.devpts >= 0 {
		if err := m.takeTerminals(h.Console && t.console >= 0, len(t.ttys), files); err != nil {
			m.log.Errorf("%v", err)
		}
	}
	m.rebootRq, m.stopRq = t.reboot, t.stop
	if t.running {
		m.initPID = t.pid
		m.proc, _ = os.FindProcess(t.pid)
		if pfd, err := unix.PidfdOpen(t.pid, 0); err == nil {
			m.pidfd = pfd
		}
		m.state = ctl.Running
	} else {
		m.state = ctl.Stopping
	}
	go m.serve()
	m.adoptClients(t, req)
	m.supervise(func(error) {}, t)
	return 0
}

// adoptClients serves the C monitor's clients on: their connections
// carry on with us.
func (m *Monitor) adoptClients(t *takeover, req string) {
	for _, c := range t.conns {
		if c.fd < 0 {
			continue
		}
		unix.CloseOnExec(c.fd)
		switch c.kind {
		case 'h':
			m.mu.Lock()
			var slot *ttySlot
			if c.arg >= 1 && c.arg <= len(m.ttys) {
				slot = m.ttys[c.arg-1]
				slot.busy = true
			}
			m.mu.Unlock()
			go func(fd int) {
				m.holdTTY(fd, slot)
				unix.Close(fd)
			}(c.fd)
		case 'c':
			if m.console != nil && m.console.master != nil {
				m.console.attach(os.NewFile(uintptr(c.fd), "console-client"))
			} else {
				unix.Close(c.fd)
			}
		default:
			var first *ctl.Request
			if c.mask != 0 {
				first = &ctl.Request{Cmd: ctl.CmdWaitState}
				for i, s := range cStates {
					if c.mask&(1<<i) != 0 {
						first.States = append(first.States, s)
					}
				}
				if c.ms >= 0 {
					first.Timeout = max(float64(c.ms), 1) / 1000
				}
			}
			go m.handleFrom(c.fd, first)
		}
	}
	if t.req >= 0 {
		unix.CloseOnExec(t.req)
		first := &ctl.Request{}
		if err := json.Unmarshal([]byte(req), first); err != nil {
			first = nil
		}
		go m.handleFrom(t.req, first)
	}
}
