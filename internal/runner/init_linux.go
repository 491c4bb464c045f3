package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/lsm"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/rootfs"
	"github.com/golxc/golxc/internal/seccomp"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/sysx"
	"github.com/golxc/golxc/internal/terminal"
)

func init() {
	stage.Register("init", stage2Main)
}

// stage2 is the container's first process while it sets itself up. It
// runs on the pinned main thread (internal/stage), which is also the thread
// that finally calls execve, so per-thread state (namespaces joined,
// capability bounding set, no_new_privs) is what init inherits.
type stage2 struct {
	seccomp []bpf.RawInstruction // compiled lxc.seccomp.profile, loaded last
	sock    int
	spec    *Spec
	cfg     *config.Container
	log     *log.Logger
	setup   syncMsg
	root    *rootfs.Root
	env     *hooks.Env
	// idmapped are the idmapped binds the monitor made, by idmapKey.
	idmapped map[string]*os.File
}

func stage2Main(fd int) {
	began := time.Now()
	s := &stage2{sock: fd}
	s.log = log.New("lxc-start", "")
	s.log.SetQuiet(true)
	if lfd, err := strconv.Atoi(os.Getenv("_GOLXC_LOG_FD")); err == nil {
		s.log.SetWriter(os.NewFile(uintptr(lfd), "log"))
		lv, _ := strconv.Atoi(os.Getenv("_GOLXC_LOG_LEVEL"))
		s.log.SetLevel(log.Level(lv))
		unix.CloseOnExec(lfd)
	}
	os.Unsetenv("_GOLXC_LOG_FD")
	os.Unsetenv("_GOLXC_LOG_LEVEL")
	s.log.Tracef("stage-2 main began at %s", began.Format(time.RFC3339Nano))
	err := s.run()
	// Only reached on failure (success ends in execve or the init shim).
	if err != nil {
		s.log.Errorf("%v", err)
		ctl.Send(s.sock, syncMsg{Kind: msgError, Error: err.Error()}, nil)
	}
	os.Exit(1)
}

