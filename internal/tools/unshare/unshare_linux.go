package unsharetool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/exeseal"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/sysx"
)

const stageName = "unshare"

func init() {
	stage.Register(stageName, childMain)
}

// childConfig is what the cloned child needs, sent once the parent has
// finished with it (uid map written by os/exec, interfaces moved).
type childConfig struct {
	Argv     []string `json:"argv"`
	Hostname string   `json:"hostname,omitempty"`
	Remount  bool     `json:"remount,omitempty"`  // -M
	MountNS  bool     `json:"mount_ns,omitempty"` // make / private first
	SetUID   bool     `json:"setuid,omitempty"`
	UID      int      `json:"uid"`
}

func run(x *cli.Ctx) error {
	// Option handlers first: their failures are LXC's bare parse error.
	var names []string
	var err error
	if opts.namespaces != "" {
		if names, err = config.ParseNamespaceOption(opts.namespaces); err != nil {
			x.Plainf("%s: could not parse command line", x.Tool.Name)
			return cli.Exit(1)
		}
	}
	uid := 0
	setUID := x.Flags.Changed("user")
	if setUID {
		if uid, err = lookupUser(opts.user); err != nil {
			x.Plainf("%s: could not parse command line", x.Tool.Name)
			return cli.Exit(1)
		}
	}
	if len(x.Args) == 0 {
		return x.Errorf("A command to execute in the new namespace is required")
	}
	if names == nil {
		return x.Errorf("A namespace to execute command is required")
	}
	var flags uintptr
	for _, n := range names {
		flags |= config.NamespaceFlags[n]
	}
	if flags&unix.CLONE_NEWNET == 0 && len(opts.ifaces) > 0 {
		return x.Errorf("-i <interfacename> needs -s NETWORK option")
	}
	if flags&unix.CLONE_NEWUTS == 0 && opts.hostname != "" {
		return x.Errorf("-H <hostname> needs -s UTSNAME option")
	}
	if flags&unix.CLONE_NEWNS == 0 && opts.remount {
		return x.Errorf("-M needs -s MOUNT option")
	}
	// LXC writes the uid map "UID <our uid> 1" for -u, which only a new
	// user namespace accepts.
	if setUID && flags&unix.CLONE_NEWUSER == 0 {
		return x.Errorf("Failed to map uid: -u needs -s USER")
	}

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return x.Errorf("Failed to create a channel: %v", err)
	}
	sock := os.NewFile(uintptr(pair[0]), "unshare-channel")
	defer sock.Close()
	child := os.NewFile(uintptr(pair[1]), "unshare-channel")
	// The clone runs a sealed copy: a command that reaches /proc/PID/exe
	// of it before its exec cannot write our binary (CVE-2019-5736).
	sealed, err := exeseal.Sealed()
	if err != nil {
		child.Close()
		return x.Errorf("Failed to create a sealed copy of %s: %v", x.Tool.Name, err)
	}
	cmd := &exec.Cmd{
		Path:        "/proc/self/fd/4",
		Args:        []string{filepath.Base(os.Args[0])},
		Env:         append(os.Environ(), stage.Env(stageName, 3)...),
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		ExtraFiles:  []*os.File{child, sealed},
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: flags},
	}
	if setUID {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: os.Getuid(), Size: 1}}
	}
	if flags&unix.CLONE_NEWUSER != 0 && os.Geteuid() != 0 {
		// LXC's child sets up the namespaces without an exec, with the
		// capabilities a new user namespace gives its first process. Ours
		// execs a stage first, as a user the namespace does not map, which
		// would drop them all: the ones the set-up needs survive that
		// exec as ambient capabilities, and the stage clears them before
		// the command runs.
		cmd.SysProcAttr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_SETUID}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2)
	defer signal.Stop(sigs)
	err = cmd.Start()
	child.Close()
	sealed.Close()
	if err != nil {
		if setUID && errors.Is(err, unix.EPERM) {
			return x.Errorf("Failed to map uid: %v", err)
		}
		if errors.Is(err, unix.EPERM) && os.Geteuid() != 0 && flags&unix.CLONE_NEWUSER == 0 {
			// The kernel lets a user make the other namespaces only in
			// a user namespace of its own, made in the same clone.
			return x.Errorf("Failed to clone: a user who is not root may create these namespaces only together with a user namespace: add USER, e.g. -s %q",
				"USER|"+opts.namespaces)
		}
		return x.Errorf("Failed to clone: %v", err)
	}
	pid := cmd.Process.Pid
	for _, name := range opts.ifaces {
		if err := moveLink(name, pid); err != nil {
			// LXC goes on without the interface.
			x.Errorf("Could not move interface %s into container %d: %v", name, pid, err)
		}
	}
	cfg := &childConfig{Argv: x.Args, Hostname: opts.hostname, Remount: opts.remount,
		MountNS: flags&unix.CLONE_NEWNS != 0, SetUID: setUID, UID: uid}
	if err := ctl.Send(int(sock.Fd()), cfg, nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return x.Errorf("Failed to start %s: %v", x.Args[0], err)
	}
	if opts.daemon {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case <-done:
			// Unlike LXC 5.0.2 (which exits 1 for any non-zero status),
			// the command's status is ours, 128+N for signal N.
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			switch {
			case ws.Exited():
				return cli.Exit(ws.ExitStatus())
			case ws.Signaled():
				return cli.Exit(128 + int(ws.Signal()))
			}
			return cli.Exit(1)
		case s := <-sigs:
			// From a terminal SIGINT and SIGQUIT reach the command, which
			// shares our process group, directly; others are passed on.
			if s != unix.SIGINT && s != unix.SIGQUIT {
				cmd.Process.Signal(s)
			}
		}
	}
}

