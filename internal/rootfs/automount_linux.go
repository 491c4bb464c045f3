package rootfs

import (
	"fmt"
	"os"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"

	rand "github.com/golxc/golxc/internal/randbytes"
)

// ProcMaskedFiles are bound over with /dev/null and ProcMaskedDirs with an
// empty read-only tmpfs when proc is mounted "mixed". LXC leaves these to
// AppArmor; without an LSM (this host has none) we apply runc's default
// list so a privileged container cannot read kernel memory or keys.
var (
	ProcMaskedFiles = []string{"proc/kcore", "proc/keys", "proc/latency_stats", "proc/timer_list", "proc/timer_stats", "proc/sched_debug"}
	ProcMaskedDirs  = []string{"proc/acpi", "proc/asound", "proc/scsi", "sys/firmware"}
	ProcReadOnly    = []string{"proc/bus", "proc/fs", "proc/irq", "proc/sysrq-trigger"}
)

// MountProc mounts /proc. mode "mixed" (LXC's default for "proc"): /proc/sys
// read-only except /proc/sys/net when the container keeps CAP_NET_ADMIN,
// /proc/sysrq-trigger read-only (LXC relies on AppArmor for that), and the
// kernel-memory files masked. mode "rw": plain proc.
// sysctls are written through the fresh procfs before /proc/sys turns
// read-only.
func (r *Root) MountProc(mode string, keepNetAdmin bool, sysctls [][2]string) error {
	if err := r.refuseSymlink("proc"); err != nil {
		return err
	}
	h, err := r.MkdirAll("proc", 0o555)
	if err != nil {
		return fmt.Errorf("create /proc: %w", err)
	}
	if err := checkRealDir(h, "proc"); err != nil {
		h.Close()
		return err
	}
	err = unix.Mount("proc", fdPath(h), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	h.Close()
	if err != nil {
		return fmt.Errorf("mount proc on /proc: %w", err)
	}
	r.debugf("mounted proc on /proc")
	if err := r.writeSysctls(sysctls); err != nil {
		return err
	}
	if mode != "mixed" {
		return nil
	}
	var netHandle *os.File
	if keepNetAdmin {
		if netHandle, err = r.Open("proc/sys/net"); err != nil {
			return fmt.Errorf("open /proc/sys/net: %w", err)
		}
		defer netHandle.Close()
	}
	if err := r.bindSelfReadOnly("proc/sys"); err != nil {
		return err
	}
	if netHandle != nil {
		if err := r.mountAt(fdPath(netHandle), "proc/sys/net", "", unix.MS_BIND, "", "", true); err != nil {
			return err
		}
	}
	for _, p := range ProcReadOnly {
		if err := r.bindSelfReadOnly(p); err != nil && !os.IsNotExist(unwrapPathErr(err)) {
			return err
		}
	}
	return nil
}

// Mask hides kernel files under /proc and /sys (see ProcMaskedFiles); it
// runs once both are mounted.
func (r *Root) Mask() error {
	return r.maskPaths()
}

func unwrapPathErr(err error) error {
	for e := err; e != nil; {
		if os.IsNotExist(e) {
			return e
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return err
}

// bindSelfReadOnly bind-mounts target onto itself and remounts it read-only.
func (r *Root) bindSelfReadOnly(target string) error {
	h, err := r.Open(target)
	if err != nil {
		return fmt.Errorf("open /%s: %w", target, err)
	}
	defer h.Close()
	if err := unix.Mount(fdPath(h), fdPath(h), "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind /%s: %w", target, err)
	}
	h2, err := r.Open(target)
	if err != nil {
		return fmt.Errorf("reopen /%s: %w", target, err)
	}
	defer h2.Close()
	if err := remountBind(fdPath(h2), unix.MS_RDONLY); err != nil {
		return fmt.Errorf("remount /%s read-only: %w", target, err)
	}
	r.debugf("made /%s read-only", target)
	return nil
}

// maskPaths hides kernel files behind /dev/null (the host's, verified to
// be char 1:3 — CVE-2025-31133) and directories behind an empty tmpfs.
func (r *Root) maskPaths() error {
	null, err := os.OpenFile("/dev/null", unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("open /dev/null: %w", err)
	}
	defer null.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(null.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		return fmt.Errorf("/dev/null is not the null device")
	}
	for _, p := range ProcMaskedFiles {
		h, err := r.Open(p)
		if err != nil {
			continue // absent on this kernel
		}
		err = unix.Mount(fdPath(null), fdPath(h), "", unix.MS_BIND, "")
		h.Close()
		if err != nil {
			return fmt.Errorf("mask /%s: %w", p, err)
		}
	}
	for _, p := range ProcMaskedDirs {
		h, err := r.Open(p)
		if err != nil {
			continue
		}
		err = unix.Mount("tmpfs", fdPath(h), "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=0,nr_inodes=1,mode=0555")
		h.Close()
		if err != nil {
			return fmt.Errorf("mask /%s: %w", p, err)
		}
	}
	return nil
}

// writeSysctls writes lxc.sysctl.* values through the procfs we just mounted.
func (r *Root) writeSysctls(sysctls [][2]string) error {
	for _, kv := range sysctls {
		rel := "proc/sys/" + dotsToSlashes(kv[0])
		h, err := r.Open(rel)
		if err != nil {
			return fmt.Errorf("sysctl %s: %w", kv[0], err)
		}
		f, err := reopenRW(h)
		h.Close()
		if err != nil {
			return fmt.Errorf("sysctl %s: %w", kv[0], err)
		}
		var sfs unix.Statfs_t
		if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil || sfs.Type != unix.PROC_SUPER_MAGIC {
			f.Close()
			return fmt.Errorf("sysctl %s: target is not on procfs", kv[0])
		}
		_, err = f.WriteString(kv[1])
		f.Close()
		if err != nil {
			return fmt.Errorf("sysctl %s = %s: %w", kv[0], kv[1], err)
		}
	}
	return nil
}

func dotsToSlashes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

// reopenRW upgrades an O_PATH handle to a writable file through a
// verified procfs (pathrs-lite), never through a path lookup.
func reopenRW(h *os.File) (*os.File, error) {
	return pathrs.Reopen(h, os.O_WRONLY|unix.O_CLOEXEC)
}

// MountSys mounts /sys: "ro" read-only, "rw" writable, "mixed" read-only
// with /sys/devices/virtual/net writable (LXC's sys:mixed).
func (r *Root) MountSys(mode string) error {
	if err := r.refuseSymlink("sys"); err != nil {
		return err
	}
	h, err := r.MkdirAll("sys", 0o555)
	if err != nil {
		return fmt.Errorf("create /sys: %w", err)
	}
	defer h.Close()
	if err := checkRealDir(h, "sys"); err != nil {
		return err
	}
	// Flags as LXC's default_mounts table: none, or read-only.
	flags := uintptr(0)
	if mode == "ro" {
		flags |= unix.MS_RDONLY
	}
	if err := unix.Mount("sysfs", fdPath(h), "sysfs", flags, ""); err != nil {
		return fmt.Errorf("mount sysfs on /sys: %w", err)
	}
	r.debugf("mounted sysfs on /sys (%s)", mode)
	if mode != "mixed" {
		return nil
	}
	net, err := r.Open("sys/devices/virtual/net")
	if err != nil {
		return fmt.Errorf("open /sys/devices/virtual/net: %w", err)
	}
	defer net.Close()
	if err := r.bindSelfReadOnly("sys"); err != nil {
		return err
	}
	return r.mountAt(fdPath(net), "sys/devices/virtual/net", "", unix.MS_BIND, "", "", true)
}

// MountCgroup2 mounts the cgroup2 filesystem (rooted at the container's
// cgroup through its cgroup namespace) on /sys/fs/cgroup.
func (r *Root) MountCgroup2(ro bool) error {
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if ro {
		flags |= unix.MS_RDONLY
	}
	return r.mountAt("cgroup2", "sys/fs/cgroup", "cgroup2", flags, "", "dir", true)
}

// MountCgroupV1 mounts a tmpfs on /sys/fs/cgroup and, below it, each v1
// hierarchy (controllers joined with ',') and the unified one, as LXC's
// cgroup:mixed|ro|rw:force does in a cgroup namespace.
func (r *Root) MountCgroupV1(hierarchies [][]string, withUnified, ro bool) error {
	if err := r.mountAt("cgroup", "sys/fs/cgroup", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=10240k,mode=755", "dir", true); err != nil {
		return err
	}
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if ro {
		flags |= unix.MS_RDONLY
	}
	for _, ctrls := range hierarchies {
		name := joinComma(ctrls)
		dir := name
		if len(ctrls) == 1 && len(name) > 5 && name[:5] == "name=" {
			dir = name[5:]
		}
		if err := r.mountAt("cgroup", "sys/fs/cgroup/"+dir, "cgroup", flags, name, "dir", true); err != nil {
			return err
		}
	}
	if withUnified {
		if err := r.mountAt("cgroup2", "sys/fs/cgroup/unified", "cgroup2", flags, "", "dir", true); err != nil {
			return err
		}
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// BootID writes a random boot id into /dev/.lxc-boot-id and binds it over
// /proc/sys/kernel/random/boot_id, as LXC does, so every container boot
// has its own id (systemd's journal relies on it).
func (r *Root) BootID() error {
	id := NewBootID()
	dev, err := r.Open("dev")
	if err != nil {
		return err
	}
	defer dev.Close()
	fd, err := unix.Openat(int(dev.Fd()), ".lxc-boot-id", unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o444)
	if err != nil {
		return fmt.Errorf("write boot id: %w", err)
	}
	unix.Write(fd, []byte(id))
	unix.Close(fd)
	src, err := r.Open("dev/.lxc-boot-id")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := r.Open("proc/sys/kernel/random/boot_id")
	if err != nil {
		return nil // no such file: nothing to hide
	}
	defer dst.Close()
	if err := unix.Mount(fdPath(src), fdPath(dst), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind boot id: %w", err)
	}
	if h, err := r.Open("proc/sys/kernel/random/boot_id"); err == nil {
		remountBind(fdPath(h), unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC)
		h.Close()
	}
	return nil
}

// NewBootID returns a random (version 4) UUID and a newline, the content
// of /proc/sys/kernel/random/boot_id.
func NewBootID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x\n", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// checkRealDir refuses proc/sys targets that are not plain directories:
// mounting them through a symlink is how CVE-2015-1335 style attacks
// redirected LXC's mounts.
func checkRealDir(h *os.File, name string) error {
	return checkDirHandle(h, name)
}

func checkDirHandle(h *os.File, name string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(h.Fd()), &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("refusing to mount %s: /%s in the rootfs is not a directory", name, name)
	}
	return nil
}

// refuseSymlink fails if the top-level entry name of the rootfs is a
// symlink (in-root resolution would follow it to a harmless place, but a
// proc or sys that is a symlink is an attack or a broken image: refuse).
func (r *Root) refuseSymlink(name string) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(r.fd.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return fmt.Errorf("refusing to mount %s: /%s in the rootfs is a symlink", name, name)
	}
	return nil
}