func (s *stage2) run() error {
	files, err := ctl.Recv(s.sock, &s.setup)
	if err == nil && s.setup.Kind == msgMapped {
		// A user's container: the monitor wrote our id maps.
		if err := becomeNamespaceRoot(s.sock); err != nil {
			return err
		}
		files, err = ctl.Recv(s.sock, &s.setup)
	}
	if err != nil {
		return fmt.Errorf("receive setup: %w", err)
	}
	// The descriptors: the block-backed rootfs (BlockRootfs), then one per
	// shared namespace to join (Join).
	blockMount := -1
	shared := files
	if s.setup.BlockRootfs && len(files) > 0 {
		blockMount = int(files[0].Fd())
		shared = files[1:]
	}
	if s.setup.Kind != msgSetup || s.setup.Spec == nil || len(shared) != len(s.setup.Join)+len(s.setup.IDMapped) {
		closeAll(files)
		return errors.New("bad setup message")
	}
	s.idmapped = map[string]*os.File{}
	for i, key := range s.setup.IDMapped {
		s.idmapped[key] = shared[len(s.setup.Join)+i]
	}
	shared = shared[:len(s.setup.Join)]
	s.spec, s.cfg = s.setup.Spec, s.setup.Spec.Config
	s.log.SetName(s.spec.Name)
	s.log.Tracef("stage-2 received its setup")
	c := s.cfg
	s.env = &hooks.Env{
		Name: s.spec.Name, ConfigFile: s.spec.ConfigFile, RootfsMount: rootfsMountPoint(c, s.spec.LXCPath, s.spec.Name),
		RootfsPath: rootfsPathValue(c), Console: c.ConsolePath, ConsoleLog: c.ConsoleLogfile,
		LogLevel: levelName(s.spec.LogLevel), Version: c.HookVersion, Environment: c.Environment,
		Base: s.setup.HookBase,
	}
	if sig := s.setup.Pdeathsig; sig != 0 {
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0); err != nil {
			return fmt.Errorf("set parent-death signal: %w", err)
		}
	}
	err = joinShared(s.setup.Join, shared)
	closeAll(shared)
	if err != nil {
		return err
	}
	if s.setup.CgroupNS {
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("unshare cgroup namespace: %w", err)
		}
	}
	if s.setup.TimeNS {
		if err := unshareTime(s.setup.TimeOffsets); err != nil {
			return err
		}
	}
	// Only in the container's own UTS namespace: a shared one keeps its
	// name, a kept one is the host's.
	if s.setup.Hostname != "" {
		if err := unix.Sethostname([]byte(s.setup.Hostname)); err != nil {
			return fmt.Errorf("set hostname %s: %w", quote.Short(s.setup.Hostname), err)
		}
	}
	if err := setPersonality(c.Arch); err != nil {
		return err
	}
	if s.setup.NewKeyring {
		if a := s.setup.LSMKeyring; a != nil {
			if err := procAttr(*a); err != nil {
				return err
			}
		}
		joinNewSessionKeyring(s.log)
	}
	if _, err := unix.Setsid(); err != nil && err != unix.EPERM {
		return fmt.Errorf("setsid: %w", err)
	}
	if !s.setup.SharedMnt {
		if err := rootfs.MakeHostMountsSlave(); err != nil {
			return err
		}
	}
	if err := hooks.Run(c.Hooks["pre-mount"], "pre-mount", s.env, nil, nil); err != nil {
		return err
	}
	// The profile is a host file: compile it before we pivot away.
	if c.SeccompProfile != "" && !s.setup.NoSeccomp {
		p, err := seccomp.ParseFile(c.SeccompProfile)
		if err != nil {
			return err
		}
		if s.seccomp, err = seccomp.Compile(p); err != nil {
			return fmt.Errorf("lxc.seccomp.profile %s: %w", c.SeccompProfile, err)
		}
	}
	var devpts *os.File
	var ttys []*terminal.Pty
	var console *terminal.Pty
	if s.setup.SharedMnt {
		if s.setup.BlockRootfs && len(files) > 0 {
			files[0].Close()
		}
		if devpts, console, err = sharedMntConsole(c, s.log.Warnf); err != nil {
			return err
		}
	} else {
		if c.RootfsPath == "" {
			return errors.New("lxc.rootfs.path is not set: containers sharing the host's root filesystem are not supported")
		}
		mountPoint := rootfsMountPoint(c, s.spec.LXCPath, s.spec.Name)
		rootDir, err := mountRootfsSource(c, mountPoint, blockMount)
		if s.setup.BlockRootfs && len(files) > 0 {
			files[0].Close() // the attached mount no longer needs its descriptor
		}
		if err != nil {
			return err
		}
		root, err := rootfs.Prepare(rootDir, mountPoint, c.RootfsOptions)
		if err != nil {
			return err
		}
		s.root = root
		root.Warn = s.log.Warnf
		root.Debug = s.log.Debugf
		if devpts, ttys, console, err = s.buildRootfs(); err != nil {
			return err
		}
	}
	// Hand the terminals to the monitor, which then applies the device
	// rules and runs start-host hooks before releasing us.
	ready := syncMsg{Kind: msgReady, Console: -1}
	fds := []int{int(devpts.Fd())}
	if console != nil {
		ready.Console = console.Index
		fds = append(fds, int(console.Master.Fd()))
	}
	for _, t := range ttys {
		ready.TTYs = append(ready.TTYs, t.Index)
		fds = append(fds, int(t.Master.Fd()))
	}
	if err := ctl.Send(s.sock, ready, fds); err != nil {
		return fmt.Errorf("send terminals: %w", err)
	}
	devpts.Close()
	for _, t := range ttys {
		t.Close()
	}
	if console != nil {
		console.Master.Close()
	}
	var goMsg syncMsg
	err = ctl.RecvNoFiles(s.sock, &goMsg)
	if err != nil || goMsg.Kind != msgGo {
		return fmt.Errorf("waiting for the monitor: %v", err)
	}
	if s.root != nil {
		if err := s.root.PivotRoot(); err != nil {
			return err
		}
		s.log.Tracef("pivoted into the container's root")
		s.root.Close()
	}
	if console != nil && !s.spec.PassStdio {
		if err := useConsole(console.Peer); err != nil {
			return err
		}
	} else if !s.spec.PassStdio {
		if err := stdioToNull(); err != nil {
			return err
		}
	}
	if console != nil {
		console.Peer.Close()
	}
	if err := s.writeProcKeys(); err != nil {
		return err
	}
	if err := s.setRlimits(); err != nil {
		return err
	}
	// The LSM labels take effect at execve: the start hooks run confined,
	// as LXC's, and then init.
	for _, a := range s.setup.LSMExec {
		if err := procAttr(a); err != nil {
			return err
		}
	}
	if err := hooks.Run(c.Hooks["start"], "start", s.env, nil, ttyNamesEnv(c, s.spec, len(ttys))); err != nil {
		return err
	}
	env := initEnv(s.cfg, s.spec, len(ttys))
	if c.InitCwd != "" {
		if err := os.MkdirAll(c.InitCwd, 0o755); err != nil {
			return fmt.Errorf("create lxc.init.cwd %s: %w", c.InitCwd, err)
		}
	}
	if s.spec.Execute {
		return s.execShim(env)
	}
	argv, err := initArgv(s.cfg, s.spec)
	if err != nil {
		return err
	}
	path, err := lookPath(argv[0], env)
	if err != nil {
		return err
	}
	if err := s.dropPrivileges(true); err != nil {
		return err
	}
	if err := chdirVerified(c.InitCwd); err != nil {
		return err
	}
	// Nothing of ours may reach init: every descriptor but 0-2 (and the
	// sync socket, whose close tells the monitor we exec'd) is closed on exec.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	err = unix.Exec(path, argv, env)
	return fmt.Errorf("exec %s: %w", argv[0], err)
}

