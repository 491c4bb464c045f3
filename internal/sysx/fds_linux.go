package sysx

import (
	"fmt"
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

// ReadDirNames returns the entries of the directory open at fd (without
// "." and ".."), read with getdents so callers can walk a tree through
// descriptors, never through paths.
func ReadDirNames(fd int) ([]string, error) {
	var names []string
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read directory: %w", err)
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}
