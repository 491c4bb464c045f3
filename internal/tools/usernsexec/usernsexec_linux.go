package usernsexectool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/exeseal"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/sysx"
	"github.com/golxc/golxc/internal/terminal"
	"github.com/golxc/golxc/internal/userns"
)

const stageName = "usernsexec"

func init() {
	stage.Register(stageName, childMain)
}

// Where the default ranges come from (tests point them elsewhere).
var (
	subuidFile = "/etc/subuid"
	subgidFile = "/etc/subgid"
)

// childConfig is sent to the child once its id maps are written.
type childConfig struct {
	Argv []string `json:"argv"`
	UID  int      `json:"uid"`
	GID  int      `json:"gid"`
	// Keep lists the caller's inherited descriptors (3 and up), which
	// the command gets as LXC's lxc-usernsexec passes them; every other
	// descriptor of the stage is closed on exec.
	Keep []int `json:"keep,omitempty"`
}

// progName is the tool's name, as every golxc tool prints it (doc/compat.md
// getopt-argv0).
func progName(x *cli.Ctx) string {
	return x.Tool.Name
}

func run(x *cli.Ctx) error {
	prog := progName(x)
	o, err := parseArgs(prog, x.Args, x.Stderr)
	if err != nil {
		// LXC prints its usage here too, with printf and _exit, so it is
		// lost whenever stdout is not a terminal: print it only to one.
		if terminal.IsTerminal(os.Stdout) {
			fmt.Fprintf(x.Stdout, usageText, prog)
		}
		return cli.Exit(1)
	}
	if o.help {
		fmt.Fprintf(x.Stdout, usageText, prog)
		fmt.Fprint(x.Stdout, cli.HelpFooter())
		return cli.Exit(0)
	}
	if len(o.maps) == 0 {
		if o.maps, err = callerDefaultMaps(); err != nil {
			// LXC's line, then what is missing and who can add it.
			fmt.Fprintf(x.Stderr, "Failed to find subuid or subgid allocation: %v; give -m maps, or ask an administrator for ranges, e.g. usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s\n",
				err, userns.UserName())
			return cli.Exit(1)
		}
	}
	if o.mapSelf {
		o.maps = mapSelf(o.maps, os.Getuid(), os.Getgid())
	}
	if len(o.argv) == 0 {
		o.argv = []string{"/bin/sh"}
	}
	return start(x, o)
}

// callerDefaultMaps maps the caller's first subuid and subgid ranges at 0.
func callerDefaultMaps() ([]idMap, error) {
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		return nil, err
	}
	um, err := defaultMap(subuidFile, u.Username, 'u')
	if err != nil {
		return nil, err
	}
	gm, err := defaultMap(subgidFile, u.Username, 'g')
	if err != nil {
		return nil, err
	}
	return []idMap{um, gm}, nil
}

// ttyStdio re-opens the caller's terminal for the child's standard
// descriptors, as LXC does, so the child gets its own open file
// descriptions of the terminal.
func ttyStdio() [3]*os.File {
	out := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err != nil {
		return out
	}
	for i := range out {
		name, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(i))
		if err != nil {
			continue
		}
		f, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
		if err != nil {
			continue
		}
		out[i] = f
	}
	return out
}

// childFiles lays out the child's descriptors 3 and up: each inherited
// descriptor of the caller at its own number (scripts rely on "5>file"
// reaching the command), then the channel and the sealed binary above
// the highest of them, so neither takes a number the caller passed. It
// returns the ExtraFiles and the channel's number in the child.
func childFiles(inherited []int, channel, sealed *os.File) ([]*os.File, int) {
	top := 3
	for _, fd := range inherited {
		if fd >= top {
			top = fd + 1
		}
	}
	files := make([]*os.File, top-3, top-1)
	for _, fd := range inherited {
		if fd >= 3 {
			files[fd-3] = os.NewFile(uintptr(fd), "inherited")
		}
	}
	return append(files, channel, sealed), top
}

func start(x *cli.Ctx, o *options) error {
	// Before anything of ours is open: what the caller passed us.
	inherited := sysx.InheritedFDs()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return x.Errorf("Failed to create a channel: %v", err)
	}
	sock := os.NewFile(uintptr(pair[0]), "usernsexec-channel")
	defer sock.Close()
	child := os.NewFile(uintptr(pair[1]), "usernsexec-channel")
	sealed, err := exeseal.Sealed()
	if err != nil {
		child.Close()
		return x.Errorf("Failed to create a sealed copy of %s: %v", x.Tool.Name, err)
	}
	stdio := ttyStdio()
	files, chanFD := childFiles(inherited, child, sealed)
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(chanFD+1),
		Args:       []string{filepath.Base(os.Args[0])},
		Env:        append(os.Environ(), stage.Env(stageName, chanFD)...),
		Stdin:      stdio[0],
		Stdout:     stdio[1],
		Stderr:     stdio[2],
		ExtraFiles: files,
		SysProcAttr: &syscall.SysProcAttr{
			// The mount namespace is created with (and owned by) the
			// new user namespace, as LXC's second unshare(CLONE_NEWNS).
			Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			// The child execs our stage before its maps exist, as an
			// unmapped user, which would lose every capability in its
			// namespace. Ambient ones survive that exec so the stage can
			// still switch ids and make / a slave once mapped; it clears
			// them before the command runs.
			AmbientCaps: []uintptr{unix.CAP_SETUID, unix.CAP_SETGID, unix.CAP_SYS_ADMIN},
		},
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2)
	defer signal.Stop(sigs)
	err = cmd.Start()
	child.Close()
	sealed.Close()
	for i, f := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if stdio[i] != f {
			stdio[i].Close() // our re-opened terminal: the child has it
		}
	}
	if err != nil {
		return x.Errorf("Failed to unshare mount and user namespace: %v", err)
	}
	if err := writeMaps(cmd.Process.Pid, o.maps); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		fmt.Fprintf(x.Stderr, "Failed to write id mapping for child process: %v\n", err)
		return cli.Exit(1)
	}
	if err := ctl.Send(int(sock.Fd()), &childConfig{Argv: o.argv, UID: o.uid, GID: o.gid, Keep: inherited}, nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return x.Errorf("Failed to release the child: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	for {
		select {
		case <-done:
			// The child's status; 128+N for signal N (LXC 5.0.2 reports
			// WEXITSTATUS, 0, for a killed child).
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				return cli.Exit(128 + int(ws.Signal()))
			}
			return cli.Exit(ws.ExitStatus())
		case s := <-sigs:
			// Terminal-generated SIGINT/SIGQUIT reach the child directly.
			if s != unix.SIGINT && s != unix.SIGQUIT {
				cmd.Process.Signal(s)
			}
		}
	}
}

