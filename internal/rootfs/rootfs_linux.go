package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/quote"
)

// Root is the container's root filesystem while it is being set up, held
// by an O_PATH handle to the bind mount of the rootfs.
type Root struct {
	// Path is the host path where the rootfs is mounted (LXC_ROOTFS_MOUNT).
	Path string
	fd   *os.File
	// Warn receives non-fatal problems (optional mounts that failed...).
	Warn func(format string, args ...any)
	// Debug receives a line per mount done.
	Debug func(format string, args ...any)
}

func fdPath(f *os.File) string { return "/proc/thread-self/fd/" + strconv.Itoa(int(f.Fd())) }

func (r *Root) debugf(format string, args ...any) {
	if r.Debug != nil {
		r.Debug(format, args...)
	}
}

func (r *Root) warnf(format string, args ...any) {
	if r.Warn != nil {
		r.Warn(format, args...)
	}
}

// MakeHostMountsSlave stops mount events from our namespace reaching the
// host: every mount becomes a slave (host mounts still flow in, nothing
// flows out). Must be called first in the new mount namespace.
func MakeHostMountsSlave() error {
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / rslave: %w", err)
	}
	return nil
}

// Prepare bind-mounts the rootfs directory at mountPoint (usually the
// rootfs itself) so it is a mount point pivot_root can use, applies
// lxc.rootfs.options, and opens the handle every later step resolves from.
func Prepare(rootfsDir, mountPoint, options string) (*Root, error) {
	st, err := os.Stat(rootfsDir)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", rootfsDir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("rootfs %s is not a directory", rootfsDir)
	}
	if mountPoint == "" {
		mountPoint = rootfsDir
	}
	e := &MountEntry{}
	if err := ParseOptions(options, e); err != nil {
		return nil, fmt.Errorf("lxc.rootfs.options: %w", err)
	}
	if err := unix.Mount(rootfsDir, mountPoint, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return nil, fmt.Errorf("bind rootfs %s on %s: %w", rootfsDir, mountPoint, err)
	}
	// The rootfs' parent mount may be shared with the host's peer group; a
	// private rootfs keeps pivot_root legal and our mounts to ourselves.
	if err := unix.Mount("", mountPoint, "", unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make rootfs private: %w", err)
	}
	if flags := e.Flags &^ (unix.MS_BIND | unix.MS_REC); flags != 0 {
		if err := remountBind(mountPoint, flags); err != nil {
			return nil, fmt.Errorf("apply lxc.rootfs.options %s: %w", quote.Short(options), err)
		}
	}
	fd, err := os.OpenFile(mountPoint, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", mountPoint, err)
	}
	return &Root{Path: mountPoint, fd: fd}, nil
}

// remountBind changes the flags of a bind mount, as LXC does (flags as
// given). In a user namespace the source's nosuid/nodev/noexec are locked
// and a remount that drops them fails with EPERM: then it is retried
// keeping them.
func remountBind(target string, flags uintptr) error {
	err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|flags, "")
	if err != unix.EPERM {
		return err
	}
	var sfs unix.Statfs_t
	if serr := unix.Statfs(target, &sfs); serr == nil {
		for _, f := range []uintptr{unix.ST_NOSUID, unix.ST_NODEV, unix.ST_NOEXEC} {
			if uintptr(sfs.Flags)&f != 0 {
				flags |= f // ST_* equal MS_* for these three
			}
		}
	}
	return unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|flags, "")
}

// Close releases the root handle.
func (r *Root) Close() {
	if r.fd != nil {
		r.fd.Close()
	}
}

// FD returns the root handle (O_PATH).
func (r *Root) FD() *os.File { return r.fd }

// clean turns a target into a path relative to the rootfs (CleanTarget).
func (r *Root) clean(target string, hostPrefixes ...string) (string, error) {
	return CleanTarget(r.Path, target, hostPrefixes...)
}

// CleanTarget turns a mount target into a path relative to the rootfs
// mounted at rootPath. Absolute targets that name the rootfs on the host
// (rootPath or one of hostPrefixes) are re-rooted as LXC does; every
// other absolute target is taken inside the rootfs. The root itself is
// refused.
func CleanTarget(rootPath, target string, hostPrefixes ...string) (string, error) {
	t := target
	for _, p := range append([]string{rootPath}, hostPrefixes...) {
		if p != "" && (t == p || strings.HasPrefix(t, strings.TrimRight(p, "/")+"/")) {
			t = strings.TrimPrefix(t, strings.TrimRight(p, "/"))
			break
		}
	}
	t = filepath.Clean("/" + t)
	if t == "/" {
		return "", fmt.Errorf("refusing to mount over the container's root (%s)", quote.Short(target))
	}
	return t[1:], nil
}

