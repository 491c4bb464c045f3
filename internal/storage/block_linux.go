package storage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// loFlagsAutoclear makes a loop device detach itself when its last user
// (an open descriptor or a mounted filesystem) goes away, so that neither
// a clean stop nor a crash can leave the device attached.
const (
	loFlagsReadOnly  = 1
	loFlagsAutoclear = 4
)

// AttachLoop attaches image to a free loop device (LOOP_CTL_GET_FREE on
// /dev/loop-control, then LOOP_CONFIGURE: one atomic call) with autoclear
// set, and returns the open device. The device stays attached while the
// returned file or a mount of it exists, and detaches by itself after.
func AttachLoop(image string, readOnly bool) (*os.File, error) {
	mode := os.O_RDWR
	if readOnly {
		mode = os.O_RDONLY
	}
	back, err := os.OpenFile(image, mode|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open loop image: %w", err)
	}
	defer back.Close()
	if fi, err := back.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("loop image %s is not a regular file", image)
	}
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attach %s to a loop device: %w", image, err)
	}
	defer ctl.Close()
	flags := uint32(loFlagsAutoclear)
	if readOnly {
		flags |= loFlagsReadOnly
	}
	for try := 0; try < 64; try++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("attach %s: no free loop device: %w", image, err)
		}
		dev, err := openLoopDevice(n, mode)
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", image, err)
		}
		cfg := unix.LoopConfig{Fd: uint32(back.Fd())}
		cfg.Info.Flags = flags
		copy(cfg.Info.File_name[:len(cfg.Info.File_name)-1], image)
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if errors.Is(err, unix.EBUSY) {
			continue // another process took this device first
		}
		return nil, fmt.Errorf("attach %s to %s: %w", image, dev.Name(), err)
	}
	return nil, fmt.Errorf("attach %s: every free loop device was taken by others first", image)
}

func openLoopDevice(n, mode int) (*os.File, error) {
	var first error
	for _, p := range []string{fmt.Sprintf("/dev/loop%d", n), fmt.Sprintf("/dev/loop/%d", n)} {
		f, err := os.OpenFile(p, mode|unix.O_CLOEXEC, 0)
		if err == nil {
			return f, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// LoopBackingFiles lists the attached loop devices and their backing
// files (from sysfs), for leak checks.
func LoopBackingFiles() map[string]string {
	out := map[string]string{}
	ents, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	for _, p := range ents {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		dev := filepath.Base(filepath.Dir(filepath.Dir(p)))
		out["/dev/"+dev] = strings.TrimSpace(string(b))
	}
	return out
}

// DetectFS names the filesystem on a block device or image from its
// superblock (ext2/3/4, xfs, btrfs, f2fs, squashfs), or "" when unknown.
func DetectFS(dev string) string {
	f, err := os.Open(dev)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 65600+8)
	n, _ := f.ReadAt(buf, 0)
	buf = buf[:n]
	has := func(off int, magic []byte) bool {
		return len(buf) >= off+len(magic) && bytes.Equal(buf[off:off+len(magic)], magic)
	}
	switch {
	case has(1080, []byte{0x53, 0xef}):
		// ext2/3/4 share the magic; the feature flags tell them apart,
		// but the ext4 driver mounts all three.
		return "ext4"
	case has(0, []byte("XFSB")):
		return "xfs"
	case has(65600, []byte("_BHRfS_M")):
		return "btrfs"
	case has(1024, []byte{0x10, 0x20, 0xf5, 0xf2}):
		return "f2fs"
	case has(0, []byte("hsqs")):
		return "squashfs"
	}
	return ""
}

// kernelFilesystems lists the block filesystems the kernel (and
// /etc/filesystems) offers, in LXC's order: /etc/filesystems first.
func kernelFilesystems() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range []string{"/etc/filesystems", "/proc/filesystems"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, "nodev") {
				continue
			}
			t := strings.TrimSpace(l)
			if t == "" || t == "*" || strings.HasPrefix(t, "#") || seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, t)
		}
		f.Close()
	}
	return out
}

