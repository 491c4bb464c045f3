package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/exeseal"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/supervisor"
)

// ErrAlreadyRunning is returned when the container's command socket is
// already bound by another monitor.
var ErrAlreadyRunning = errors.New("Container is already running")

// Monitor owns one running container.
type Monitor struct {
	spec *Spec
	cfg  *config.Container
	log  *log.Logger

	listenFD int

	mu       sync.Mutex
	state    string
	waiters  map[*waiter]bool
	initPID  int
	pidfd    int
	rebootRq bool
	stopRq   bool

	host  *cgroup.Host
	cg    *cgroup.Cgroup
	monCg *cgroup.Cgroup
	// limitCg is where lxc.cgroup* limits go: cg, or its parent with
	// lxc.cgroup.dir.container.inner.
	limitCg *cgroup.Cgroup
	// madeCgroups are lxc.cgroup.dir* directories this monitor made (not
	// the admin's), removed at the final stop when empty.
	madeCgroups []string
	net         *network.Devices

	devpts  *os.File
	console *consoleRelay
	ttys    []*ttySlot

	hookEnv *hooks.Env
	seal    *os.File
	block   *storage.Mounted // this boot's detached block rootfs, until it started
	// ns is this boot's namespace plan; shared holds the namespaces it
	// joins until stage-2 has them.
	ns     nsPlan
	shared map[string]*os.File
	heldNS []heldNamespace // for the teardown's hooks (hookns_linux.go)
	// consolePeer is lxc.console.path opened, until the terminals close.
	consolePeer *os.File
	// lsm is this boot's LSM plan; lsmLoaded: its generated AppArmor
	// profile is loaded (unloaded at the teardown).
	lsm       lsmPlan
	lsmLoaded bool
	// mountsUnshared: lxc.monitor.unshare was done (once per monitor).
	mountsUnshared bool
	// idmapped are this boot's idmapped binds until stage-2 has them.
	idmapped map[string]*os.File
	// clonedIntoCgroup: the stage-2 was created in its cgroup2 cgroup
	// (CLONE_INTO_CGROUP) and joins the v1 ones itself.
	clonedIntoCgroup bool
	// handingOver: lxc-start running a start for the C monitor, which
	// takes the terminals once the container runs.
	handingOver bool
	cgroupFD    *os.File    // the cgroup2 payload directory, for the clone
	proc        *os.Process // stage-2, then the container's init

	// rec is this boot's record of what it made on the host, so that the
	// next lxc-start, lxc-stop or lxc-destroy can remove it if we are
	// killed (package bootrec).
	rec *bootrec.Record
	// leftovers: a teardown step failed, so the record stays for the
	// next operation to finish the job.
	leftovers bool
}

type waiter struct {
	states map[string]bool
	ch     chan string
}

// Result is how a container run ended.
type Result struct {
	// Status is init's wait status of the last run.
	Status syscall.WaitStatus
	// Started is false when the container never reached RUNNING.
	Started bool
}

// Run starts the container described by spec and supervises it until it
// stops (restarting it on reboot). started is called once: with nil when
// the container is RUNNING, or with the reason it could not start.
func Run(spec *Spec, started func(error)) Result {
	m := &Monitor{spec: spec, cfg: spec.Config, waiters: map[*waiter]bool{}, pidfd: -1, listenFD: -1}
	m.log = startLog(spec)
	defer m.log.Close()
	if spec.CLIStarted != "" {
		m.log.Tracef("command spawned the monitor at %s; monitor main began at %s", spec.CLIStarted, spec.began.Format(time.RFC3339Nano))
	}
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			started(err)
		}
	}
	if err := m.listen(); err != nil {
		report(err)
		return Result{}
	}
	defer m.closeListener()
	// The command socket is ours, so no other monitor of this container
	// runs: whatever a killed one left is removed before this boot makes
	// anything.
	rec, err := bootrec.Begin(spec.LXCPath, spec.Name, m.reportRecovery)
	if err != nil {
		report(err)
		return Result{}
	}
	m.rec = rec
	defer func() {
		if m.leftovers {
			m.rec.Release()
		} else {
			m.rec.Done()
		}
	}()
	m.setState(ctl.Starting)
	go m.serve()
	if spec.PidFile != "" {
		m.rec.Add(bootrec.Entry{Kind: bootrec.KindPidFile, Path: spec.PidFile, PID: os.Getpid()})
		if err := os.WriteFile(spec.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
			m.log.Errorf("write pid file %s: %v", spec.PidFile, err)
		}
		defer os.Remove(spec.PidFile)
	}
	m.ephemeralStarting()
	return m.supervise(report, nil)
}