// Open resolves target inside the rootfs and returns an O_PATH handle.
func (r *Root) Open(target string) (*os.File, error) {
	return pathrs.OpenatInRoot(r.fd, target)
}

// MkdirAll creates target (and parents) inside the rootfs and returns a handle.
func (r *Root) MkdirAll(target string, mode os.FileMode) (*os.File, error) {
	return pathrs.MkdirAllHandle(r.fd, target, mode)
}

// CreateFile makes sure an (empty) file exists at target, creating parent
// directories, and returns a handle to it. The last component is opened
// with O_NOFOLLOW, so a planted symlink is refused rather than followed.
func (r *Root) CreateFile(target string, mode os.FileMode) (*os.File, error) {
	dir, base := filepath.Split(target)
	var parent *os.File
	var err error
	if dir == "" || dir == "/" {
		parent, err = pathrs.Reopen(r.fd, unix.O_PATH|unix.O_DIRECTORY)
	} else {
		parent, err = r.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return nil, fmt.Errorf("create parent of %s: %w", target, err)
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY, uint32(mode))
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("refusing to create %s: it is a symlink", target)
		}
		// A device node or other special file: fall back to an O_PATH open.
		fd, err = unix.Openat(int(parent.Fd()), base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", target, err)
		}
	}
	f := os.NewFile(uintptr(fd), target)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT == unix.S_IFLNK || st.Mode&unix.S_IFMT == unix.S_IFDIR {
		f.Close()
		return nil, fmt.Errorf("refusing to use %s as a file mount point", target)
	}
	return f, nil
}

// openTarget opens a mount target inside the root, first creating it as a
// directory or an empty file when create (LXC's create= option) says so.
func (r *Root) openTarget(target, create string) (*os.File, error) {
	var h *os.File
	var err error
	switch create {
	case "dir":
		h, err = r.MkdirAll(target, 0o755)
	case "file":
		h, err = r.CreateFile(target, 0o644)
	default:
		h, err = r.Open(target)
	}
	if err != nil {
		return nil, fmt.Errorf("mount target /%s: %w", target, err)
	}
	return h, nil
}