// buildRootfs performs the mounts in LXC's order and allocates the
// terminals. It returns the devpts root handle, the ttys and the console.
func (s *stage2) buildRootfs() (*os.File, []*terminal.Pty, *terminal.Pty, error) {
	c, root := s.cfg, s.root
	if c.Autodev {
		if err := root.Autodev(c.AutodevTmpfsSize); err != nil {
			return nil, nil, nil, err
		}
	}
	keepNetAdmin := capKept(c, "net_admin")
	sysctls := s.setup.Sysctls
	procMounted := false
	if c.MountAuto.Proc != "" {
		if err := root.MountProc(c.MountAuto.Proc, keepNetAdmin, sysctls); err != nil {
			return nil, nil, nil, err
		}
		procMounted = true
	} else if len(sysctls) > 0 {
		return nil, nil, nil, errors.New("lxc.sysctl.* needs lxc.mount.auto = proc (the sysctls are written through the container's procfs)")
	}
	if c.MountAuto.Sys != "" {
		if err := root.MountSys(c.MountAuto.Sys); err != nil {
			return nil, nil, nil, err
		}
	}
	if c.MountAuto.Proc == "mixed" {
		if err := root.Mask(); err != nil {
			return nil, nil, nil, err
		}
	}
	hostRoots := []string{rootfsSource(c).Dir(), filepath.Join(lxcpath.Dir(s.spec.LXCPath, s.spec.Name), "rootfs")}
	if c.MountFstab != "" {
		entries, err := readFstab(c.MountFstab)
		if err != nil {
			return nil, nil, nil, err
		}
		for i, e := range entries {
			if err := s.mountEntry(e, idmapKey("fstab", i), hostRoots); err != nil {
				return nil, nil, nil, fmt.Errorf("lxc.mount.fstab %s: %w", c.MountFstab, err)
			}
		}
	}
	for i, line := range c.MountEntries {
		e, err := rootfs.ParseMountEntry(line)
		if err == nil {
			err = s.mountEntry(e, idmapKey("entry", i), hostRoots)
		}
		if err != nil {
			src := ""
			if i < len(c.MountEntrySrc) {
				src = c.MountEntrySrc[i].String() + ": "
			}
			return nil, nil, nil, fmt.Errorf("%slxc.mount.entry: %w", src, err)
		}
	}
	if err := s.cgroupAutomount(); err != nil {
		return nil, nil, nil, err
	}
	if err := hooks.Run(c.Hooks["mount"], "mount", s.env, nil, nil); err != nil {
		return nil, nil, nil, err
	}
	if c.Autodev {
		if err := root.FillDev(); err != nil {
			return nil, nil, nil, err
		}
		if err := hooks.Run(c.Hooks["autodev"], "autodev", s.env, nil, nil); err != nil {
			return nil, nil, nil, err
		}
	}
	// A private devpts instance always: the console and ttys are allocated
	// in it, so max covers them plus lxc.pty.max.
	consoleWanted := c.ConsolePath != "none"
	max := c.PTYMax + c.TTYMax
	if consoleWanted {
		max++
	}
	devpts, err := root.Devpts(max)
	if err != nil {
		return nil, nil, nil, err
	}
	var console *terminal.Pty
	var ttys []*terminal.Pty
	fail := func(err error) (*os.File, []*terminal.Pty, *terminal.Pty, error) {
		devpts.Close()
		if console != nil {
			console.Close()
		}
		for _, t := range ttys {
			t.Close()
		}
		return nil, nil, nil, err
	}
	if consoleWanted {
		if console, err = terminal.Alloc(devpts); err != nil {
			return fail(fmt.Errorf("allocate console: %w", err))
		}
		// root:root 0620, as LXC's console device.
		unix.Fchmod(int(console.Peer.Fd()), 0o620)
		unix.Fchown(int(console.Peer.Fd()), 0, 0)
		if err := root.BindFD(console.Peer, "dev/console"); err != nil {
			return fail(fmt.Errorf("bind console: %w", err))
		}
	}
	for i := 1; i <= c.TTYMax; i++ {
		t, err := terminal.Alloc(devpts)
		if err != nil {
			return fail(fmt.Errorf("allocate tty%d: %w", i, err))
		}
		ttys = append(ttys, t)
		unix.Fchmod(int(t.Peer.Fd()), 0o620)
		target := fmt.Sprintf("dev/tty%d", i)
		if c.TTYDir != "" {
			target = fmt.Sprintf("dev/%s/tty%d", c.TTYDir, i)
		}
		if err := root.BindFD(t.Peer, target); err != nil {
			return fail(fmt.Errorf("bind tty%d: %w", i, err))
		}
		if c.TTYDir != "" {
			if err := root.Symlink(fmt.Sprintf("%s/tty%d", c.TTYDir, i), fmt.Sprintf("dev/tty%d", i)); err != nil {
				return fail(err)
			}
		}
		t.Peer.Close()
		t.Peer = nil
	}
	if c.TTYDir != "" && consoleWanted {
		if err := root.BindFD(console.Peer, "dev/"+c.TTYDir+"/console"); err != nil {
			return fail(err)
		}
	}
	if procMounted && c.Autodev {
		if err := root.BootID(); err != nil {
			s.log.Warnf("%v", err)
		}
	}
	return devpts, ttys, console, nil
}

