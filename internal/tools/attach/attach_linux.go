package attachtool

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/exeseal"
	"github.com/golxc/golxc/internal/lsm"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/nsenter"
	"github.com/golxc/golxc/internal/privs"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/seccomp"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/terminal"
)

// stageName selects childMain in the attached process.
const stageName = "attach"

func init() {
	stage.Register(stageName, childMain)
}

// request is the parsed command line.
type request struct {
	elev        int
	namespaces  []string // -s, nil = every namespace the container owns
	personality int      // -a, -1 = the container's lxc.arch
	uid, gid    int      // -u/-g, -1 = default
}

func parseRequest(x *cli.Ctx) (*request, error) {
	r := &request{personality: -1, uid: -1, gid: -1}
	var err error
	if r.elev, err = parseElevated(opts.elevAll, opts.elevTokens); err != nil {
		return nil, err
	}
	if x.Flags.Changed("namespaces") {
		if r.namespaces, err = config.ParseNamespaceOption(opts.namespaces); err != nil {
			return nil, err
		}
		// -s implies -e: "it may therefore leak privileges".
		r.elev = elevEverything
	}
	if x.Flags.Changed("arch") {
		if r.personality, err = archPersonality(opts.arch); err != nil {
			return nil, err
		}
	}
	if x.Flags.Changed("uid") {
		if r.uid, err = parseID(opts.uid); err != nil {
			return nil, err
		}
	}
	if x.Flags.Changed("gid") {
		if r.gid, err = parseID(opts.gid); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func run(x *cli.Ctx) error {
	req, err := parseRequest(x)
	if err != nil {
		// LXC's option handlers fail before logging is set up: only this line.
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	if opts.context != "" {
		if req.elev&elevLSM != 0 {
			return x.Errorf("Cannot combine elevated LSM privileges while requesting LSM profile")
		}
		// LXC silently ignores the label without an LSM; running the
		// command unconfined when a label was asked for is not safe.
		if !lsm.Detect().SELinux {
			return x.Errorf("Cannot transition to SELinux context %s: SELinux is not enabled on this host", quote.Short(opts.context))
		}
	}
	if !nsenter.Available {
		return x.Errorf("This lxc-attach was built without cgo and cannot enter namespaces")
	}
	a := &attach{x: x, req: req}
	defer a.cleanup()
	if err := a.planStdio(); err != nil {
		return x.Errorf("%v", err)
	}
	if !a.anyTTY {
		// Nothing to wait for: exec the intermediate now, so its start
		// overlaps with the conversation with the monitor.
		a.startEarly()
	}
	if opts.rcfile != "" {
		if a.rc, err = config.Load(opts.rcfile); err != nil {
			x.Log.Errorf("%v", err)
			return x.Errorf("Failed to load rcfile")
		}
	}

	client, err := ctl.Dial(x.LXCPath, x.Name)
	if err != nil {
		return notRunning(x, err)
	}
	defer client.Close()
	resp, files, err := client.Call(ctl.Request{Cmd: ctl.CmdAttachInfo})
	if err != nil || resp.Attach == nil || len(files) == 0 {
		for _, f := range files {
			f.Close()
		}
		if err == nil {
			err = errors.New("the monitor sent no attach context")
		}
		if strings.Contains(err.Error(), "not running") {
			return x.Errorf("%s is not running", x.Name)
		}
		return x.Errorf("Failed to get attach context: %v", err)
	}
	for _, f := range files[1:] {
		f.Close()
	}
	a.pidfd = files[0]
	a.info = resp.Attach
	if err := a.prepare(client); err != nil {
		return x.Errorf("%v", err)
	}
	client.Close()
	code, err := a.run()
	if err != nil {
		return x.Errorf("%v", err)
	}
	return cli.Exit(code)
}

// notRunning reports a container without a monitor in one line.
func notRunning(x *cli.Ctx, err error) error {
	if !errors.Is(err, ctl.ErrNotRunning) {
		return x.Errorf("Failed to connect to %s: %v", x.Name, err)
	}
	if _, serr := os.Stat(lxcpath.ConfigPath(x.LXCPath, x.Name)); serr != nil && x.RCFile == "" && opts.rcfile == "" {
		return x.Errorf("%s doesn't exist", x.Name)
	}
	return x.Errorf("%s is not running", x.Name)
}

// attach is one lxc-attach run on the parent side.
type attach struct {
	x     *cli.Ctx
	req   *request
	info  *ctl.AttachInfo
	pidfd *os.File
	rc    *config.Container

	flags    uintptr     // namespaces to join
	stdio    [3]*os.File // what the attached process gets as 0, 1, 2
	ttys     [3]bool     // which of our 0, 1, 2 are terminals
	anyTTY   bool
	pty      *terminal.Pty
	early    chan struct{} // closed once the early intermediate started
	relays   []*pipeRelay  // standard descriptors that are not terminals
	im       *intermediate
	imErr    error
	ptyLog   *os.File
	cfg      childConfig
	cgroups  []string
	setupUID int
	setupGID int
	rlimits  []ctl.Rlimit
	proc     []ctl.KV
}

func (a *attach) cleanup() {
	if a.early != nil {
		<-a.early
	}
	if a.im != nil {
		a.im.abort()
	}
	closeRelays(a.relays)
	if a.pty != nil {
		a.pty.Close()
	}
	if a.ptyLog != nil {
		a.ptyLog.Close()
	}
	if a.pidfd != nil {
		a.pidfd.Close()
	}
}

// startEarly starts the intermediate in the background.
func (a *attach) startEarly() {
	a.early = make(chan struct{})
	go func() {
		defer close(a.early)
		a.im, a.imErr = startIntermediate(a.stdio, stageName)
		handedOver(a.relays)
	}()
}

// prepare computes everything the attached process needs, while we still
// talk to the monitor (for the devpts handle).
func (a *attach) prepare(client *ctl.Client) error {
	info, req := a.info, a.req
	pid := info.InitPID

	// Which namespaces: all the container owns, or those of -s. A
	// namespace the container shares with us needs no join; for the user
	// namespace joining our own is even an error (EINVAL), so -s USER on
	// a container without one simply leaves us where we are.
	owned := map[string]bool{}
	for _, n := range info.Namespaces {
		owned[n] = true
	}
	names := info.Namespaces
	if req.namespaces != nil {
		names = nil
		for _, n := range req.namespaces {
			if n != "user" || owned[n] {
				names = append(names, n)
			}
		}
	}
	joinsUser := false
	for _, n := range names {
		a.flags |= config.NamespaceFlags[n]
		joinsUser = joinsUser || n == "user"
	}

	// What init runs with, read from /proc before the pidfd proves the
	// pid was not recycled meanwhile.
	st, err := readInitStatus(pid)
	if err != nil {
		return err
	}
	a.setupUID, a.setupGID = 0, 0
	if joinsUser {
		if a.setupUID, a.setupGID, err = userSetupIDs(pid, st); err != nil {
			return err
		}
	}
	if err := unix.PidfdSendSignal(int(a.pidfd.Fd()), 0, nil, 0); err != nil {
		return fmt.Errorf("Container process exited or PID has been recycled: %w", err)
	}

	if req.elev&elevCgroup == 0 {
		a.cgroups = uniqueDirs(info.CgroupPaths)
		// As LXC, attached processes go to a ".lxc" leaf of the container's
		// cgroup2 directory (cgroup2 allows no processes in inner nodes
		// once controllers are enabled there).
		if u := info.CgroupPaths["unified"]; u != "" {
			for i, d := range a.cgroups {
				if d == u {
					a.cgroups[i] = filepath.Join(u, ".lxc")
				}
			}
		}
	}

	env := info.Environment
	if a.rc != nil {
		env = a.rc.Environment
	}
	uid, gid := req.uid, req.gid
	if uid < 0 {
		uid = a.setupUID
	}
	if gid < 0 {
		gid = a.setupGID
	}
	a.cfg = childConfig{
		Prog:        a.x.Tool.Name,
		Name:        a.x.Name,
		Quiet:       a.x.Quiet,
		Argv:        a.x.CommandArgs(),
		Env:         buildEnv(opts.envPolicy, os.Environ(), opts.keepVars, env, opts.setVars),
		UID:         uid,
		GID:         gid,
		NoNewPrivs:  info.NoNewPrivs,
		Personality: req.personality,
		Ctty:        -1,
		KeepCwd:     a.flags&unix.CLONE_NEWNS == 0,
	}
	a.cfg.LSMExec = attachLSM(info.InitPID, req.elev&elevLSM != 0, opts.context)
	if a.cfg.Personality < 0 && info.Arch != "" {
		if p, err := archPersonality(info.Arch); err == nil {
			a.cfg.Personality = p
		}
	}
	if req.elev&elevCap == 0 {
		// LXC drops from the bounding set whatever init's bounding set
		// lacks, which covers lxc.cap.drop and lxc.cap.keep alike.
		a.cfg.CapDrop = privs.NotIn(st.capBnd)
	}
	// The running container's seccomp profile, as LXC's fetch_seccomp,
	// unless LSM privileges are kept (-e, -s). LXC attaches without it
	// when it cannot be read; we refuse rather than run unfiltered.
	if info.Seccomp != "" && req.elev&elevLSM == 0 {
		p, err := seccomp.ParseFile(info.Seccomp)
		if err == nil {
			a.cfg.Seccomp, err = seccomp.Compile(p)
		}
		if err != nil {
			return fmt.Errorf("Failed to retrieve seccomp policy %s: %v", info.Seccomp, err)
		}
	}
	// Resource limits and /proc settings are inherited from the
	// intermediate, which the parent sets up before it forks.
	a.rlimits, a.proc = info.Rlimits, info.Proc
	if a.rc != nil {
		a.rlimits, a.proc = nil, nil
		for _, p := range a.rc.Prlimits {
			if res, ok := p.Resource(); ok {
				a.rlimits = append(a.rlimits, ctl.Rlimit{Resource: res, Soft: p.Soft, Hard: p.Hard})
			}
		}
		for _, kv := range a.rc.Proc {
			a.proc = append(a.proc, ctl.KV{Key: kv.Key, Value: kv.Value})
		}
	}

	if !a.anyTTY {
		return nil
	}
	return a.openPty(client)
}

// planStdio decides, per standard descriptor, between the container pty
// (for every one that is a terminal) and passing ours through (pipes and
// files stay binary-clean, stdout and stderr separate).
func (a *attach) planStdio() error {
	std := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	for i, f := range std {
		a.ttys[i] = terminal.IsTerminal(f)
		a.anyTTY = a.anyTTY || a.ttys[i]
	}
	for i, f := range std {
		if a.ttys[i] {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			// A closed descriptor: the command gets /dev/null.
			a.stdio[i] = nil
			continue
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			// A host directory as stdio would be a way out of the
			// container through /proc/self/fd (CVE-2024-21626).
			return fmt.Errorf("Refusing to pass a host directory as descriptor %d into the container", i)
		}
		a.stdio[i] = f
	}
	var err error
	if a.relays, err = pipeStdio(&a.stdio); err != nil {
		return fmt.Errorf("Failed to create the pipes of the attached process: %w", err)
	}
	// Opened (and created) even when no pty needs it, as LXC does.
	if opts.ptyLog != "" {
		if a.ptyLog, err = os.OpenFile(opts.ptyLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_CLOEXEC, 0o600); err != nil {
			return fmt.Errorf("Failed to open log file %s: %v", quote.Short(opts.ptyLog), err)
		}
	}
	return nil
}

// openPty allocates the pty for the standard descriptors that are
// terminals.
func (a *attach) openPty(client *ctl.Client) error {
	std := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	// A fresh pty from the container's own devpts: the container never
	// sees our terminal, so it cannot push input into it (CVE-2016-10124).
	// Without one (a container sharing the host's /dev), a fresh pty of
	// the host's devpts serves, as LXC's lxc_terminal_create_foreign.
	var devpts *os.File
	_, files, err := client.Call(ctl.Request{Cmd: ctl.CmdDevptsFD})
	if err == nil && len(files) > 0 {
		devpts = files[0]
		files = files[1:]
	}
	for _, f := range files {
		f.Close()
	}
	if devpts == nil {
		if devpts, err = os.OpenFile("/dev/pts", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("Failed to create terminal: %v", err)
		}
	}
	pty, err := terminal.Alloc(devpts)
	devpts.Close()
	if err != nil {
		return fmt.Errorf("Failed to create terminal: %v", err)
	}
	a.pty = pty
	for i := range std {
		if a.ttys[i] {
			a.stdio[i] = pty.Peer
			if a.cfg.Ctty < 0 {
				a.cfg.Ctty = i
			}
		}
	}
	return nil
}

// run starts the attached process and waits for it; it returns the exit
// status lxc-attach reports.
func (a *attach) run() (int, error) {
	var rl *relay
	if a.pty != nil {
		var err error
		if rl, err = newRelay(a.pty, a.ttys, a.ptyLog); err != nil {
			return 1, err
		}
		defer rl.restore()
	}
	if a.early != nil {
		<-a.early
		a.early = nil
	} else {
		a.im, a.imErr = startIntermediate(a.stdio, stageName)
		handedOver(a.relays)
	}
	if a.imErr != nil {
		return 1, a.imErr
	}
	im := a.im
	a.im = nil
	plan, err := a.execPlan()
	if err != nil {
		im.abort()
		return 1, err
	}
	if plan != nil {
		defer plan.Close()
	}
	pid, sock, err := im.enter(&spawnSpec{
		plan:     plan,
		pidfd:    a.pidfd,
		initPID:  a.info.InitPID,
		flags:    a.flags,
		cgroups:  a.cgroups,
		setupUID: a.setupUID,
		setupGID: a.setupGID,
		remount:  opts.remount && a.flags&unix.CLONE_NEWNS == 0,
		rlimits:  a.rlimits,
		proc:     a.proc,
		config:   &a.cfg,
	})
	if a.pty != nil {
		// Only the attached process may hold the peer now: its exit is
		// what ends the session (EIO on the master).
		a.pty.Peer.Close()
		a.pty.Peer = nil
	}
	if err != nil {
		return 1, err
	}
	// Everything the attached process needs is queued on the channel.
	sock.Close()
	// LXC ignores SIGINT and SIGQUIT in lxc-attach (issue #313) once the
	// attached process exists: from a terminal they reach the command
	// directly (pipe mode, same process group) or arrive as bytes through
	// the pty (raw mode). Catching them rather than ignoring keeps the
	// command from inheriting SIG_IGN. Setting this up costs a thread and
	// about a millisecond, spent while the attached process starts.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH)
	defer signal.Stop(sigs)
	if rl != nil {
		rl.start()
		// A resize that happened before SIGWINCH was watched.
		rl.resize()
	}
	code := waitAttached(pid, sigs, rl)
	drain(a.relays)
	return code, nil
}

// waitAttached forwards signals to the attached process until it exits
// and converts its wait status as LXC does (128+N for signal N).
func waitAttached(pid int, sigs chan os.Signal, rl *relay) int {
	// A pidfd keeps forwarded signals from ever reaching a recycled pid.
	pfd, perr := unix.PidfdOpen(pid, 0)
	done := make(chan unix.WaitStatus, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				break
			}
		}
		done <- ws
	}()
	for {
		select {
		case ws := <-done:
			if perr == nil {
				unix.Close(pfd)
			}
			if rl != nil {
				rl.finish()
			}
			switch {
			case ws.Exited():
				return ws.ExitStatus()
			case ws.Signaled():
				return 128 + int(ws.Signal())
			}
			return 1
		case s := <-sigs:
			sig := s.(syscall.Signal)
			switch sig {
			case unix.SIGWINCH:
				if rl != nil {
					rl.resize()
				}
			case unix.SIGINT, unix.SIGQUIT:
			default:
				if perr == nil {
					unix.PidfdSendSignal(pfd, sig, nil, 0)
				}
			}
		}
	}
}

// spawnSpec is how to start one attached process.
type spawnSpec struct {
	pidfd              *os.File
	initPID            int
	flags              uintptr
	cgroups            []string // cgroup directories to join (none with -e CGROUP)
	setupUID, setupGID int
	remount            bool
	rlimits            []ctl.Rlimit // lxc.prlimit.*
	proc               []ctl.KV     // lxc.proc.*
	config             any          // the Go stage's instructions, sent as JSON
	plan               *os.File     // or a plan the attached process performs in C
}

// intermediate is a started sealed copy of ourselves whose nsenter
// constructor waits for its bootstrap.
type intermediate struct {
	pid  int
	sock *os.File // our end of the channel
}

// startIntermediate execs a sealed copy of ourselves with the given stdio
// (nil: /dev/null). Its constructor blocks until enter sends the
// bootstrap; the process it forks runs stage.
func startIntermediate(stdio [3]*os.File, stageName string) (*intermediate, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("Could not set up required IPC mechanism for attaching: %w", err)
	}
	parent := os.NewFile(uintptr(pair[0]), "nsenter-channel")
	child := os.NewFile(uintptr(pair[1]), "nsenter-channel")
	defer child.Close()
	// Executed as /proc/self/fd/4: the attached process's /proc/PID/exe is
	// a sealed or read-only copy, never our writable binary on the host
	// (CVE-2019-5736).
	sealed, err := exeseal.Sealed()
	if err != nil {
		parent.Close()
		return nil, fmt.Errorf("Failed to create a sealed copy of lxc-attach: %w", err)
	}
	defer sealed.Close()
	files := []uintptr{0, 0, 0, child.Fd(), sealed.Fd()}
	for i, f := range stdio {
		if f == nil {
			null, err := os.Open(os.DevNull)
			if err != nil {
				parent.Close()
				return nil, err
			}
			defer null.Close()
			f = null
		}
		files[i] = f.Fd()
	}
	env := append([]string{nsenter.EnvVar + "=3",
		// The runtime of the attached process keeps no cgroup file
		// open (Go 1.25+ reads the CPU limit at start), and as it only
		// sets up and execs, it runs on one P without a collector
		// (about 10% less CPU per attach). None of this reaches the
		// command, whose environment is built separately.
		"GODEBUG=containermaxprocs=0,updatemaxprocs=0", "GOMAXPROCS=1", "GOGC=off"}, stage.Env(stageName, 3)...)
	// syscall.ForkExec rather than os/exec: the latter forks once more
	// per process to probe CLONE_PIDFD, which is measurable here.
	pid, err := syscall.ForkExec("/proc/self/fd/4", []string{filepath.Base(os.Args[0])}, &syscall.ProcAttr{Env: env, Files: files})
	if err != nil {
		parent.Close()
		return nil, fmt.Errorf("Failed to create first subprocess: %w", err)
	}
	return &intermediate{pid: pid, sock: parent}, nil
}

