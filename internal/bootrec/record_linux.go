package bootrec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Record is the open, locked record of the boot a monitor runs.
type Record struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// lockWait bounds how long Begin waits for the record's lock: another
// tool's Recover holds it for as long as it takes to kill and remove what
// a dead monitor left.
const lockWait = 30 * time.Second

// Begin opens and locks the record of lxcpath dir, container name, for a
// new boot. The caller must own the container's runtime (the monitor
// calls it once its command socket is bound, so no other monitor of the
// container runs). Whatever a dead monitor's record lists is recovered
// first; its outcome goes to report. The record then holds only the new
// boot line.
func Begin(dir, name string, report func(Result, error)) (*Record, error) {
	p := Path(dir, name)
	deadline := time.Now().Add(lockWait)
	for {
		f, err := create(p)
		if err != nil {
			return nil, fmt.Errorf("boot record: %w", err)
		}
		locked, err := lock(f, deadline)
		if err != nil || !locked {
			f.Close()
			if err == nil {
				err = errors.New("still locked by another process")
			}
			return nil, fmt.Errorf("boot record %s: %w", p, err)
		}
		if !samePath(f, p) {
			// Removed (by a Recover that held the lock) while we waited:
			// lock the file now at the path instead.
			f.Close()
			continue
		}
		r := &Record{f: f, path: p}
		if stale := readEntries(f); len(stale) > 0 {
			res, err := undo(stale)
			if report != nil {
				report(res, err)
			}
			if err != nil {
				r.close()
				return nil, fmt.Errorf("clean up after the container's last monitor: %w", err)
			}
		}
		if err := r.reset(); err != nil {
			r.close()
			return nil, err
		}
		return r, nil
	}
}

// Adopt takes over the record of lxcpath dir, container name, that f is
// open on, with the lock its holder had: a monitor that becomes another
// program by execve passes the descriptor on (the lock belongs to the
// open file, so it is never free in between). A nil f gives a nil record.
func Adopt(f *os.File, dir, name string) *Record {
	if f == nil {
		return nil
	}
	return &Record{f: f, path: Path(dir, name)}
}

// create opens (making it if needed) the record file at p. The
// directories above it go when their last record does, so they are made
// again when another tool removed them in between.
func create(p string) (*os.File, error) {
	for try := 0; ; try++ {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW, 0o600)
		if err == nil || !errors.Is(err, os.ErrNotExist) || try == 10 {
			return f, err
		}
	}
}

// lock takes an exclusive flock on f, polling until deadline.
func lock(f *os.File, deadline time.Time) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return true, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			return false, err
		}
		if !time.Now().Before(deadline) {
			return false, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// samePath reports whether f is still the file at path p.
func samePath(f *os.File, p string) bool {
	var a, b unix.Stat_t
	if unix.Fstat(int(f.Fd()), &a) != nil || unix.Lstat(p, &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// reset empties the record and writes the boot line.
func (r *Record) reset() error {
	if err := r.f.Truncate(0); err != nil {
		return fmt.Errorf("boot record: %w", err)
	}
	netns, _ := os.Readlink("/proc/self/ns/net")
	return r.Add(Entry{Kind: KindBoot, PID: os.Getpid(), Start: StartTime(os.Getpid()), BootID: bootID(), NetNS: netns})
}

// Reset starts the record over for the next boot of a rebooting
// container, after the teardown of the last one.
func (r *Record) Reset() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reset()
}

// Add appends one entry. A nil record (no boot recorded) takes nothing.
func (r *Record) Add(e Entry) error {
	if r == nil {
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// One write per line: a kill cannot leave half of it, and a line cut
	// short by anything else is skipped by the reader.
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("boot record: %w", err)
	}
	return nil
}

// File is the open record, for a monitor process that is to hold it (and
// so its lock) in our place.
func (r *Record) File() *os.File {
	if r == nil {
		return nil
	}
	return r.f
}

// Done removes the record after a teardown that left nothing, and
// releases it.
func (r *Record) Done() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	removeRecord(r.path)
	r.close()
}

// Release lets the record go without removing it: whatever it lists is
// recovered by the next tool that finds it.
func (r *Record) Release() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.close()
}

func (r *Record) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

// readEntries reads every whole line of the record; damaged lines are
// skipped.
func readEntries(f *os.File) []Entry {
	var out []Entry
	sc := bufio.NewScanner(&fileAt{f: f})
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Kind != "" {
			out = append(out, e)
		}
	}
	return out
}

// fileAt reads f from its start whatever its offset (the record is open
// for appending).
type fileAt struct {
	f   *os.File
	off int64
}

func (r *fileAt) Read(p []byte) (int, error) {
	n, err := r.f.ReadAt(p, r.off)
	r.off += int64(n)
	if n > 0 && err != nil {
		err = nil
	}
	return n, err
}

// StartTime returns a process's start time (clock ticks after boot, field
// 22 of /proc/PID/stat): with the pid it names the process for as long as
// the host runs. 0 when the process does not exist.
func StartTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold blanks and parentheses: the
	// fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}
