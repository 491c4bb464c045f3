package copier

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/sysx"
)

// Copy copies the tree at src into dst (like `rsync -aHAX src/ dst/`).
// dst is created if missing; an existing dst must be a directory, and
// nothing below it may exist yet that the copy would create. The metadata
// of src itself is applied to dst.
func Copy(src, dst string, opt Options) (Stats, error) {
	c := &copier{opt: opt, root: os.Geteuid() == 0, euid: os.Geteuid(), egid: os.Getegid(), srcPath: src, dstPath: dst,
		inodes: map[inodeKey]string{}}
	c.reflink.Store(!opt.NoReflink)
	c.cfr.Store(!opt.NoCopyFileRange)
	err := c.run()
	return c.stats.snapshot(), err
}

type inodeKey struct{ dev, ino uint64 }

type atomicStats struct {
	dirs, files, symlinks, specials, hardlinks, bytes, reflinked atomic.Int64
}

func (s *atomicStats) snapshot() Stats {
	return Stats{Dirs: s.dirs.Load(), Files: s.files.Load(), Symlinks: s.symlinks.Load(),
		Specials: s.specials.Load(), HardLinks: s.hardlinks.Load(), Bytes: s.bytes.Load(),
		Reflinked: s.reflinked.Load()}
}

// dirHandle is an open source/destination directory pair shared by the
// walker and the batches of its entries; the last user closes it.
type dirHandle struct {
	src, dst int
	rel      string
	refs     atomic.Int32
}

func (d *dirHandle) release() {
	if d.refs.Add(-1) == 0 {
		unix.Close(d.src)
		unix.Close(d.dst)
	}
}

type item struct {
	name string
	st   unix.Stat_t
}

type batch struct {
	dir   *dirHandle
	items []item
}

type link struct{ target, rel string }

type copier struct {
	opt              Options
	root             bool
	euid, egid       int
	srcPath, dstPath string
	srcRoot, dstRoot int
	rootDev          uint64

	reflink atomic.Bool // FICLONE still worth trying
	cfr     atomic.Bool // copy_file_range still worth trying

	stats atomicStats

	// walker-only state
	inodes map[inodeKey]string
	links  []link
	dirs   []string // relative paths, parents first

	work    chan batch
	errOnce sync.Once
	err     error
	failed  atomic.Bool
}

func (c *copier) fail(rel string, err error) {
	c.errOnce.Do(func() {
		if rel == "" || rel == "." {
			c.err = fmt.Errorf("copy %s to %s: %w", c.srcPath, c.dstPath, err)
		} else {
			c.err = fmt.Errorf("copy %s: %w", join(c.srcPath, rel), err)
		}
		c.failed.Store(true)
	})
}

func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	if name == "." {
		return dir
	}
	return dir + "/" + name
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

func (c *copier) run() error {
	var err error
	c.srcRoot, err = unix.Open(c.srcPath, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open source %s: %w", c.srcPath, err)
	}
	defer unix.Close(c.srcRoot)
	var st unix.Stat_t
	if err := unix.Fstat(c.srcRoot, &st); err != nil {
		return fmt.Errorf("stat %s: %w", c.srcPath, err)
	}
	c.rootDev = st.Dev
	if err := unix.Mkdir(c.dstPath, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create %s: %w", c.dstPath, err)
	}
	c.dstRoot, err = unix.Open(c.dstPath, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open destination %s: %w", c.dstPath, err)
	}
	defer unix.Close(c.dstRoot)

	c.work = make(chan batch, 4*c.opt.workers())
	var wg sync.WaitGroup
	for i := 0; i < c.opt.workers(); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for b := range c.work {
				for i := range b.items {
					if !c.failed.Load() {
						c.copyEntry(b.dir, &b.items[i], buf)
					}
				}
				b.dir.release()
			}
		}()
	}

	top := &dirHandle{rel: "."}
	top.src, _ = unix.Dup(c.srcRoot)
	top.dst, _ = unix.Dup(c.dstRoot)
	top.refs.Store(1)
	c.dirs = append(c.dirs, ".")
	c.stats.dirs.Add(1)
	c.walk(top)
	close(c.work)
	wg.Wait()
	if c.err != nil {
		return c.err
	}

	// Hard links last: every first copy is complete by now.
	for _, l := range c.links {
		if err := unix.Linkat(c.dstRoot, l.target, c.dstRoot, l.rel, 0); err != nil {
			return fmt.Errorf("copy %s: hard link to %s: %w", join(c.srcPath, l.rel), l.target, err)
		}
		c.stats.hardlinks.Add(1)
	}

	// Directory metadata at the very end: creating entries and links
	// changes a directory's mtime, and a default ACL set early would be
	// inherited by the entries copied into it.
	c.finishDirs()
	return c.err
}

