// Package randbytes fills buffers from the kernel's CSPRNG with getrandom(2).
// It replaces crypto/rand for MAC addresses, names and boot ids: crypto/rand
// drags the whole FIPS module and its package initialisation into every
// tool, which costs start-up time on each of the several Go processes a
// container start runs.
package randbytes

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Read fills b with random bytes, like crypto/rand.Read.
func Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Getrandom(b[n:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("getrandom: %w", err)
		}
		n += m
	}
	return n, nil
}
