// Package storage implements the container storage backends golxc
// supports (dir, btrfs, overlay) behind LXC's `lxc.rootfs.path` syntax:
// creating a new rootfs, destroying one safely and cloning or snapshotting
// one for lxc-copy and lxc-snapshot. The other LXC backends (zfs, lvm,
// loop, rbd, nbd) are recognised by name and refused with one clear line.
package storage

import (
	"fmt"
	"path/filepath"
	"strings"
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
	case Dir, Btrfs, Overlay, Overlayfs, Best, None:
		return true
	}
	return false
}

// ErrUnsupported is the one-line refusal for backends golxc lacks.
func ErrUnsupported(t string) error {
	return fmt.Errorf("storage type %q is not supported by golxc yet (supported: dir, btrfs, overlay, best)", t)
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

// Dir returns the host directory holding the container's files when it is
// not mounted: the rootfs of dir and btrfs, the lower of an overlay (what
// a template fills).
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
