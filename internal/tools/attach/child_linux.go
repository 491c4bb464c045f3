package attachtool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lsm"
	"github.com/golxc/golxc/internal/privs"
	"github.com/golxc/golxc/internal/seccomp"
	"github.com/golxc/golxc/internal/sysx"
)

// childConfig is what the attached process receives once it is inside
// the container's namespaces and cgroups.
type childConfig struct {
	Prog        string   `json:"prog"`
	Name        string   `json:"name"`
	Quiet       bool     `json:"quiet,omitempty"`
	Argv        []string `json:"argv,omitempty"` // empty: the user's login shell
	Env         []string `json:"env"`
	UID         int      `json:"uid"`
	GID         int      `json:"gid"`
	CapDrop     []int    `json:"cap_drop,omitempty"` // from the bounding set
	NoNewPrivs  bool     `json:"no_new_privs,omitempty"`
	Personality int      `json:"personality"` // -1: unchanged
	Ctty        int      `json:"ctty"`        // which of 0, 1, 2 is the container pty (-1: none)
	// KeepCwd: the mount namespace is not joined, stay where we are.
	KeepCwd bool `json:"keep_cwd,omitempty"`
	// Seccomp is the container's compiled lxc.seccomp.profile.
	Seccomp []bpf.RawInstruction `json:"seccomp,omitempty"`
	// LSMExec label the command at its execve as the container's init
	// is (internal/lsm).
	LSMExec []lsm.AttrWrite `json:"lsm_exec,omitempty"`
}

// childMain is the "attach" stage: it runs in the process the nsenter
// constructor forked inside the container, on the locked main thread
// (every per-thread setting below must be made by the thread that execs).
func childMain(fd int) {
	var c childConfig
	err := ctl.RecvNoFiles(fd, &c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lxc-attach: Failed to receive attach instructions: %v\n", err)
		os.Exit(1)
	}
	os.Exit(c.run())
}

func (c *childConfig) errorf(format string, args ...any) {
	if c.Quiet {
		return
	}
	if c.Name != "" {
		fmt.Fprintf(os.Stderr, "%s: %s: %s\n", c.Prog, c.Name, fmt.Sprintf(format, args...))
	} else {
		fmt.Fprintf(os.Stderr, "%s: %s\n", c.Prog, fmt.Sprintf(format, args...))
	}
}

func (c *childConfig) run() int {
	pw, err := c.setup()
	if err != nil {
		c.errorf("%v", err)
		return 1
	}
	if len(c.Argv) == 0 {
		// LXC's lxc_attach_run_shell: the user's shell, else /bin/sh.
		if pw != nil && pw.shell != "" {
			sysx.Execvp(pw.shell, []string{pw.shell}, c.Env)
		}
		err := sysx.Execvp("/bin/sh", []string{"/bin/sh"}, c.Env)
		c.errorf("%s - Failed to execute shell", sysx.ErrnoText(err))
		return sysx.ExecFailedStatus(err)
	}
	err = sysx.Execvp(c.Argv[0], c.Argv, c.Env)
	c.errorf("%s - Failed to exec \"%s\"", sysx.ErrnoText(err), c.Argv[0])
	return sysx.ExecFailedStatus(err)
}

