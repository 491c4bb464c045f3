package exeseal

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// overlayClone returns our binary opened through a detached, read-only
// overlayfs mount of its directory (runc's cheap alternative to copying
// the binary, libcontainer/exeseal/overlayfs_linux.go): an overlay with no
// upper layer cannot be written, and a detached mount belongs to no mount
// namespace, so nobody can remount it read-write. It costs a mount instead
// of a multi-megabyte copy on every container start.
func overlayClone() (*os.File, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(exe, " (deleted)") || !filepath.IsAbs(exe) {
		return nil, fmt.Errorf("own binary %q has no usable path", exe)
	}
	dir, base := filepath.Split(exe)
	// overlayfs splits lowerdir on ':' and treats ',' and '\' specially.
	if strings.ContainsAny(dir, ":,\\") {
		return nil, fmt.Errorf("directory %q cannot be an overlay lower layer", dir)
	}
	// An overlay without an upper layer needs two lower layers: the
	// binary's directory over an empty, detached tmpfs.
	empty, err := emptyTmpfs()
	if err != nil {
		return nil, err
	}
	defer unix.Close(empty)
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	lower := dir + ":/proc/self/fd/" + strconv.Itoa(empty)
	for _, kv := range [][2]string{{"lowerdir", lower}, {"xino", "off"}, {"index", "off"}, {"redirect_dir", "nofollow"}, {"metacopy", "off"}} {
		if err := unix.FsconfigSetString(fsfd, kv[0], kv[1]); err != nil && kv[0] == "lowerdir" {
			return nil, fmt.Errorf("overlay %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, fmt.Errorf("create overlay: %w", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return nil, fmt.Errorf("mount overlay: %w", err)
	}
	defer unix.Close(mfd)
	fd, err := unix.Openat(mfd, base, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s in overlay: %w", base, err)
	}
	f := os.NewFile(uintptr(fd), "golxc-ro")
	// Make sure it really is our binary and really read-only.
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Stat(exe, &b) != nil || a.Size != b.Size {
		f.Close()
		return nil, fmt.Errorf("overlay copy of %s does not match", exe)
	}
	if wfd, err := unix.Openat(mfd, base, unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		unix.Close(wfd)
		f.Close()
		return nil, fmt.Errorf("overlay copy of %s is writable", exe)
	}
	return f, nil
}

// emptyTmpfs returns a detached, empty, read-only tmpfs mount.
func emptyTmpfs() (int, error) {
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fsfd)
	unix.FsconfigSetString(fsfd, "size", "4k")
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("create tmpfs: %w", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return -1, fmt.Errorf("mount tmpfs: %w", err)
	}
	return mfd, nil
}
