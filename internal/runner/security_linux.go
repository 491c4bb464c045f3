package runner

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/seccomp"
)

// lastCap is the highest capability the running kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return n
		}
	}
	return 40
}

// CapsToDrop returns the capability numbers lxc.cap.drop / lxc.cap.keep
// remove, limited to what the kernel knows (LXC ignores unknown ones).
func CapsToDrop(drop, keep []string) []int {
	return CapsToDropSet(drop, keep, len(keep) > 0)
}

// CapsToDropSet is CapsToDrop where keepSet says lxc.cap.keep was given:
// "lxc.cap.keep = none" leaves keep empty and drops every capability.
func CapsToDropSet(drop, keep []string, keepSet bool) []int {
	last := lastCap()
	var out []int
	if keepSet || len(keep) > 0 {
		kept := map[int]bool{}
		for _, k := range keep {
			if n := config.CapNumber(k); n >= 0 {
				kept[n] = true
			}
		}
		for c := 0; c <= last; c++ {
			if !kept[c] {
				out = append(out, c)
			}
		}
		return out
	}
	for _, d := range drop {
		if n := config.CapNumber(d); n >= 0 && n <= last {
			out = append(out, n)
		}
	}
	return out
}

// DropCaps removes caps from the calling thread's bounding set and its
// inheritable and ambient sets, as LXC does. Effective and permitted are
// left alone so the thread can still switch uid; execve then recomputes
// them from the bounding set. The bounding set is per thread: the caller
// must be the thread that will execve.
func DropCaps(caps []int) error {
	if len(caps) == 0 {
		return nil
	}
	for _, c := range caps {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop capability %s from the bounding set: %w", config.CapName(c), err)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for _, c := range caps {
		i, bit := c/32, uint32(1)<<(uint(c)%32)
		if i > 1 {
			continue
		}
		data[i].Inheritable &^= bit
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	return nil
}

// dropPrivileges applies the container's capability sets, no_new_privs and
// (when switchUser) lxc.init.uid/gid/groups on the calling thread.
func (s *stage2) dropPrivileges(switchUser bool) error {
	c := s.cfg
	if err := DropCaps(CapsToDropSet(c.CapDrop, c.CapKeep, c.CapKeepSet)); err != nil {
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
	return SwitchUser(int(c.InitUID), int(c.InitGID), c.InitGroups)
}

// SwitchUser sets groups, gid and uid of the calling thread (raw syscalls:
// Go's syscall.Setuid would change every thread, which is what we want
// here too, but the raw calls keep the order explicit).
func SwitchUser(uid, gid int, groups []uint32) error {
	gs := make([]int, 0, len(groups))
	for _, g := range groups {
		gs = append(gs, int(g))
	}
	if uid == 0 && gid == 0 && len(gs) == 0 {
		// Root keeps root; setgroups(0) still clears inherited groups.
		if err := unix.Setgroups(nil); err != nil && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("setgroups: %w", err)
		}
		return nil
	}
	if err := unix.Setgroups(gs); err != nil && !(errors.Is(err, unix.EPERM) && len(gs) == 0) {
		return fmt.Errorf("setgroups %v: %w", gs, err)
	}
	if err := unix.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("setgid %d: %w", gid, err)
	}
	if err := unix.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("setuid %d: %w", uid, err)
	}
	return nil
}

// ClearOwnCaps reduces every thread of this process to CAP_KILL.
// lxc-execute's init calls it once the application runs: it needs nothing
// but signalling (the application may run as another uid) and reaping, and
// a pid 1 holding capabilities is a target for a ptrace from inside.
func ClearOwnCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	data[0].Effective = 1 << unix.CAP_KILL
	data[0].Permitted = 1 << unix.CAP_KILL
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	if errno != 0 {
		return fmt.Errorf("clear capabilities: %w", errno)
	}
	return nil
}
