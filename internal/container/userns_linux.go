package container

// The files of a container with lxc.idmap belong to the host ids its root
// and users are mapped to. A non-root user can reach them only as root of
// a user namespace with those maps (LXC's userns_exec_full), so the steps
// below that touch a rootfs run there for such a user (internal/userns),
// and in this process for root. Everything else (configs, locks, the
// lxc_snapshots bookkeeping) stays with the user's own ids, so the files
// it writes keep belonging to the user, as with LXC.

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/storage/remove"
	"github.com/golxc/golxc/internal/userns"
)

func init() {
	userns.Register("container.chown-root", opChownRoot)
	userns.Register("container.remove-all", opRemoveAll)
	userns.Register("container.destroy-storage", opDestroyStorage)
	userns.Register("container.clone-storage", opCloneStorage)
	userns.Register("container.update-rootfs", opUpdateRootfs)
}

// warnings collects the warnings of an operation in the namespace, which
// go back to the caller's Warn.
type warnings struct {
	Warnings []string `json:"warnings,omitempty"`
}

func (w *warnings) add(msg string) { w.Warnings = append(w.Warnings, msg) }

func (w *warnings) replay(warn func(string)) {
	for _, m := range w.Warnings {
		if warn != nil {
			warn(m)
		}
	}
}

// ChownToContainerRoot gives paths to the container's root (owner only:
// the group stays, so the user keeps the group access LXC gives it to the
// container directory). For root it is a plain lchown to the mapped id.
func ChownToContainerRoot(maps []config.IDMap, paths ...string) error {
	if !userns.Needed(maps) {
		uid, _ := userns.RootIDs(maps)
		if uid < 0 {
			return nil
		}
		for _, p := range paths {
			if err := os.Lchown(p, uid, -1); err != nil {
				return err
			}
		}
		return nil
	}
	return userns.Run(userns.FullMaps(maps), "container.chown-root", paths, nil)
}

func opChownRoot(arg json.RawMessage) (any, error) {
	var paths []string
	if err := json.Unmarshal(arg, &paths); err != nil {
		return nil, err
	}
	for _, p := range paths {
		if err := unix.Lchown(p, 0, -1); err != nil {
			return nil, &os.PathError{Op: "chown", Path: p, Err: err}
		}
	}
	return nil, nil
}

// removeArgs are remove.RemoveAll's, without the callback.
type removeArgs struct {
	Path     string   `json:"path"`
	Keep     []string `json:"keep,omitempty"`
	KeepTop  bool     `json:"keep_top,omitempty"`
	Last     []string `json:"last,omitempty"`
	NoDetach bool     `json:"no_detach,omitempty"`
}

// RemoveAllAs is remove.RemoveAll as the container's root when the
// caller needs a user namespace for the container's files.
func RemoveAllAs(maps []config.IDMap, path string, opt remove.Options) error {
	if !userns.Needed(maps) {
		return remove.RemoveAll(path, opt)
	}
	var w warnings
	err := userns.Run(userns.FullMaps(maps), "container.remove-all",
		removeArgs{Path: path, Keep: opt.Keep, KeepTop: opt.KeepTop, Last: opt.Last, NoDetach: opt.NoDetach}, &w)
	w.replay(opt.Warn)
	return err
}

func opRemoveAll(arg json.RawMessage) (any, error) {
	var a removeArgs
	if err := json.Unmarshal(arg, &a); err != nil {
		return nil, err
	}
	w := &warnings{}
	err := remove.RemoveAll(a.Path, remove.Options{Keep: a.Keep, KeepTop: a.KeepTop, Last: a.Last, NoDetach: a.NoDetach, Warn: w.add})
	return w, err
}

type destroyArgs struct {
	Source string `json:"source"`
	CDir   string `json:"cdir"`
	Owned  string `json:"owned,omitempty"`
}

// destroyStorageAs is storage.Destroy as the container's root when needed.
func destroyStorageAs(maps []config.IDMap, src storage.Source, opt storage.DestroyOptions) error {
	if !userns.Needed(maps) {
		return storage.Destroy(src, opt)
	}
	var w warnings
	err := userns.Run(userns.FullMaps(maps), "container.destroy-storage", destroyArgs{Source: src.String(), CDir: opt.CDir, Owned: opt.Owned}, &w)
	w.replay(opt.Warn)
	return err
}

