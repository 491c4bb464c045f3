package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/rootfs"
	"github.com/golxc/golxc/internal/storage"
)

// rootfsSource parses lxc.rootfs.path into its storage type and
// directories. A path without a type prefix is a directory unless it
// names a regular file (a loop image, as LXC detects) or a block device.
func rootfsSource(c *config.Container) storage.Source {
	src := storage.Parse(c.RootfsPath)
	if src.Type == storage.Dir && !strings.HasPrefix(c.RootfsPath, storage.Dir+":") {
		if st, err := os.Stat(src.Path); err == nil {
			switch {
			case st.Mode().IsRegular():
				src.Type = storage.Loop
			case st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0:
				src.Type = storage.BlockDev
			}
		}
	}
	return src
}

// checkRootfs verifies, before anything is started, that the rootfs of a
// supported backend exists: dir and btrfs need the directory, overlay its
// lower and upper (delta) directories.
func checkRootfs(c *config.Container) error {
	src := rootfsSource(c)
	var dirs []string
	switch {
	case src.Type == storage.Dir || src.Type == storage.Btrfs:
		dirs = []string{src.Path}
	case src.IsOverlay():
		if src.Lower == "" || src.Upper == "" {
			return fmt.Errorf("lxc.rootfs.path %s: want overlay:LOWER:UPPER", quote.Short(c.RootfsPath))
		}
		dirs = []string{src.Lower, src.Upper}
	case src.Type == storage.Loop || src.Type == storage.LVM || src.Type == storage.BlockDev:
		if _, err := os.Stat(src.Path); err != nil {
			return fmt.Errorf("%s rootfs %s: %w", src.Type, src.Path, unwrapPath(err))
		}
		return nil
	case src.Type == storage.ZFS:
		if src.Path == "" {
			return fmt.Errorf("lxc.rootfs.path %s: want zfs:POOL/DATASET", quote.Short(c.RootfsPath))
		}
		return nil
	default:
		return fmt.Errorf("lxc.rootfs.path %s: %v", quote.Short(c.RootfsPath), storage.ErrUnsupported(src.Type))
	}
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("rootfs %s: %w", d, unwrapPath(err))
		}
		if !st.IsDir() {
			return fmt.Errorf("rootfs %s is not a directory", d)
		}
	}
	return nil
}

// rootfsPathValue is LXC_ROOTFS_PATH: lxc.rootfs.path without its type.
func rootfsPathValue(c *config.Container) string {
	_, p := config.SplitRootfsPath(c.RootfsPath)
	return p
}

// rootfsMountPoint is where the rootfs is mounted (LXC_ROOTFS_MOUNT):
// lxc.rootfs.mount when that directory exists; for dir and btrfs the
// rootfs directory itself (bound onto itself); for overlay the container's
// rootfs directory, as LXC uses it for block and overlay backends.
func rootfsMountPoint(c *config.Container, lxcpathDir, name string) string {
	if c.RootfsMount != "" {
		if st, err := os.Stat(c.RootfsMount); err == nil && st.IsDir() {
			return c.RootfsMount
		}
	}
	src := rootfsSource(c)
	if src.IsOverlay() || src.Block() {
		return filepath.Join(lxcpath.Dir(lxcpathDir, name), "rootfs")
	}
	return src.Path
}

// mountBlockRootfs mounts block-backed storage (loop image, LVM or other
// block device, ZFS dataset) on the host side, as a detached mount that
// no mount table shows: stage-2 attaches it in the container's mount
// namespace. A loop device is attached here with autoclear: it detaches
// itself when the container's mount namespace is gone, however the
// container ends. Other storage needs nothing (nil).
func mountBlockRootfs(c *config.Container, mountPoint string) (*storage.Mounted, error) {
	src := rootfsSource(c)
	if !src.Block() {
		return nil, nil
	}
	var e rootfs.MountEntry
	if err := rootfs.ParseOptions(c.RootfsOptions, &e); err != nil {
		return nil, fmt.Errorf("lxc.rootfs.options: %w", err)
	}
	if err := os.Mkdir(mountPoint, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create rootfs mount point %s: %w", mountPoint, err)
	}
	return storage.MountSource(src, mountPoint, storage.MountOptions{
		Flags: e.Flags &^ (unix.MS_BIND | unix.MS_REC), Data: e.Data})
}

// mountRootfsSource makes the rootfs available at mountPoint inside our
// (private) mount namespace and returns the directory to bind as the root.
// blockMount is the monitor's detached mount of block storage (-1: none).
func mountRootfsSource(c *config.Container, mountPoint string, blockMount int) (string, error) {
	src := rootfsSource(c)
	if src.Block() {
		if blockMount < 0 {
			return "", fmt.Errorf("%s rootfs %s: the monitor sent no mount", src.Type, src.Path)
		}
		if err := os.Mkdir(mountPoint, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("create rootfs mount point %s: %w", mountPoint, err)
		}
		if err := storage.AttachMountFD(blockMount, mountPoint); err != nil {
			return "", err
		}
		return mountPoint, nil
	}
	if !src.IsOverlay() {
		return src.Path, nil
	}
	work := storage.OverlayWorkDir(src.Upper)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", fmt.Errorf("create overlay work dir %s: %w", work, err)
	}
	if err := os.Mkdir(mountPoint, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("create rootfs mount point %s: %w", mountPoint, err)
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", src.Lower, src.Upper, work)
	if err := unix.Mount("overlay", mountPoint, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("mount overlay rootfs on %s (%s): %w", mountPoint, opts, err)
	}
	return mountPoint, nil
}
