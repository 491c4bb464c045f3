package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/storage"
)

// checkConfig refuses, before anything is made, configurations that
// would fail the start with an error naming the wrong cause (the kernel's
// EINVAL for an id map instead of the lxc.idmap line).
func checkConfig(c *config.Container) error {
	return c.CheckIDMaps()
}

// checkRootfsDev refuses a directory rootfs whose /dev or /dev/pts the
// container's setup cannot use: with lxc.autodev = 0 they come from the
// rootfs, and a /dev/pts that is a file fails the devpts mount with an
// error that does not say it is the rootfs's.
func checkRootfsDev(c *config.Container) error {
	src := rootfsSource(c)
	if (src.Type != storage.Dir && src.Type != storage.Btrfs) || src.Path == "" {
		return nil
	}
	dirs := []string{"dev"}
	if !c.Autodev {
		dirs = append(dirs, "dev/pts")
	}
	for _, d := range dirs {
		st, err := os.Lstat(filepath.Join(src.Path, d))
		if err != nil || st.IsDir() || st.Mode()&os.ModeSymlink != 0 {
			continue // missing: made; a link: resolved inside the rootfs
		}
		if c.Autodev {
			return fmt.Errorf("the rootfs's /dev is %s, not a directory (lxc.autodev = 1 mounts a tmpfs there)", fileKind(st.Mode()))
		}
		return fmt.Errorf("lxc.autodev = 0 and the rootfs's /%s is %s, not a directory (a new devpts instance is mounted on /dev/pts): make it a directory, or set lxc.autodev = 1", d, fileKind(st.Mode()))
	}
	return nil
}

// fileKind names a file type for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a directory"
}

// explainStartError rewrites a start error whose text names an internal
// step when a config key is its cause: a failed write of a sysctl under
// /proc/sys names the lxc.sysctl key, its value and what the errno means
// for a kernel parameter.
func explainStartError(c *config.Container, err error) error {
	if err == nil {
		return nil
	}
	err = shortWords{err}
	msg := err.Error()
	for _, kv := range c.Sysctls {
		p := "write /proc/sys/" + strings.ReplaceAll(kv.Key, ".", "/")
		if !strings.HasSuffix(msg, p) && !strings.Contains(msg, p+":") {
			continue
		}
		var why string
		switch {
		case errors.Is(err, syscall.ENOENT):
			why = "the kernel has no such parameter in the container's namespaces"
		case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ERANGE):
			why = "the kernel refuses this value for it"
		case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EROFS):
			why = "the container may not set it"
		default:
			return fmt.Errorf("lxc.sysctl.%s = %s: %w", quote.Bare(kv.Key), quote.Short(kv.Value), err)
		}
		return fmt.Errorf("lxc.sysctl.%s = %s: %s (%w)", quote.Bare(kv.Key), quote.Short(kv.Value), why, err)
	}
	return err
}

// shortWords shows an error with every very long word cut short (a path
// or mount option of megabytes from the config, quoted whole by a step
// that could not know better); errors.Is and As see the original.
type shortWords struct{ err error }

func (e shortWords) Error() string { return quote.LongWords(e.err.Error(), 256) }
func (e shortWords) Unwrap() error { return e.err }
