package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/storage"
)

// PartialName is the marker LXC keeps in a container directory while it is
// being created (write-locked with an OFD lock for the whole creation).
const PartialName = "partial"

// Partial is a held creation marker.
type Partial struct {
	f    *os.File
	path string
}

// CreatePartial creates <cdir>/partial (mode 0000) write-locked, as liblxc
// does, so that LXC's own tools see an ongoing creation instead of a broken
// container. The file is locked before it gets its name (O_TMPFILE, then
// linkat), so nobody ever sees it unlocked while we live.
func CreatePartial(cdir string) (*Partial, error) {
	p := filepath.Join(cdir, PartialName)
	fd, err := unix.Open(cdir, unix.O_RDWR|unix.O_TMPFILE|unix.O_CLOEXEC, 0)
	tmp := err == nil
	if !tmp {
		// No O_TMPFILE on this filesystem: create it in place.
		fd, err = unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", p, err)
		}
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk); err != nil {
		if errors.Is(err, unix.EINVAL) {
			err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		}
		if err != nil {
			unix.Close(fd)
			if !tmp {
				os.Remove(p)
			}
			return nil, fmt.Errorf("lock %s: %w", p, err)
		}
	}
	if tmp {
		if err := unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD, p, unix.AT_SYMLINK_FOLLOW); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("create %s: %w", p, err)
		}
	}
	return &Partial{f: os.NewFile(uintptr(fd), p), path: p}, nil
}

// Remove deletes the marker (creation complete) and drops the lock.
func (p *Partial) Remove() error {
	if p == nil || p.f == nil {
		return nil
	}
	err := os.Remove(p.path)
	p.f.Close()
	p.f = nil
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", p.path, err)
	}
	return nil
}

// Release drops the lock without removing the file (the container
// directory is about to be deleted anyway).
func (p *Partial) Release() {
	if p != nil && p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

// PartialState says what a container directory's partial marker means.
type PartialState int

// Partial states (LXC's ongoing_create return values).
const (
	NoPartial       PartialState = iota // no marker: creation complete
	CreateOngoing                       // marker locked: a create is running
	CreateAbandoned                     // marker unlocked: a create died
)

// CheckPartial reports the state of <cdir>/partial.
func CheckPartial(cdir string) PartialState {
	p := filepath.Join(cdir, PartialName)
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return NoPartial
		}
		if errors.Is(err, unix.EACCES) {
			// Mode 0000 stops non-root from opening it; count it as ongoing
			// rather than destroying what might be someone's creation.
			return CreateOngoing
		}
		return NoPartial
	}
	defer unix.Close(fd)
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_GETLK, &lk); err == nil {
		if lk.Type != unix.F_UNLCK {
			return CreateOngoing
		}
		return CreateAbandoned
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return CreateOngoing
	}
	unix.Flock(fd, unix.LOCK_UN)
	return CreateAbandoned
}

// HoldPartial marks a container directory as being made or unmade (a
// copy, a snapshot, a destroy): it creates the locked partial marker, or
// takes the lock of one an interrupted operation left. While held, LXC's
// tools and ours see an operation in progress; if this process dies the
// lock goes with it and the next operation on the name finds an
// abandoned marker and removes the remains (ReapAbandoned).
func HoldPartial(cdir string) (*Partial, error) {
	p, err := CreatePartial(cdir)
	if err == nil || !errors.Is(err, unix.EEXIST) {
		return p, err
	}
	path := filepath.Join(cdir, PartialName)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s is busy: another process is creating, copying or destroying it", filepath.Base(cdir))
	}
	return &Partial{f: os.NewFile(uintptr(fd), path), path: path}, nil
}

// StorageIntentFile records, in the directory of a container being
// created or copied, the storage outside that directory (an LVM volume, a
// ZFS dataset) about to be made for it, before the tool making it runs:
// if the create or copy is killed before the config names that storage,
// the removal of its remains still finds it.
const StorageIntentFile = ".golxc-storage"

// RecordStorageIntent returns a storage.CreateSpec/CloneSpec Intent that
// writes StorageIntentFile in cdir.
func RecordStorageIntent(cdir string) func(storage.Source) error {
	return func(src storage.Source) error {
		p := filepath.Join(cdir, StorageIntentFile)
		if err := os.WriteFile(p, []byte(src.String()+"\n"), 0o600); err != nil {
			return fmt.Errorf("record the storage of %s: %w", filepath.Base(cdir), err)
		}
		return nil
	}
}

// noFollow refuses to open a final symlink.
const noFollow = unix.O_NOFOLLOW
