// Package storage implements the container storage backends golxc
// supports (dir, btrfs, overlay, loop, lvm, zfs) behind LXC's
// `lxc.rootfs.path` syntax: creating a new rootfs, destroying one safely,
// cloning or snapshotting one for lxc-copy and lxc-snapshot, and mounting
// the block-backed ones for a start. LVM and ZFS are driven through lvm2's
// and zfs's command-line tools with LXC's arguments. rbd and nbd are
// recognised by name and refused with one clear line.
package storage

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/quote"
)

// Backend type names as LXC spells them.
const (
	Dir       = "dir"
	Btrfs     = "btrfs"
	Overlay   = "overlay"
	Overlayfs = "overlayfs" // old name of overlay, still accepted
	ZFS       = "zfs"
	LVM       = "lvm"
	Loop      = "loop"
	RBD       = "rbd"
	NBD       = "nbd"
	Best      = "best"
	None      = "none" // lxc-create's alias of dir
	// BlockDev is a rootfs path naming a block device without a type
	// prefix (a disk or partition); it is never written to a config.
	BlockDev = "blockdev"
)

// ValidType reports whether t names an LXC storage type (what lxc-create
// accepts after -B before it tries to create anything).
func ValidType(t string) bool {
	switch t {
	case Dir, Btrfs, Overlay, Overlayfs, ZFS, LVM, Loop, RBD, NBD, Best, None:
		return true
	}
	return false
}

// Supported reports whether golxc can create and destroy storage of type t.
func Supported(t string) bool {
	switch t {
	case Dir, Btrfs, Overlay, Overlayfs, Loop, LVM, ZFS, Best, None:
		return true
	}
	return false
}

// ErrUnsupported is the one-line refusal for backends golxc lacks.
func ErrUnsupported(t string) error {
	return fmt.Errorf("storage type %s is not supported by golxc (supported: dir, btrfs, overlay, loop, lvm, zfs, best)", quote.Short(t))
}

// Defaults are the system-wide storage settings of lxc.conf(5).
type Defaults struct {
	VG       string // lxc.bdev.lvm.vg (LXC's default: lxc)
	ThinPool string // lxc.bdev.lvm.thin_pool (LXC's default: lxc)
	ZFSRoot  string // lxc.bdev.zfs.root (LXC's default: lxc)
}

// DefaultFSType and DefaultFSSize are LXC's for new block storage.
const (
	DefaultFSType        = "ext4"
	DefaultFSSize uint64 = 1 << 30
)

// ParseSize reads an lxc-create --fssize / lxc-copy -L value: a number
// and an optional unit b, k, m, g or t (either case; no unit means MiB).
// LXC warns about a bad value and goes on with the default size; golxc
// refuses it, naming the value.
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("invalid size %s: want a number and an optional unit (bBkKmMgGtT)", quote.Short(s))
	}
	var n uint64
	for _, c := range t[:i] {
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("invalid size %s: too large", quote.Short(s))
		}
		n = n*10 + d
	}
	unit := strings.TrimSpace(t[i:])
	mult := map[string]uint64{"": 1 << 20, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
	m, ok := mult[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("invalid size %s: unknown unit %s (want one of bBkKmMgGtT)", quote.Short(s), quote.Short(unit))
	}
	if n != 0 && m > (1<<64-1)/n {
		return 0, fmt.Errorf("invalid size %s: too large", quote.Short(s))
	}
	return n * m, nil // 0: the default size, as in LXC
}

// Source is a parsed lxc.rootfs.path value.
type Source struct {
	Type string
	// Path is the directory of a dir or btrfs rootfs, or the raw rest of
	// the value for other types.
	Path string
	// Lower and Upper are the overlay directories (Upper is the delta).
	Lower, Upper string
}

// Parse splits an lxc.rootfs.path value ("dir:/x", "/x", "btrfs:/x",
// "overlay:/lower:/delta", "overlayfs:...", "loop:/f", ...).
func Parse(v string) Source {
	if v == "" {
		return Source{}
	}
	if strings.HasPrefix(v, "/") {
		return Source{Type: Dir, Path: v}
	}
	i := strings.IndexByte(v, ':')
	if i < 0 {
		return Source{Type: Dir, Path: v}
	}
	s := Source{Type: v[:i], Path: v[i+1:]}
	switch s.Type {
	case Overlay, Overlayfs:
		// overlay:<lower>:<upper>; the lower may itself carry a "dir:"
		// prefix in old configs.
		rest := strings.TrimPrefix(s.Path, "dir:")
		if j := strings.LastIndexByte(rest, ':'); j > 0 {
			s.Lower, s.Upper = rest[:j], rest[j+1:]
		}
	}
	return s
}

// String renders the value written to lxc.rootfs.path.
func (s Source) String() string {
	switch s.Type {
	case "":
		return ""
	case Overlay, Overlayfs:
		return s.Type + ":" + s.Lower + ":" + s.Upper
	}
	return s.Type + ":" + s.Path
}

// IsOverlay reports overlay under either name.
func (s Source) IsOverlay() bool { return s.Type == Overlay || s.Type == Overlayfs }

// Block reports storage whose files are only seen once its filesystem is
// mounted: a loop image, an LVM volume or other block device, a ZFS
// dataset.
func (s Source) Block() bool {
	switch s.Type {
	case Loop, LVM, ZFS, BlockDev:
		return true
	}
	return false
}

// Dir returns the host directory holding the container's files when it is
// not mounted: the rootfs of dir and btrfs, the lower of an overlay (what
// a template fills). For block storage it is the image, device or dataset
// (LXC_ROOTFS_PATH), not a directory.
func (s Source) Dir() string {
	if s.IsOverlay() {
		return s.Lower
	}
	return s.Path
}

// Within reports whether path lies at or below dir (both cleaned,
// lexically; callers resolve symlinks where that matters).
func Within(path, dir string) bool {
	path, dir = filepath.Clean(path), filepath.Clean(dir)
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// OwnerMarker is the file in a container directory that records a rootfs
// directory outside it which golxc's lxc-create --dir made (and so may
// delete). LXC deletes any --dir rootfs, including one that held data
// before; golxc only deletes what it created.
const OwnerMarker = ".golxc-rootfs"
