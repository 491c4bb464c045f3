package runner

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/privs"
	"github.com/golxc/golxc/internal/seccomp"
)

// dropPrivileges applies the container's capability sets, no_new_privs and
// (when switchUser) lxc.init.uid/gid/groups on the calling thread.
func (s *stage2) dropPrivileges(switchUser bool) error {
	c := s.cfg
	if err := privs.DropBounding(privs.CapsToDrop(c.CapDrop, c.CapKeep, c.CapKeepSet)); err != nil {
		return err
	}
	if c.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	// Loaded on this (the exec) thread while we still hold CAP_SYS_ADMIN,
	// after no_new_privs as LXC orders it; init inherits it across execve.
	if err := seccomp.Load(s.seccomp); err != nil {
		return fmt.Errorf("lxc.seccomp.profile %s: %w", c.SeccompProfile, err)
	}
	if !switchUser {
		return nil
	}
	return privs.SwitchUser(int(c.InitUID), int(c.InitGID), c.InitGroups)
}

// useSeccomp is LXC's use_seccomp, decided on the host: a profile is not
// loaded when the kernel has no seccomp, nor, unless
// lxc.seccomp.allow_nesting, when we are already confined by one (a
// container inside a container: the outer policy stays, the inner one is
// not stacked). Why it is not is logged to lg.
func useSeccomp(c *config.Container, lg *log.Logger) bool {
	if c.SeccompProfile == "" {
		return false
	}
	if c.SeccompAllowNesting {
		return true
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Seccomp:"); ok {
			if strings.TrimSpace(v) != "0" {
				lg.Infof("already seccomp-confined, not loading lxc.seccomp.profile (lxc.seccomp.allow_nesting = 1 stacks it)")
				return false
			}
			return true
		}
	}
	lg.Infof("seccomp is not enabled in the kernel: lxc.seccomp.profile is not loaded")
	return false
}

// coreScheduling gives the container a core scheduling domain of its own
// (lxc.sched.core, LXC's core_scheduling): no SMT sibling runs another
// workload's tasks beside its tasks. As LXC: it needs a PID namespace of
// the container's own, and a machine without SMT only gets a note.
func (m *Monitor) coreScheduling(pid int) error {
	if !m.cfg.SchedCore {
		return nil
	}
	if !m.ns.owns("pid") {
		return errors.New("lxc.sched.core needs a PID namespace of the container's own")
	}
	err := unix.Prctl(unix.PR_SCHED_CORE, unix.PR_SCHED_CORE_CREATE, uintptr(pid), unix.PR_SCHED_CORE_SCOPE_THREAD_GROUP, 0)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENODEV):
		m.log.Warnf("lxc.sched.core: the kernel does not support or does not use simultaneous multithreading (SMT): no core scheduling domain")
		return nil
	case errors.Is(err, unix.EINVAL):
		return errors.New("lxc.sched.core: the kernel does not support core scheduling (CONFIG_SCHED_CORE)")
	}
	return fmt.Errorf("lxc.sched.core: create a core scheduling domain: %w", err)
}

// unshareMounts is lxc.monitor.unshare: before the pre-start hooks, the
// monitor's forking thread (every hook and stage-2 fork from it) gets a
// mount namespace of its own, a dependent copy of the host's, so mounts
// made by hooks stay out of the host (LXC unshares the whole monitor).
func (m *Monitor) unshareMounts() error {
	if !m.cfg.MonitorUnshare || m.mountsUnshared {
		return nil
	}
	if err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("lxc.monitor.unshare: unshare the mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("lxc.monitor.unshare: make / a dependent mount: %w", err)
	}
	m.mountsUnshared = true
	return nil
}

// Personalities of lxc.arch (LXC's setup_personality): PER_LINUX32 for a
// 32-bit architecture, PER_LINUX for a 64-bit one.
const (
	perLinux   = 0x0000
	perLinux32 = 0x0008
)

// archPersonality is lxc.arch's personality; ok is false when the key is
// unset (the host's is kept).
func archPersonality(arch string) (int, bool) {
	if arch == "" {
		return 0, false
	}
	is64, ok := config.ArchIs64(arch)
	if !ok {
		return 0, false
	}
	if is64 {
		return perLinux, true
	}
	return perLinux32, true
}

// setPersonality applies lxc.arch on this (the exec) thread.
func setPersonality(arch string) error {
	per, ok := archPersonality(arch)
	if !ok {
		return nil
	}
	if _, _, errno := unix.Syscall(unix.SYS_PERSONALITY, uintptr(per), 0, 0); errno != 0 {
		return fmt.Errorf("set personality for lxc.arch = %s: %w", arch, errno)
	}
	return nil
}