// Mount mounts source (host path, or "" for pseudo filesystems) on target
// inside the rootfs. The target is resolved in the root and the mount is
// done on its file descriptor.
func (r *Root) mountAt(source, target, fstype string, flags uintptr, data string, create string, mustBeDir bool) error {
	h, err := r.openTarget(target, create)
	if err != nil {
		return err
	}
	defer h.Close()
	if mustBeDir {
		var st unix.Stat_t
		if err := unix.Fstat(int(h.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return fmt.Errorf("mount target /%s is not a directory", target)
		}
	}
	if err := unix.Mount(source, fdPath(h), fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on /%s (%s): %w", displaySource(source, fstype), target, fstype, err)
	}
	r.debugf("mounted %s on /%s type %s", displaySource(source, fstype), target, fstype)
	return nil
}

func displaySource(s, fstype string) string {
	if s == "" {
		return fstype
	}
	if strings.HasPrefix(s, "/proc/thread-self/fd/") {
		if p, err := os.Readlink(s); err == nil {
			return p
		}
	}
	return s
}

// MountEntry performs one lxc.mount.entry/fstab line. hostPrefixes are
// host paths of the rootfs that absolute targets may be written with.
func (r *Root) MountEntry(e *MountEntry, hostPrefixes ...string) error {
	err := r.mountEntry(e, hostPrefixes...)
	if err != nil && e.Optional {
		r.warnf("skipping optional mount entry %s: %v", quote.Short(e.Raw), err)
		return nil
	}
	return err
}

func (r *Root) mountEntry(e *MountEntry, hostPrefixes ...string) error {
	target, err := r.clean(e.Target, hostPrefixes...)
	if err != nil {
		return err
	}
	create := ""
	if e.CreateDir {
		create = "dir"
	} else if e.CreateFile {
		create = "file"
	}
	src := e.Source
	var srcHandle *os.File
	if e.Bind() {
		if e.Relative {
			srcHandle, err = r.Open(strings.TrimPrefix(filepath.Clean("/"+src), "/"))
			if err != nil {
				return fmt.Errorf("mount source %s (relative to rootfs): %w", src, err)
			}
		} else {
			srcHandle, err = os.OpenFile(src, unix.O_PATH|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("mount source %s: %w", src, err)
			}
		}
		defer srcHandle.Close()
		src = fdPath(srcHandle)
	}
	flags := e.Flags
	if e.Bind() {
		flags &= unix.MS_BIND | unix.MS_REC
	}
	h, err := r.openTarget(target, create)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := unix.Mount(src, fdPath(h), e.FSType, flags, e.Data); err != nil {
		return fmt.Errorf("mount %s on /%s: %w", e.Source, target, err)
	}
	r.debugf("mounted %s on /%s (%s)", e.Source, target, e.Raw)
	// Flags other than bind need a second pass on a bind mount; the
	// handle is re-opened so it refers to the new mount, not the one below.
	extra := e.Flags &^ (unix.MS_BIND | unix.MS_REC)
	if e.Bind() && extra != 0 {
		h2, err := r.Open(target)
		if err != nil {
			return fmt.Errorf("reopen /%s: %w", target, err)
		}
		defer h2.Close()
		if err := remountBind(fdPath(h2), extra); err != nil {
			return fmt.Errorf("remount /%s with %s: %w", target, quote.Short(e.Raw), err)
		}
	}
	if e.PropFlags != 0 {
		h3, err := r.Open(target)
		if err != nil {
			return fmt.Errorf("reopen /%s: %w", target, err)
		}
		defer h3.Close()
		if err := unix.Mount("", fdPath(h3), "", e.PropFlags, ""); err != nil {
			return fmt.Errorf("set propagation of /%s: %w", target, err)
		}
	}
	return nil
}

// AttachMount puts a detached mount made on the host (an idmapped bind,
// already carrying the entry's flags and propagation) on the entry's
// target, resolved inside the rootfs like every other target.
func (r *Root) AttachMount(m *os.File, e *MountEntry, hostPrefixes ...string) error {
	err := r.attachMount(m, e, hostPrefixes...)
	if err != nil && e.Optional {
		r.warnf("skipping optional mount entry %q: %v", e.Raw, err)
		return nil
	}
	return err
}

func (r *Root) attachMount(m *os.File, e *MountEntry, hostPrefixes ...string) error {
	target, err := r.clean(e.Target, hostPrefixes...)
	if err != nil {
		return err
	}
	create := ""
	if e.CreateDir {
		create = "dir"
	} else if e.CreateFile {
		create = "file"
	}
	h, err := r.openTarget(target, create)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := unix.MoveMount(int(m.Fd()), "", int(h.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("attach idmapped %s on /%s: %w", e.Source, target, err)
	}
	r.debugf("attached idmapped %s on /%s (%s)", e.Source, target, e.Raw)
	return nil
}

// Autodev mounts LXC's /dev tmpfs (mode 0755, size bytes) with a pts
// directory. Nodes are created later by FillDev, after user mounts.
func (r *Root) Autodev(size int) error {
	if h, err := r.Open("dev"); err == nil {
		var st unix.Stat_t
		unix.Fstat(int(h.Fd()), &st)
		h.Close()
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return errors.New("refusing autodev: /dev in the rootfs is not a directory (symlink?)")
		}
	}
	// Flags as LXC's mount_autodev: none beyond the defaults.
	if err := r.mountAt("none", "dev", "tmpfs", 0, fmt.Sprintf("size=%d,mode=755", size), "dir", true); err != nil {
		return err
	}
	h, err := r.MkdirAll("dev/pts", 0o755)
	if err != nil {
		return fmt.Errorf("create /dev/pts: %w", err)
	}
	h.Close()
	return nil
}

// DevNode is one node of LXC's minimal /dev.
type DevNode struct {
	Name         string
	Major, Minor uint32
}

var DevNodes = []DevNode{{"full", 1, 7}, {"null", 1, 3}, {"random", 1, 8}, {"tty", 5, 0}, {"urandom", 1, 9}, {"zero", 1, 5}}

// FillDev creates LXC's standard nodes in /dev (0666), falling back to
// bind-mounting the host's node when mknod is not permitted (user
// namespaces), then the fd/stdin/stdout/stderr links. Each node is
// verified after creation so a planted file or link is never used.
func (r *Root) FillDev() error {
	dev, err := r.MkdirAll("dev", 0o755)
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, n := range DevNodes {
		err := unix.Mknodat(int(dev.Fd()), n.Name, unix.S_IFCHR|0o666, int(unix.Mkdev(n.Major, n.Minor)))
		if err == nil || errors.Is(err, unix.EEXIST) {
			if verr := verifyCharDev(dev, n); verr != nil {
				return verr
			}
			continue
		}
		if !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("mknod /dev/%s: %w", n.Name, err)
		}
		if err := r.mountAt("/dev/"+n.Name, "dev/"+n.Name, "", unix.MS_BIND, "", "file", false); err != nil {
			return fmt.Errorf("bind host /dev/%s: %w", n.Name, err)
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := unix.Symlinkat(target, int(dev.Fd()), name); err != nil && !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.EROFS) {
			return fmt.Errorf("symlink /dev/%s: %w", name, err)
		}
	}
	return nil
}

