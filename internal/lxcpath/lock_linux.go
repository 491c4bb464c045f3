package lxcpath

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Lock is an exclusive advisory lock on a container (flock on LockPath).
type Lock struct {
	f *os.File
}

// LockContainer takes the container's lock, waiting up to timeout (0 =
// try once, <0 = forever). While waiting, waitMsg (if set) is called once
// with the pid holding it, so tools can say who they wait for.
func LockContainer(lxcpath, name string, timeout time.Duration, waitMsg func(holder int)) (*Lock, error) {
	return LockFile(LockPath(lxcpath, name), timeout, waitMsg)
}

// LockFile takes an exclusive flock on path (created 0600, parents 0755).
func LockFile(path string, timeout time.Duration, waitMsg func(holder int)) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	told := false
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if timeout == 0 || (timeout > 0 && time.Now().After(deadline)) {
			holder := readHolder(f)
			f.Close()
			if holder > 0 {
				return nil, fmt.Errorf("lock %s is held by pid %d", path, holder)
			}
			return nil, fmt.Errorf("lock %s is busy", path)
		}
		if !told && waitMsg != nil {
			waitMsg(readHolder(f))
			told = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Record the holder so a waiting tool can name it.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

func readHolder(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	return pid
}

// Unlock releases the lock. The file stays, as LXC's lock files do.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
	l.f = nil
}