func opDestroyStorage(arg json.RawMessage) (any, error) {
	var a destroyArgs
	if err := json.Unmarshal(arg, &a); err != nil {
		return nil, err
	}
	w := &warnings{}
	err := storage.Destroy(storage.Parse(a.Source), storage.DestroyOptions{CDir: a.CDir, Owned: a.Owned, Warn: w.add})
	return w, err
}

// cloneArgs are a storage.CloneSpec without its callback: the storage
// intent is recorded in the new container directory, as Clone does.
type cloneArgs struct {
	Src      string           `json:"src"`
	SrcCDir  string           `json:"src_cdir"`
	NewCDir  string           `json:"new_cdir"`
	Type     string           `json:"type,omitempty"`
	Snapshot bool             `json:"snapshot,omitempty"`
	FSSize   uint64           `json:"fssize,omitempty"`
	Defaults storage.Defaults `json:"defaults"`
}

type cloneResult struct {
	Source string         `json:"source"`
	Cloned storage.Cloned `json:"cloned"`
}

// cloneStorageAs is storage.Clone as the container's root when needed.
func cloneStorageAs(maps []config.IDMap, spec storage.CloneSpec) (*storage.Cloned, error) {
	if !userns.Needed(maps) {
		return storage.Clone(spec)
	}
	var res cloneResult
	err := userns.Run(userns.FullMaps(maps), "container.clone-storage", cloneArgs{
		Src: spec.Src.String(), SrcCDir: spec.SrcCDir, NewCDir: spec.NewCDir, Type: spec.Type,
		Snapshot: spec.Snapshot, FSSize: spec.FSSize, Defaults: spec.Defaults,
	}, &res)
	if err != nil {
		return nil, err
	}
	c := res.Cloned
	c.Source = storage.Parse(res.Source)
	return &c, nil
}

func opCloneStorage(arg json.RawMessage) (any, error) {
	var a cloneArgs
	if err := json.Unmarshal(arg, &a); err != nil {
		return nil, err
	}
	c, err := storage.Clone(storage.CloneSpec{
		Src: storage.Parse(a.Src), SrcCDir: a.SrcCDir, NewCDir: a.NewCDir, Type: a.Type, Snapshot: a.Snapshot,
		FSSize: a.FSSize, Defaults: a.Defaults, Intent: RecordStorageIntent(a.NewCDir),
	})
	if err != nil {
		return nil, err
	}
	return cloneResult{Source: c.Source.String(), Cloned: *c}, nil
}

// updateArgs say how to finish a clone's rootfs: run the clone hooks and
// write the new hostname, with the rootfs mounted (overlay) where needed.
type updateArgs struct {
	Source     string   `json:"source"`
	MountPoint string   `json:"mount_point"`
	Config     string   `json:"config"` // the new container's config
	Name       string   `json:"name"`
	SrcName    string   `json:"src_name"`
	HookArgs   []string `json:"hook_args,omitempty"`
	KeepName   bool     `json:"keep_name,omitempty"`
}

// updateRootfsAs is updateRootfs as the container's root when needed.
func updateRootfsAs(maps []config.IDMap, a updateArgs) error {
	if !userns.Needed(maps) {
		return updateRootfs(a)
	}
	return userns.Run(userns.FullMaps(maps), "container.update-rootfs", a, nil)
}

func opUpdateRootfs(arg json.RawMessage) (any, error) {
	var a updateArgs
	if err := json.Unmarshal(arg, &a); err != nil {
		return nil, err
	}
	return nil, updateRootfs(a)
}

// updateRootfs runs the new container's clone hooks and, unless the name
// is kept, writes its hostname into the rootfs.
func updateRootfs(a updateArgs) error {
	newLoaded, err := config.Load(a.Config)
	if err != nil {
		return fmt.Errorf("the new config does not load: %w", err)
	}
	src := storage.Parse(a.Source)
	return storage.WithMounted(src, a.MountPoint, func(root string) error {
		if cmds := newLoaded.Hooks["clone"]; len(cmds) > 0 {
			// As LXC: the rootfs path as configured (TYPE:PATH).
			env := &hooks.Env{Name: a.Name, ConfigFile: a.Config, RootfsMount: root,
				RootfsPath: newLoaded.RootfsPath, Version: newLoaded.HookVersion, OutsideStart: true}
			if err := hooks.Run(cmds, "clone", env, a.HookArgs, []string{"LXC_SRC_NAME=" + a.SrcName}); err != nil {
				return fmt.Errorf("Error executing clone hook for %s: %w", a.Name, err)
			}
		}
		if a.KeepName {
			return nil
		}
		return writeHostname(root, a.Name)
	})
}