// supervise is a monitor's life from a boot to STOPPED: start the
// container (unless t says it runs already), wait for its init, tear
// down, and again on reboot. t is a container taken over from the C
// monitor (takeover_linux.go): running, or with its init already gone.
func (m *Monitor) supervise(report func(error), t *takeover) Result {
	var res Result
	spec := m.spec
	for {
		if t == nil {
			m.rebootRq, m.stopRq = false, false
			if err := m.startOnce(); err != nil {
				err = explainStartError(m.cfg, err)
				m.log.Errorf("%v", err)
				m.setState(ctl.Aborting)
				m.teardown("stop")
				if res.Started {
					m.ephemeralStopped() // a reboot that failed: it did run
				} else {
					m.ephemeralStartFailed()
				}
				m.setState(ctl.Stopped)
				report(err)
				return res
			}
			res.Started = true
			m.setState(ctl.Running)
			report(nil)
			m.enterMonitorCgroup()
			m.settleIdle()
		} else {
			res.Started = true
			m.settleIdle()
		}
		if t == nil || t.running {
			res.Status = m.waitInit()
			m.broadcastExit(res.Status)
			m.setState(ctl.Stopping)
		} else {
			// The C monitor reaped init, announced its exit and STOPPING.
			res.Status = t.status
		}
		t = nil
		reboot := m.rebootRq || (res.Status.Signaled() && res.Status.Signal() == syscall.SIGHUP)
		if m.stopRq {
			reboot = false
		}
		target := "stop"
		if reboot {
			target = "reboot"
		}
		m.teardown(target)
		if !reboot {
			break
		}
		m.log.Infof("container requested reboot")
		m.restartRecord()
		m.setState(ctl.Starting)
		// Reload the configuration from disk for the new boot, as LXC does.
		if c, err := reloadConfig(spec); err == nil {
			m.cfg, spec.Config = c, c
		}
	}
	m.ephemeralStopped()
	m.setState(ctl.Stopped)
	return res
}

func reloadConfig(spec *Spec) (*config.Container, error) {
	if spec.ConfigFile == "" {
		return nil, errors.New("no config file")
	}
	c, err := config.Load(spec.ConfigFile)
	if err != nil {
		return nil, err
	}
	// Keep command-line overrides (console path/log) of the first boot.
	c.ConsolePath, c.ConsoleLogfile = spec.Config.ConsolePath, spec.Config.ConsoleLogfile
	c.NamespaceShare = spec.Config.NamespaceShare
	return c, nil
}

// listen binds the command socket; a bound name means "already running".
func (m *Monitor) listen() error {
	if m.spec.ListenFD > 0 {
		m.listenFD = m.spec.ListenFD
		return nil
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("command socket: %w", err)
	}
	name := lxcpath.CommandSocket(m.spec.LXCPath, m.spec.Name)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: "@" + name}); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EADDRINUSE) {
			return ErrAlreadyRunning
		}
		return fmt.Errorf("bind command socket @%s: %w", name, err)
	}
	if err := unix.Listen(fd, 64); err != nil {
		unix.Close(fd)
		return fmt.Errorf("listen on command socket: %w", err)
	}
	m.listenFD = fd
	return nil
}

func (m *Monitor) closeListener() {
	m.mu.Lock()
	fd := m.listenFD
	m.listenFD = -1
	m.mu.Unlock()
	if fd >= 0 {
		unix.Shutdown(fd, unix.SHUT_RDWR)
		unix.Close(fd)
	}
}

func (m *Monitor) setState(s string) {
	m.mu.Lock()
	m.state = s
	m.mu.Unlock()
	m.log.Infof("container state is %s", s)
	m.announce(s)
}

// announce wakes lxc-wait clients waiting for s and tells lxc-monitor
// listeners. It also serves transient states (FREEZING, FROZEN, THAWED)
// that do not change the lifecycle state.
func (m *Monitor) announce(s string) {
	m.mu.Lock()
	for w := range m.waiters {
		if w.states[s] {
			select {
			case w.ch <- s:
			default:
			}
			delete(m.waiters, w)
		}
	}
	m.mu.Unlock()
	notifyMonitors(m.spec.LXCPath, m.spec.Name, s, -1)
}

func (m *Monitor) getState() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

