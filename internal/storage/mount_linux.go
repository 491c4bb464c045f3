package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// OverlayWorkDir returns the work directory LXC uses for an overlay delta
// (<delta>/../work).
func OverlayWorkDir(upper string) string {
	return filepath.Join(filepath.Dir(upper), "work")
}

// WithMounted runs fn with the container's files visible at a directory:
// the rootfs itself for dir and btrfs; for overlay and block storage the
// filesystem mounted at mountpoint in a private mount namespace that exists only for fn (so
// nothing stays mounted on the host, whatever happens). Child processes
// started by fn (clone hooks) run in that namespace.
func WithMounted(src Source, mountpoint string, fn func(root string) error) error {
	switch src.Type {
	case Dir, Btrfs:
		return fn(src.Path)
	case Overlay, Overlayfs:
	case Loop, LVM, ZFS, BlockDev:
		return withBlockMounted(src, mountpoint, fn)
	default:
		return ErrUnsupported(src.Type)
	}
	work := OverlayWorkDir(src.Upper)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", work, err)
	}
	if err := os.MkdirAll(mountpoint, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", mountpoint, err)
	}
	errc := make(chan error, 1)
	go func() {
		// The thread gets its own mount namespace and is never handed back
		// to the scheduler (no UnlockOSThread): it dies with this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare mount namespace: %w", err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			errc <- fmt.Errorf("make / a slave mount: %w", err)
			return
		}
		opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", src.Lower, src.Upper, work)
		if err := unix.Mount("overlay", mountpoint, "overlay", 0, opts); err != nil {
			errc <- fmt.Errorf("mount overlay on %s (%s): %w", mountpoint, opts, err)
			return
		}
		err := fn(mountpoint)
		if uerr := unix.Unmount(mountpoint, unix.MNT_DETACH); uerr != nil && err == nil {
			err = fmt.Errorf("unmount %s: %w", mountpoint, uerr)
		}
		errc <- err
	}()
	return <-errc
}

// withBlockMounted mounts block storage at mountpoint in a private mount
// namespace for fn (clone hooks and the new hostname of lxc-copy).
func withBlockMounted(src Source, mountpoint string, fn func(root string) error) error {
	if err := os.MkdirAll(mountpoint, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", mountpoint, err)
	}
	m, err := MountSource(src, mountpoint, MountOptions{})
	if err != nil {
		return err
	}
	defer m.Close()
	return inPrivateMountNS(func() error {
		if err := m.AttachAt(mountpoint); err != nil {
			return err
		}
		return fn(mountpoint)
	})
}