// walk reads one source directory, creates its subdirectories, queues its
// other entries for the workers and recurses. It owns one reference to d.
func (c *copier) walk(d *dirHandle) {
	defer d.release()
	names, err := sysx.ReadDirNames(d.src)
	if err != nil {
		c.fail(d.rel, err)
		return
	}
	var cur batch
	flush := func() {
		if len(cur.items) == 0 {
			return
		}
		d.refs.Add(1)
		cur.dir = d
		c.work <- cur
		cur = batch{}
	}
	var pending int64
	for _, name := range names {
		if c.failed.Load() {
			return
		}
		var it item
		it.name = name
		rel := join(d.rel, name)
		if err := unix.Fstatat(d.src, name, &it.st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // vanished while we copy (rsync exit 24): nothing to copy
			}
			c.fail(rel, err)
			return
		}
		if it.st.Mode&unix.S_IFMT == unix.S_IFDIR {
			c.walkSubdir(d, rel, &it)
			continue
		}
		if it.st.Nlink > 1 {
			k := inodeKey{it.st.Dev, it.st.Ino}
			if first, ok := c.inodes[k]; ok {
				c.links = append(c.links, link{target: first, rel: rel})
				continue
			}
			c.inodes[k] = rel
		}
		cur.items = append(cur.items, it)
		pending += it.st.Size
		if len(cur.items) >= 64 || pending >= 16<<20 {
			flush()
			pending = 0
		}
	}
	flush()
}

func (c *copier) walkSubdir(d *dirHandle, rel string, it *item) {
	if err := unix.Mkdirat(d.dst, it.name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		c.fail(rel, fmt.Errorf("mkdir: %w", err))
		return
	}
	sub := &dirHandle{rel: rel}
	var err error
	sub.src, err = unix.Openat(d.src, it.name, dirFlags, 0)
	if err != nil {
		c.fail(rel, err)
		return
	}
	// O_NOFOLLOW: an existing symlink in the destination is never entered.
	sub.dst, err = unix.Openat(d.dst, it.name, dirFlags, 0)
	if err != nil {
		unix.Close(sub.src)
		c.fail(rel, fmt.Errorf("open destination: %w", err))
		return
	}
	sub.refs.Store(1)
	c.dirs = append(c.dirs, rel)
	c.stats.dirs.Add(1)
	if c.opt.OneFS && it.st.Dev != c.rootDev {
		sub.release()
		return
	}
	c.walk(sub)
}

func (c *copier) copyEntry(d *dirHandle, it *item, buf []byte) {
	rel := join(d.rel, it.name)
	var err error
	switch it.st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		err = c.copyFile(d, it, buf)
		c.stats.files.Add(1)
		c.stats.bytes.Add(it.st.Size)
	case unix.S_IFLNK:
		err = c.copySymlink(d, it)
		c.stats.symlinks.Add(1)
	default: // block and character devices, fifos, sockets
		err = c.copySpecial(d, it)
		c.stats.specials.Add(1)
	}
	if err != nil {
		c.fail(rel, err)
	}
}

func timespecs(st *unix.Stat_t) []unix.Timespec {
	return []unix.Timespec{st.Atim, st.Mtim}
}

