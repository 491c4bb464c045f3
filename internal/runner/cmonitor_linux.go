package runner

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/stage"
	sv "github.com/golxc/golxc/internal/supervisor"
)

// A daemonized container's monitor is the C supervisor (monitor.c) when
// the container needs nothing at its stop that only Go can do: lxc-start
// (this process, one Go runtime) decides and does the host-side work of
// the start, the C monitor clones the stage-2, holds the command socket
// and outlives us. An idle C monitor costs a few hundred kilobytes where
// a Go one costs a runtime. Reboots hand the socket back to a Go monitor
// (monitorReboot).

// EnvCMonitor set to "off" keeps the Go monitor for daemonized starts.
const EnvCMonitor = "GOLXC_CMONITOR"

// cMonitorFits reports whether the C monitor can own this container: its
// teardown must be what monitor.c does (kill, wait, remove a veth's host
// end and the cgroups), so no stop or post-stop hooks, no network devices
// that need more undoing, no ephemeral destroy, no console log rotation.
func cMonitorFits(spec *Spec) bool {
	c := spec.Config
	if !sv.Available() || os.Getenv(EnvCMonitor) == "off" || c == nil {
		return false
	}
	// A non-root user's start has its own host-side steps (maps through
	// newuidmap, the sync point, lxc-user-nic: unpriv_linux.go), done by
	// the Go monitor.
	if unprivileged() {
		return false
	}
	if c.Ephemeral || c.MonitorUnshare || c.ConsoleSize > 0 || c.ConsolePath != "" && c.ConsolePath != "none" || c.ApparmorProfile == "generated" ||
		len(c.Hooks["stop"]) > 0 || len(c.Hooks["post-stop"]) > 0 || len(c.NamespaceShare) > 0 {
		return false
	}
	for _, n := range c.Net {
		switch n.EffectiveType() {
		case "empty", "none":
		case "veth":
			// Its host end is all that outlives it (removed by the
			// monitor); router mode, scripts, L2 proxies and Open vSwitch
			// ports need Go to undo.
			if n.VethMode == "router" || n.ScriptUp != "" || n.ScriptDown != "" || n.L2Proxy || !linuxBridgeOrNone(n.Link) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// linuxBridgeOrNone: no link, or a Linux bridge (not Open vSwitch), asked
// of our network namespace (sysfs may show another one's).
func linuxBridgeOrNone(link string) bool {
	if link == "" {
		return true
	}
	l, err := netlink.LinkByName(link)
	return err == nil && l.Type() == "bridge"
}

// startCMonitor is StartDaemon with the C monitor.
func startCMonitor(spec *Spec) (err error) {
	m := &Monitor{spec: spec, cfg: spec.Config, waiters: map[*waiter]bool{}, pidfd: -1, listenFD: -1, handingOver: true}
	m.log = startLog(spec)
	defer m.log.Close()
	c := m.cfg
	m.hookEnv = hostHookEnv(spec, c)
	m.ns = planNamespaces(c, cgroupNSSupported())
	if err := checkNamespaces(c, m.ns); err != nil {
		return err
	}
	if err := checkCgroupDirs(c); err != nil {
		return err
	}
	if err := m.prepareLSM(); err != nil {
		return err
	}
	m.log.Debugf("namespaces: %s", m.ns)
	for _, w := range namespaceWarnings(c, m.ns) {
		m.log.Warnf("%s", w)
	}
	if c.RootfsPath != "" {
		if err := checkRootfs(c); err != nil {
			return err
		}
	}
	if err := hooks.Run(c.Hooks["pre-start"], "pre-start", m.hookEnv, nil, nil); err != nil {
		return err
	}
	if m.shared, err = openSharedAll(c, m.ns, spec.LXCPath); err != nil {
		return err
	}
	defer m.closeShared()
	if m.idmapped, err = idmappedMounts(c, m.log); err != nil {
		return err
	}
	defer m.closeIdmapped()
	// The cgroups exist before the stage-2, which is cloned into the
	// cgroup2 one and enters the v1 ones itself (see plan).
	img, err := sv.Sealed()
	if err != nil {
		return err
	}
	// The monitor first: binding the command socket is the lock that
	// lets one of concurrent starts go on (the others are "already
	// running" before they make anything).
	chn, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("monitor socketpair: %w", err)
	}
	ctlFD := chn[0]
	defer func() {
		if ctlFD >= 0 {
			unix.Close(ctlFD)
		}
	}()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		unix.Close(chn[1])
		return err
	}
	defer null.Close()
	monPID, err := syscall.ForkExec("/proc/self/fd/3",
		[]string{fmt.Sprintf("[lxc monitor] %s %s", spec.LXCPath, spec.Name)},
		&syscall.ProcAttr{Dir: "/", Env: []string{"_GOLXC_MONITOR_FD=4"},
			Files: []uintptr{null.Fd(), null.Fd(), null.Fd(), img.Fd(), uintptr(chn[1])}, Sys: &syscall.SysProcAttr{Setsid: true}})
	unix.Close(chn[1])
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	reaped := false
	reap := func() {
		if !reaped {
			reaped = true
			var ws syscall.WaitStatus
			syscall.Wait4(monPID, &ws, 0, nil)
		}
	}
	defer func() {
		if err != nil {
			// The monitor exits (killing any stage-2) when our end closes.
			unix.Close(ctlFD)
			ctlFD = -1
			reap()
		}
	}()
	if err := sendCtl(ctlFD, sv.SyncStart, 0, 0, lxcpath.CommandSocket(spec.LXCPath, spec.Name), nil); err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	if err := recvBound(ctlFD); err != nil {
		return err
	}
	m.log.Tracef("C monitor %d bound the socket", monPID)
	// The socket is the monitor's, so no other monitor of this container
	// runs: what a killed one left goes now, and this boot's record
	// begins. We hold it until the monitor holds it too (handOver).
	if m.rec, err = bootrec.Begin(spec.LXCPath, spec.Name, m.reportRecovery); err != nil {
		return err
	}
	m.record(bootrec.Entry{Kind: bootrec.KindMonitor, PID: monPID, Start: bootrec.StartTime(monPID)})
	if spec.PidFile != "" {
		m.record(bootrec.Entry{Kind: bootrec.KindPidFile, Path: spec.PidFile, PID: monPID})
		if err := os.WriteFile(spec.PidFile, []byte(strconv.Itoa(monPID)+"\n"), 0o600); err != nil {
			m.log.Errorf("write pid file %s: %v", spec.PidFile, err)
		}
	}
	defer func() {
		if err == nil {
			// The C monitor holds its own copy of the record now.
			m.rec.Release()
			return
		}
		err = explainStartError(m.cfg, err)
		// What we made is ours to remove (the monitor is gone by now).
		unix.Close(ctlFD)
		ctlFD = -1
		reap()
		m.teardown("stop")
		if spec.PidFile != "" {
			os.Remove(spec.PidFile)
		}
		if m.pidfd >= 0 {
			unix.Close(m.pidfd)
		}
		if m.leftovers {
			m.rec.Release()
		} else {
			m.rec.Done()
		}
	}()
	// The cgroups exist before the stage-2, which is cloned into the
	// cgroup2 one and enters the v1 ones itself (see plan).
	if err := m.createCgroups(); err != nil {
		return err
	}
	if err := m.applyCgroupLimits(); err != nil {
		return err
	}
	plan, planFiles, err := m.plan()
	if err != nil {
		return err
	}
	defer plan.Close()
	defer closeAll(planFiles)
	defer func() {
		if m.block != nil {
			m.block.Close()
		}
	}()
	sync, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sync socketpair: %w", err)
	}
	defer unix.Close(sync[0])
	fds := []int{sync[1], int(plan.Fd())}
	for _, f := range planFiles {
		fds = append(fds, int(f.Fd()))
	}
	withCgroup := int32(0)
	if m.cgroupFD != nil {
		fds = append(fds, int(m.cgroupFD.Fd()))
		withCgroup = 1
		defer func() { m.cgroupFD.Close(); m.cgroupFD = nil }()
	}
	var pdeath int32
	if sig := c.MonitorSignalPdeath; sig != 0 {
		pdeath = int32(sig)
	}
	err = sendCtlN(ctlFD, sv.SyncClone, int32(m.ns.cloneFlags()), pdeath, withCgroup, fds)
	unix.Close(sync[1])
	if err != nil {
		return fmt.Errorf("start container init: %w", err)
	}
	msg, err := sv.Recv(ctlFD)
	if err != nil {
		return fmt.Errorf("monitor exited before starting the container: %w", err)
	}
	if msg.Kind != sv.SyncBound {
		return fmt.Errorf("start container init: %w", msg.Err())
	}
	pid := int(msg.Errno)
	m.clonedIntoCgroup = msg.Console
	m.initPID = pid
	m.hookEnv.PID = pid
	if pfd, err := unix.PidfdOpen(pid, 0); err == nil {
		m.pidfd = pfd
	}
	m.record(bootrec.Entry{Kind: bootrec.KindProc, PID: pid, Start: bootrec.StartTime(pid)})
	m.log.Tracef("stage-2 is pid %d", pid)
	if m.ns.owns("user") {
		if err := writeIDMaps(pid, c.IDMaps); err != nil {
			return err
		}
	}
	if err := m.hostSide(pid); err != nil {
		return err
	}
	if err := m.runSupervisor(sync[0]); err != nil {
		return err
	}
	return m.handOver(ctlFD)
}