func verifyCharDev(dir *os.File, n DevNode) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), n.Name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat /dev/%s: %w", n.Name, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(uint64(st.Rdev)) != n.Major || unix.Minor(uint64(st.Rdev)) != n.Minor {
		return fmt.Errorf("/dev/%s is not the character device %d:%d", n.Name, n.Major, n.Minor)
	}
	return nil
}

// Devpts mounts a new devpts instance on /dev/pts (never the host's) and
// makes /dev/ptmx point into it. It returns a handle to the instance's
// root, from which consoles, ttys and attach ptys are allocated.
func (r *Root) Devpts(max int) (*os.File, error) {
	data := "newinstance,ptmxmode=0666,mode=0620,gid=5"
	if max > 0 {
		data += ",max=" + strconv.Itoa(max)
	}
	if err := r.mountAt("devpts", "dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, data, "dir", true); err != nil {
		// Only a refused mount is the kernel's doing; a target that is
		// not a directory is the rootfs's.
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENODEV) {
			return nil, fmt.Errorf("%w (failed to mount a new instance of /dev/pts: the kernel needs CONFIG_DEVPTS_MULTIPLE_INSTANCES or Linux >= 4.7)", err)
		}
		return nil, fmt.Errorf("mount a new devpts instance on /dev/pts: %w", err)
	}
	pts, err := r.Open("dev/pts")
	if err != nil {
		return nil, err
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(pts.Fd()), &sfs); err != nil || sfs.Type != unix.DEVPTS_SUPER_MAGIC {
		pts.Close()
		return nil, errors.New("/dev/pts is not the devpts instance just mounted")
	}
	// /dev/ptmx: bind the instance's ptmx on a placeholder, falling back
	// to a symlink (LXC's order).
	if err := r.mountAt(fdPath(pts)+"/ptmx", "dev/ptmx", "", unix.MS_BIND, "", "file", false); err != nil {
		dev, derr := r.Open("dev")
		if derr == nil {
			unix.Unlinkat(int(dev.Fd()), "ptmx", 0)
			serr := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx")
			dev.Close()
			if serr != nil {
				pts.Close()
				return nil, fmt.Errorf("set up /dev/ptmx: %v; symlink: %w", err, serr)
			}
		}
	}
	return pts, nil
}

// BindFD bind-mounts the file behind src onto target inside the rootfs,
// creating an empty placeholder file (ttys, console). The source is the fd
// itself, so a path swap inside the container cannot redirect it
// (CVE-2025-52565).
func (r *Root) BindFD(src *os.File, target string) error {
	return r.mountAt(fdPath(src), target, "", unix.MS_BIND, "", "file", false)
}

// Symlink creates link -> dest inside the rootfs (dest is not followed).
func (r *Root) Symlink(dest, link string) error {
	dir, base := filepath.Split(link)
	d, err := r.MkdirAll(dir, 0o755)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Symlinkat(dest, int(d.Fd()), base); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("symlink /%s: %w", link, err)
	}
	return nil
}

// PivotRoot makes the rootfs the root with pivot_root(".", ".") and
// detaches the old root, so nothing of the host stays reachable. Old-root
// propagation is set to slave first so the detach cannot reach the host.
func (r *Root) PivotRoot() error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(r.Path, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root: %w", err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	// A fresh shared peer group inside the container, as LXC makes it:
	// systemd and nested containers expect / to be shared. Being a new
	// group, nothing propagates to or from the host.
	if err := unix.Mount("", "/", "", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / rshared: %w", err)
	}
	r.Path = "/"
	return nil
}
