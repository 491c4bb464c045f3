package storage

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/storage/copier"
	"github.com/golxc/golxc/internal/storage/remove"
)

// CreateSpec says where and how to create a new container's storage.
type CreateSpec struct {
	Type   string // dir, none, btrfs, overlay, overlayfs, loop, lvm, zfs, best ("" = dir)
	CDir   string // <lxcpath>/<name>
	Name   string // the container's name (LVM volume and ZFS dataset names)
	Rootfs string // rootfs directory (default <cdir>/rootfs; --dir); the mount point of block storage
	// Block storage (lxc-create --fstype, --fssize, --lvname, --vgname,
	// --thinpool, --zfsroot); empty values take Defaults, then LXC's.
	FSType                   string
	FSSize                   uint64
	LVName, VGName, ThinPool string
	ZFSRoot                  string
	Defaults                 Defaults
	// Intent, when set, is told the storage about to be made outside the
	// container directory (an LVM volume, a ZFS dataset) before the tool
	// that makes it runs, so that the remains of a create or copy killed
	// meanwhile can be found and removed.
	Intent func(Source) error
}

// Created describes storage made by Create, so a failed create can undo
// exactly that.
type Created struct {
	Source Source
	// MountPoint is the directory the rootfs is (or gets mounted) at: the
	// rootfs directory of dir and btrfs, the mount point of block storage,
	// the lower directory of overlay.
	MountPoint string
	// Made lists the paths Create made, to remove on failure.
	Made []string
	// External is set when the rootfs lies outside the container directory.
	External bool
}

// Create makes the storage for a new container and returns its source.
// An existing rootfs directory is used only when empty: LXC happily fills
// (and lxc-destroy later deletes) a non-empty --dir. "best" tries LXC's
// order: btrfs, zfs, lvm, then dir, each where it can be made.
func Create(spec CreateSpec) (*Created, error) {
	typ := spec.Type
	rootfs := spec.Rootfs
	if rootfs == "" {
		rootfs = filepath.Join(spec.CDir, "rootfs")
	}
	switch typ {
	case "", None:
		typ = Dir
	case Best:
		for _, t := range bestOrder(filepath.Dir(rootfs)) {
			s := spec
			s.Type = t
			if c, err := Create(s); err == nil || t == Dir {
				return c, err
			}
		}
	}
	c := &Created{External: !Within(rootfs, spec.CDir), MountPoint: rootfs}
	switch typ {
	case Dir:
		made, err := mkdirEmpty(rootfs)
		if err != nil {
			return nil, err
		}
		c.Made = made
		c.Source = Source{Type: Dir, Path: rootfs}
	case Btrfs:
		if !IsBtrfs(filepath.Dir(rootfs)) {
			return nil, fmt.Errorf("%s is not on a btrfs filesystem", filepath.Dir(rootfs))
		}
		if err := os.MkdirAll(filepath.Dir(rootfs), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(rootfs), err)
		}
		if err := CreateSubvolume(rootfs); err != nil {
			return nil, err
		}
		os.Chmod(rootfs, 0o755)
		c.Made = []string{rootfs}
		c.Source = Source{Type: Btrfs, Path: rootfs}
	case Overlay, Overlayfs:
		made, err := mkdirEmpty(rootfs)
		if err != nil {
			return nil, err
		}
		delta := filepath.Join(spec.CDir, "overlay", "delta")
		if err := os.MkdirAll(delta, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", delta, err)
		}
		c.Made = append(made, filepath.Join(spec.CDir, "overlay"))
		c.Source = Source{Type: Overlay, Lower: rootfs, Upper: delta}
	case Loop, LVM, ZFS:
		made, err := mkdirEmpty(rootfs)
		if err != nil {
			return nil, err
		}
		c.Made = made
		src, err := createBlock(typ, spec, rootfs)
		if err != nil {
			c.Undo()
			return nil, err
		}
		c.Source = src
		if typ == Loop {
			c.Made = append(c.Made, src.Path)
		}
	default:
		if !ValidType(typ) {
			return nil, fmt.Errorf("%s is not a valid backing storage type", typ)
		}
		return nil, ErrUnsupported(typ)
	}
	return c, nil
}

// bestOrder is LXC's preference for -B best (btrfs, zfs, lvm, dir),
// keeping only what this host can have: btrfs under a btrfs directory,
// zfs and lvm when their tools are installed.
func bestOrder(parent string) []string {
	var out []string
	for p := parent; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			if IsBtrfs(p) {
				out = append(out, Btrfs)
			}
			break
		}
		if p == "/" || p == "." {
			break
		}
	}
	if _, err := exec.LookPath("zfs"); err == nil {
		out = append(out, ZFS)
	}
	if _, err := exec.LookPath("lvcreate"); err == nil {
		out = append(out, LVM)
	}
	return append(out, Dir)
}

