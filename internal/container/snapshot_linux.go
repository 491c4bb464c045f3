package container

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/storage"
)

// Snapshot is one entry of lxc-snapshot -L.
type Snapshot struct {
	Name      string
	LXCPath   string // the snaps directory
	Timestamp string // contents of ts
	Comment   string // path of the comment file, if any
}

// TakeSnapshot makes the next snapN of the container (lxc-snapshot): a
// copy of a dir container, a snapshot of a btrfs or overlay one, keeping
// hostname and MACs, with a ts file and an optional comment.
func TakeSnapshot(ref Ref, configFile, commentFile string, warn func(string)) (string, error) {
	cfgPath := configFile
	if cfgPath == "" {
		cfgPath = filepath.Join(ref.Dir(), lxcpath.ConfigName)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return "", fmt.Errorf("Failed to load config for %s: %w", ref.Name, err)
	}
	src := storage.Parse(cfg.RootfsPath)
	if !storage.Supported(src.Type) {
		return "", fmt.Errorf("%s's backing store cannot be backed up: %w", ref.Name, storage.ErrUnsupported(src.Type))
	}
	snaps := SnapsDir(ref.LXCPath, ref.Name)
	// Snapshots whose lxc-snapshot was killed go first.
	if ents, err := os.ReadDir(snaps); err == nil {
		for _, e := range ents {
			ReapRemains(Ref{LXCPath: snaps, Name: e.Name()}, warn)
		}
	}
	i := 0
	for ; ; i++ {
		if _, err := os.Lstat(filepath.Join(snaps, "snap"+strconv.Itoa(i))); err != nil {
			break
		}
	}
	if err := os.MkdirAll(snaps, 0o755); err != nil {
		return "", fmt.Errorf("Failed to create snapshot directory %s: %w", snaps, err)
	}
	name := "snap" + strconv.Itoa(i)
	typ := src.Type
	if typ == storage.Overlayfs {
		typ = storage.Overlay
	}
	_, err = Clone(CloneOptions{
		Src: ref, SrcConfig: configFile, New: Ref{LXCPath: snaps, Name: name},
		Type: typ, Snapshot: src.Type != storage.Dir, KeepName: true, KeepMAC: true, Warn: warn,
	})
	if err != nil {
		return "", err
	}
	dir := filepath.Join(snaps, name)
	if err := os.WriteFile(filepath.Join(dir, "ts"), []byte(Timestamp(time.Now())), 0o644); err != nil {
		return "", fmt.Errorf("Writing timestamp: %w", err)
	}
	if commentFile != "" {
		if err := copyFile(commentFile, filepath.Join(dir, "comment")); err != nil {
			return "", fmt.Errorf("copy comment %s: %w", commentFile, err)
		}
	}
	return name, nil
}

// ListSnapshots returns the snapshots of a container, ordered by number
// (LXC lists them in directory order).
func ListSnapshots(ref Ref) ([]Snapshot, error) {
	snaps := SnapsDir(ref.LXCPath, ref.Name)
	ents, err := os.ReadDir(snaps)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Snapshot
	for _, e := range ents {
		if !lxcpath.Defined(snaps, e.Name()) {
			continue
		}
		s := Snapshot{Name: e.Name(), LXCPath: snaps}
		if ts, err := os.ReadFile(filepath.Join(snaps, e.Name(), "ts")); err == nil {
			s.Timestamp = string(ts)
		}
		s.Comment = filepath.Join(snaps, e.Name(), "comment")
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return snapLess(out[i].Name, out[j].Name) })
	return out, nil
}

func snapLess(a, b string) bool {
	na, ea := strconv.Atoi(strings.TrimPrefix(a, "snap"))
	nb, eb := strconv.Atoi(strings.TrimPrefix(b, "snap"))
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

// DestroySnapshot destroys one snapshot, or all with "ALL".
func DestroySnapshot(ref Ref, snap string, warn func(string)) error {
	snaps := SnapsDir(ref.LXCPath, ref.Name)
	if snap != "ALL" {
		return Destroy(Ref{LXCPath: snaps, Name: snap}, DestroyOptions{Warn: warn})
	}
	ents, err := os.ReadDir(snaps)
	if err != nil {
		return fmt.Errorf("opendir on snapshot path %s: %w", snaps, err)
	}
	var first error
	for _, e := range ents {
		if err := Destroy(Ref{LXCPath: snaps, Name: e.Name()}, DestroyOptions{Warn: warn}); err != nil && first == nil {
			first = err
		}
	}
	if err := os.Remove(snaps); err != nil && first == nil && !os.IsNotExist(err) {
		first = fmt.Errorf("Error removing directory %s: %w", snaps, err)
	}
	return first
}

// RestoreSnapshot clones snapshot snap back into the container's lxcpath
// as newName; when newName is the container itself, the container is
// destroyed first (its snapshots stay). As in LXC the restored container
// gets its name as hostname and fresh MACs.
func RestoreSnapshot(ref Ref, snap, newName string, warn func(string)) error {
	if newName == "" {
		newName = ref.Name
	}
	if HasClones(ref.Dir()) {
		return fmt.Errorf("container rootfs has dependent snapshots")
	}
	snaps := SnapsDir(ref.LXCPath, ref.Name)
	sref := Ref{LXCPath: snaps, Name: snap}
	if !lxcpath.Defined(sref.LXCPath, sref.Name) {
		return fmt.Errorf("Could not open snapshot %s", snap)
	}
	typ := ""
	if u, err := ReadUnexpanded(filepath.Join(ref.Dir(), lxcpath.ConfigName)); err == nil {
		v, _ := u.Get("lxc.rootfs.path")
		typ = storage.Parse(v).Type
	}
	if typ == storage.Overlayfs {
		typ = storage.Overlay
	}
	inPlace := newName == ref.Name
	if inPlace {
		if err := destroyKeepSnaps(ref, warn); err != nil {
			return fmt.Errorf("Could not destroy existing container %s: %w", newName, err)
		}
	}
	_, err := Clone(CloneOptions{
		Src: sref, New: Ref{LXCPath: ref.LXCPath, Name: newName},
		Type: typ, Snapshot: restoreSnapshots(typ, snapshotType(sref)), KeepDir: inPlace, Warn: warn,
	})
	return err
}

// restoreSnapshots says whether a restore into storage of type typ is a
// snapshot of the snapshot (liblxc: every type but dir and loop) or a
// copy. A loop snapshot restored to loop is golxc's image copy (a
// snapshot in storage.Clone's terms); any other snapshot of a loop
// container (LXC's lxc-snapshot makes a directory) is copied into a new
// image, as LXC does.
func restoreSnapshots(typ, snapType string) bool {
	switch typ {
	case "", storage.Dir:
		return false
	case storage.Loop:
		return snapType == storage.Loop
	}
	return true
}

// snapshotType is the storage type of a snapshot ("" when unreadable).
func snapshotType(sref Ref) string {
	u, err := ReadUnexpanded(filepath.Join(sref.Dir(), lxcpath.ConfigName))
	if err != nil {
		return ""
	}
	v, _ := u.Get("lxc.rootfs.path")
	return storage.Parse(v).Type
}

// destroyKeepSnaps removes a container but its snaps directory (liblxc's
// container_destroy, which restore uses).
func destroyKeepSnaps(ref Ref, warn func(string)) error {
	return destroyStopped(ref, filepath.Join(ref.Dir(), lxcpath.ConfigName), DestroyOptions{Warn: warn}, false)
}