// hostSide is the start's host-side work between the clone and the
// stage-2's setup: the network (and the cgroup placement a kernel
// without CLONE_INTO_CGROUP left to us).
func (m *Monitor) hostSide(pid int) error {
	if err := m.coreScheduling(pid); err != nil {
		return err
	}
	if !m.clonedIntoCgroup {
		if err := m.cg.AddProc(pid); err != nil {
			return err
		}
	}
	c := m.cfg
	// Devices only in a network namespace the container owns.
	if m.ns.owns("net") {
		nd, err := network.Setup(&network.Context{Name: m.spec.Name, LXCPath: m.spec.LXCPath, Config: c, InitPID: pid, Log: m.log, HookEnv: m.hookEnv, Record: m.record})
		if err != nil {
			return err
		}
		m.net = nd
	}
	return nil
}

// handOver gives the running container to the C monitor: its settings
// (what to answer, what to remove at the stop, how to reboot) and the
// terminals. Our own copies close when we exit.
func (m *Monitor) handOver(ctlFD int) (err error) {
	var p sv.Plan
	add := func(cmd string, resp ctl.Response) {
		b, _ := json.Marshal(resp)
		p.Add(sv.OpMReply, 0, cmd, string(b))
	}
	add(ctl.CmdCgroupPaths, ctl.Response{Paths: m.cg.PathMap()})
	if m.net != nil {
		add(ctl.CmdNetInfo, ctl.Response{Net: m.net.Info()})
		for _, d := range m.net.Info() {
			if d.Type == "veth" && d.HostName != "" {
				p.Add(sv.OpMDellink, 0, d.HostName)
			}
		}
	}
	ai, _ := json.Marshal(m.attachInfo(m.initPID, m.cg))
	p.Add(sv.OpMReply, 0, "attach", string(ai))
	if h := m.host.ForController("freezer"); h != nil && !h.V2 && m.cg.Paths[h] != "" {
		p.Add(sv.OpMFreezer, 0, m.cg.Paths[h], 0)
	} else if u := m.cg.UnifiedPath(); u != "" {
		p.Add(sv.OpMFreezer, 0, u, 1)
	}
	procs := m.cg.UnifiedPath()
	for h, d := range m.cg.Paths {
		if procs == "" {
			procs = d
		}
		// The limit cgroup (with .container.inner, the container's is
		// below it) goes with everything in it.
		p.Add(sv.OpMCgroup, 0, m.limits().Paths[h])
	}
	p.Add(sv.OpMKill, 0, m.cg.UnifiedPath(), procs)
	c := m.cfg
	p.Add(sv.OpMSignals, 0, c.StopSignal(), c.SignalHalt, c.RebootSignal())
	p.Add(sv.OpMNotify, 0, lxcpath.MonitorDir(m.spec.LXCPath), m.spec.Name)
	if m.spec.PidFile != "" {
		p.Add(sv.OpMPidfile, 0, m.spec.PidFile)
	}
	// The monitor's own cgroup (lxc.monitor.NAME), entered by the monitor
	// after we return, as LXC's monitor sits in one.
	made := m.limits().Made
	mc, err := monitorPlace(c, cgroupPattern(), m.spec.Name).create(m.host, m.noteCgroup)
	if err == nil {
		// Ours to remove until the monitor has taken it over.
		defer func() {
			if err != nil {
				mc.Remove()
				cgroup.RemoveMade(mc.Made)
			}
		}()
		for h, d := range mc.Paths {
			// Left for the base the cgroups were made in, so an
			// lxc.cgroup.dir we made can go.
			p.Add(sv.OpMSelfCg, 0, d, m.monitorExit(h))
		}
		made = append(made, mc.Made...)
	} else {
		m.log.Warnf("create monitor cgroup: %v", err)
	}
	// lxc.cgroup.dir directories made by this start, removed (when empty)
	// after everything else.
	for _, d := range made {
		p.Add(sv.OpMRmdir, 0, d)
	}
	// Descriptors beyond the terminals ("extras") are named by their
	// index: SCM_RIGHTS keeps the files, not the numbers.
	var extra []int
	logIdx := ^uint64(0)
	if c.ConsoleLogfile != "" && m.console != nil {
		f, err := os.OpenFile(c.ConsoleLogfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return fmt.Errorf("open console log %s: %w", c.ConsoleLogfile, err)
		}
		defer f.Close()
		logIdx = uint64(len(extra))
		extra = append(extra, int(f.Fd()))
	}
	// A reboot is Go's: the monitor execs this binary with our state.
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return fmt.Errorf("open own binary: %w", err)
	}
	defer self.Close()
	state, err := json.Marshal(m.spec)
	if err != nil {
		return err
	}
	stf, err := sv.PlanFile(state)
	if err != nil {
		return err
	}
	defer stf.Close()
	selfIdx := len(extra)
	extra = append(extra, int(self.Fd()), int(stf.Fd()))
	// The boot record: the monitor holds it (its lock says it lives) and
	// removes it after a teardown at the stop.
	if rf := m.rec.File(); rf != nil {
		p.Add(sv.OpMRecord, 0, bootrec.Path(m.spec.LXCPath, m.spec.Name), bootrec.Root(), len(extra))
		extra = append(extra, int(rf.Fd()))
	}
	env := append(monitorEnv(), stage.Env("monitor-reboot", 4)...)
	argv := []string{fmt.Sprintf("[lxc monitor] %s %s", m.spec.LXCPath, m.spec.Name)}
	p.Add(sv.OpMReboot, 0, selfIdx, selfIdx+1, sv.List(argv), sv.List(env))
	p.Add(sv.OpMConsole, 0, logIdx)
	b, err := p.Encode()
	if err != nil {
		return err
	}
	set, err := sv.PlanFile(b)
	if err != nil {
		return err
	}
	defer set.Close()
	fds := []int{int(set.Fd()), int(m.devpts.Fd())}
	console := int32(0)
	if m.console != nil {
		console = 1
		fds = append(fds, int(m.console.master.Fd()))
	}
	for _, t := range m.ttys {
		fds = append(fds, int(t.master.Fd()))
	}
	fds = append(fds, extra...)
	if err := sendCtl(ctlFD, sv.SyncHandover, int32(len(extra)), console, "", fds); err != nil {
		return fmt.Errorf("hand the container to its monitor: %w", err)
	}
	msg, err := sv.Recv(ctlFD)
	if err != nil || msg.Kind != sv.SyncOK {
		return fmt.Errorf("the monitor did not take the container over: %v", err)
	}
	m.log.Tracef("container handed to the C monitor")
	return nil
}

