package container

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File names of LXC's snapshot-clone dependency bookkeeping.
const (
	SnapshotsFile = "lxc_snapshots" // in the source: <lxcpath>\n<name>\n per dependent
	RdependsFile  = "lxc_rdepends"  // in the clone: <lxcpath>\n<name>\n of its source
)

// Ref names a container.
type Ref struct{ LXCPath, Name string }

// Dir returns the container's directory.
func (r Ref) Dir() string { return filepath.Join(r.LXCPath, r.Name) }

func (r Ref) entry() string { return r.LXCPath + "\n" + r.Name + "\n" }

// HasClones reports whether the container has snapshot clones depending on
// it (lxc_snapshots non-empty; the old format is a count).
func HasClones(cdir string) bool {
	data, err := os.ReadFile(filepath.Join(cdir, SnapshotsFile))
	if err != nil || len(data) == 0 {
		return false
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
		return n != 0
	}
	return true
}

// SnapsDir returns where the container's lxc-snapshot snapshots live:
// <lxcpath>/<name>/snaps, or the LXC 1.0 layout <lxcpath>snaps/<name> when
// the directory <lxcpath>snaps exists.
func SnapsDir(lxcpath, name string) string {
	old := lxcpath + "snaps"
	if st, err := os.Stat(old); err == nil && st.IsDir() {
		return filepath.Join(old, name)
	}
	return filepath.Join(lxcpath, name, "snaps")
}

// HasSnapshots reports whether the snapshot directory has any entry.
func HasSnapshots(lxcpath, name string) bool {
	ents, err := os.ReadDir(SnapsDir(lxcpath, name))
	return err == nil && len(ents) > 0
}

// AddDependent records dep in src's lxc_snapshots (liblxc's mod_rdep(inc)).
func AddDependent(src, dep Ref) error {
	p := filepath.Join(src.Dir(), SnapshotsFile)
	if data, err := os.ReadFile(p); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			// Old format, a count: keep using it.
			if n == 0 {
				os.Remove(p)
			} else {
				return os.WriteFile(p, []byte(strconv.Itoa(n+1)+"\n"), 0o644)
			}
		}
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("update %s: %w", p, err)
	}
	if _, err := f.WriteString(dep.entry()); err != nil {
		f.Close()
		return fmt.Errorf("update %s: %w", p, err)
	}
	return f.Close()
}

// RemoveDependent removes dep from src's lxc_snapshots, deleting the file
// when it becomes empty (liblxc's mod_rdep(dec)).
func RemoveDependent(src, dep Ref) error {
	p := filepath.Join(src.Dir(), SnapshotsFile)
	data, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
		n--
		if n <= 0 {
			return os.Remove(p)
		}
		return os.WriteFile(p, []byte(strconv.Itoa(n)+"\n"), 0o644)
	}
	s := strings.ReplaceAll(string(data), dep.entry(), "")
	if s == "" {
		return os.Remove(p)
	}
	return os.WriteFile(p, []byte(s), 0o644)
}

// WriteRdepends appends src to the clone's lxc_rdepends.
func WriteRdepends(cdir string, src Ref) error {
	p := filepath.Join(cdir, RdependsFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if _, err := f.WriteString(src.entry()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Rdepends lists the containers the one in cdir depends on.
func Rdepends(cdir string) ([]Ref, error) {
	f, err := os.Open(filepath.Join(cdir, RdependsFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var out []Ref
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path := sc.Text()
		if !sc.Scan() {
			return out, fmt.Errorf("badly formatted file %s", f.Name())
		}
		out = append(out, Ref{LXCPath: path, Name: sc.Text()})
	}
	return out, sc.Err()
}
