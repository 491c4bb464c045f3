package config

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// MaxFileSize bounds one configuration file (a config, an included
// file, the system lxc.conf): real configs are a few KB; a file of
// hundreds of MB is a mistake or an attack, and would be read whole.
const MaxFileSize = 16 << 20

// MaxTotalSize bounds everything one Load reads, includes followed.
const MaxTotalSize = 64 << 20

// ReadConfigFile reads a configuration file at most MaxFileSize long.
// Only regular files are read: a FIFO, a device (/dev/zero) or a socket
// is refused before it is read (a FIFO would block, /dev/zero never
// ends), and the file is opened without blocking and checked again after
// the open, so swapping it for one of those in between does not help.
func ReadConfigFile(path string) ([]byte, error) {
	return ReadRegularFile(path, MaxFileSize)
}

// ReadRegularFile is ReadConfigFile with another size limit, for other
// files a config names (lxc.mount.fstab, lxc.seccomp.profile).
func ReadRegularFile(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regular(st.Mode(), st.Size(), limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regular(st.Mode(), st.Size(), limit); err != nil {
		return nil, err
	}
	// A file that grows while it is read still stops at the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

func regular(mode os.FileMode, size, limit int64) error {
	if !mode.IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fileKind(mode))
	}
	if size > limit {
		return tooLarge(limit)
	}
	return nil
}

func tooLarge(limit int64) error {
	return fmt.Errorf("larger than %d MiB, the limit for a configuration file", limit>>20)
}

// fileKind names a file type for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