// writeIDMaps writes lxc.idmap into the stage-2's new user namespace
// (setgroups stays allowed, as LXC leaves it); the stage-2 takes ids 0
// there once it gets its setup.
func writeIDMaps(pid int, maps []config.IDMap) error {
	var u, g strings.Builder
	for _, im := range maps {
		b := &g
		if im.Kind == 'u' {
			b = &u
		}
		fmt.Fprintf(b, "%d %d %d\n", im.NSID, im.HostID, im.Range)
	}
	for _, f := range []struct{ name, text string }{{"uid_map", u.String()}, {"gid_map", g.String()}} {
		if f.text == "" {
			continue
		}
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/%s", pid, f.name), []byte(f.text), 0); err != nil {
			return fmt.Errorf("write %s of the container: %w", f.name, err)
		}
	}
	return nil
}

// recvBound waits for the monitor's SyncBound (socket bound).
func recvBound(fd int) error {
	msg, err := sv.Recv(fd)
	if err != nil {
		return fmt.Errorf("monitor exited before reporting: %w", err)
	}
	switch msg.Kind {
	case sv.SyncBusy:
		return ErrAlreadyRunning
	case sv.SyncBound:
		return nil
	}
	return fmt.Errorf("start monitor: %w", msg.Err())
}

// sendCtlN is sendCtl with the nttys field set.
func sendCtlN(fd int, kind uint32, a, console, n int32, fds []int) error {
	return sendCtlRaw(fd, kind, a, console, n, "", fds)
}