// createBlock makes a loop image, LVM volume or ZFS dataset with a new
// filesystem (LXC's loop_create, lvm_create, zfs_create); rootfs is its
// mount point.
func createBlock(typ string, spec CreateSpec, rootfs string) (Source, error) {
	size := spec.FSSize
	if size == 0 {
		size = DefaultFSSize
	}
	fstype := spec.FSType
	if fstype == "" {
		fstype = DefaultFSType
	}
	switch typ {
	case Loop:
		image := loopImagePath(rootfs)
		if err := createLoopImage(image, size, fstype); err != nil {
			return Source{}, err
		}
		return Source{Type: Loop, Path: image}, nil
	case LVM:
		vg := firstOf(spec.VGName, spec.Defaults.VG, "lxc")
		lv := firstOf(spec.LVName, spec.Name)
		dev := LVMDevice(vg, lv)
		if spec.Intent != nil {
			if err := spec.Intent(Source{Type: LVM, Path: dev}); err != nil {
				return Source{}, err
			}
		}
		if err := lvmCreate(dev, size, firstOf(spec.ThinPool, spec.Defaults.ThinPool, "lxc")); err != nil {
			return Source{}, err
		}
		if err := mkfs(fstype, dev); err != nil {
			lvmRemove(dev)
			return Source{}, err
		}
		return Source{Type: LVM, Path: dev}, nil
	case ZFS:
		ds := firstOf(spec.ZFSRoot, spec.Defaults.ZFSRoot, "lxc") + "/" + spec.Name
		if spec.Intent != nil {
			if err := spec.Intent(Source{Type: ZFS, Path: ds}); err != nil {
				return Source{}, err
			}
		}
		if err := zfsCreate(ds, rootfs); err != nil {
			return Source{}, err
		}
		return Source{Type: ZFS, Path: ds}, nil
	}
	return Source{}, ErrUnsupported(typ)
}

// loopImagePath is where LXC puts a loop image for the rootfs mount point
// dest: dest with its last two characters replaced by "dev"
// (<cdir>/rootfs -> <cdir>/rootdev).
func loopImagePath(dest string) string {
	if len(dest) < 2 {
		return dest + "dev"
	}
	return dest[:len(dest)-2] + "dev"
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// mkdirEmpty creates dir (0755, parents too) or accepts an existing empty
// directory; it returns the topmost directory it created.
func mkdirEmpty(dir string) ([]string, error) {
	if ents, err := os.ReadDir(dir); err == nil {
		if len(ents) > 0 {
			return nil, fmt.Errorf("rootfs directory %s exists and is not empty", dir)
		}
		os.Chmod(dir, 0o755)
		return nil, nil
	}
	top := dir
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		top = p
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create rootfs %s: %w", dir, err)
	}
	os.Chmod(dir, 0o755)
	return []string{top}, nil
}