// wait reaps the intermediate.
func (im *intermediate) wait() (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(im.pid, &ws, 0, nil)
		if err != unix.EINTR {
			return ws, err
		}
	}
}

// abort ends an intermediate that will not be used: without a bootstrap
// its constructor exits when the channel closes.
func (im *intermediate) abort() {
	im.sock.Close()
	unix.Kill(im.pid, unix.SIGKILL)
	im.wait()
}

// enter puts the intermediate into the container's cgroups, lets it join
// the namespaces, and returns the attached process's pid and our end of
// the channel, on which the stage's instructions are already queued. The
// attached process is our child (CLONE_PARENT): the caller must wait for
// it.
func (im *intermediate) enter(s *spawnSpec) (int, *os.File, error) {
	fail := func(err error) (int, *os.File, error) {
		im.abort()
		return -1, nil, err
	}
	sock := int(im.sock.Fd())
	// The intermediate is blocked on the bootstrap: move it into the
	// container's cgroups first, so the attached process is born there.
	for _, dir := range s.cgroups {
		if err := cgroup.Join(dir, im.pid); err != nil {
			if os.Geteuid() != 0 && (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)) {
				// cgroup2 lets a user move a process only within a
				// tree the user owns, from the common ancestor down.
				return fail(fmt.Errorf("Failed to attach cgroup: %w: the container's cgroup is delegated to you but the cgroup lxc-attach runs in is not in that tree: run lxc-attach from the delegated cgroup the container was started from, or lxc-unpriv-attach in a systemd user session", err))
			}
			return fail(fmt.Errorf("Failed to attach cgroup: %w", err))
		}
	}
	// lxc.prlimit.* and lxc.proc.* (LXC's setup_resource_limits and
	// setup_proc_filesystem), set from the host with our privileges;
	// the attached process inherits them when it is forked.
	for _, r := range s.rlimits {
		lim := unix.Rlimit{Cur: r.Soft, Max: r.Hard}
		if err := unix.Prlimit(im.pid, r.Resource, &lim, nil); err != nil {
			return fail(fmt.Errorf("Failed to set resource limit %d: %w", r.Resource, err))
		}
	}
	for _, kv := range s.proc {
		if kv.Key == "" || strings.ContainsAny(kv.Key, "/") || strings.Contains(kv.Key, "..") {
			return fail(fmt.Errorf("lxc.proc.%s: invalid name", kv.Key))
		}
		path := fmt.Sprintf("/proc/%d/%s", im.pid, kv.Key)
		if err := os.WriteFile(path, []byte(kv.Value), 0); err != nil {
			return fail(fmt.Errorf("Failed to set lxc.proc.%s: %w", kv.Key, err))
		}
	}
	boot := &nsenter.Bootstrap{Flags: s.flags, SetupUID: s.setupUID, SetupGID: s.setupGID, RemountSysProc: s.remount, Plan: s.plan}
	if nsenter.PidfdSetnsSupported() || s.flags == 0 {
		boot.PidFD = s.pidfd
	} else {
		nsf, err := nsenter.OpenNamespaces(s.initPID, s.flags)
		if err != nil {
			return fail(err)
		}
		defer func() {
			for _, f := range nsf {
				f.File.Close()
			}
		}()
		if err := unix.PidfdSendSignal(int(s.pidfd.Fd()), 0, nil, 0); err != nil {
			return fail(fmt.Errorf("Container process exited or PID has been recycled: %w", err))
		}
		boot.NSFiles = nsf
	}
	if err := boot.Send(sock); err != nil {
		return fail(err)
	}
	// The attached process's instructions queue behind the bootstrap (a
	// plan goes with it); it reads them once it is inside the container.
	if s.plan == nil {
		if err := ctl.Send(sock, s.config, nil); err != nil {
			return fail(fmt.Errorf("send attach instructions: %w", err))
		}
	}
	pid, err := nsenter.ReadReply(sock)
	ws, werr := im.wait()
	if err != nil {
		im.sock.Close()
		return -1, nil, err
	}
	if werr != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		// The attached process exists and is ours to reap.
		unix.Kill(pid, unix.SIGKILL)
		unix.Wait4(pid, nil, 0, nil)
		im.sock.Close()
		return -1, nil, fmt.Errorf("the attaching process failed (%v, status %v)", werr, ws)
	}
	return pid, im.sock, nil
}

