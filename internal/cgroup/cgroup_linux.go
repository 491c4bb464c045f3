package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/quote"
)

// Cgroup is one cgroup created in every hierarchy of the host.
type Cgroup struct {
	Host *Host
	// Rel is the cgroup's path relative to each hierarchy root, e.g.
	// "/process_api/x/lxc.payload.c1" (bases may differ per hierarchy, so
	// Paths is the authority).
	Leaf  string
	Paths map[*Hierarchy]string
	// Made lists the directories above the leaf that Create made (an
	// lxc.cgroup.dir such as a/b that did not exist), parents first.
	Made []string
}

// RemoveMade removes the directories of made that are empty, deepest
// first, and returns those that stay (still used, e.g. by another
// container under the same lxc.cgroup.dir, or not yet empty). Directories
// that existed before are never in made: the admin's stay.
func RemoveMade(made []string) []string {
	var kept []string
	for i := len(made) - 1; i >= 0; i-- {
		err := unix.Rmdir(made[i])
		if err != nil && !errors.Is(err, unix.ENOENT) {
			kept = append([]string{made[i]}, kept...)
		}
	}
	return kept
}

// Path returns the directory in the hierarchy carrying controller c ("" if none).
func (cg *Cgroup) Path(c string) string {
	h := cg.Host.ForController(c)
	if h == nil {
		return ""
	}
	return cg.Paths[h]
}

// UnifiedPath returns the cgroup2 directory ("" if the host has none).
func (cg *Cgroup) UnifiedPath() string {
	if u := cg.Host.Unified(); u != nil {
		return cg.Paths[u]
	}
	return ""
}

// PathMap returns controller/hierarchy name -> directory, for clients
// (lxc-info reads statistics from these).
func (cg *Cgroup) PathMap() map[string]string {
	out := map[string]string{}
	for h, p := range cg.Paths {
		if h.V2 {
			out["unified"] = p
			continue
		}
		for _, c := range h.Controllers {
			out[c] = p
		}
	}
	return out
}

// Rooted returns the layout with every hierarchy's base at its root: LXC
// (lxc.cgroup.relative = 0, the default) "escapes" to the root cgroup when
// it can, so containers started from inside some service's cgroup are not
// nested in (and limited by) it.
func (h *Host) Rooted() *Host {
	r := &Host{Layout: h.Layout}
	for _, hy := range h.Hierarchies {
		c := *hy
		c.Base = "/"
		r.Hierarchies = append(r.Hierarchies, &c)
	}
	return r
}

// Note is a cgroup directory Create is about to make (Ino == 0) or has
// made (Ino is its inode number, which the kernel never gives another
// cgroup while the host runs). Parent marks a directory between the
// hierarchy root and the leaf (lxc.cgroup.dir) that did not exist.
type Note struct {
	Path   string
	Ino    uint64
	Parent bool
}

// Create makes a cgroup named leaf next to this process's cgroup in every
// hierarchy (under dir, a relative path such as lxc.cgroup.dir, when set).
// If the name is taken by a non-empty cgroup, LXC's "-1" … "-999" suffixes
// are tried; an empty leftover of ours is reused.
func (h *Host) Create(dir, leaf string) (*Cgroup, error) {
	return h.CreateNoted(dir, leaf, nil)
}

// CreateNoted is Create telling note about every directory before it
// makes it and again once made, so that a record of what a boot made can
// be written before anything exists (the monitor may be killed at any
// instruction).
func (h *Host) CreateNoted(dir, leaf string, note func(Note)) (*Cgroup, error) {
	if strings.Contains(dir, "..") || filepath.IsAbs(dir) {
		return nil, fmt.Errorf("invalid cgroup directory %s: must be relative without '..'", quote.Short(dir))
	}
	if note == nil {
		note = func(Note) {}
	}
	var lastErr error
	for i := 0; i < 1000; i++ {
		name := leaf
		if i > 0 {
			name = fmt.Sprintf("%s-%d", leaf, i)
		}
		cg, err := h.tryCreate(dir, name, note)
		if err == nil {
			return cg, nil
		}
		lastErr = err
		if !errors.Is(err, unix.EEXIST) {
			return nil, err
		}
	}
	return nil, lastErr
}

