package sysx

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// InheritedFDs lists descriptors above 2 this process inherited (open
// without close-on-exec: everything Go opens itself is close-on-exec).
func InheritedFDs() []int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			out = append(out, fd)
		}
	}
	return out
}