// mountEntry mounts one fstab line, attaching the idmapped bind the
// monitor made for it when it has idmap=.
func (s *stage2) mountEntry(e *rootfs.MountEntry, key string, hostRoots []string) error {
	if e.IDMap == "" {
		return s.root.MountEntry(e, hostRoots...)
	}
	m := s.idmapped[key]
	if m == nil {
		if e.Optional {
			return nil // skipped by the monitor, with a warning
		}
		return fmt.Errorf("mount entry %q: the monitor made no idmapped mount for it", e.Raw)
	}
	return s.root.AttachMount(m, e, hostRoots...)
}

func (s *stage2) cgroupAutomount() error {
	m := s.cfg.MountAuto
	if m.Cgroup == "" && m.Cgroup2 == "" {
		return nil
	}
	// With a cgroup namespace the container mounts its own cgroupfs; LXC
	// skips these mounts unless ":force" is given, and so do we.
	if s.setup.CgroupNS && !m.CgroupForce && !m.Cgroup2Force {
		return nil
	}
	if m.Cgroup2 != "" || s.setup.Unified {
		return s.root.MountCgroup2(m.Cgroup2 == "ro" || m.Cgroup == "ro")
	}
	return s.root.MountCgroupV1(s.setup.HostCgroups, s.setup.HasUnified, m.Cgroup == "ro")
}

// joinShared enters the shared namespaces the monitor opened
// (lxc.namespace.share.*), in its order, on this thread, before anything
// else. A mount namespace can only be entered by a thread with its own
// filesystem context (CLONE_FS unshared); a user namespace only by a
// single-threaded process, which the Go runtime never is.
func joinShared(names []string, files []*os.File) error {
	for i, n := range names {
		switch n {
		case "user":
			// Refused by checkNamespaces: only the C supervisor's
			// single-threaded intermediate can enter it.
			return fmt.Errorf("lxc.namespace.share.%s needs golxc's C supervisor", n)
		case "mnt":
			// setns(CLONE_NEWNS) wants a filesystem context of our own;
			// Go's threads share one until this thread unshares it.
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				return fmt.Errorf("unshare filesystem context: %w", err)
			}
		}
		if err := unix.Setns(int(files[i].Fd()), int(config.NamespaceFlags[n])); err != nil {
			return fmt.Errorf("join the shared %s namespace: %w", nsTitle(n), err)
		}
	}
	return nil
}