// futimens sets the times of the file open at fd (utimensat with a NULL
// path; x/sys has no wrapper with nanoseconds for that).
func futimens(fd int, ts []unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func (c *copier) copyFile(d *dirHandle, it *item, buf []byte) error {
	sfd, err := unix.Openat(d.src, it.name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOATIME, 0)
	if errors.Is(err, unix.EPERM) {
		sfd, err = unix.Openat(d.src, it.name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	// Created with the final permission bits: on a filesystem where every
	// inode update is a journal transaction, each chown/chmod we can skip
	// is worth as much as the data copy of a small file.
	dfd, err := unix.Openat(d.dst, it.name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, it.st.Mode&0o777)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer unix.Close(dfd)
	if err := c.copyData(sfd, dfd, &it.st, buf); err != nil {
		return err
	}
	if err := c.setOwnerMode(dfd, &it.st); err != nil {
		return err
	}
	if err := c.copyXattrsFd(sfd, dfd); err != nil {
		return err
	}
	if err := futimens(dfd, timespecs(&it.st)); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// setOwnerMode gives the file open at fd the owner and mode of want,
// calling chown and chmod only when they differ (fstat is cheap, inode
// updates are not). Owner first: chown clears set-id bits and file
// capabilities, so the mode and the security.capability xattr come after.
func (c *copier) setOwnerMode(fd int, want *unix.Stat_t) error {
	var have unix.Stat_t
	if err := unix.Fstat(fd, &have); err != nil {
		return err
	}
	if c.root && (have.Uid != want.Uid || have.Gid != want.Gid) {
		if err := unix.Fchown(fd, int(want.Uid), int(want.Gid)); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
		if have.Mode&0o6000 != 0 || want.Mode&0o6000 != 0 {
			have.Mode = 0 // chown may have cleared set-id bits
		}
	}
	if have.Mode&0o7777 != want.Mode&0o7777 {
		if err := unix.Fchmod(fd, want.Mode&0o7777); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	return nil
}

func (c *copier) copyData(sfd, dfd int, st *unix.Stat_t, buf []byte) error {
	if st.Size == 0 {
		return nil
	}
	if c.reflink.Load() {
		err := unix.IoctlFileClone(dfd, sfd)
		if err == nil {
			c.stats.reflinked.Add(1)
			return nil
		}
		if !unsupported(err) {
			return fmt.Errorf("reflink: %w", err)
		}
		c.reflink.Store(false)
	}
	if st.Blocks*512 < st.Size {
		return c.copySparse(sfd, dfd, st.Size, buf)
	}
	_, err := c.copyRange(sfd, dfd, 0, st.Size, buf)
	return err
}

// unsupported reports errors that mean "this kernel/filesystem cannot do
// that here", after which the next method is tried.
func unsupported(err error) bool {
	return errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EXDEV) ||
		errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTTY) ||
		errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EBADF)
}

// copySparse copies only the data segments, so holes stay holes.
func (c *copier) copySparse(sfd, dfd int, size int64, buf []byte) error {
	var off int64
	for off < size {
		data, err := unix.Seek(sfd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole remains
		}
		if err != nil {
			// No SEEK_DATA support: copy everything.
			_, err = c.copyRange(sfd, dfd, off, size-off, buf)
			return err
		}
		hole, err := unix.Seek(sfd, data, unix.SEEK_HOLE)
		if err != nil {
			return fmt.Errorf("seek hole: %w", err)
		}
		if hole > size {
			hole = size
		}
		n, err := c.copyRange(sfd, dfd, data, hole-data, buf)
		if err != nil {
			return err
		}
		if n < hole-data {
			break // file shrank under us
		}
		off = hole
	}
	if err := unix.Ftruncate(dfd, size); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	return nil
}

// copyRange copies n bytes at off, in the kernel when possible.
func (c *copier) copyRange(sfd, dfd int, off, n int64, buf []byte) (int64, error) {
	var done int64
	// Small files go through the worker's buffer: one read and one write
	// cost less than setting up an in-kernel splice.
	if c.cfr.Load() && n > int64(len(buf)) {
		for done < n {
			soff, doff := off+done, off+done
			chunk := n - done
			if chunk > 1<<30 {
				chunk = 1 << 30
			}
			m, err := unix.CopyFileRange(sfd, &soff, dfd, &doff, int(chunk), 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				if unsupported(err) && done == 0 {
					c.cfr.Store(false)
					break
				}
				return done, fmt.Errorf("copy_file_range: %w", err)
			}
			if m == 0 {
				return done, nil
			}
			done += int64(m)
		}
		if done == n {
			return done, nil
		}
	}
	for done < n {
		chunk := int64(len(buf))
		if n-done < chunk {
			chunk = n - done
		}
		m, err := unix.Pread(sfd, buf[:chunk], off+done)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, fmt.Errorf("read: %w", err)
		}
		if m == 0 {
			return done, nil
		}
		for w := 0; w < m; {
			k, err := unix.Pwrite(dfd, buf[w:m], off+done+int64(w))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return done, fmt.Errorf("write: %w", err)
			}
			w += k
		}
		done += int64(m)
	}
	return done, nil
}