// moveLink moves a host interface into the network namespace of pid.
func moveLink(name string, pid int) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	return netlink.LinkSetNsPid(link, pid)
}

// childMain is the "unshare" stage: the first process of the new
// namespaces, PID 1 when a pid namespace was asked for.
func childMain(fd int) {
	var c childConfig
	err := ctl.RecvNoFiles(fd, &c)
	unix.Close(fd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lxc-unshare: Failed to receive instructions: %v\n", err)
		os.Exit(1)
	}
	if err := c.setup(); err != nil {
		fmt.Fprintf(os.Stderr, "lxc-unshare: %v\n", err)
		os.Exit(1)
	}
	err = sysx.Execvp(c.Argv[0], c.Argv, os.Environ())
	fmt.Fprintf(os.Stderr, "lxc-unshare: %s - Failed to exec: '%s'\n", sysx.ErrnoText(err), c.Argv[0])
	os.Exit(sysx.ExecFailedStatus(err))
}

func (c *childConfig) setup() error {
	// Only 0, 1 and 2 for the command.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close inherited descriptors: %w", err)
	}
	if c.MountNS {
		// Nothing mounted or unmounted here may reach the host (LXC once
		// unmounted the host's /proc this way: lxc#3897).
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("%s - Failed to make / private", sysx.ErrnoText(err))
		}
	}
	if c.Remount {
		if err := remountDefaults(); err != nil {
			return err
		}
	}
	if c.Hostname != "" {
		if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
			return fmt.Errorf("%s - Failed to set hostname %s", sysx.ErrnoText(err), c.Hostname)
		}
	}
	if c.SetUID {
		// Every thread (x/sys goes through syscall.AllThreadsSyscall).
		if err := unix.Setresuid(c.UID, c.UID, c.UID); err != nil {
			return fmt.Errorf("%s - Failed to set uid %d", sysx.ErrnoText(err), c.UID)
		}
	}
	// The command gets what its ids give it, as after LXC's execvp: the
	// stage's ambient capabilities (a non-root caller's) must not follow.
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("%s - Failed to clear ambient capabilities", sysx.ErrnoText(err))
	}
	return clearInheritableCaps()
}

// clearInheritableCaps empties the inheritable set, which raising ambient
// capabilities filled.
func clearInheritableCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("%s - Failed to read capabilities", sysx.ErrnoText(err))
	}
	if data[0].Inheritable == 0 && data[1].Inheritable == 0 {
		return nil
	}
	data[0].Inheritable, data[1].Inheritable = 0, 0
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("%s - Failed to drop capabilities", sysx.ErrnoText(err))
	}
	return nil
}

// remountDefaults is LXC's lxc_setup_fs: a /proc of our pid namespace, a
// fresh /dev/shm and /dev/mqueue, each replacing what was there.
func remountDefaults() error {
	for _, m := range []struct {
		src, target, fstype string
		optional            bool
	}{
		{"proc", "/proc", "proc", false},
		// LXC goes on without these ("if we can't mount /dev/shm, continue
		// anyway", "continue even without posix message queue support"):
		// a user without -s IPC may not mount an mqueue of the host's IPC
		// namespace.
		{"shmfs", "/dev/shm", "tmpfs", true},
		{"mqueue", "/dev/mqueue", "mqueue", true},
	} {
		if m.target == "/dev/mqueue" {
			if err := os.MkdirAll(m.target, 0o755); err != nil && !m.optional {
				return fmt.Errorf("create %s: %w", m.target, err)
			}
		}
		// Not mounted is fine (EINVAL).
		unix.Unmount(m.target, unix.MNT_DETACH)
		if err := unix.Mount(m.src, m.target, m.fstype, 0, ""); err != nil && !m.optional {
			return fmt.Errorf("%s - Failed to mount %s", sysx.ErrnoText(err), m.target)
		}
	}
	return nil
}