// mountUnknownFS mounts dev on target trying the filesystem its superblock
// names first, then every block filesystem the kernel knows (LXC's
// mount_unknown_fs).
func mountUnknownFS(dev, target string, flags uintptr, data string) error {
	tried := map[string]bool{}
	var firstErr error
	try := func(t string) bool {
		if t == "" || tried[t] {
			return false
		}
		tried[t] = true
		err := unix.Mount(dev, target, t, flags, data)
		if err == nil {
			return true
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("mount %s (%s) on %s: %w", dev, t, target, err)
		}
		return false
	}
	if try(DetectFS(dev)) {
		return nil
	}
	for _, t := range kernelFilesystems() {
		if try(t) {
			return nil
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return fmt.Errorf("mount %s on %s: no filesystem type found", dev, target)
}

// inPrivateMountNS runs fn on a thread of its own in a new mount namespace
// whose mounts are slaves of the host's: nothing fn mounts is seen outside,
// and the namespace ends with fn (the thread is not handed back to the
// scheduler). Processes fn starts run in that namespace.
func inPrivateMountNS(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare mount namespace: %w", err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			errc <- fmt.Errorf("make / a slave mount: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Mounted is a filesystem mounted nowhere: a detached mount (open_tree
// clone) held by a file descriptor. Its files are reachable through
// Root() by any thread of this process, and a child can attach it
// anywhere in its own mount namespace (move_mount). Closing it (or the
// process dying) unmounts it, which also lets an autoclear loop device
// detach.
type Mounted struct {
	f *os.File
}

// File is the descriptor of the detached mount.
func (m *Mounted) File() *os.File { return m.f }

// Root is a path that reaches the mount's root directory from this
// process ("/proc/self/fd/N/.": the final "." lets O_NOFOLLOW opens work).
func (m *Mounted) Root() string { return fmt.Sprintf("/proc/self/fd/%d/.", m.f.Fd()) }

// Close unmounts the detached mount (once nobody else holds it).
func (m *Mounted) Close() error {
	if m == nil || m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	return err
}

// AttachAt attaches the detached mount at target in the calling thread's
// mount namespace.
func (m *Mounted) AttachAt(target string) error {
	return AttachMountFD(int(m.f.Fd()), target)
}

// AttachMountFD attaches the detached mount fd at target (move_mount).
func AttachMountFD(fd int, target string) error {
	if err := unix.MoveMount(fd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("attach rootfs mount on %s: %w", target, err)
	}
	return nil
}

// mountDetached runs mount, which mounts something on scratch, in a
// private mount namespace and returns a detached clone of the result:
// the host's mount table never shows it.
func mountDetached(scratch string, mount func(target string) error) (*Mounted, error) {
	var m *Mounted
	err := inPrivateMountNS(func() error {
		if err := mount(scratch); err != nil {
			return err
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, scratch, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			return fmt.Errorf("detach the mount on %s: %w", scratch, err)
		}
		m = &Mounted{f: os.NewFile(uintptr(fd), "mount:"+scratch)}
		return nil
	})
	return m, err
}

// MountOptions are lxc.rootfs.options split into mount flags and data.
type MountOptions struct {
	Flags uintptr
	Data  string
}

// MountSource mounts the filesystem of a block-backed source (loop image,
// LVM or other block device, ZFS dataset) as a detached mount; scratch is
// an existing directory it is mounted on for a moment in a private mount
// namespace (the container's rootfs mount point). Dir, btrfs and overlay
// sources need no mounting and are refused.
func MountSource(src Source, scratch string, opt MountOptions) (*Mounted, error) {
	switch src.Type {
	case Loop:
		dev, err := AttachLoop(src.Path, opt.Flags&unix.MS_RDONLY != 0)
		if err != nil {
			return nil, err
		}
		// The mount holds the device from here on; with autoclear the
		// device goes when the last mount of it does.
		defer dev.Close()
		return mountDetached(scratch, func(target string) error {
			if err := mountUnknownFS(dev.Name(), target, opt.Flags, opt.Data); err != nil {
				return fmt.Errorf("loop image %s: %w", src.Path, err)
			}
			return nil
		})
	case LVM, BlockDev:
		st, err := os.Stat(src.Path)
		if err != nil {
			return nil, fmt.Errorf("%s rootfs: %w", src.Type, err)
		}
		if st.Mode()&os.ModeDevice == 0 || st.Mode()&os.ModeCharDevice != 0 {
			return nil, fmt.Errorf("%s rootfs %s is not a block device", src.Type, src.Path)
		}
		return mountDetached(scratch, func(target string) error {
			return mountUnknownFS(src.Path, target, opt.Flags, opt.Data)
		})
	case ZFS:
		return mountDetached(scratch, func(target string) error { return mountZFS(src.Path, target, opt) })
	case Overlay, Overlayfs:
		// Read-only, for copying: the delta stacked on the lower as two
		// lower layers, so its whiteouts and opaque directories hide
		// what the container deleted, and no work directory is needed.
		if src.Lower == "" || src.Upper == "" {
			return nil, fmt.Errorf("overlay rootfs %q: want overlay:LOWER:UPPER", src.String())
		}
		if opt.Flags&unix.MS_RDONLY == 0 {
			return nil, fmt.Errorf("overlay rootfs %s: only a read-only view can be mounted here", src.Upper)
		}
		return mountDetached(scratch, func(target string) error {
			opts := "lowerdir=" + overlayEscape(src.Upper) + ":" + overlayEscape(src.Lower)
			if err := unix.Mount("overlay", target, "overlay", unix.MS_RDONLY, opts); err != nil {
				return fmt.Errorf("mount overlay %s on %s (%s): %w", src.String(), target, opts, err)
			}
			return nil
		})
	}
	return nil, fmt.Errorf("storage type %q needs no mount", src.Type)
}

// mountZFS mounts dataset ds as LXC does: filesystem type zfs with
// "zfsutil,mntpoint=DS" added to the options.
func mountZFS(ds, target string, opt MountOptions) error {
	data := opt.Data + ",zfsutil,mntpoint=" + ds
	err := unix.Mount(ds, target, "zfs", opt.Flags, data)
	if err == nil || errors.Is(err, unix.EBUSY) {
		return nil
	}
	if errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("mount zfs dataset %s: this kernel has no zfs filesystem (is the zfs module loaded?)", ds)
	}
	return fmt.Errorf("mount zfs dataset %s on %s: %w", ds, target, err)
}

// overlayEscape escapes the characters overlayfs' option parser treats
// specially in a layer path (',' separates options, ':' layers).
func overlayEscape(p string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`, `:`, `\:`).Replace(p)
}
