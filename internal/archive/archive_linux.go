// Package archive extracts rootfs tarballs so that nothing in the archive
// can write outside the target directory (Incus CVE-2026-23954 class):
// absolute member names are made relative, members with ".." are refused,
// every directory on a member's path is opened with O_NOFOLLOW relative to
// its parent (a symlink planted by an earlier member is never followed, so
// "symlink, then a file below it" fails), hard links may only point at
// files already extracted inside the target, and nothing is ever opened by
// its full path.
package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Options tunes Extract.
type Options struct {
	// NoDev skips everything below dev/ (lxc-local --no-dev).
	NoDev bool
	// Exclude holds patterns (path.Match, against the member name without
	// a leading "./" or "/") of members to skip.
	Exclude []string
	// Warn receives notes (device nodes skipped without privilege).
	Warn func(string)
}

// ExtractFile extracts the (possibly compressed: gzip, bzip2, xz, zstd)
// tarball at file into dir.
func ExtractFile(file, dir string, opt Options) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, wait, err := decompress(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	err = Extract(r, dir, opt)
	if werr := wait(); werr != nil && err == nil {
		err = fmt.Errorf("%s: %w", file, werr)
	}
	return err
}

// decompress sniffs the compression; xz and zstd go through their tools.
func decompress(f io.Reader) (io.Reader, func() error, error) {
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(6)
	none := func() error { return nil }
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(br)
		return z, none, err
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), none, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return pipe(br, "xz", "-dc")
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return pipe(br, "zstd", "-dc")
	}
	return br, none, nil
}

func pipe(in io.Reader, prog string, args ...string) (io.Reader, func() error, error) {
	cmd := exec.Command(prog, args...)
	cmd.Stdin = in
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", prog, err)
	}
	return out, func() error {
		io.Copy(io.Discard, out)
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("%s: %v: %s", prog, err, strings.TrimSpace(errb.String()))
		}
		return nil
	}, nil
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

type extractor struct {
	root int
	opt  Options
	priv bool
	dirs []*tar.Header // applied at the end, deepest first
}

// Extract reads a tar stream into dir (created if missing).
func Extract(r io.Reader, dir string, opt Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := unix.Open(dir, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(root)
	x := &extractor{root: root, opt: opt, priv: os.Geteuid() == 0}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		name, err := clean(h.Name)
		if err != nil {
			return err
		}
		if x.skip(name) {
			continue
		}
		if err := x.member(name, h, tr); err != nil {
			return fmt.Errorf("extract %s: %w", h.Name, err)
		}
	}
	for i := len(x.dirs) - 1; i >= 0; i-- {
		if err := x.finishDir(x.dirs[i]); err != nil {
			return fmt.Errorf("extract %s: %w", x.dirs[i].Name, err)
		}
	}
	return nil
}

// clean makes a member name relative and refuses any ".." component.
func clean(name string) (string, error) {
	n := strings.TrimLeft(name, "/")
	for _, c := range strings.Split(n, "/") {
		if c == ".." {
			return "", fmt.Errorf("archive member %q leaves the target directory; refusing the archive", name)
		}
	}
	n = path.Clean(n)
	if n == "" {
		n = "."
	}
	return n, nil
}