// Undo removes what Create made (a failed lxc-create).
func (c *Created) Undo() error {
	var errs []error
	switch c.Source.Type {
	case LVM:
		errs = append(errs, lvmRemove(c.Source.Path))
	case ZFS:
		errs = append(errs, zfsDestroy(c.Source.Path))
	}
	for i := len(c.Made) - 1; i >= 0; i-- {
		p := c.Made[i]
		if c.Source.Type == Btrfs && p == c.Source.Path {
			if DeleteSubvolume(p) == nil {
				continue
			}
		}
		if err := remove.RemoveAll(p, remove.Options{}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DestroyOptions tunes Destroy.
type DestroyOptions struct {
	CDir string // the container directory
	// Owned is the external rootfs recorded in the container's OwnerMarker.
	Owned string
	Warn  func(msg string)
}

// Destroy removes the storage of src. Storage inside the container
// directory is removed; a dir rootfs outside it only when golxc created it
// (opt.Owned); overlay lower directories never (they belong to the
// container this one was cloned from).
func Destroy(src Source, opt DestroyOptions) error {
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	switch src.Type {
	case "":
		return nil
	case Dir, Btrfs:
		p := filepath.Clean(src.Path)
		if !filepath.IsAbs(p) {
			return fmt.Errorf("rootfs path %q is not absolute; refusing to delete it", src.Path)
		}
		if !Within(p, opt.CDir) && p != filepath.Clean(opt.Owned) {
			warn(fmt.Sprintf("rootfs %s is outside the container directory and was not created by golxc; left in place", p))
			return nil
		}
		if err := refuseSymlinkPath(p, opt.CDir); err != nil {
			// Only the link goes (with the container directory), never
			// what it points to.
			warn(err.Error())
			return nil
		}
		if src.Type == Btrfs && IsSubvolume(p) {
			// Mounts inside are detached by RemoveAll's pass below if the
			// fast delete fails.
			if mps, _ := remove.MountsUnder(p); len(mps) == 0 {
				if DeleteSubvolume(p) == nil {
					return nil
				}
			}
		}
		return remove.RemoveAll(p, remove.Options{Warn: warn})
	case Overlay, Overlayfs:
		// The delta and work dirs live in the container directory, which
		// the caller removes; never the lower.
		if src.Upper != "" && !Within(src.Upper, opt.CDir) {
			warn(fmt.Sprintf("overlay upper %s is outside the container directory; left in place", src.Upper))
		}
		return nil
	case Loop:
		// The image, like a dir rootfs: only inside the container
		// directory or when golxc made it.
		p := filepath.Clean(src.Path)
		if !filepath.IsAbs(p) {
			return fmt.Errorf("loop image path %q is not absolute; refusing to delete it", src.Path)
		}
		if !Within(p, opt.CDir) && p != filepath.Clean(opt.Owned) {
			warn(fmt.Sprintf("loop image %s is outside the container directory and was not created by golxc; left in place", p))
			return nil
		}
		if err := refuseSymlinkPath(p, opt.CDir); err != nil {
			warn(err.Error())
			return nil
		}
		if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
			warn(fmt.Sprintf("loop image %s is not a regular file; left in place", p))
			return nil
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove loop image: %w", err)
		}
		return nil
	case LVM:
		return lvmRemove(src.Path)
	case ZFS:
		return zfsDestroy(src.Path)
	case BlockDev:
		warn(fmt.Sprintf("rootfs %s is a block device, not storage golxc made; left in place", src.Path))
		return nil
	default:
		return ErrUnsupported(src.Type)
	}
}

// refuseSymlinkPath reports a rootfs reached through a symlink (a rootfs
// that is itself a symlink, Incus CVE-2026-48749): its target is not
// deleted; a link inside the container directory goes with it.
func refuseSymlinkPath(p, cdir string) error {
	rel, err := filepath.Rel(cdir, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		// Outside: check the whole path.
		rel, cdir = strings.TrimPrefix(p, "/"), "/"
	}
	cur := cdir
	for _, part := range strings.Split(rel, "/") {
		if part == "." || part == "" {
			continue
		}
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil // missing: nothing to delete
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("rootfs path %s goes through the symlink %s; not deleting through it", p, cur)
		}
	}
	return nil
}

// CloneSpec says how to make the storage of a copy.
type CloneSpec struct {
	Src      Source
	SrcCDir  string // source container directory
	NewCDir  string // new container directory
	Type     string // requested type ("" = same as the source, LXC's default)
	Snapshot bool   // -s: copy-on-write
	FSSize   uint64 // -L: size of new block storage (0: the source's, else LXC's default)
	Defaults Defaults
	Intent   func(Source) error // as CreateSpec.Intent
}

func (s CloneSpec) intent(src Source) error {
	if s.Intent == nil {
		return nil
	}
	return s.Intent(src)
}

// Cloned is the result of Clone.
type Cloned struct {
	Source Source
	// NeedRdep is set when the new container depends on the source's
	// files (overlay, LVM snapshot): the caller writes lxc_rdepends /
	// lxc_snapshots.
	NeedRdep bool
	Stats    copier.Stats
}

// Clone makes the storage for a copy of a container.
func Clone(spec CloneSpec) (*Cloned, error) {
	src := spec.Src
	typ := spec.Type
	if typ == "" {
		typ = src.Type
		if spec.Snapshot && src.Type == Dir {
			typ = Overlay // LXC: a snapshot of a dir container is an overlay clone
		}
	}
	if typ == Overlayfs {
		typ = Overlay
	}
	newRootfs := filepath.Join(spec.NewCDir, "rootfs")
	name := filepath.Base(spec.NewCDir)
	switch {
	case typ == Overlay && (src.Type == Dir || src.Type == Btrfs):
		delta := filepath.Join(spec.NewCDir, "overlay", "delta")
		if err := os.MkdirAll(delta, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", delta, err)
		}
		if err := os.MkdirAll(newRootfs, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", newRootfs, err)
		}
		return &Cloned{Source: Source{Type: Overlay, Lower: src.Path, Upper: delta}, NeedRdep: true}, nil
	case typ == Overlay && src.IsOverlay():
		// A copy (or snapshot) of an overlay container: same lower, a copy
		// of the delta.
		delta := filepath.Join(spec.NewCDir, "overlay", "delta")
		if err := os.MkdirAll(filepath.Dir(delta), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(delta), err)
		}
		st, err := copier.Copy(src.Upper, delta, copier.Options{})
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(newRootfs, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", newRootfs, err)
		}
		// A snapshot depends on the source (LXC records it); a plain copy
		// depends only on what the source depends on.
		return &Cloned{Source: Source{Type: Overlay, Lower: src.Lower, Upper: delta}, NeedRdep: spec.Snapshot, Stats: st}, nil
	case typ == Overlay && src.Block():
		return nil, fmt.Errorf("overlay clone of %s container is not supported (LXC's message too): copy it as %s, or with -B dir", src.Type, src.Type)
	case typ == Btrfs && src.Type == Btrfs && IsSubvolume(src.Path) && SameFS(src.Path, spec.NewCDir):
		if err := SnapshotSubvolume(src.Path, newRootfs); err != nil {
			return nil, err
		}
		return &Cloned{Source: Source{Type: Btrfs, Path: newRootfs}}, nil
	case (typ == Dir || typ == Btrfs) && (src.Type == Dir || src.Type == Btrfs || src.Block() || src.IsOverlay()):
		if typ == Btrfs {
			if !IsBtrfs(spec.NewCDir) {
				return nil, fmt.Errorf("%s is not on a btrfs filesystem", spec.NewCDir)
			}
			if err := CreateSubvolume(newRootfs); err != nil {
				return nil, err
			}
		}
		dst := Source{Type: typ, Path: newRootfs}
		st, err := copyFiles(src, srcMountPoint(spec), dst, newRootfs)
		if err != nil {
			return nil, err
		}
		return &Cloned{Source: dst, Stats: st}, nil
	case typ == Loop && src.Type == Loop && spec.Snapshot && spec.FSSize == 0:
		// LXC cannot snapshot a loop container; golxc copies the image,
		// sparse (reflinked where the filesystem can share blocks).
		if err := os.MkdirAll(newRootfs, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", newRootfs, err)
		}
		image := loopImagePath(newRootfs)
		if err := copyImage(src.Path, image); err != nil {
			return nil, err
		}
		return &Cloned{Source: Source{Type: Loop, Path: image}}, nil
	case typ == LVM && src.Type == LVM && spec.Snapshot:
		vg, _, err := splitLVMDevice(src.Path)
		if err != nil {
			return nil, err
		}
		size, err := blockSize(src, spec.FSSize)
		if err != nil {
			return nil, err
		}
		dev := LVMDevice(vg, name)
		if err := spec.intent(Source{Type: LVM, Path: dev}); err != nil {
			return nil, err
		}
		thin := lvmIsThinVolume(src.Path)
		if err := lvmSnapshot(src.Path, dev, size, DetectFS(src.Path), thin); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(newRootfs, 0o755); err != nil {
			lvmRemove(dev)
			return nil, fmt.Errorf("create %s: %w", newRootfs, err)
		}
		// A classic (not thin) snapshot lives only as long as its origin.
		return &Cloned{Source: Source{Type: LVM, Path: dev}, NeedRdep: !thin}, nil
	case typ == ZFS && src.Type == ZFS && spec.Snapshot:
		ds := zfsParent(src.Path) + "/" + name
		if err := os.MkdirAll(newRootfs, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", newRootfs, err)
		}
		if err := spec.intent(Source{Type: ZFS, Path: ds}); err != nil {
			return nil, err
		}
		if err := zfsSnapshotClone(src.Path, ds, newRootfs); err != nil {
			return nil, err
		}
		return &Cloned{Source: Source{Type: ZFS, Path: ds}}, nil
	case (typ == Loop || typ == LVM || typ == ZFS) && spec.Snapshot:
		return nil, fmt.Errorf("a %s snapshot of a %s container is not supported (copy it without -s)", typ, src.Type)
	case (typ == Loop || typ == LVM || typ == ZFS) && (src.Type == Dir || src.Type == Btrfs || src.Block() || src.IsOverlay()):
		return cloneToBlock(spec, typ, newRootfs)
	}
	if !ValidType(typ) {
		return nil, fmt.Errorf("%s is not a valid backing storage type", typ)
	}
	if !Supported(typ) {
		return nil, ErrUnsupported(typ)
	}
	if !Supported(src.Type) {
		return nil, ErrUnsupported(src.Type)
	}
	return nil, fmt.Errorf("cannot clone %s storage to %s", src.Type, typ)
}

