package runner

import (
	"fmt"

	"golang.org/x/sys/unix"

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