func (h *Host) tryCreate(dir, name string, note func(Note)) (*Cgroup, error) {
	if note == nil {
		note = func(Note) {}
	}
	cg := &Cgroup{Host: h, Leaf: name, Paths: map[*Hierarchy]string{}}
	ok := false
	defer func() {
		if !ok {
			cg.Remove()
			RemoveMade(cg.Made)
		}
	}()
	for _, hy := range h.Hierarchies {
		parent := filepath.Join(hy.Mount, hy.Base, dir)
		p := filepath.Join(parent, name)
		var err error
		// A parent another container's teardown removed between our
		// mkdirCgroup and Mkdir is made again.
		for try := 0; try < 3; try++ {
			var made []string
			made, err = mkdirCgroup(hy, hy.Mount, parent, note)
			cg.Made = append(cg.Made, made...)
			if err != nil {
				return nil, err
			}
			note(Note{Path: p})
			if err = os.Mkdir(p, 0o755); err == nil || !os.IsNotExist(err) {
				break
			}
		}
		if err != nil {
			if os.IsExist(err) && empty(p) {
				// A leftover of ours with no processes: take it over.
				if rmErr := removeTree(p); rmErr == nil {
					err = os.Mkdir(p, 0o755)
				}
			}
			if err != nil {
				if os.IsExist(err) {
					return nil, fmt.Errorf("cgroup %s: %w", p, unix.EEXIST)
				}
				return nil, fmt.Errorf("create cgroup %s: %w", p, err)
			}
		}
		cg.Paths[hy] = p
		note(Note{Path: p, Ino: Ino(p)})
		if hy.Has("cpuset") {
			if err := initCpuset(p); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return cg, nil
}

// Ino returns the inode number of a cgroup directory, 0 if it is gone.
func Ino(dir string) uint64 {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return 0
	}
	return st.Ino
}

// mkdirCgroup makes dir and its missing parents below root and returns
// the directories it made, parents first; note hears of each before and
// after it is made.
func mkdirCgroup(hy *Hierarchy, root, dir string, note func(Note)) ([]string, error) {
	if note == nil {
		note = func(Note) {}
	}
	if _, err := os.Stat(dir); err == nil {
		return nil, nil
	}
	var missing []string
	for d := dir; strings.HasPrefix(d, root+"/") || d == root; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == root {
			break
		}
		missing = append([]string{d}, missing...)
	}
	var made []string
	for _, d := range missing {
		note(Note{Path: d, Parent: true})
		if err := os.Mkdir(d, 0o755); err != nil {
			if os.IsExist(err) {
				continue // made meanwhile by another start: not ours
			}
			return made, fmt.Errorf("create cgroup %s: %w", d, err)
		}
		note(Note{Path: d, Ino: Ino(d), Parent: true})
		made = append(made, d)
		if hy.Has("cpuset") {
			if err := initCpuset(d); err != nil {
				return made, err
			}
		}
	}
	return made, nil
}

// Join moves pid into the cgroup at dir. On a cgroup2 hierarchy a cgroup
// with enabled controllers and children refuses processes (EBUSY, "no
// internal processes"); like LXC, a ".lxc" leaf below it is used then (and
// a dir already named .lxc is made when missing).
func Join(dir string, pid int) error {
	if filepath.Base(dir) == ".lxc" {
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			return err
		}
	}
	err := writeProcs(dir, pid)
	if err == nil || !errors.Is(err, unix.EBUSY) {
		return err
	}
	leaf := filepath.Join(dir, ".lxc")
	if err := os.Mkdir(leaf, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return writeProcs(leaf, pid)
}

func writeProcs(dir string, pid int) error {
	f, err := os.OpenFile(filepath.Join(dir, "cgroup.procs"), os.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.Itoa(pid))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// initCpuset copies cpuset.cpus/mems from the parent when empty: a v1
// cpuset cgroup without them refuses tasks (clone_children may be off).
func initCpuset(dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || strings.TrimSpace(string(b)) != "" {
			continue
		}
		pb, err := os.ReadFile(filepath.Join(filepath.Dir(dir), f))
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f), pb, 0); err != nil {
			return fmt.Errorf("initialise %s/%s: %w", dir, f, err)
		}
	}
	return nil
}

func empty(dir string) bool {
	procs, err := readPids(filepath.Join(dir, "cgroup.procs"))
	if err != nil || len(procs) > 0 {
		return false
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() && !empty(filepath.Join(dir, e.Name())) {
			return false
		}
	}
	return true
}

// AddProc moves pid into the cgroup in every hierarchy.
func (cg *Cgroup) AddProc(pid int) error {
	for hy, p := range cg.Paths {
		if err := writeFile(filepath.Join(p, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("move pid %d into %s cgroup: %w", pid, hy.Name(), err)
		}
	}
	return nil
}

// Procs lists the pids in the cgroup (the first hierarchy that answers).
func (cg *Cgroup) Procs() []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range cg.Paths {
		filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
				return nil
			}
			pids, _ := readPids(path)
			for _, pid := range pids {
				if !seen[pid] {
					seen[pid] = true
					out = append(out, pid)
				}
			}
			return nil
		})
	}
	return out
}

