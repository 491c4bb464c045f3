package attachtool

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/nsenter"
	"github.com/golxc/golxc/internal/seccomp"
	sv "github.com/golxc/golxc/internal/supervisor"
)

// execPlan turns the attached process's instructions into a plan the
// nsenter constructor's child performs in C before it execs the command
// (internal/nsenter/attach.c), so no Go runtime starts inside the
// container. It returns nil when the Go attach stage must run instead:
// the user's home or shell is needed and the container's /etc/passwd,
// read from here, does not have it (the Go stage then asks the
// container's own getent, as LXC does).
func (a *attach) execPlan() (*os.File, error) {
	if !nsenter.Available || os.Getenv(sv.EnvDisable) == "off" {
		return nil, nil
	}
	c := &a.cfg
	var pw *passwd
	if len(c.Argv) == 0 || (c.UID != 0 && !c.KeepCwd) {
		if pw = hostPasswd(a.info.InitPID, c.UID); pw == nil {
			return nil, nil
		}
	}
	var p sv.Plan
	var fl uint16
	if c.Quiet {
		fl = sv.Quiet
	}
	p.Add(sv.OpName, fl, c.Prog, c.Name)
	if c.Personality >= 0 {
		p.Add(sv.OpPersonality, 0, c.Personality)
	}
	var drop uint64
	for _, n := range c.CapDrop {
		if n < 64 {
			drop |= 1 << uint(n)
		}
	}
	if drop != 0 {
		p.Add(sv.OpCaps, 0, drop)
	}
	if c.Ctty >= 0 {
		p.Add(sv.OpCtty, 0, c.Ctty, c.UID, c.GID)
	}
	// No supplementary groups, then no_new_privs and seccomp while
	// CAP_SYS_ADMIN is still ours, then the ids (LXC's order).
	p.Add(sv.OpSetuser, 0, a.setupUID, a.setupGID, []byte{}) // the ids it has: groups only
	for _, l := range c.LSMExec {
		p.Add(sv.OpProcAttr, 0, l.Name, l.Fallback, l.Value)
	}
	if c.NoNewPrivs {
		p.Add(sv.OpNNP, 0)
	}
	if len(c.Seccomp) > 0 {
		p.Add(sv.OpSeccomp, 0, seccomp.Encode(c.Seccomp))
	}
	p.Add(sv.OpSetuser, sv.KeepGroups, c.UID, c.GID, []byte{})
	// Root starts in "/", another user in their home when it exists;
	// outside the mount namespace (-s without MOUNT) the caller's
	// directory is kept.
	var cwd sv.List
	switch {
	case c.KeepCwd:
	case c.UID == 0 || pw == nil || pw.home == "":
		cwd = sv.List{"/"}
	default:
		cwd = sv.List{pw.home, "/"}
	}
	p.Add(sv.OpCwd, 0, cwd)
	shell := ""
	if pw != nil {
		shell = pw.shell
	}
	p.Add(sv.OpExecvp, 0, sv.List(c.Argv), sv.List(c.Env), shell)
	b, err := p.Encode()
	if err != nil {
		return nil, err
	}
	return sv.PlanFile(b)
}

// hostPasswd reads uid's entry from the container's /etc/passwd through
// its init's root, resolved inside it (openat2 RESOLVE_IN_ROOT): a
// symlink in the container cannot point the read at a host file, and a
// FIFO or a huge file cannot block or exhaust us.
func hostPasswd(pid, uid int) *passwd {
	root, err := unix.Open(fmt.Sprintf("/proc/%d/root", pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(root)
	fd, err := unix.Openat2(root, "etc/passwd", &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "passwd")
	defer f.Close()
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPasswd))
	if err != nil {
		return nil
	}
	return findPasswd(data, uid)
}
