package remove

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A btrfs subvolume has its own st_dev but the same mount ID as its parent
// and inode number 256; it is ours to delete like any directory.
func isSubvolume(_ int, st *unix.Stat_t) bool { return st.Ino == 256 }

// btrfsVolArgs is struct btrfs_ioctl_vol_args.
type btrfsVolArgs struct {
	fd   int64
	name [4088]byte
}

// BTRFS_IOC_SNAP_DESTROY = _IOW(0x94, 15, struct btrfs_ioctl_vol_args)
const iocSnapDestroy = 0x5000940f

// deleteSubvolume deletes the (empty) subvolume name in the directory dirfd.
func deleteSubvolume(dirfd int, name string) error {
	var args btrfsVolArgs
	if len(name) >= len(args.name) {
		return fmt.Errorf("subvolume name too long")
	}
	copy(args.name[:], name)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(dirfd), iocSnapDestroy, uintptr(unsafe.Pointer(&args))); e != 0 {
		return fmt.Errorf("delete btrfs subvolume: %w", e)
	}
	return nil
}
