package runner

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

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
	"github.com/golxc/golxc/internal/terminal"
)

// Every daemonized container's monitor is the C supervisor (monitor.c):
// lxc-start (this process, one Go runtime) decides and does the
// host-side work of the start, the C monitor clones the stage-2, holds
// the command socket and outlives us. An idle C monitor costs a few
// hundred kilobytes where a Go one costs a runtime. What only Go does
// later (a reboot, a stop whose teardown needs Go, a command the C
// monitor does not answer) the C monitor hands to the Go monitor by
// execve in place, with the state this process leaves it (handoff,
// takeover_linux.go).

// EnvCMonitor set to "off" keeps the Go monitor for daemonized starts.
const EnvCMonitor = "GOLXC_CMONITOR"

// cMonitorFits reports whether the C monitor can own this container:
// whenever the supervisor is there and not switched off, except with
// lxc.namespace.share.user, whose stage-2 is cloned by an intermediate
// inside the shared user namespace (stage2.c spawn_in_userns) and
// adopted by the Go monitor (adoptSpawned).
func cMonitorFits(spec *Spec) bool {
	return spec.Config != nil && sv.Available() && os.Getenv(EnvCMonitor) != "off" && spec.Config.NamespaceShare["user"] == ""
}

// goStop reports whether this container's stop needs more than the C
// monitor's own teardown (kill, wait, remove a veth's host end and the
// cgroups): hooks, network devices with more to undo (router mode,
// scripts, L2 proxies, Open vSwitch ports, macvlan/ipvlan/vlan/phys), an
// ephemeral container to destroy, a generated AppArmor profile to
// unload, a user's container. Then the C monitor becomes the Go monitor
// at the stop, which tears down as it would have.
func (m *Monitor) goStop() bool {
	c := m.cfg
	if unprivileged() || c.Ephemeral || m.lsmLoaded || len(c.Hooks["stop"]) > 0 || len(c.Hooks["post-stop"]) > 0 {
		return true
	}
	for _, n := range c.Net {
		switch n.EffectiveType() {
		case "empty", "none":
			if n.ScriptDown != "" {
				return true
			}
		case "veth":
			if n.VethMode == "router" || n.ScriptDown != "" || n.L2Proxy || !linuxBridgeOrNone(n.Link) {
				return true
			}
		default:
			return true
		}
	}
	return false
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

// prelude is what a boot does before anything of it exists: the
// namespace plan and the checks of the configuration, the LSM plan (a
// generated AppArmor profile is loaded: teardown unloads it),
// lxc.monitor.unshare, the pre-start hooks, and the namespaces to join
// and idmapped binds to attach (the caller closes them: closeShared,
// closeIdmapped).
func (m *Monitor) prelude() (err error) {
	c := m.cfg
	m.ns = planNamespaces(c, cgroupNSSupported())
	if err := checkNamespaces(c, m.ns); err != nil {
		return err
	}
	if err := checkCgroupDirs(c); err != nil {
		return err
	}
	if err := checkConfig(c); err != nil {
		return err
	}
	if err := m.prepareLSM(); err != nil {
		return err
	}
	m.log.Debugf("namespaces: %s", m.ns)
	for _, w := range namespaceWarnings(c, m.ns) {
		m.log.Warnf("%s", w)
	}
	m.hookEnv = hostHookEnv(m.spec, c)
	// In a shared mount namespace the rootfs is the other container's.
	if c.RootfsPath != "" && m.ns["mnt"] != nsShared {
		if err := checkRootfs(c); err != nil {
			return err
		}
		if err := checkRootfsDev(c); err != nil {
			return err
		}
	}
	// LXC runs pre-start hooks before the container's first process
	// exists.
	if err := m.unshareMounts(); err != nil {
		return err
	}
	if err := hooks.Run(c.Hooks["pre-start"], "pre-start", m.hookEnv, nil, nil); err != nil {
		return err
	}
	if m.shared, err = openSharedAll(c, m.ns, m.spec.LXCPath); err != nil {
		return err
	}
	if m.ns["mnt"] != nsShared {
		if m.idmapped, err = idmappedMounts(c, m.log); err != nil {
			return err
		}
	}
	return nil
}

// startCMonitor is StartDaemon with the C monitor.
func startCMonitor(spec *Spec) (err error) {
	m := &Monitor{spec: spec, cfg: spec.Config, waiters: map[*waiter]bool{}, pidfd: -1, listenFD: -1, handingOver: true}
	m.log = startLog(spec)
	defer m.log.Close()
	c := m.cfg
	// The stage package keeps us on the main thread, from which the
	// monitor and every hook forks: lxc.monitor.unshare's mount namespace
	// is that thread's.
	defer func() {
		if err != nil {
			m.unloadLSM()
		}
	}()
	err = m.prelude()
	defer m.closeShared()
	defer m.closeIdmapped()
	if err != nil {
		return err
	}
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
	m.ephemeralStarting()
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
		m.ephemeralStartFailed()
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
	// Optional descriptors last, flagged: the cgroup2 directory to be
	// born in, and a shared PID namespace to be born in.
	var extras int32
	if m.cgroupFD != nil {
		fds = append(fds, int(m.cgroupFD.Fd()))
		extras |= 1
		defer func() { m.cgroupFD.Close(); m.cgroupFD = nil }()
	}
	if pidns := m.shared["pid"]; pidns != nil {
		fds = append(fds, int(pidns.Fd()))
		extras |= 2
	}
	if unprivileged() {
		// A user's stage-2 execs the supervisor's image (monitor.c
		// exec_stage2).
		fds = append(fds, int(img.Fd()))
		extras |= 4
	}
	var pdeath int32
	if sig := c.MonitorSignalPdeath; sig != 0 {
		pdeath = int32(sig)
	}
	err = sendCtlN(ctlFD, sv.SyncClone, int32(m.ns.cloneFlags()), pdeath, extras, fds)
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
	if err := m.hostSide(sync[0], pid); err != nil {
		return err
	}
	if err := m.runSupervisor(sync[0]); err != nil {
		return err
	}
	return m.handOver(ctlFD)
}

// hostSide is the start's host-side work between the clone and the
// stage-2's setup: the id maps, the network (and the cgroup placement a
// kernel without CLONE_INTO_CGROUP left to us).
func (m *Monitor) hostSide(sync, pid int) error {
	if err := m.coreScheduling(pid); err != nil {
		return err
	}
	if unprivileged() {
		// The sync point of a user's container (unpriv_linux.go).
		return m.mapAndNetworkUnprivileged(sync, true, pid)
	}
	if !m.clonedIntoCgroup {
		if err := m.cg.AddProc(pid); err != nil {
			return err
		}
	}
	c := m.cfg
	if m.ns.owns("user") {
		if err := writeIDMaps(pid, c.IDMaps); err != nil {
			return err
		}
	}
	// Devices only in a network namespace the container owns.
	if m.ns.owns("net") {
		nd, err := network.Setup(&network.Context{Name: m.spec.Name, LXCPath: m.spec.LXCPath, Config: c, InitPID: pid, Log: m.log, HookEnv: m.hookEnv, Record: m.record})
		if err != nil {
			return err
		}
		m.net = nd
	} else if network.SharesHostNetwork(c) {
		m.log.Warnf("lxc.net type none: the container shares the host's network namespace")
	}
	return nil
}

// handOver gives the running container to the C monitor: its settings
// (what to answer, what to remove at the stop, how to become the Go
// monitor), the terminals, and the state the Go monitor would need.
// Our own copies close when we exit.
func (m *Monitor) handOver(ctlFD int) (err error) {
	var p sv.Plan
	c := m.cfg
	// Fixed answers; one too long to go inline makes its command Go's
	// (ctl sends those in a memfd).
	reply := func(cmd, key string, v any) {
		b, _ := json.Marshal(v)
		if len(b) > ctl.InlineMax-64 {
			p.Add(sv.OpMGoCmd, 0, cmd)
			return
		}
		p.Add(sv.OpMReply, 0, key, string(b))
	}
	reply(ctl.CmdCgroupPaths, ctl.CmdCgroupPaths, ctl.Response{Paths: m.cg.PathMap()})
	if m.net != nil {
		reply(ctl.CmdNetInfo, ctl.CmdNetInfo, ctl.Response{Net: m.net.Info()})
		for _, d := range m.net.Info() {
			if d.Type == "veth" && d.HostName != "" {
				p.Add(sv.OpMDellink, 0, d.HostName)
			}
		}
	}
	// The answer to attach-info is {"pid":N,"attach":THIS}.
	reply(ctl.CmdAttachInfo, "attach", m.attachInfo(m.initPID, m.cg))
	for _, cmd := range goOnlyCommands {
		p.Add(sv.OpMGoCmd, 0, cmd)
	}
	if m.cg.Empty() {
		// No cgroup (a user's container on a host that delegates none).
		for _, cmd := range []string{ctl.CmdFreeze, ctl.CmdUnfreeze} {
			reply(cmd, cmd, ctl.Response{Err: noCgroupReason("frozen")})
		}
	} else if h := m.host.ForController("freezer"); h != nil && !h.V2 && m.cg.Paths[h] != "" {
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
	p.Add(sv.OpMSignals, 0, c.StopSignal(), c.SignalHalt, c.RebootSignal())
	p.Add(sv.OpMNotify, 0, lxcpath.MonitorDir(m.spec.LXCPath), m.spec.Name)
	if m.spec.PidFile != "" {
		p.Add(sv.OpMPidfile, 0, m.spec.PidFile)
	}
	// The monitor's own cgroup (lxc.monitor.NAME), entered by the monitor
	// after we return, as LXC's monitor sits in one.
	made := append([]string(nil), m.madeCgroups...)
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
		mc = nil
	}
	// lxc.cgroup.dir directories made by this start, removed (when empty)
	// after everything else.
	for _, d := range made {
		p.Add(sv.OpMRmdir, 0, d)
	}
	// Descriptors beyond the terminals ("extras") are named by their
	// index: SCM_RIGHTS keeps the files, not the numbers.
	var extra []int
	files, err := m.handConsole(&p, &extra)
	defer closeAll(files)
	if err != nil {
		return err
	}
	// The boot record: the monitor holds it (its lock says it lives) and
	// removes it after a teardown at the stop.
	if rf := m.rec.File(); rf != nil {
		p.Add(sv.OpMRecord, 0, bootrec.Path(m.spec.LXCPath, m.spec.Name), bootrec.Root(), len(extra))
		extra = append(extra, int(rf.Fd()))
	}
	// Becoming the Go monitor: this binary, and what it needs to know.
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return fmt.Errorf("open own binary: %w", err)
	}
	defer self.Close()
	h := m.handoff(mc)
	var flags uint16
	if m.goStop() {
		flags |= sv.GoStop
		// The namespaces, for the stop hooks and the network's undo.
		for _, hn := range m.heldNS {
			h.Held = append(h.Held, hn.kind)
			p.Add(sv.OpMHold, 0, len(extra))
			extra = append(extra, int(hn.file.Fd()))
		}
	}
	state, err := json.Marshal(h)
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
	env := append(monitorEnv(), stage.StageEnv+"=monitor-resume")
	argv := []string{fmt.Sprintf("[lxc monitor] %s %s", m.spec.LXCPath, m.spec.Name)}
	p.Add(sv.OpMGo, flags, selfIdx, selfIdx+1, sv.List(argv), sv.List(env))
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

// handConsole adds the console's settings: its log (lxc.console.logfile,
// with lxc.console.size and .rotate) and lxc.console.path's peer, which
// gets the console's output and, if it is a terminal, gives it input.
func (m *Monitor) handConsole(p *sv.Plan, extra *[]int) (files []*os.File, err error) {
	c := m.cfg
	none := ^uint64(0)
	logIdx, peerIdx, peerIn := none, none, 0
	if m.console == nil {
		p.Add(sv.OpMConsole, 0, logIdx, 0, "", peerIdx, 0)
		return nil, nil
	}
	if c.ConsoleLogfile != "" {
		f, err := os.OpenFile(c.ConsoleLogfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return files, fmt.Errorf("open console log %s: %w", c.ConsoleLogfile, err)
		}
		files = append(files, f)
		logIdx = uint64(len(*extra))
		*extra = append(*extra, int(f.Fd()))
	}
	if path := c.ConsolePath; path != "" && path != "none" {
		peer, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return files, fmt.Errorf("lxc.console.path %s: %w", path, unwrapPath(err))
		}
		files = append(files, peer)
		if terminal.IsTerminal(peer) {
			peerIn = 1
			if rows, cols, err := terminal.GetSize(peer); err == nil {
				terminal.SetSize(m.console.master, rows, cols)
			}
		}
		peerIdx = uint64(len(*extra))
		*extra = append(*extra, int(peer.Fd()))
	}
	rotate := ""
	if c.ConsoleRotate {
		rotate = c.ConsoleLogfile
	}
	p.Add(sv.OpMConsole, 0, logIdx, c.ConsoleSize, rotate, peerIdx, peerIn)
	return files, nil
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