func (m *Monitor) broadcastExit(st syscall.WaitStatus) {
	code := st.ExitStatus()
	if st.Signaled() {
		code = 128 + int(st.Signal())
	}
	notifyMonitors(m.spec.LXCPath, m.spec.Name, "", code)
}

// cgroupNSSupported reports whether the kernel has cgroup namespaces.
func cgroupNSSupported() bool {
	_, err := os.Stat("/proc/self/ns/cgroup")
	return err == nil
}

// CheckConfig is what a start checks before anything is made: it refuses
// configurations whose namespaces contradict their other settings (see
// checkNamespaces) and returns one warning per setting the start will not
// apply. Tools call it to report both on the terminal; the monitor calls
// it again on every boot (a reboot rereads the configuration).
func CheckConfig(c *config.Container) (warnings []string, err error) {
	p := planNamespaces(c, cgroupNSSupported())
	if err := checkNamespaces(c, p); err != nil {
		return nil, err
	}
	if err := checkCgroupDirs(c); err != nil {
		return nil, err
	}
	if err := checkConfig(c); err != nil {
		return nil, err
	}
	_, lsmWarnings, err := planLSM(c, &Spec{})
	if err != nil {
		return nil, err
	}
	w := append(namespaceWarnings(c, p), cgroupKeyWarnings(c, detectedHost)...)
	w = append(w, lsmWarnings...)
	// Keys golxc accepts and does not act on (config.KeyCoverage).
	return append(w, c.IgnoredWarnings()...), nil
}

