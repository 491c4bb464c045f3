package template

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/paths"
	"github.com/golxc/golxc/internal/stage"
)

// HelperEnv names the environment variable through which golxc's
// lxc-create tells its templates where the fast rootfs copier is (a golxc
// extension: templates fall back to rsync when it is unset, e.g. when LXC's
// lxc-create runs them).
const HelperEnv = "GOLXC_HELPER"

// RunSpec describes one template run.
type RunSpec struct {
	Path   string   // template executable
	CDir   string   // --path
	Name   string   // --name
	Rootfs string   // --rootfs
	Args   []string // after "--" on the lxc-create command line
	IDMaps []config.IDMap
	Quiet  bool // stdio to /dev/null (lxc-create -q)
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// Signals delivers the signals lxc-create caught while the template
	// runs; they are passed on to the whole template process tree.
	Signals <-chan os.Signal
	// RootfsMount is the container's filesystem as a detached mount
	// (block storage: loop, lvm, zfs); the template's mount namespace
	// gets it attached at Rootfs before the template starts, so the host
	// never sees the mount and it goes with the template.
	RootfsMount *os.File
}

// Environment of the template init naming the rootfs mount to attach.
const (
	rootfsMountFDEnv   = "_GOLXC_TEMPLATE_ROOTFS_FD"
	rootfsMountPathEnv = "_GOLXC_TEMPLATE_ROOTFS"
)

// ExitError reports a template that failed.
type ExitError struct {
	Template string
	Status   int            // exit status, or -1
	Signal   syscall.Signal // killed by, or 0
	Caught   os.Signal      // the signal lxc-create received, if any
}

func (e *ExitError) Error() string {
	name := filepath.Base(e.Template)
	switch {
	case e.Caught != nil:
		return fmt.Sprintf("template %s interrupted by %s", name, sigName(e.Caught))
	case e.Signal != 0:
		return fmt.Sprintf("template %s was killed by %s", name, sigName(e.Signal))
	}
	return fmt.Sprintf("template %s exited with status %d", name, e.Status)
}

func sigName(s os.Signal) string {
	if n, ok := s.(syscall.Signal); ok {
		if name := unix.SignalName(n); name != "" {
			return name
		}
	}
	return s.String()
}

func (e *ExitError) Unwrap() error {
	if e.Caught != nil {
		return ErrInterrupted
	}
	return nil
}

// Argv returns the command LXC runs: the template with argv[0] = its base
// name, or lxc-usernsexec with the id maps in front when the config maps
// ids (then argv[0] of the template part is its full path, as in LXC).
func Argv(s *RunSpec) (path string, argv []string, err error) {
	args := []string{"--path=" + s.CDir, "--name=" + s.Name, "--rootfs=" + s.Rootfs}
	args = append(args, s.Args...)
	if len(s.IDMaps) == 0 {
		return s.Path, append([]string{filepath.Base(s.Path)}, args...), nil
	}
	argv = []string{"lxc-usernsexec"}
	for _, m := range s.IDMaps {
		argv = append(argv, "-m", fmt.Sprintf("%c:%d:%d:%d", m.Kind, m.NSID, m.HostID, m.Range))
	}
	uid, extra, err := mappedID(s.IDMaps, 'u', uint32(os.Geteuid()))
	if err != nil {
		return "", nil, err
	}
	argv = append(argv, extra...)
	gid, extra, err := mappedID(s.IDMaps, 'g', uint32(os.Getegid()))
	if err != nil {
		return "", nil, err
	}
	argv = append(argv, extra...)
	argv = append(argv, "--", s.Path)
	argv = append(argv, args...)
	argv = append(argv, "--mapped-uid", strconv.Itoa(int(uid)), "--mapped-gid", strconv.Itoa(int(gid)))
	p, err := usernsexecPath()
	if err != nil {
		return "", nil, fmt.Errorf("the config maps ids but lxc-usernsexec is not in PATH: %w", err)
	}
	return p, argv, nil
}

// usernsexecPath finds lxc-usernsexec: ours next to this tool (a build
// tree, or BINDIR with the multicall links), else the first in PATH.
func usernsexecPath() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "lxc-usernsexec")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath("lxc-usernsexec")
}

// mappedID returns the container id the host id maps to; when it is not
// mapped, a free container id and the extra "-m" map LXC adds for it.
func mappedID(maps []config.IDMap, kind byte, host uint32) (uint32, []string, error) {
	for _, m := range maps {
		if m.Kind == kind && host >= m.HostID && host-m.HostID < m.Range {
			return m.NSID + (host - m.HostID), nil, nil
		}
	}
	// LXC's find_unmapped_nsid: the lowest container id no map uses.
	for id := uint32(0); id < 1<<31; id++ {
		used := false
		for _, m := range maps {
			if m.Kind == kind && id >= m.NSID && id-m.NSID < m.Range {
				used = true
				id = m.NSID + m.Range - 1
				break
			}
		}
		if !used {
			return id, []string{"-m", fmt.Sprintf("%c:%d:%d:1", kind, id, host)}, nil
		}
	}
	return 0, nil, fmt.Errorf("Failed to find free %cid to map", kind)
}

