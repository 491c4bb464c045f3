// Package privs holds what a process entering a container does to its
// own privileges, for the Go stage-2 and the Go attach stage alike (the C
// supervisor's secure.c does the same for its paths): which capabilities
// lxc.cap.drop / lxc.cap.keep remove, dropping them from the calling
// thread's bounding, inheritable and ambient sets, and switching ids.
//
// Capability sets, no_new_privs and ids are per thread in the kernel:
// every function here acts on the calling thread, which must be the one
// that calls execve next.
package privs

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
)

// LastCap is the highest capability the running kernel knows.
func LastCap() int {
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
// keepSet says lxc.cap.keep was given: "lxc.cap.keep = none" leaves keep
// empty and drops every capability.
func CapsToDrop(drop, keep []string, keepSet bool) []int {
	last := LastCap()
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

// NotIn lists the capabilities the kernel knows that mask lacks (what
// lxc-attach drops: whatever init's bounding set does not have).
func NotIn(mask uint64) []int {
	last := LastCap()
	var out []int
	for c := 0; c <= last && c < 64; c++ {
		if mask&(1<<uint(c)) == 0 {
			out = append(out, c)
		}
	}
	return out
}

// Mask is caps as a bit mask (capabilities 0-63).
func Mask(caps []int) uint64 {
	var m uint64
	for _, c := range caps {
		if c >= 0 && c < 64 {
			m |= 1 << uint(c)
		}
	}
	return m
}

// DropBounding removes caps from the calling thread's bounding and
// inheritable sets and clears its ambient set, as LXC does. Effective and
// permitted stay, so the thread can still switch ids; execve then
// recomputes them from the bounding set.
func DropBounding(caps []int) error {
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
		if c >= 0 && c < 64 {
			data[c/32].Inheritable &^= 1 << uint(c%32)
		}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	return nil
}

// SetIDs sets gid then uid of the calling thread only (raw syscalls:
// x/sys's Setresuid changes every thread, which in a cgo binary means a
// signal to each; only this thread execs).
func SetIDs(uid, gid int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)); e != 0 {
		return fmt.Errorf("setgid %d: %w", gid, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
		return fmt.Errorf("setuid %d: %w", uid, e)
	}
	return nil
}

// SwitchUser sets the supplementary groups, gid and uid. Root with no
// groups keeps root; setgroups(0) still clears inherited groups (EPERM:
// a user namespace that denies setgroups, where there are none to drop).
func SwitchUser(uid, gid int, groups []uint32) error {
	gs := make([]int, 0, len(groups))
	for _, g := range groups {
		gs = append(gs, int(g))
	}
	if err := unix.Setgroups(gs); err != nil && !(errors.Is(err, unix.EPERM) && len(gs) == 0) {
		return fmt.Errorf("setgroups %v: %w", gs, err)
	}
	if uid == 0 && gid == 0 {
		return nil
	}
	return SetIDs(uid, gid)
}

// KillOnly reduces every thread of this process to CAP_KILL: lxc-execute's
// Go init once the application runs needs nothing but signalling and
// reaping, and a pid 1 holding capabilities is a target for a ptrace from
// inside.
func KillOnly() error {
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