// sharedMntConsole is the terminal setup in another container's mount
// namespace, where nothing is mounted: the console is a pty of its devpts
// (no /dev/console bind, no ttys), and that devpts is the one lxc-attach
// gets its ptys from.
func sharedMntConsole(c *config.Container, warn func(string, ...any)) (*os.File, *terminal.Pty, error) {
	devpts, err := os.OpenFile("/dev/pts", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/pts of the shared mount namespace: %w", err)
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(devpts.Fd()), &sfs); err != nil || sfs.Type != unix.DEVPTS_SUPER_MAGIC {
		devpts.Close()
		return nil, nil, errors.New("/dev/pts of the shared mount namespace is not a devpts instance")
	}
	if c.ConsolePath == "none" {
		return devpts, nil, nil
	}
	console, err := terminal.Alloc(devpts)
	if err != nil {
		// The other container's lxc.pty.max may leave no pty free: init
		// then runs without a console.
		warn("no console: %v", err)
		return devpts, nil, nil
	}
	unix.Fchmod(int(console.Peer.Fd()), 0o620)
	unix.Fchown(int(console.Peer.Fd()), 0, 0)
	return devpts, console, nil
}

// procAttr writes an LSM attribute of this thread (the one that execs).
func procAttr(a lsm.AttrWrite) error {
	path := "/proc/thread-self/attr/" + a.Name
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	if os.IsNotExist(err) && a.Fallback != "" {
		f, err = os.OpenFile("/proc/thread-self/attr/"+a.Fallback, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	}
	if err == nil {
		_, err = f.WriteString(a.Value)
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("set the LSM attribute %s to %q: %w", a.Name, a.Value, err)
	}
	return nil
}

// joinNewSessionKeyring gives the container a session keyring of its own
// (LXC's lxc_setup_keyring), so it cannot read the host's keys. The
// keyring belongs to this thread's credentials, the thread that execs
// init. A kernel without keys, or keyctl blocked, is no error.
func joinNewSessionKeyring(lg *log.Logger) {
	if _, err := unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0); err != nil &&
		!errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) {
		lg.Warnf("create a session keyring: %v", err)
	}
}

// unshareTime makes the time namespace the container's init will run in
// and writes its offsets, which the kernel accepts only before any process
// is in it: unshare(CLONE_NEWTIME) moves only our future children (and,
// since Linux 5.16, our next execve) into it. /proc/self is the thread
// group leader, the thread stage-2 runs on.
func unshareTime(offsets string) error {
	if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
		return fmt.Errorf("unshare time namespace (lxc.time.offset.*): %w", err)
	}
	if offsets == "" {
		return nil
	}
	if err := os.WriteFile("/proc/self/timens_offsets", []byte(offsets), 0); err != nil {
		return fmt.Errorf("write time namespace offsets %q: %w", strings.TrimSpace(offsets), err)
	}
	return nil
}

func capKept(c *config.Container, name string) bool {
	if c.CapKeepSet || len(c.CapKeep) > 0 {
		for _, k := range c.CapKeep {
			if k == name {
				return true
			}
		}
		return false
	}
	for _, d := range c.CapDrop {
		if d == name {
			return false
		}
	}
	return true
}

func readFstab(path string) ([]*rootfs.MountEntry, error) {
	data, err := config.ReadConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("lxc.mount.fstab: %w", err)
	}
	var out []*rootfs.MountEntry
	for i, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		e, err := rootfs.ParseMountEntry(t)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// useConsole makes the console peer init's stdio and controlling terminal.
