package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

const btrfsMagic = 0x9123683E

// IsBtrfs reports whether path is on a btrfs filesystem.
func IsBtrfs(path string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(path, &fs) == nil && fs.Type == btrfsMagic
}

// IsSubvolume reports whether path is the root of a btrfs subvolume.
func IsSubvolume(path string) bool {
	var st unix.Stat_t
	return IsBtrfs(path) && unix.Lstat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Ino == 256
}

// SameFS reports whether a and b are on the same filesystem (for btrfs:
// the same filesystem UUID is approximated by the statfs fsid).
func SameFS(a, b string) bool {
	var fa, fb unix.Statfs_t
	if unix.Statfs(a, &fa) != nil || unix.Statfs(b, &fb) != nil {
		return false
	}
	return fa.Fsid == fb.Fsid && fa.Type == fb.Type
}

type btrfsVolArgs struct {
	fd   int64
	name [4088]byte
}

type btrfsVolArgsV2 struct {
	fd      int64
	transid uint64
	flags   uint64
	unused  [4]uint64
	name    [4040]byte
}

// ioctl numbers (_IOW(0x94, nr, 4096)).
const (
	iocSubvolCreate = 0x5000940e // BTRFS_IOC_SUBVOL_CREATE
	iocSnapDestroy  = 0x5000940f // BTRFS_IOC_SNAP_DESTROY
	iocSnapCreateV2 = 0x50009417 // BTRFS_IOC_SNAP_CREATE_V2
)

func btrfsIoctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

func openParent(path string) (int, string, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("open %s: %w", dir, err)
	}
	if len(base) >= 4040 {
		unix.Close(fd)
		return -1, "", fmt.Errorf("name too long: %s", base)
	}
	return fd, base, nil
}

// CreateSubvolume makes a new btrfs subvolume at path.
func CreateSubvolume(path string) error {
	fd, base, err := openParent(path)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var a btrfsVolArgs
	copy(a.name[:], base)
	if err := btrfsIoctl(fd, iocSubvolCreate, unsafe.Pointer(&a)); err != nil {
		return fmt.Errorf("create btrfs subvolume %s: %w", path, err)
	}
	return nil
}

// SnapshotSubvolume makes dst a (writable) snapshot of the subvolume src.
func SnapshotSubvolume(src, dst string) error {
	sfd, err := unix.Open(src, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer unix.Close(sfd)
	fd, base, err := openParent(dst)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var a btrfsVolArgsV2
	a.fd = int64(sfd)
	copy(a.name[:], base)
	if err := btrfsIoctl(fd, iocSnapCreateV2, unsafe.Pointer(&a)); err != nil {
		return fmt.Errorf("snapshot btrfs subvolume %s to %s: %w", src, dst, err)
	}
	return nil
}

// DeleteSubvolume deletes the subvolume at path with everything in it.
// It fails with ENOTEMPTY when it holds nested subvolumes.
func DeleteSubvolume(path string) error {
	fd, base, err := openParent(path)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var a btrfsVolArgs
	copy(a.name[:], base)
	if err := btrfsIoctl(fd, iocSnapDestroy, unsafe.Pointer(&a)); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("delete btrfs subvolume %s: %w", path, err)
	}
	return nil
}
