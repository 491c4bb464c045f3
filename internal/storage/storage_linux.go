package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/storage/copier"
	"github.com/golxc/golxc/internal/storage/remove"
)

// CreateSpec says where and how to create a new container's storage.
type CreateSpec struct {
	Type   string // dir, none, btrfs, overlay, overlayfs, best ("" = dir)
	CDir   string // <lxcpath>/<name>
	Rootfs string // rootfs directory (default <cdir>/rootfs; --dir)
}

// Created describes storage made by Create, so a failed create can undo
// exactly that.
type Created struct {
	Source Source
	// Made lists the paths Create made, to remove on failure.
	Made []string
	// External is set when the rootfs lies outside the container directory.
	External bool
}

// Create makes the storage for a new container and returns its source.
// An existing rootfs directory is used only when empty: LXC happily fills
// (and lxc-destroy later deletes) a non-empty --dir.
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
		typ = Dir
		if IsBtrfs(filepath.Dir(rootfs)) {
			typ = Btrfs
		}
	}
	c := &Created{External: !Within(rootfs, spec.CDir)}
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
	default:
		if !ValidType(typ) {
			return nil, fmt.Errorf("%s is not a valid backing storage type", typ)
		}
		return nil, ErrUnsupported(typ)
	}
	return c, nil
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
}

// Cloned is the result of Clone.
type Cloned struct {
	Source Source
	// NeedRdep is set when the new container depends on the source's
	// files (overlay): the caller writes lxc_rdepends / lxc_snapshots.
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
	case typ == Btrfs && src.Type == Btrfs && IsSubvolume(src.Path) && SameFS(src.Path, spec.NewCDir):
		if err := SnapshotSubvolume(src.Path, newRootfs); err != nil {
			return nil, err
		}
		return &Cloned{Source: Source{Type: Btrfs, Path: newRootfs}}, nil
	case (typ == Dir || typ == Btrfs) && (src.Type == Dir || src.Type == Btrfs):
		if typ == Btrfs {
			if !IsBtrfs(spec.NewCDir) {
				return nil, fmt.Errorf("%s is not on a btrfs filesystem", spec.NewCDir)
			}
			if err := CreateSubvolume(newRootfs); err != nil {
				return nil, err
			}
		}
		st, err := copier.Copy(src.Path, newRootfs, copier.Options{})
		if err != nil {
			return nil, err
		}
		return &Cloned{Source: Source{Type: typ, Path: newRootfs}, Stats: st}, nil
	case src.IsOverlay() && (typ == Dir || typ == Btrfs):
		return nil, fmt.Errorf("copying an overlay container to %s storage is not supported by golxc yet (copy it as overlay, or copy its source container)", typ)
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