// setup applies the container's security context in LXC's order
// (do_attach): personality, bounding set, terminal, groups,
// no_new_privs, ids; then it looks up the user and picks the working
// directory. It returns the user's passwd entry, if any.
func (c *childConfig) setup() (*passwd, error) {
	// Only 0, 1 and 2 may reach the command or any helper we run (LXC
	// 5.0.2 passes the caller's other descriptors through; lxc#1345).
	// The channel is not needed any more.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return nil, fmt.Errorf("%s - Failed to close inherited descriptors", sysx.ErrnoText(err))
	}
	if c.Personality >= 0 {
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, uintptr(c.Personality), 0, 0); errno != 0 {
			return nil, fmt.Errorf("%s - Failed to set personality", errno.Error())
		}
	}
	if err := privs.DropBounding(c.CapDrop); err != nil {
		return nil, fmt.Errorf("Failed to drop capabilities: %v", err)
	}
	if c.Ctty >= 0 {
		// Session leader with the container pty as controlling terminal:
		// Ctrl-C typed at the user's terminal reaches the command.
		if _, err := unix.Setsid(); err != nil {
			return nil, fmt.Errorf("%s - Failed to create a new session", sysx.ErrnoText(err))
		}
		if err := unix.IoctlSetInt(c.Ctty, unix.TIOCSCTTY, 0); err != nil {
			return nil, fmt.Errorf("%s - Failed to make the pty the controlling terminal", sysx.ErrnoText(err))
		}
		// The user we switch to must own its terminal (LXC's
		// fix_stdio_permissions), but only this pty we allocated: the
		// caller's own files are never touched (lxc#4338).
		if c.UID != 0 || c.GID != 0 {
			if err := unix.Fchown(c.Ctty, c.UID, c.GID); err != nil {
				return nil, fmt.Errorf("%s - Failed to chown the pty", sysx.ErrnoText(err))
			}
			unix.Fchmod(c.Ctty, 0o620)
		}
	}
	// No supplementary groups (EPERM: a user namespace with setgroups
	// denied; then there are none to drop anyway).
	if err := unix.Setgroups(nil); err != nil && !errors.Is(err, unix.EPERM) {
		return nil, fmt.Errorf("%s - Failed to drop supplementary groups", sysx.ErrnoText(err))
	}
	for _, a := range c.LSMExec {
		if err := lsmAttr(a); err != nil {
			return nil, err
		}
	}
	if c.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("%s - Failed to set PR_SET_NO_NEW_PRIVS", sysx.ErrnoText(err))
		}
	}
	// After no_new_privs and while CAP_SYS_ADMIN is still ours, on the
	// thread that execs (LXC's order: seccomp, then the id switch).
	if err := seccomp.Load(c.Seccomp); err != nil {
		return nil, fmt.Errorf("Failed to load seccomp profile: %v", err)
	}
	// Per-thread: only this locked thread execs, the others end with execve.
	if err := privs.SetIDs(c.UID, c.GID); err != nil {
		return nil, fmt.Errorf("%s - Failed to switch to uid %d gid %d", sysx.ErrnoText(err), c.UID, c.GID)
	}
	// Looked up as the target user and with the container's privileges
	// only: the lookup may run the container's own getent.
	pw := lookupUser(c.UID, c.Env)
	// In the container's mount namespace: root starts in "/" (what LXC
	// gives when the caller's directory has no meaning in the container);
	// another user starts in their home when it exists, else in "/". The
	// path is resolved inside the container (its mount namespace and
	// root), and getcwd proves we are below the container's root
	// (CVE-2024-21626). Outside it (-s without MOUNT) the caller's
	// directory is kept, as LXC does.
	if !c.KeepCwd && (c.UID == 0 || pw == nil || pw.home == "" || unix.Chdir(pw.home) != nil) {
		if err := unix.Chdir("/"); err != nil {
			return nil, fmt.Errorf("%s - Failed to change directory to /", sysx.ErrnoText(err))
		}
	}
	if wd, err := unix.Getwd(); err != nil || !strings.HasPrefix(wd, "/") {
		return nil, fmt.Errorf("current working directory is outside of the container")
	}
	return pw, nil
}

// passwd is the part of a passwd entry attach needs.
type passwd struct {
	home, shell string
}

// maxPasswd bounds how much of the container's /etc/passwd is read.
const maxPasswd = 16 << 20

// lookupUser finds uid in the container's /etc/passwd, then, like LXC,
// through the container's own `getent passwd UID` (NSS modules only the
// container knows).
func lookupUser(uid int, env []string) *passwd {
	if data, err := readRegular("/etc/passwd"); err == nil {
		if pw := findPasswd(data, uid); pw != nil {
			return pw
		}
	}
	bin, err := sysx.LookPath("getent", env, "/bin:/usr/bin")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "passwd", strconv.Itoa(uid))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	return findPasswd(out, uid)
}

// readRegular reads a file the container controls without blocking on a
// FIFO planted in its place or reading without bound.
func readRegular(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return io.ReadAll(io.LimitReader(f, maxPasswd))
}

func findPasswd(data []byte, uid int) *passwd {
	for _, line := range bytes.Split(data, []byte("\n")) {
		f := strings.Split(strings.TrimRight(string(line), "\r"), ":")
		if len(f) != 7 {
			continue
		}
		if u, err := strconv.Atoi(f[2]); err == nil && u == uid {
			return &passwd{home: f[5], shell: f[6]}
		}
	}
	return nil
}

// lsmAttr writes an LSM attribute of this (the exec) thread.
func lsmAttr(a lsm.AttrWrite) error {
	f, err := os.OpenFile("/proc/thread-self/attr/"+a.Name, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	if os.IsNotExist(err) && a.Fallback != "" {
		f, err = os.OpenFile("/proc/thread-self/attr/"+a.Fallback, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	}
	if err == nil {
		_, err = f.WriteString(a.Value)
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("Failed to set the LSM label %q: %v", a.Value, err)
	}
	return nil
}