func useConsole(peer *os.File) error {
	fd := int(peer.Fd())
	for i := 0; i < 3; i++ {
		if err := unix.Dup3(fd, i, 0); err != nil {
			return fmt.Errorf("console on fd %d: %w", i, err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("make console the controlling terminal: %w", err)
	}
	return nil
}

func stdioToNull() error {
	fd, err := unix.Open("/dev/null", unix.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open /dev/null: %w", err)
	}
	for i := 0; i < 3; i++ {
		unix.Dup3(fd, i, 0)
	}
	if fd > 2 {
		unix.Close(fd)
	}
	return nil
}

// writeProcKeys applies lxc.proc.* to our own /proc entries (init keeps them).
func (s *stage2) writeProcKeys() error {
	for _, kv := range s.cfg.Proc {
		if strings.Contains(kv.Key, "/") || strings.Contains(kv.Key, "..") {
			return fmt.Errorf("lxc.proc.%s: invalid name", kv.Key)
		}
		if err := os.WriteFile("/proc/self/"+kv.Key, []byte(kv.Value), 0); err != nil {
			return fmt.Errorf("lxc.proc.%s = %s: %w", kv.Key, kv.Value, err)
		}
	}
	return nil
}

func (s *stage2) setRlimits() error {
	for _, p := range s.cfg.Prlimits {
		res, ok := p.Resource()
		if !ok {
			return fmt.Errorf("lxc.prlimit.%s: unknown resource limit", p.Name)
		}
		lim := unix.Rlimit{Cur: p.Soft, Max: p.Hard}
		if err := unix.Setrlimit(res, &lim); err != nil {
			return fmt.Errorf("lxc.prlimit.%s = %s: %w", p.Name, p.Raw, err)
		}
	}
	return nil
}

// initEnv is init's environment, as LXC's do_start builds it: cleared,
// then lxc.environment, container=lxc and the tty names systemd looks
// for (not for lxc-execute). No PATH is invented: init sets its own, and
// lookPath falls back to the usual directories.
func initEnv(c *config.Container, spec *Spec, ttys int) []string {
	env := append([]string{"container=lxc"}, ttyNamesEnv(c, spec, ttys)...)
	return append(env, c.Environment...)
}

// ttyNamesEnv is container_ttys, which LXC sets for the start hooks and
// init: the ttys' names in the container's devpts ("pts/1 pts/2"), the
// form systemd's getty generator takes. The console, when there is one,
// is pts/0.
func ttyNamesEnv(c *config.Container, spec *Spec, ttys int) []string {
	if ttys == 0 || spec.Execute {
		return nil
	}
	first := 0
	if c.ConsolePath != "none" {
		first = 1
	}
	names := make([]string, ttys)
	for i := range names {
		names[i] = fmt.Sprintf("pts/%d", first+i)
	}
	return []string{"container_ttys=" + strings.Join(names, " ")}
}

// initArgv is the container's init: the command given to lxc-start,
// lxc.init.cmd, or /sbin/init.
func initArgv(c *config.Container, spec *Spec) ([]string, error) {
	if len(spec.Command) > 0 {
		return spec.Command, nil
	}
	if c.InitCmd != "" {
		argv, err := SplitCommand(c.InitCmd)
		if err != nil {
			return nil, fmt.Errorf("lxc.init.cmd: %w", err)
		}
		if len(argv) > 0 {
			return argv, nil
		}
	}
	return []string{"/sbin/init"}, nil
}

// lookPath finds init's command in the container (we are pivoted) using
// env's PATH, or the usual directories.
func lookPath(cmd string, env []string) (string, error) {
	const def = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	p, err := sysx.LookPath(cmd, env, def)
	if err == nil {
		return p, nil
	}
	if strings.Contains(cmd, "/") {
		return "", fmt.Errorf("init %s: %w", cmd, err)
	}
	path := def
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			path = e[5:]
		}
	}
	return "", fmt.Errorf("init %s: not found in the container (PATH=%s)", cmd, path)
}

// chdirVerified changes to dir (default /) and checks the result is inside
// our root, so no leaked host directory can become init's cwd
// (CVE-2024-21626).
func chdirVerified(dir string) error {
	if dir == "" {
		dir = "/"
	}
	if err := unix.Chdir(dir); err != nil {
		return fmt.Errorf("chdir %s: %w", dir, err)
	}
	wd, err := os.Getwd()
	if err != nil || !strings.HasPrefix(wd, "/") || strings.Contains(wd, "(unreachable)") {
		return fmt.Errorf("working directory %s is outside the container", dir)
	}
	return nil
}

// SplitCommand splits a command line with shell-like quoting (as LXC
// splits lxc.init.cmd / lxc.execute.cmd): blanks separate words, single
// and double quotes group, backslash escapes outside single quotes.
func SplitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else if ch == '\\' && quote == '"' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote = ch
			inWord = true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