func (c *copier) copySymlink(d *dirHandle, it *item) error {
	target, err := readlinkat(d.src, it.name)
	if err != nil {
		return err
	}
	if err := unix.Symlinkat(target, d.dst, it.name); err != nil {
		return fmt.Errorf("symlink: %w", err)
	}
	if c.root && (int(it.st.Uid) != c.euid || int(it.st.Gid) != c.egid) {
		if err := unix.Fchownat(d.dst, it.name, int(it.st.Uid), int(it.st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if err := c.copyXattrsPath(fdPath(d.src, it.name), fdPath(d.dst, it.name)); err != nil {
		return err
	}
	if err := unix.UtimesNanoAt(d.dst, it.name, timespecs(&it.st), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func (c *copier) copySpecial(d *dirHandle, it *item) error {
	if err := unix.Mknodat(d.dst, it.name, it.st.Mode, int(it.st.Rdev)); err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if c.root {
		if err := unix.Fchownat(d.dst, it.name, int(it.st.Uid), int(it.st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	// mknod applied the umask; set the exact mode (never a symlink here).
	if err := unix.Fchmodat(d.dst, it.name, it.st.Mode&0o7777, 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err := c.copyXattrsPath(fdPath(d.src, it.name), fdPath(d.dst, it.name)); err != nil {
		return err
	}
	if err := unix.UtimesNanoAt(d.dst, it.name, timespecs(&it.st), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// finishDirs applies owner, xattrs, mode and times to every directory, in
// parallel (a directory's metadata does not change its parent's mtime).
func (c *copier) finishDirs() {
	jobs := make(chan string, 256)
	var wg sync.WaitGroup
	for i := 0; i < c.opt.workers(); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rel := range jobs {
				if c.failed.Load() {
					continue
				}
				if err := c.finishDir(rel); err != nil {
					c.fail(rel, err)
				}
			}
		}()
	}
	for i := len(c.dirs) - 1; i >= 0; i-- {
		jobs <- c.dirs[i]
	}
	close(jobs)
	wg.Wait()
}

func openBeneath(root int, rel string) (int, error) {
	if rel == "." {
		return unix.Dup(root)
	}
	return unix.Openat2(root, rel, &unix.OpenHow{
		Flags:   dirFlags,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
}

func (c *copier) finishDir(rel string) error {
	sfd, err := openBeneath(c.srcRoot, rel)
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	dfd, err := openBeneath(c.dstRoot, rel)
	if err != nil {
		return fmt.Errorf("open destination: %w", err)
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	if err := unix.Fstat(sfd, &st); err != nil {
		return err
	}
	if err := c.setOwnerMode(dfd, &st); err != nil {
		return err
	}
	if err := c.copyXattrsFd(sfd, dfd); err != nil {
		return err
	}
	if err := futimens(dfd, timespecs(&st)); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func fdPath(dirfd int, name string) string {
	return "/proc/self/fd/" + strconv.Itoa(dirfd) + "/" + name
}

func readlinkat(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		b := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, b)
		if err != nil {
			return "", fmt.Errorf("readlink: %w", err)
		}
		if n < size {
			return string(b[:n]), nil
		}
	}
}

// skipXattr reports attributes an unprivileged copy cannot set.
func (c *copier) skipXattr(name string) bool {
	return !c.root && (len(name) >= 8 && name[:8] == "trusted.")
}

func (c *copier) copyXattrsFd(sfd, dfd int) error {
	names, err := listXattrs(func(b []byte) (int, error) { return unix.Flistxattr(sfd, b) })
	if err != nil {
		return err
	}
	for _, name := range names {
		if c.skipXattr(name) {
			continue
		}
		val, err := getXattr(func(b []byte) (int, error) { return unix.Fgetxattr(sfd, name, b) })
		if err != nil {
			if errors.Is(err, unix.ENODATA) {
				continue
			}
			return fmt.Errorf("get xattr %s: %w", name, err)
		}
		if err := unix.Fsetxattr(dfd, name, val, 0); err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

func (c *copier) copyXattrsPath(src, dst string) error {
	names, err := listXattrs(func(b []byte) (int, error) { return unix.Llistxattr(src, b) })
	if err != nil {
		return err
	}
	for _, name := range names {
		if c.skipXattr(name) {
			continue
		}
		val, err := getXattr(func(b []byte) (int, error) { return unix.Lgetxattr(src, name, b) })
		if err != nil {
			if errors.Is(err, unix.ENODATA) {
				continue
			}
			return fmt.Errorf("get xattr %s: %w", name, err)
		}
		if err := unix.Lsetxattr(dst, name, val, 0); err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

func listXattrs(list func([]byte) (int, error)) ([]string, error) {
	var small [512]byte
	b := small[:]
	for {
		n, err := list(b)
		if errors.Is(err, unix.ERANGE) {
			sz, err2 := list(nil)
			if err2 != nil {
				return nil, fmt.Errorf("list xattrs: %w", err2)
			}
			b = make([]byte, sz+64)
			continue
		}
		if errors.Is(err, unix.EOPNOTSUPP) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list xattrs: %w", err)
		}
		var names []string
		start := 0
		for i := 0; i < n; i++ {
			if b[i] == 0 {
				if i > start {
					names = append(names, string(b[start:i]))
				}
				start = i + 1
			}
		}
		return names, nil
	}
}

func getXattr(get func([]byte) (int, error)) ([]byte, error) {
	b := make([]byte, 256)
	for {
		n, err := get(b)
		if errors.Is(err, unix.ERANGE) {
			sz, err2 := get(nil)
			if err2 != nil {
				return nil, err2
			}
			b = make([]byte, sz+64)
			continue
		}
		if err != nil {
			return nil, err
		}
		return b[:n], nil
	}
}