// startOnce brings one boot of the container to RUNNING. On error the
// caller tears down whatever was made.
func (m *Monitor) startOnce() (err error) {
	c := m.cfg
	err = m.prelude()
	defer m.closeShared()
	defer m.closeIdmapped()
	if err != nil {
		return err
	}
	if m.seal == nil && !supervisor.Available() {
		if m.seal, err = exeseal.Sealed(); err != nil {
			return err
		}
		m.log.Tracef("sealed copy of our binary ready")
	}
	// With the C supervisor, everything stage-2 will do is decided now,
	// before it exists: the plan.
	var plan *os.File
	var planFiles []*os.File
	if supervisor.Available() {
		// The cgroups exist before the stage-2: it is cloned into the
		// cgroup2 one and enters the v1 ones itself (no cgroup.procs
		// write, which costs an RCU grace period per start).
		if err := m.createCgroups(); err != nil {
			return err
		}
		if err := m.applyCgroupLimits(); err != nil {
			return err
		}
		if plan, planFiles, err = m.plan(); err != nil {
			return err
		}
		defer plan.Close()
		defer closeAll(planFiles)
		defer func() {
			if m.block != nil {
				m.block.Close() // the container's mount namespace holds it now
				m.block = nil
			}
		}()
	}
	// The sync channel: one SEQPACKET pair, our end CLOEXEC.
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sync socketpair: %w", err)
	}
	parent := fds[0]
	child := os.NewFile(uintptr(fds[1]), "sync")
	defer unix.Close(parent)
	var cmd *exec.Cmd
	if plan != nil {
		cmd, err = m.supervisorCommand(child, plan, planFiles)
	} else {
		cmd, err = m.stage2Command(child)
	}
	if err != nil {
		child.Close()
		return err
	}
	// Started from the monitor's pinned main thread: Pdeathsig belongs to
	// the thread that forks (golang/go#27505).
	err = m.startInPIDNamespace(cmd)
	child.Close()
	if m.cgroupFD != nil {
		m.clonedIntoCgroup = err == nil
		m.cgroupFD.Close()
		m.cgroupFD = nil
	}
	if plan == nil && len(cmd.ExtraFiles) > 2 {
		cmd.ExtraFiles[2].Close() // the log file, now the child's
	}
	if err == nil && plan != nil && m.ns["user"] == nsShared {
		err = m.adoptSpawned(cmd, parent)
	}
	if err != nil {
		return fmt.Errorf("start container init: %w", err)
	}
	m.mu.Lock()
	m.initPID = cmd.Process.Pid
	m.mu.Unlock()
	if pfd, err := unix.PidfdOpen(cmd.Process.Pid, 0); err == nil {
		m.pidfd = pfd
	}
	m.hookEnv.PID = cmd.Process.Pid
	m.rec.Add(bootrec.Entry{Kind: bootrec.KindProc, PID: cmd.Process.Pid, Start: bootrec.StartTime(cmd.Process.Pid)})
	m.log.Tracef("stage-2 started as pid %d", cmd.Process.Pid)
	m.proc = cmd.Process
	if err := m.coreScheduling(cmd.Process.Pid); err != nil {
		return err
	}
	if plan == nil {
		if err := m.createCgroups(); err != nil {
			return err
		}
		m.log.Tracef("cgroups created")
		// From here on any failure must kill the child (teardown does).
		if err := m.cg.AddProc(cmd.Process.Pid); err != nil {
			return err
		}
		if err := m.applyCgroupLimits(); err != nil {
			return err
		}
	} else if !m.clonedIntoCgroup {
		if err := m.cg.AddProc(cmd.Process.Pid); err != nil {
			return err
		}
	}
	// Devices are made only in a network namespace the container owns:
	// never in the host's (lxc.namespace.keep = net, refused above when
	// devices are configured) nor in a shared one.
	if unprivileged() {
		if err := m.mapAndNetworkUnprivileged(parent, plan != nil, cmd.Process.Pid); err != nil {
			return err
		}
	} else if m.ns.owns("net") {
		nd, err := network.Setup(&network.Context{Name: m.spec.Name, LXCPath: m.spec.LXCPath, Config: c, InitPID: cmd.Process.Pid, Log: m.log, HookEnv: m.hookEnv, Record: m.record})
		if err != nil {
			return err
		}
		m.mu.Lock()
		m.net = nd
		m.mu.Unlock()
	} else if network.SharesHostNetwork(c) {
		m.log.Warnf("lxc.net type none: the container shares the host's network namespace")
	}
	if plan != nil {
		return m.runSupervisor(parent)
	}
	setup := syncMsg{Kind: msgSetup, Spec: m.spec, CgroupNS: m.ns.owns("cgroup"), Unified: m.host.Layout == cgroup.Unified}
	if m.ns.owns("uts") {
		setup.Hostname = c.UTSName
	}
	setup.Sysctls = ownSysctls(c, m.ns)
	setup.NoSeccomp = !useSeccomp(c, m.log)
	setup.NewKeyring = !c.KeyringSessionDisable
	setup.LSMKeyring, setup.LSMExec = m.lsm.keyringAttr(), m.lsm.execAttrs()
	setup.HookBase = hooks.BaseEnv()
	setup.SharedMnt = m.ns["mnt"] == nsShared
	if m.ns["pid"] == nsShared {
		setup.Pdeathsig = c.MonitorSignalPdeath
	}
	setup.TimeNS = m.ns.owns("time")
	setup.TimeOffsets = timeOffsetsText(c)
	for _, h := range m.host.Hierarchies {
		if h.V2 {
			setup.HasUnified = true
		} else {
			setup.HostCgroups = append(setup.HostCgroups, h.Controllers)
		}
	}
	m.log.Tracef("cgroups joined, network configured")
	var setupFDs []int
	if c.RootfsPath != "" && m.ns["mnt"] != nsShared {
		bm, err := mountBlockRootfs(c, m.hookEnv.RootfsMount)
		if err != nil {
			return err
		}
		if bm != nil {
			// Stage-2 attaches its own reference; ours goes when this
			// boot's start is over.
			defer bm.Close()
			setup.BlockRootfs = true
			setupFDs = []int{int(bm.File().Fd())}
			m.log.Tracef("block rootfs mounted (detached)")
		}
	}
	var joinFDs []int
	setup.Join, joinFDs = m.joinList()
	setupFDs = append(setupFDs, joinFDs...)
	for key, f := range m.idmapped {
		setup.IDMapped = append(setup.IDMapped, key)
		setupFDs = append(setupFDs, int(f.Fd()))
	}
	if err := ctl.Send(parent, setup, setupFDs); err != nil {
		return fmt.Errorf("send setup to container init: %w", err)
	}
	var ready syncMsg
	files, err := ctl.Recv(parent, &ready)
	if err != nil {
		return fmt.Errorf("container init died during setup: %w", m.childExitErr(err))
	}
	if ready.Kind == msgError {
		closeAll(files)
		return errors.New(ready.Error)
	}
	if ready.Kind != msgReady {
		closeAll(files)
		return fmt.Errorf("unexpected message %q from container init", ready.Kind)
	}
	m.log.Tracef("stage-2 ready")
	if err := m.takeTerminals(ready.Console >= 0, len(ready.TTYs), files); err != nil {
		return err
	}
	m.holdNamespaces()
	if err := m.applyDeviceRules(); err != nil {
		return err
	}
	if err := hooks.Run(c.Hooks["start-host"], "start-host", m.hookEnv, nil, nil); err != nil {
		return err
	}
	m.log.Tracef("devices and start-host hooks done")
	if err := ctl.Send(parent, syncMsg{Kind: msgGo}, nil); err != nil {
		return fmt.Errorf("release container init: %w", err)
	}
	// The child execs init (our end sees EOF when its CLOEXEC socket
	// closes) or reports why it could not.
	var final syncMsg
	err = ctl.RecvNoFiles(parent, &final)
	if err == nil {
		if final.Kind == msgError {
			return errors.New(final.Error)
		}
		return fmt.Errorf("unexpected message %q from container init", final.Kind)
	}
	return nil
}

