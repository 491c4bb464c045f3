package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/storage"
)

// rootfsSource parses lxc.rootfs.path into its storage type and directories.
func rootfsSource(c *config.Container) storage.Source {
	return storage.Parse(c.RootfsPath)
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
			return fmt.Errorf("lxc.rootfs.path %q: want overlay:LOWER:UPPER", c.RootfsPath)
		}
		dirs = []string{src.Lower, src.Upper}
	default:
		return fmt.Errorf("lxc.rootfs.path %q: storage type %q is not supported yet (dir, btrfs and overlay are)", c.RootfsPath, src.Type)
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
	if src.IsOverlay() {
		return filepath.Join(lxcpath.Dir(lxcpathDir, name), "rootfs")
	}
	return src.Path
}

// mountRootfsSource makes the rootfs available at mountPoint inside our
// (private) mount namespace and returns the directory to bind as the root.
func mountRootfsSource(c *config.Container, mountPoint string) (string, error) {
	src := rootfsSource(c)
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