// uniqueDirs returns the distinct cgroup directories of a controller map
// (co-mounted controllers share one), in a stable order.
func uniqueDirs(m map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range m {
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// initStatus is what lxc-attach reads from /proc/<init>/status.
type initStatus struct {
	uid, gid int
	capBnd   uint64
}

func readInitStatus(pid int) (*initStatus, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("Failed to open status file of %d: %w", pid, err)
	}
	defer f.Close()
	st := &initStatus{uid: -1, gid: -1, capBnd: ^uint64(0)}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		switch k {
		case "Uid":
			st.uid, _ = strconv.Atoi(fields[0])
		case "Gid":
			st.gid, _ = strconv.Atoi(fields[0])
		case "CapBnd":
			st.capBnd, _ = strconv.ParseUint(fields[0], 16, 64)
		}
	}
	return st, sc.Err()
}

// userSetupIDs picks the ids to take right after joining the container's
// user namespace (LXC's userns_setup_ids): root when the namespace maps
// uid/gid 0, otherwise whatever init's host ids map to.
func userSetupIDs(pid int, st *initStatus) (uid, gid int, err error) {
	uid, err = setupID(fmt.Sprintf("/proc/%d/uid_map", pid), st.uid)
	if err != nil {
		return 0, 0, err
	}
	gid, err = setupID(fmt.Sprintf("/proc/%d/gid_map", pid), st.gid)
	return uid, gid, err
}