func readPids(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// KeyPath resolves a raw key ("memory.limit_in_bytes", "cpuset.cpus") to
// its file. v2 selects the unified hierarchy (lxc.cgroup2.* keys).
func (cg *Cgroup) KeyPath(key string, v2 bool) (string, error) {
	if strings.ContainsAny(key, "/\x00") || key == "" || strings.HasPrefix(key, ".") {
		return "", fmt.Errorf("invalid cgroup key %s", quote.Short(key))
	}
	if v2 {
		u := cg.UnifiedPath()
		if u == "" {
			return "", fmt.Errorf("cgroup2 key %s: the host has no cgroup2 hierarchy", quote.Short(key))
		}
		return filepath.Join(u, key), nil
	}
	ctrl, _, _ := strings.Cut(key, ".")
	if ctrl == "cgroup" {
		// core files (cgroup.procs, cgroup.freeze...) of the unified tree on
		// v2, of any hierarchy on v1.
		if u := cg.UnifiedPath(); u != "" && cg.Host.Layout == Unified {
			return filepath.Join(u, key), nil
		}
	}
	h := cg.Host.ForController(ctrl)
	if h == nil {
		return "", fmt.Errorf("cgroup key %s: controller %s is not mounted on this host", quote.Short(key), quote.Short(ctrl))
	}
	return filepath.Join(cg.Paths[h], key), nil
}

// Set writes value to key (v1 controller file, or unified when v2).
func (cg *Cgroup) Set(key, value string, v2 bool) error {
	p, err := cg.KeyPath(key, v2)
	if err != nil {
		return err
	}
	if err := writeFile(p, value); err != nil {
		return fmt.Errorf("write %s to %s: %w", quote.Short(value), p, err)
	}
	return nil
}

// Get reads key. On a hybrid host a key is looked up in v1 first, then in
// the unified hierarchy.
func (cg *Cgroup) Get(key string) (string, error) {
	p, err := cg.KeyPath(key, false)
	if err != nil {
		if u := cg.UnifiedPath(); u != "" {
			p = filepath.Join(u, key)
		} else {
			return "", err
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if u := cg.UnifiedPath(); u != "" && os.IsNotExist(err) && !strings.HasPrefix(p, u) {
			if b2, err2 := os.ReadFile(filepath.Join(u, key)); err2 == nil {
				return string(b2), nil
			}
		}
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return string(b), nil
}

func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Freeze stops every task: the v1 freezer when mounted (scripts read
// freezer.state), else cgroup.freeze.
func (cg *Cgroup) Freeze(timeout time.Duration) error {
	return cg.setFrozen(true, timeout)
}

// Thaw resumes every task.
func (cg *Cgroup) Thaw(timeout time.Duration) error {
	return cg.setFrozen(false, timeout)
}

func (cg *Cgroup) setFrozen(frozen bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if p := cg.v1Path("freezer"); p != "" {
		want := "THAWED"
		if frozen {
			want = "FROZEN"
		}
		for {
			if err := writeFile(filepath.Join(p, "freezer.state"), want); err != nil {
				return fmt.Errorf("write freezer.state: %w", err)
			}
			b, err := os.ReadFile(filepath.Join(p, "freezer.state"))
			if err == nil && strings.TrimSpace(string(b)) == want {
				return nil
			}
			if time.Now().After(deadline) {
				if frozen {
					writeFile(filepath.Join(p, "freezer.state"), "THAWED")
				}
				return fmt.Errorf("freezer stuck in %s", strings.TrimSpace(string(b)))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	u := cg.UnifiedPath()
	if u == "" {
		return errors.New("no freezer: neither the v1 freezer controller nor cgroup2 is mounted")
	}
	v := "0"
	if frozen {
		v = "1"
	}
	if err := writeFile(filepath.Join(u, "cgroup.freeze"), v); err != nil {
		return fmt.Errorf("write cgroup.freeze: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(u, "cgroup.events"))
		if err == nil && strings.Contains(string(b), "frozen "+v) {
			return nil
		}
		if time.Now().After(deadline) {
			if frozen {
				writeFile(filepath.Join(u, "cgroup.freeze"), "0")
			}
			return errors.New("cgroup did not reach the frozen state in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FreezerState returns FROZEN, FREEZING or THAWED.
func (cg *Cgroup) FreezerState() string {
	if p := cg.v1Path("freezer"); p != "" {
		b, err := os.ReadFile(filepath.Join(p, "freezer.state"))
		if err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	if u := cg.UnifiedPath(); u != "" {
		if b, err := os.ReadFile(filepath.Join(u, "cgroup.events")); err == nil && strings.Contains(string(b), "frozen 1") {
			return "FROZEN"
		}
	}
	return "THAWED"
}

func (cg *Cgroup) v1Path(c string) string {
	for h, p := range cg.Paths {
		if !h.V2 && h.Has(c) {
			return p
		}
	}
	return ""
}

// Kill sends SIGKILL to every task: cgroup.kill where the unified
// hierarchy has it (also on hybrid hosts, where our payload is placed in
// the unified tree too), else freeze, kill each pid, thaw (runc's way), so
// no task can fork away during the sweep.
func (cg *Cgroup) Kill() error {
	if u := cg.UnifiedPath(); u != "" {
		if err := writeFile(filepath.Join(u, "cgroup.kill"), "1"); err == nil {
			return nil
		}
	}
	frozen := cg.Freeze(2*time.Second) == nil
	for _, pid := range cg.Procs() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if frozen {
		cg.Thaw(2 * time.Second)
	}
	return nil
}

// Remove deletes the cgroup in every hierarchy, child cgroups first,
// retrying while the kernel still lists exiting tasks.
func (cg *Cgroup) Remove() error {
	var firstErr error
	for hy, p := range cg.Paths {
		if err := removeTree(p); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("remove %s cgroup %s: %w", hy.Name(), p, err)
		}
	}
	return firstErr
}

func removeTree(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var err error
	for i := len(dirs) - 1; i >= 0; i-- {
		for try := 0; ; try++ {
			err = unix.Rmdir(dirs[i])
			if err == nil || errors.Is(err, unix.ENOENT) {
				err = nil
				break
			}
			if !errors.Is(err, unix.EBUSY) || try >= 100 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return err
}

// Open returns the cgroup of a running container from its recorded paths
// (used by tools that do not own it).
func Open(h *Host, paths map[string]string) *Cgroup {
	cg := &Cgroup{Host: h, Paths: map[*Hierarchy]string{}}
	for _, hy := range h.Hierarchies {
		key := hy.Name()
		if !hy.V2 && len(hy.Controllers) > 0 {
			key = hy.Controllers[0]
		}
		if p, ok := paths[key]; ok {
			cg.Paths[hy] = p
			cg.Leaf = filepath.Base(p)
		}
	}
	return cg
}

// CreateExact makes the cgroup at path (relative to each hierarchy's
// base) in every hierarchy, as lxc.cgroup.dir.container and .monitor name
// one: no retry suffix, and an existing one is an error, as in LXC. Its
// missing parents are recorded in Made; note is told as for CreateNoted
// (nil: nothing to tell).
func (h *Host) CreateExact(path string, note func(Note)) (*Cgroup, error) {
	if strings.Contains(path, "..") || filepath.IsAbs(path) || strings.Trim(path, "/") == "" {
		return nil, fmt.Errorf("invalid cgroup path %q: must be relative without '..'", path)
	}
	path = strings.Trim(path, "/")
	cg, err := h.tryCreate(filepath.Dir(path), filepath.Base(path), note)
	if errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("cgroup %s already exists and is in use", path)
	}
	return cg, err
}

// Child makes the cgroup name below cg in every hierarchy (LXC's
// lxc.cgroup.dir.container.inner: the container runs there, its limits
// are set on cg). Removing cg removes it too.
func (cg *Cgroup) Child(name string) (*Cgroup, error) {
	child := &Cgroup{Host: cg.Host, Leaf: name, Paths: map[*Hierarchy]string{}}
	for hy, p := range cg.Paths {
		d := filepath.Join(p, name)
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return nil, fmt.Errorf("create cgroup %s: %w", d, err)
		}
		if hy.Has("cpuset") {
			if err := initCpuset(d); err != nil {
				return nil, err
			}
		}
		child.Paths[hy] = d
	}
	return child, nil
}

// MkdirAll makes dir and its missing parents in hierarchy h (cpuset
// initialised on v1), for cgroups the configuration names outside a
// container's (lxc.cgroup.dir.monitor.pivot).
func MkdirAll(h *Hierarchy, dir string) error {
	_, err := mkdirCgroup(h, h.Mount, dir, nil)
	return err
}

// At returns the cgroup made of the given directories, each matched to
// the hierarchy mounted above it (directories under no hierarchy of this
// host are left out). Recovery after a killed monitor uses it to kill and
// remove what the monitor recorded.
func (h *Host) At(dirs []string) *Cgroup {
	cg := &Cgroup{Host: h, Paths: map[*Hierarchy]string{}}
	for _, d := range dirs {
		for _, hy := range h.Hierarchies {
			if strings.HasPrefix(d, hy.Mount+"/") && cg.Paths[hy] == "" {
				cg.Paths[hy] = d
				cg.Leaf = filepath.Base(d)
				break
			}
		}
	}
	return cg
}