// Run runs the template and waits for it. As root the template gets its
// own mount namespace, so mounts it makes (and forgets) vanish with it,
// and its own PID namespace whose init is a small golxc stage: when the
// template exits, or lxc-create dies in any way (even SIGKILL, through
// Pdeathsig), the kernel kills everything the template started. Without
// root we are a child subreaper instead and kill what is left. A signal
// lxc-create receives is passed on to the template.
func Run(s *RunSpec) error {
	path, argv, err := Argv(s)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: templateEnv()}
	if s.Quiet {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer null.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var status *os.File
	if os.Geteuid() == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable: %w", err)
		}
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		status = r
		cmd.Path = exe
		cmd.Args = append([]string{exe, path}, argv...)
		cmd.Env = append(cmd.Env, stage.Env(InitStage, 3)...)
		cmd.ExtraFiles = []*os.File{w}
		if s.RootfsMount != nil {
			cmd.ExtraFiles = append(cmd.ExtraFiles, s.RootfsMount)
			cmd.Env = append(cmd.Env, rootfsMountFDEnv+"=4", rootfsMountPathEnv+"="+s.Rootfs)
		}
		// Go makes / private in the new mount namespace (LXC makes it a
		// slave).
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID
		defer w.Close()
	} else {
		if s.RootfsMount != nil {
			return fmt.Errorf("template %s: a block-backed rootfs can only be filled as root", s.Path)
		}
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
		defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("execute template %s: %w", s.Path, err)
	}
	if len(cmd.ExtraFiles) > 0 {
		cmd.ExtraFiles[0].Close()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var caught os.Signal
	var waitErr error
	var kill <-chan time.Time
loop:
	for {
		select {
		case waitErr = <-done:
			break loop
		case sig := <-s.Signals:
			if caught == nil {
				caught = sig
				// Give the template a moment to clean up its own things,
				// then kill what is left of it.
				kill = time.After(10 * time.Second)
			}
			if status != nil {
				cmd.Process.Signal(sig) // the init passes it on
			} else {
				signalTree(cmd.Process.Pid, sig.(syscall.Signal))
			}
		case <-kill:
			if status != nil {
				cmd.Process.Kill() // the namespace dies with its init
			} else {
				signalTree(cmd.Process.Pid, syscall.SIGKILL)
			}
		}
	}
	if status == nil {
		reapOrphans()
	}
	if caught != nil {
		return &ExitError{Template: s.Path, Status: -1, Caught: caught}
	}
	if status != nil {
		// The init reports how the template ended.
		msg, _ := io.ReadAll(status)
		var kind string
		var n int
		if _, err := fmt.Sscanf(string(msg), "%s %d", &kind, &n); err == nil {
			switch kind {
			case "exit":
				if n == 0 {
					return nil
				}
				return &ExitError{Template: s.Path, Status: n}
			case "signal":
				return &ExitError{Template: s.Path, Status: -1, Signal: syscall.Signal(n)}
			}
		}
		if len(msg) > 0 {
			return fmt.Errorf("execute template %s: %s", s.Path, strings.TrimSpace(string(msg)))
		}
	}
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			ws := ee.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				return &ExitError{Template: s.Path, Status: -1, Signal: ws.Signal()}
			}
			return &ExitError{Template: s.Path, Status: ws.ExitStatus()}
		}
		return fmt.Errorf("template %s: %w", s.Path, waitErr)
	}
	return nil
}

func templateEnv() []string {
	env := os.Environ()
	if exe, err := os.Executable(); err == nil {
		env = append(env, HelperEnv+"="+exe)
	}
	if os.Geteuid() != 0 && os.Getenv("LXC_CACHE_PATH") == "" {
		// A user's templates cache in the user's cache, which the
		// container's root (the template runs as it) may write through
		// the map of the user's own ids: /var/cache/lxc is root's.
		cache := paths.Cache()
		if err := os.MkdirAll(cache, 0o755); err == nil {
			env = append(env, "LXC_CACHE_PATH="+cache)
		}
	}
	return env
}

// children maps every process to its children, from /proc.
func children() map[int][]int {
	out := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parens.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out[ppid] = append(out[ppid], pid)
	}
	return out
}

// signalTree sends sig to pid and all its descendants.
func signalTree(pid int, sig syscall.Signal) {
	kids := children()
	todo := []int{pid}
	for len(todo) > 0 {
		p := todo[0]
		todo = todo[1:]
		syscall.Kill(p, sig)
		todo = append(todo, kids[p]...)
	}
}

// reapOrphans kills and reaps every process re-parented to us (we are a
// subreaper while the template runs), until none is left.
func reapOrphans() {
	self := os.Getpid()
	for round := 0; round < 100; round++ {
		kids := children()[self]
		// Our own threads are not processes; anything else here was left
		// by the template (we start no other children meanwhile).
		if len(kids) == 0 {
			return
		}
		for _, k := range kids {
			signalTree(k, syscall.SIGKILL)
		}
		for _, k := range kids {
			var ws syscall.WaitStatus
			syscall.Wait4(k, &ws, 0, nil)
		}
	}
}