func setupID(path string, hostID int) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("Failed to read %s: %w", path, err)
	}
	mapped := -1
	for _, line := range strings.Split(string(data), "\n") {
		var ns, host, n int
		if _, err := fmt.Sscanf(line, "%d %d %d", &ns, &host, &n); err != nil {
			continue
		}
		if ns == 0 && n > 0 {
			return 0, nil
		}
		if hostID >= host && hostID < host+n {
			mapped = hostID - host + ns
		}
	}
	if mapped < 0 {
		return 0, fmt.Errorf("no id of the container's user namespace to attach with (%s)", path)
	}
	return mapped, nil
}

// attachLSM labels the attached command as LXC's lxc-attach does: with
// the container init's AppArmor profile or SELinux context (the one -c
// names, for SELinux), applied at its execve; nothing with -e LSM (the
// caller's label is kept) or without an LSM.
func attachLSM(initPID int, keep bool, context string) []lsm.AttrWrite {
	h := lsm.Detect()
	switch {
	case keep:
		return nil
	case h.AppArmor:
		if l := lsm.CurrentLabel(initPID); l != "" && l != lsm.AAUnconfined {
			return []lsm.AttrWrite{{Name: "apparmor/exec", Fallback: "exec", Value: "exec " + l}}
		}
	case h.SELinux:
		if context == "" {
			context = lsm.CurrentLabel(initPID)
		}
		if context != "" {
			return []lsm.AttrWrite{{Name: "exec", Value: context}}
		}
	}
	return nil
}