// cloneToBlock makes new block storage of type typ for a copy (LXC's
// loop_clonepaths/lvm_create_clone/zfs_copy): of the requested size, else
// the source's size when it is block storage, else LXC's default; with
// the source's filesystem type when it has one; then copies the files.
func cloneToBlock(spec CloneSpec, typ, newRootfs string) (*Cloned, error) {
	src := spec.Src
	if err := os.MkdirAll(newRootfs, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", newRootfs, err)
	}
	size, err := blockSize(src, spec.FSSize)
	if err != nil {
		return nil, err
	}
	fstype := DefaultFSType
	if src.Type == Loop || src.Type == LVM || src.Type == BlockDev {
		if t := DetectFS(src.Path); t != "" {
			fstype = t
		}
	}
	cs := CreateSpec{Type: typ, CDir: spec.NewCDir, Name: filepath.Base(spec.NewCDir), Rootfs: newRootfs,
		FSType: fstype, FSSize: size, Defaults: spec.Defaults, Intent: spec.Intent}
	switch {
	case typ == LVM && src.Type == LVM:
		vg, _, err := splitLVMDevice(src.Path)
		if err != nil {
			return nil, err
		}
		cs.VGName = vg // a copy stays in the source's volume group
	case typ == ZFS && src.Type == ZFS:
		cs.ZFSRoot = zfsParent(src.Path)
	}
	dst, err := createBlock(typ, cs, newRootfs)
	if err != nil {
		return nil, err
	}
	st, err := copyFiles(src, srcMountPoint(spec), dst, newRootfs)
	if err != nil {
		Destroy(dst, DestroyOptions{CDir: spec.NewCDir})
		return nil, err
	}
	return &Cloned{Source: dst, Stats: st}, nil
}

