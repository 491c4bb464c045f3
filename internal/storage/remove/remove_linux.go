package remove

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/mountinfo"
	"github.com/golxc/golxc/internal/sysx"
)

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// RemoveAll removes path and everything below it (see the package comment
// for what it refuses to do). A missing path is not an error. path's last
// component must not be a symlink; earlier components may be (an lxcpath
// reached through a symlink is the user's choice).
func RemoveAll(path string, opt Options) error {
	path = filepath.Clean(path)
	parent, base := filepath.Dir(path), filepath.Base(path)
	pfd, err := unix.Open(parent, dirFlags&^unix.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("open %s: %w", parent, err)
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if opt.KeepTop {
			return fmt.Errorf("%s is not a directory", path)
		}
		// A file or a symlink: unlinking it never touches a target.
		if err := unix.Unlinkat(pfd, base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return nil
	}
	fd, err := unix.Openat(pfd, base, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	// The real path of what we opened, for the mount table.
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("resolve %s: %w", path, err)
	}
	if err := detachMounts(real, opt); err != nil {
		unix.Close(fd)
		return err
	}
	// Mounts detached: reopen so we hold the directory itself, not
	// something that was mounted over it.
	unix.Close(fd)
	fd, err = unix.Openat(pfd, base, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	top, err := mountID(fd)
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("statx %s: %w", path, err)
	}
	r := &remover{mnt: top, keep: opt.Keep, last: opt.Last}
	r.removeContents(fd, path, 0)
	if len(r.errs) == 0 {
		for _, name := range opt.Last {
			if err := unix.Unlinkat(fd, name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
				r.fail(path+"/"+name, explain(err))
			}
		}
	}
	unix.Close(fd)
	if len(r.errs) > 0 {
		return r.err()
	}
	if opt.KeepTop || r.kept {
		return nil
	}
	if err := unix.Unlinkat(pfd, base, unix.AT_REMOVEDIR); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

type remover struct {
	mnt  uint64
	keep []string
	last []string
	kept bool
	errs []string
}

func (r *remover) fail(path string, err error) {
	r.errs = append(r.errs, fmt.Sprintf("%s: %v", path, err))
}

func (r *remover) err() error {
	if len(r.errs) == 1 {
		return errors.New(r.errs[0])
	}
	return fmt.Errorf("%s (and %d more)", r.errs[0], len(r.errs)-1)
}

func mountID(fd int) (uint64, error) {
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil {
		return 0, err
	}
	return stx.Mnt_id, nil
}

// removeContents empties the directory open at fd; it reports whether
// everything went (a parent of something left is not worth an rmdir).
func (r *remover) removeContents(fd int, path string, depth int) bool {
	names, err := sysx.ReadDirNames(fd)
	if err != nil {
		r.fail(path, err)
		return false
	}
	ok := true
	for _, name := range names {
		p := path + "/" + name
		if depth == 0 && contains(r.last, name) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if !errors.Is(err, unix.ENOENT) {
				r.fail(p, err)
			}
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if err := unix.Unlinkat(fd, name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
				r.fail(p, explain(err))
				ok = false
			}
			continue
		}
		if depth == 0 && r.keeps(name) {
			// Kept when not empty, never descended into (LXC's "snaps").
			if err := unix.Unlinkat(fd, name, unix.AT_REMOVEDIR); err != nil {
				if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
					r.kept = true
				} else if !errors.Is(err, unix.ENOENT) {
					r.fail(p, explain(err))
				}
			}
			continue
		}
		sub, err := unix.Openat(fd, name, dirFlags, 0)
		if err != nil {
			if !errors.Is(err, unix.ENOENT) {
				r.fail(p, err)
				ok = false
			}
			continue
		}
		id, err := mountID(sub)
		if err != nil {
			unix.Close(sub)
			r.fail(p, err)
			ok = false
			continue
		}
		if id != r.mnt {
			// Something is mounted here that could not be detached: its
			// contents are not ours to delete.
			unix.Close(sub)
			r.fail(p, errors.New("is a mount point; left in place with its contents"))
			ok = false
			continue
		}
		complete := r.removeContents(sub, p, depth+1)
		unix.Close(sub)
		if !complete {
			ok = false
			continue
		}
		if err := unix.Unlinkat(fd, name, unix.AT_REMOVEDIR); err != nil {
			switch {
			case errors.Is(err, unix.ENOENT):
			case errors.Is(err, unix.EPERM) && isSubvolume(sub, &st):
				if err := deleteSubvolume(fd, name); err != nil {
					r.fail(p, err)
					ok = false
				}
			default:
				r.fail(p, explain(err))
				ok = false
			}
		}
	}
	return ok
}

func (r *remover) keeps(name string) bool {
	for _, k := range r.keep {
		if k == name {
			return true
		}
	}
	return false
}

func explain(err error) error {
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w (immutable or append-only? golxc never clears those flags)", err)
	}
	if errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("%w (a mount point)", err)
	}
	return err
}

// MountsUnder returns the mount points at or below dir (a real path), from
// /proc/self/mountinfo, deepest last.
func MountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := mountinfo.Unescape(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") || dir == "/" {
			out = append(out, mp)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	return out, sc.Err()
}

// detachMounts lazily unmounts everything mounted at or below dir, deepest
// first. A lazy unmount never touches the mounted data.
func detachMounts(dir string, opt Options) error {
	for round := 0; round < 8; round++ {
		mps, err := MountsUnder(dir)
		if err != nil {
			return fmt.Errorf("read mount table: %w", err)
		}
		if len(mps) == 0 {
			return nil
		}
		if opt.NoDetach {
			return fmt.Errorf("%s is mounted; refusing to remove %s", mps[0], dir)
		}
		for i := len(mps) - 1; i >= 0; i-- {
			if err := unix.Unmount(mps[i], unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err != nil {
				if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
					continue // already gone (a parent's detach took it)
				}
				return fmt.Errorf("unmount %s: %w", mps[i], err)
			}
			if opt.Warn != nil {
				opt.Warn(fmt.Sprintf("unmounted %s (left mounted below %s)", mps[i], dir))
			}
		}
	}
	return fmt.Errorf("mounts below %s keep reappearing", dir)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