// sendCtl writes one message to the C monitor.
func sendCtl(fd int, kind uint32, a, console int32, text string, fds []int) error {
	return sendCtlRaw(fd, kind, a, console, 0, text, fds)
}

func sendCtlRaw(fd int, kind uint32, a, console, n int32, text string, fds []int) error {
	b := make([]byte, 24, 24+len(text))
	ne := binary.NativeEndian
	ne.PutUint32(b, sv.SyncMagic)
	ne.PutUint32(b[4:], kind)
	ne.PutUint32(b[8:], uint32(a))
	ne.PutUint32(b[12:], uint32(console))
	ne.PutUint32(b[16:], uint32(n))
	ne.PutUint32(b[20:], uint32(len(text)))
	b = append(b, text...)
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err := unix.Sendmsg(fd, b, oob, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

func init() {
	stage.Register("monitor-reboot", monitorReboot)
}

// monitorReboot is the Go monitor taking a container over from the C
// monitor for a reboot: the command socket is on fd 3, the start's spec
// on fd (a memfd). It reloads the configuration, as every reboot does,
// and supervises the container from then on.
func monitorReboot(fd int) {
	f := os.NewFile(uintptr(fd), "state")
	var spec Spec
	// From the start: the memfd's offset is where lxc-start stopped writing.
	err := json.NewDecoder(io.NewSectionReader(f, 0, 1<<40)).Decode(&spec)
	f.Close()
	if err != nil {
		os.Exit(1)
	}
	spec.began = time.Now()
	spec.ListenFD = 3
	// The pid file names this very process (execve keeps the pid): the
	// Go monitor rewrites it and removes it at the final stop.
	unix.CloseOnExec(3)
	if c, err := reloadConfig(&spec); err == nil {
		spec.Config = c
	}
	if spec.Config == nil {
		os.Exit(1)
	}
	Run(&spec, func(error) {})
	os.Exit(0)
}