// blockSize is the size of new block storage for a copy of src: the
// requested one, else the source's when it is a loop image or a block
// device (LXC takes its default 1 GiB for a loop source, which a fuller
// source does not fit in), else LXC's default.
func blockSize(src Source, requested uint64) (uint64, error) {
	if requested != 0 {
		return requested, nil
	}
	switch src.Type {
	case Loop:
		n, err := imageSize(src.Path)
		if err != nil {
			return 0, fmt.Errorf("size of loop image: %w", err)
		}
		return n, nil
	case LVM, BlockDev:
		n, err := blockDeviceSize(src.Path)
		if err != nil {
			return 0, fmt.Errorf("size of %s: %w", src.Path, err)
		}
		return n, nil
	}
	return DefaultFSSize, nil
}

func blockDeviceSize(dev string) (uint64, error) {
	f, err := os.Open(dev)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n uint64
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKGETSIZE64, uintptr(unsafe.Pointer(&n))); e != 0 {
		return 0, e
	}
	return n, nil
}

// zfsParent is the dataset that holds ds.
func zfsParent(ds string) string {
	if i := strings.LastIndexByte(ds, '/'); i > 0 {
		return ds[:i]
	}
	return ds
}

// srcMountPoint is a directory where the source's filesystem can be
// mounted for a moment (in a private namespace) while it is copied.
func srcMountPoint(spec CloneSpec) string {
	return filepath.Join(spec.SrcCDir, "rootfs")
}

// copyFiles copies the files of src to dst, mounting either side that is
// block storage, and an overlay source as the merged view its container
// sees (privately: the host never sees the mounts). The source is mounted
// read-only.
func copyFiles(src Source, srcScratch string, dst Source, dstScratch string) (copier.Stats, error) {
	from, to := src.Path, dst.Path
	if src.Block() || src.IsOverlay() {
		if err := os.MkdirAll(srcScratch, 0o755); err != nil {
			return copier.Stats{}, err
		}
		m, err := MountSource(src, srcScratch, MountOptions{Flags: unix.MS_RDONLY})
		if err != nil {
			return copier.Stats{}, err
		}
		defer m.Close()
		from = m.Root()
	}
	if dst.Block() {
		m, err := MountSource(dst, dstScratch, MountOptions{})
		if err != nil {
			return copier.Stats{}, err
		}
		defer m.Close()
		to = m.Root()
	}
	return copier.Copy(from, to, copier.Options{})
}