func (x *extractor) skip(name string) bool {
	if x.opt.NoDev && strings.HasPrefix(name, "dev/") {
		return true
	}
	for _, p := range x.opt.Exclude {
		p = strings.TrimLeft(strings.TrimPrefix(p, "./"), "/")
		if ok, _ := path.Match(p, name); ok {
			return true
		}
		if strings.HasPrefix(name, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// openDir opens the directory rel below the root, creating missing
// components; no component may be a symlink.
func (x *extractor) openDir(rel string, create bool) (int, error) {
	fd, err := unix.Dup(x.root)
	if err != nil {
		return -1, err
	}
	if rel == "." || rel == "" {
		return fd, nil
	}
	for _, c := range strings.Split(rel, "/") {
		next, err := unix.Openat(fd, c, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err := unix.Mkdirat(fd, c, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(fd)
				return -1, err
			}
			next, err = unix.Openat(fd, c, dirFlags, 0)
		}
		unix.Close(fd)
		if err != nil {
			if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
				return -1, fmt.Errorf("%s is not a directory (a symlink?); refusing to write through it", rel)
			}
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// removeExisting makes room for a new non-directory entry (tar replaces).
func removeExisting(dir int, base string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dir, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.Unlinkat(dir, base, unix.AT_REMOVEDIR)
	}
	return unix.Unlinkat(dir, base, 0)
}

func (x *extractor) member(name string, h *tar.Header, r io.Reader) error {
	if name == "." {
		if h.Typeflag == tar.TypeDir {
			x.dirs = append(x.dirs, h)
		}
		return nil
	}
	parent, base := path.Split(name)
	dir, err := x.openDir(strings.TrimSuffix(parent, "/"), true)
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	mode := uint32(h.Mode & 0o7777)
	switch h.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(dir, base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
		fd, err := unix.Openat(dir, base, dirFlags, 0)
		if err != nil {
			return fmt.Errorf("not a directory (a symlink?): %w", err)
		}
		unix.Close(fd)
		x.dirs = append(x.dirs, h)
		return nil
	case tar.TypeReg, tar.TypeRegA:
		if err := removeExisting(dir, base); err != nil {
			return err
		}
		fd, err := unix.Openat(dir, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), name)
		_, err = io.Copy(f, r)
		if err == nil {
			err = x.meta(fd, "", 0, h, mode)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case tar.TypeSymlink:
		if err := removeExisting(dir, base); err != nil {
			return err
		}
		if err := unix.Symlinkat(h.Linkname, dir, base); err != nil {
			return err
		}
		if x.priv {
			if err := unix.Fchownat(dir, base, h.Uid, h.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
		}
		return unix.UtimesNanoAt(dir, base, times(h), unix.AT_SYMLINK_NOFOLLOW)
	case tar.TypeLink:
		target, err := clean(h.Linkname)
		if err != nil {
			return err
		}
		tparent, tbase := path.Split(target)
		tdir, err := x.openDir(strings.TrimSuffix(tparent, "/"), false)
		if err != nil {
			return fmt.Errorf("hard link target %s: %w", h.Linkname, err)
		}
		defer unix.Close(tdir)
		var st unix.Stat_t
		if err := unix.Fstatat(tdir, tbase, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("hard link target %s is not in the archive: %w", h.Linkname, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return fmt.Errorf("hard link target %s is a directory", h.Linkname)
		}
		if err := removeExisting(dir, base); err != nil {
			return err
		}
		return unix.Linkat(tdir, tbase, dir, base, 0)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := uint32(unix.S_IFIFO)
		switch h.Typeflag {
		case tar.TypeChar:
			kind = unix.S_IFCHR
		case tar.TypeBlock:
			kind = unix.S_IFBLK
		}
		if !x.priv && kind != unix.S_IFIFO {
			if x.opt.Warn != nil {
				x.opt.Warn(fmt.Sprintf("skipped device node %s (needs root)", name))
			}
			return nil
		}
		if err := removeExisting(dir, base); err != nil {
			return err
		}
		if err := unix.Mknodat(dir, base, kind|mode, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor)))); err != nil {
			return err
		}
		return x.meta(dir, base, unix.AT_SYMLINK_NOFOLLOW, h, mode)
	case tar.TypeXGlobalHeader:
		return nil
	}
	if x.opt.Warn != nil {
		x.opt.Warn(fmt.Sprintf("skipped %s (tar type %q)", name, h.Typeflag))
	}
	return nil
}

func times(h *tar.Header) []unix.Timespec {
	at := h.AccessTime
	if at.IsZero() {
		at = h.ModTime
	}
	return []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(h.ModTime.UnixNano())}
}

// meta sets owner, mode, xattrs and times, on fd itself (base "") or on
// base in the directory fd.
func (x *extractor) meta(fd int, base string, flags int, h *tar.Header, mode uint32) error {
	if x.priv {
		var err error
		if base == "" {
			err = unix.Fchown(fd, h.Uid, h.Gid)
		} else {
			err = unix.Fchownat(fd, base, h.Uid, h.Gid, flags)
		}
		if err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	var err error
	if base == "" {
		err = unix.Fchmod(fd, mode)
	} else {
		err = unix.Fchmodat(fd, base, mode, 0)
	}
	if err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	for k, v := range h.PAXRecords {
		if !strings.HasPrefix(k, "SCHILY.xattr.") {
			continue
		}
		attr := strings.TrimPrefix(k, "SCHILY.xattr.")
		if !x.priv && (strings.HasPrefix(attr, "trusted.") || strings.HasPrefix(attr, "security.")) {
			continue
		}
		var err error
		if base == "" {
			err = unix.Fsetxattr(fd, attr, []byte(v), 0)
		} else {
			err = unix.Lsetxattr(fmt.Sprintf("/proc/self/fd/%d/%s", fd, base), attr, []byte(v), 0)
		}
		if err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("set xattr %s: %w", attr, err)
		}
	}
	if base == "" {
		return unix.UtimesNanoAt(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), times(h), 0)
	}
	return unix.UtimesNanoAt(fd, base, times(h), flags)
}

func (x *extractor) finishDir(h *tar.Header) error {
	name, _ := clean(h.Name)
	fd, err := x.openDir(name, false)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return x.meta(fd, "", 0, h, uint32(h.Mode&0o7777))
}