// idleGCPercent is the monitor's GOGC once the container runs. The
// monitor then lives as long as the container, mostly asleep, and every
// query (lxc-ls -f, lxc-info) leaves a little garbage; at Go's default
// of 100 the heap grows to its 4 MiB minimum before the first
// collection, which then makes most of an idle monitor's private memory.
// At 25 the floor is 1 MiB, and collecting so small a heap takes
// microseconds.
const idleGCPercent = 25

// settleIdle tunes a detached monitor's Go runtime for its long idle
// life once the container is RUNNING (not before: start-up is faster
// without collections). After 300 lxc-ls -f queries an idle monitor kept
// 6 MiB of private memory at Go's default, 3 MiB at GOGC 25. A soft
// memory limit (debug.SetMemoryLimit) got it to 2 MiB but near the
// runtime's own overhead it collected almost continuously: lxc-execute
// took 100 ms instead of 70 and lxc-ls -f against 50 monitors twice as
// long. A foreground monitor (lxc-start -F, lxc-execute) is left alone:
// it shares its process with the command-line tool.
func (m *Monitor) settleIdle() {
	if m.spec.Foreground {
		return
	}
	debug.SetGCPercent(idleGCPercent)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// childExitErr turns a broken sync channel into the child's exit reason.
func (m *Monitor) childExitErr(err error) error {
	if m.proc == nil {
		return err
	}
	done := make(chan struct{})
	var st syscall.WaitStatus
	go func() {
		var ws syscall.WaitStatus
		syscall.Wait4(m.proc.Pid, &ws, 0, nil)
		st = ws
		close(done)
	}()
	select {
	case <-done:
		m.proc = nil
		if st.Signaled() {
			return fmt.Errorf("killed by signal %s", st.Signal())
		}
		return fmt.Errorf("exited with status %d", st.ExitStatus())
	case <-time.After(2 * time.Second):
		return err
	}
}

func (m *Monitor) stage2Command(child *os.File) (*exec.Cmd, error) {
	cmd := &exec.Cmd{
		Path: "/proc/self/fd/4",
		Args: []string{"init"},
		// GOMAXPROCS=1: stage-2 works on one thread; more Ps only cost
		// start-up time (and pids in the container's namespace). GOGC=off:
		// it allocates little before it execs init (the lxc-execute init
		// turns the collector back on).
		Env: append(stage.Env("init", 3), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GOMAXPROCS=1", "GOGC=off"),
		Dir: "/",
	}
	cmd.ExtraFiles = []*os.File{child, m.seal}
	if m.log.HasFile() && m.spec.LogFile != "" {
		if lf, err := os.OpenFile(m.spec.LogFile, os.O_WRONLY|os.O_APPEND|unix.O_NOFOLLOW, 0); err == nil {
			cmd.ExtraFiles = append(cmd.ExtraFiles, lf)
			cmd.Env = append(cmd.Env, "_GOLXC_LOG_FD=5", fmt.Sprintf("_GOLXC_LOG_LEVEL=%d", m.spec.LogLevel))
		}
	}
	if m.spec.PassStdio {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	attr, err := m.stage2Attr()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = attr
	return cmd, nil
}

// createCgroups makes lxc.monitor.NAME (and moves us in when we are a
// daemon, like LXC) and lxc.payload.NAME.
func (m *Monitor) createCgroups() error {
	if err := m.detectHost(); err != nil {
		return err
	}
	c := m.cfg
	// m.host still holds the bases read before the monitor moved into its
	// own leaf, so payload and monitor cgroups are siblings, as in LXC.
	cg, err := payloadPlace(c, cgroupPattern(), m.spec.Name).create(m.host, m.noteCgroup)
	if err != nil {
		return fmt.Errorf("create container cgroup: %w", err)
	}
	m.madeCgroups = append(m.madeCgroups, cg.Made...)
	limit := cg
	if c.CgroupDirInner != "" {
		// LXC's isolation: limits on the outer cgroup, the container in
		// the inner one (the root of its cgroup namespace).
		if cg, err = limit.Child(c.CgroupDirInner); err != nil {
			limit.Remove()
			return fmt.Errorf("create container cgroup: %w", err)
		}
	}
	m.mu.Lock()
	m.cg, m.limitCg = cg, limit
	m.mu.Unlock()
	m.log.Debugf("container cgroup %s", m.cg.Leaf)
	return nil
}

// detectHost reads the host's cgroup layout once.
// limits is the cgroup lxc.cgroup* limits go to (callers hold m.mu or own
// the start path).
func (m *Monitor) limits() *cgroup.Cgroup {
	if m.limitCg != nil {
		return m.limitCg
	}
	return m.cg
}

func (m *Monitor) detectHost() error {
	if m.host != nil {
		return nil
	}
	h, err := cgroup.Detect()
	if err != nil {
		return err
	}
	// As LXC: escape to the root cgroup unless lxc.cgroup.relative = 1
	// (only root can create cgroups there).
	if !m.cfg.CgroupRelative && os.Geteuid() == 0 {
		h = h.Rooted()
	}
	if use := config.LoadSystem().CgroupUse; use != "" {
		if h, err = h.Use(strings.Split(use, ",")); err != nil {
			return fmt.Errorf("lxc.cgroup.use = %s: %w", use, err)
		}
	}
	if unprivileged() {
		var skipped []cgroup.Skipped
		if h, skipped, err = userCgroups(h); err != nil {
			return err
		}
		for _, sk := range skipped {
			m.log.Infof("cgroup %s hierarchy not delegated to us (%s not writable): not used", sk.Hierarchy.Name(), filepath.Join(sk.Dir, sk.File))
		}
	}
	m.host = h
	return nil
}

// applyCgroupLimits writes lxc.cgroup.* (v1) and lxc.cgroup2.* keys other
// than device rules, in order.
func (m *Monitor) applyCgroupLimits() error {
	// Keys this host cannot apply were named in a warning at start
	// (CheckConfig); they are skipped here, LXC's decisions per key.
	for _, kv := range m.cfg.Cgroup {
		if cgroup.IsDeviceKey(kv.Key) {
			continue
		}
		if ok, why := m.host.Cgroup1KeyApplies(kv.Key); !ok {
			m.log.Warnf("lxc.cgroup.%s is not applied: %s", kv.Key, why)
			continue
		}
		if err := m.limits().Set(kv.Key, kv.Value, false); err != nil {
			return fmt.Errorf("lxc.cgroup.%s = %s: %w", kv.Key, kv.Value, err)
		}
	}
	for _, kv := range m.cfg.Cgroup2 {
		if cgroup.IsDeviceKey(kv.Key) {
			continue
		}
		if ok, why := m.host.Cgroup2KeyApplies(kv.Key); !ok {
			m.log.Warnf("lxc.cgroup2.%s is not applied: %s", kv.Key, why)
			continue
		}
		if err := m.limits().Set(kv.Key, kv.Value, true); err != nil {
			return fmt.Errorf("lxc.cgroup2.%s = %s: %w", kv.Key, kv.Value, err)
		}
	}
	return nil
}

// applyDeviceRules enforces lxc.cgroup.devices.* on the v1 devices
// controller and lxc.cgroup2.devices.* with an eBPF program on the unified
// cgroup. On a host without the v1 controller, v1 rules are translated into
// the eBPF program instead of being dropped.
func (m *Monitor) applyDeviceRules() error {
	kv := func(list []config.KV) [][2]string {
		var out [][2]string
		for _, x := range list {
			out = append(out, [2]string{x.Key, x.Value})
		}
		return out
	}
	v1, err := cgroup.DeviceRulesFrom(kv(m.cfg.Cgroup))
	if err != nil {
		return fmt.Errorf("lxc.cgroup.devices: %w", err)
	}
	v2, err := cgroup.DeviceRulesFrom(kv(m.cfg.Cgroup2))
	if err != nil {
		return fmt.Errorf("lxc.cgroup2.devices: %w", err)
	}
	if len(v1) > 0 {
		if m.limits().HasV1Devices() {
			if err := m.limits().ApplyDevicesV1(v1); err != nil {
				return fmt.Errorf("lxc.cgroup.devices: %w", err)
			}
		} else {
			v2 = append(v1, v2...)
		}
	}
	if len(v2) > 0 {
		u := m.limits().UnifiedPath()
		if u == "" {
			// Warned at start (cgroupKeyWarnings); LXC ignores them too.
			m.log.Warnf("lxc.cgroup2.devices.* are not applied: the host has no cgroup2 hierarchy")
			return nil
		}
		if err := cgroup.AttachDevicePolicy(u, v2); err != nil {
			return fmt.Errorf("lxc.cgroup2.devices: %w", err)
		}
	}
	return nil
}

// waitInit blocks until the container's init exits and returns its status.
func (m *Monitor) waitInit() syscall.WaitStatus {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(m.proc.Pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		break
	}
	m.proc = nil
	m.log.Infof("container init exited: %s", describeStatus(ws))
	return ws
}

func describeStatus(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("status %d", ws.ExitStatus())
}

// teardown kills whatever is left and removes everything this boot made:
// processes, terminals, network devices, cgroups; then stop and post-stop
// hooks. It is safe after a partial start.
func (m *Monitor) teardown(target string) {
	if m.proc != nil {
		m.proc.Kill()
	}
	if m.cg != nil {
		m.cg.Kill()
		deadline := time.Now().Add(5 * time.Second)
		for len(m.cg.Procs()) > 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	if m.proc != nil {
		var ws syscall.WaitStatus
		syscall.Wait4(m.proc.Pid, &ws, 0, nil)
		m.proc = nil
	}
	m.mu.Lock()
	m.initPID = 0
	if m.pidfd >= 0 {
		unix.Close(m.pidfd)
		m.pidfd = -1
	}
	m.mu.Unlock()
	m.closeTerminals()
	m.mu.Lock()
	nd := m.net
	m.net = nil
	m.mu.Unlock()
	// As LXC: the teardown's hooks (network down scripts, stop,
	// post-stop) see LXC_PID of the boot that ended, LXC_TARGET and the
	// namespaces; version-0 stop hooks also get them as arguments.
	m.exposeNamespaces()
	if m.hookEnv != nil {
		m.hookEnv.Target = target
	}
	if nd != nil {
		nd.Teardown()
	}
	if m.hookEnv != nil {
		var args []string
		if m.hookEnv.Version == 0 {
			args = m.hookEnv.NamespaceArgs()
		}
		if err := hooks.Run(m.cfg.Hooks["stop"], "stop", m.hookEnv, args, nil); err != nil {
			m.log.Errorf("%v", err)
		}
	}
	m.releaseNamespaces()
	m.unloadLSM()
	m.mu.Lock()
	cg := m.limits()
	m.cg, m.limitCg = nil, nil
	m.mu.Unlock()
	if cg != nil {
		if err := cg.Remove(); err != nil {
			m.log.Errorf("%v", err)
			m.leftovers = true
		}
	}
	if m.hookEnv != nil {
		if err := hooks.Run(m.cfg.Hooks["post-stop"], "post-stop", m.hookEnv, nil, nil); err != nil {
			m.log.Errorf("%v", err)
		}
	}
	if target != "reboot" {
		if m.monCg != nil {
			m.leaveMonitorCgroup()
		}
		// lxc.cgroup.dir = a/b: the a/b we made goes too, unless another
		// container still uses it (LXC leaves it in every hierarchy).
		if kept := cgroup.RemoveMade(m.madeCgroups); len(kept) > 0 {
			m.log.Debugf("cgroup directories still in use, left: %v", kept)
		}
		m.madeCgroups = nil
	}
}

// reportRecovery logs what Begin removed after a dead monitor.
func (m *Monitor) reportRecovery(res bootrec.Result, err error) {
	if err != nil {
		m.log.Errorf("the container's last monitor died; cleaning up after it: %v", err)
		return
	}
	m.log.Infof("the container's last monitor died; cleaning up after it: %s", res)
}

// record appends to this boot's record.
func (m *Monitor) record(e bootrec.Entry) {
	if err := m.rec.Add(e); err != nil {
		m.log.Warnf("%v", err)
	}
}

func (m *Monitor) noteCgroup(n cgroup.Note) {
	m.record(bootrec.Entry{Kind: bootrec.KindCgroup, Path: n.Path, Ino: n.Ino, Parent: n.Parent})
}

// restartRecord starts the record over for a reboot: what the last boot
// made is gone, except the monitor's own cgroup and the directories above
// the cgroups, which the next boot uses again.
func (m *Monitor) restartRecord() {
	if err := m.rec.Reset(); err != nil {
		m.log.Warnf("%v", err)
	}
	if m.spec.PidFile != "" {
		m.record(bootrec.Entry{Kind: bootrec.KindPidFile, Path: m.spec.PidFile, PID: os.Getpid()})
	}
	for _, p := range m.madeCgroups {
		m.noteCgroup(cgroup.Note{Path: p, Ino: cgroup.Ino(p), Parent: true})
	}
	if m.monCg != nil {
		for _, p := range m.monCg.Paths {
			m.noteCgroup(cgroup.Note{Path: p, Ino: cgroup.Ino(p)})
		}
	}
}

// enterMonitorCgroup moves a daemon monitor into its own lxc.monitor.NAME
// cgroup, as LXC does, once the container is RUNNING: migrating a process
// takes the kernel's cgroup threadgroup lock (an RCU grace period on v1),
// which has no business on the start path.
func (m *Monitor) enterMonitorCgroup() {
	if m.spec.Foreground || m.monCg != nil || m.host == nil {
		return
	}
	cg, err := monitorPlace(m.cfg, cgroupPattern(), m.spec.Name).create(m.host, m.noteCgroup)
	if err != nil {
		m.log.Warnf("create monitor cgroup: %v", err)
		return
	}
	m.monCg = cg
	m.madeCgroups = append(m.madeCgroups, cg.Made...)
	if err := cg.AddProc(os.Getpid()); err != nil {
		m.log.Warnf("%v", err)
	}
}

// leaveMonitorCgroup goes back to the cgroup the container's were made
// relative to (not the parent: an lxc.cgroup.dir we made must be empty to
// go), then removes our own.
func (m *Monitor) leaveMonitorCgroup() {
	for h, p := range m.monCg.Paths {
		if !inCgroup(h, p) {
			continue // never entered (the C monitor stays out of cgroup2's)
		}
		base := m.monitorExit(h)
		if !strings.HasPrefix(p, filepath.Join(h.Mount, h.Base)+"/") {
			base = filepath.Dir(p)
		}
		if err := os.WriteFile(filepath.Join(base, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			m.log.Debugf("leave %s monitor cgroup: %v", h.Name(), err)
		}
	}
	if err := m.monCg.Remove(); err != nil {
		m.log.Debugf("remove monitor cgroup: %v", err)
		m.leftovers = true
	}
	m.monCg = nil
}

// inCgroup reports whether this process is in cgroup dir of hierarchy h
// (/proc/self/cgroup).
func inCgroup(h *cgroup.Hierarchy, dir string) bool {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		if (h.V2 && f[0] == "0" && f[1] == "") || (!h.V2 && len(h.Controllers) > 0 && slices.Contains(strings.Split(f[1], ","), h.Controllers[0])) {
			return filepath.Join(h.Mount, f[2]) == dir
		}
	}
	return false
}

// signalInit sends sig to the container's init.
func (m *Monitor) signalInit(sig syscall.Signal) error {
	m.mu.Lock()
	pfd, pid := m.pidfd, m.initPID
	m.mu.Unlock()
	if pid == 0 {
		return errors.New("container is not running")
	}
	if pfd >= 0 {
		return unix.PidfdSendSignal(pfd, sig, nil, 0)
	}
	return syscall.Kill(pid, sig)
}

func levelName(l int) string {
	return log.Level(l).String()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// notifyMonitors sends a state (or exit) event to every lxc-monitor
// listening on this lxcpath: each registers a datagram socket file in
// lxcpath.MonitorDir. Unreachable listeners are removed.
func notifyMonitors(lxcpathDir, name, state string, exitCode int) {
	dir := lxcpath.MonitorDir(lxcpathDir)
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return
	}
	var msg string
	if state != "" {
		msg = fmt.Sprintf(`{"name":%q,"state":%q}`, name, state)
	} else {
		msg = fmt.Sprintf(`{"name":%q,"exit":%d}`, name, exitCode)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if !strings.HasSuffix(p, ".sock") {
			continue
		}
		if err := unix.Sendto(fd, []byte(msg), 0, &unix.SockaddrUnix{Name: p}); err != nil && errors.Is(err, unix.ECONNREFUSED) {
			os.Remove(p)
		}
	}
}

// resources returns the container's cgroup, network devices and console
// relay for the control-socket handlers, which run concurrently with the
// main goroutine that creates and tears them down.
func (m *Monitor) resources() (*cgroup.Cgroup, *network.Devices, *consoleRelay) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cg, m.net, m.console
}