// writeMaps gives the child's user namespace its id maps: directly when
// we are root, else through the setuid newuidmap/newgidmap of shadow,
// which check /etc/subuid and /etc/subgid.
func writeMaps(pid int, maps []idMap) error {
	for _, kind := range []byte{'u', 'g'} {
		var lines, args []string
		for _, m := range maps {
			if m.kind != kind {
				continue
			}
			lines = append(lines, fmt.Sprintf("%d %d %d", m.nsID, m.hostID, m.count))
			args = append(args, strconv.FormatInt(m.nsID, 10), strconv.FormatInt(m.hostID, 10), strconv.FormatInt(m.count, 10))
		}
		if len(lines) == 0 {
			continue
		}
		file, helper := "uid_map", "newuidmap"
		if kind == 'g' {
			file, helper = "gid_map", "newgidmap"
		}
		if os.Geteuid() == 0 {
			path := fmt.Sprintf("/proc/%d/%s", pid, file)
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0); err != nil {
				return err
			}
			continue
		}
		if problem := userns.HelperProblem(helper); problem != "" {
			return errors.New(problem)
		}
		bin, err := exec.LookPath(helper)
		if err != nil {
			return fmt.Errorf("%s is needed to map ids as an unprivileged user: %w", helper, err)
		}
		out, err := exec.Command(bin, append([]string{strconv.Itoa(pid)}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %d %s: %v: %s", helper, pid, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// closeOwnFDs marks every descriptor from 3 up close-on-exec except the
// caller's (keep): the sealed binary we run from and anything the Go
// runtime opened must not reach the command.
func closeOwnFDs(keep []int) error {
	if len(keep) == 0 {
		if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
			return fmt.Errorf("close our descriptors: %w", err)
		}
		return nil
	}
	kept := map[int]bool{}
	for _, fd := range keep {
		kept[fd] = true
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("list our descriptors: %w", err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 || kept[fd] {
			continue
		}
		// The directory's own descriptor is gone by now: EBADF is fine.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && err != unix.EBADF {
			return fmt.Errorf("close descriptor %d: %w", fd, err)
		}
	}
	return nil
}

// childMain is the stage in the new user and mount namespaces.
func childMain(fd int) {
	var c childConfig
	err := ctl.RecvNoFiles(fd, &c)
	unix.Close(fd)
	if err != nil {
		// The parent gave up (it already said why).
		os.Exit(1)
	}
	if err := c.setup(); err != nil {
		fmt.Fprintf(os.Stderr, "lxc-usernsexec: %v\n", err)
		os.Exit(1)
	}
	err = sysx.Execvp(c.Argv[0], c.Argv, os.Environ())
	fmt.Fprintf(os.Stderr, "lxc-usernsexec: %s - Failed to execute \"%s\"\n", sysx.ErrnoText(err), c.Argv[0])
	os.Exit(sysx.ExecFailedStatus(err))
}

func (c *childConfig) setup() error {
	if err := closeOwnFDs(c.Keep); err != nil {
		return err
	}
	// No supplementary groups of the caller (EPERM: setgroups denied).
	if err := unix.Setgroups(nil); err != nil && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%s - Failed to drop supplementary groups", sysx.ErrnoText(err))
	}
	// Mounts made here stay here (a mount namespace copied into a new
	// user namespace already receives the host's as slaves).
	unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, "")
	// Every thread (x/sys goes through syscall.AllThreadsSyscall).
	if err := unix.Setresgid(c.GID, c.GID, c.GID); err != nil {
		return fmt.Errorf("%s - Failed to switch to gid %d", sysx.ErrnoText(err), c.GID)
	}
	if err := unix.Setresuid(c.UID, c.UID, c.UID); err != nil {
		return fmt.Errorf("%s - Failed to switch to uid %d", sysx.ErrnoText(err), c.UID)
	}
	// The command gets exactly what its uid implies: root of the
	// namespace gets the full set back from execve, anyone else nothing
	// (the ambient capabilities of the stage must not follow it).
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("%s - Failed to clear ambient capabilities", sysx.ErrnoText(err))
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("%s - Failed to read capabilities", sysx.ErrnoText(err))
	}
	for i := range data {
		data[i].Inheritable = 0
		if c.UID != 0 {
			data[i].Permitted, data[i].Effective = 0, 0
		}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("%s - Failed to drop capabilities", sysx.ErrnoText(err))
	}
	return nil
}
