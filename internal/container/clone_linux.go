package container

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/storage/remove"
)

// CloneOptions describes a copy (lxc-copy) or snapshot (lxc-snapshot).
type CloneOptions struct {
	Src, New Ref
	// SrcConfig overrides the source's config file (--rcfile).
	SrcConfig string
	Type      string // -B ("" = LXC's default for the source)
	Snapshot  bool   // -s / LXC_CLONE_SNAPSHOT
	KeepName  bool   // -K
	KeepMAC   bool   // -M
	// AllowRunning lets a running source be copied (-a).
	AllowRunning bool
	// KeepDir accepts an existing new container directory (restoring a
	// snapshot over the container it came from keeps its snaps/).
	KeepDir  bool
	HookArgs []string
	Warn     func(string)
	// FSSize is -L: the size of new block storage (0: the source's size,
	// else LXC's default); Defaults are lxc.conf's storage settings.
	FSSize   uint64
	Defaults storage.Defaults
}

// CloneResult describes the new container.
type CloneResult struct {
	Source storage.Source
	Stats  storage.Cloned
}

// Clone copies a container the way liblxc's clone does: the source's saved
// config (comments and all, minus lxc.rootfs.path) with the new rootfs
// path, the new lxc.uts.name unless KeepName, fresh MACs unless KeepMAC,
// hook scripts and the fstab that lived in the old directory copied and
// their paths rewritten, overlay mount paths rewritten; then the storage is
// copied or snapshotted, the clone hooks run and /etc/hostname is updated
// if it exists. Anything created is removed again if a step fails.
func Clone(opt CloneOptions) (res *CloneResult, err error) {
	src, nw := opt.Src, opt.New
	if !lxcpath.Defined(src.LXCPath, src.Name) && opt.SrcConfig == "" {
		return nil, &DestroyError{fmt.Sprintf("Container %s is not defined", src.Name)}
	}
	srcCfgPath := opt.SrcConfig
	if srcCfgPath == "" {
		srcCfgPath = filepath.Join(src.Dir(), lxcpath.ConfigName)
	}
	cfg, err := config.Load(srcCfgPath)
	if err != nil {
		return nil, &DestroyError{fmt.Sprintf("Failed to load config for %s: %v", src.Name, err)}
	}
	if !opt.AllowRunning && (ctl.IsRunning(src.LXCPath, src.Name) || RunningUnderLXC(src)) {
		return nil, &DestroyError{fmt.Sprintf("error: Original container (%s) is running", src.Name)}
	}
	unexp, err := ReadUnexpanded(srcCfgPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", srcCfgPath, err)
	}
	newCfg := filepath.Join(nw.Dir(), lxcpath.ConfigName)
	// A copy, snapshot or destroy of this name that was killed: its
	// remains go first, so the name can be used again.
	ReapAbandoned(nw, opt.Warn)
	if _, err := os.Lstat(newCfg); err == nil {
		return nil, &DestroyError{fmt.Sprintf("error: clone: %s exists", newCfg)}
	}
	if err := lxcpath.ValidateName(nw.Name); err != nil {
		return nil, err
	}

	// From here on, a failure removes what we made.
	madeDir := false
	if err := os.MkdirAll(nw.LXCPath, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", nw.LXCPath, err)
	}
	if err := os.Mkdir(nw.Dir(), 0o770); err == nil {
		madeDir = true
		os.Chmod(nw.Dir(), 0o770)
		// As LXC: the directory belongs to the container's root, its
		// group (the user's) keeps access.
		if err := ChownToContainerRoot(cfg.IDMaps, nw.Dir()); err != nil {
			os.Remove(nw.Dir())
			return nil, fmt.Errorf("give %s to the container's root: %w", nw.Dir(), err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create %s: %w", nw.Dir(), err)
	} else if !opt.KeepDir {
		if ents, _ := os.ReadDir(nw.Dir()); len(ents) > 0 {
			return nil, fmt.Errorf("%s exists and is not empty", nw.Dir())
		}
	}
	lock, err := lxcpath.LockContainer(nw.LXCPath, nw.Name, 0, nil)
	if err != nil {
		if madeDir {
			os.Remove(nw.Dir())
		}
		return nil, fmt.Errorf("lock %s: %w", nw.Name, err)
	}
	defer lock.Unlock()
	// The locked partial marker makes the copy atomic for everyone else:
	// until it is removed at the end the copy is "being created" (LXC's
	// tools see the same), and if we are killed the next operation on the
	// name finds it abandoned and removes what we made.
	partial, err := HoldPartial(nw.Dir())
	if err != nil {
		if madeDir {
			os.Remove(nw.Dir())
		}
		return nil, err
	}
	defer partial.Release()
	var cloned *storage.Cloned
	var made []string // paths to remove on failure (KeepDir case)
	defer func() {
		if err == nil {
			err = partial.Remove()
			return
		}
		if cloned != nil {
			destroyStorageAs(cfg.IDMaps, cloned.Source, storage.DestroyOptions{CDir: nw.Dir()})
		}
		if madeDir {
			RemoveAllAs(cfg.IDMaps, nw.Dir(), remove.Options{Last: []string{PartialName}})
		} else {
			for _, p := range made {
				RemoveAllAs(cfg.IDMaps, p, remove.Options{})
			}
			partial.Remove()
		}
	}()
	made = append(made, newCfg, filepath.Join(nw.Dir(), "rootfs"), filepath.Join(nw.Dir(), "overlay"),
		filepath.Join(nw.Dir(), RdependsFile))

	unexp.Clear("lxc.rootfs.path", false)
	srcStorage := storage.Parse(cfg.RootfsPath)
	if cfg.RootfsPath == "" {
		return nil, fmt.Errorf("%s has no rootfs to copy", src.Name)
	}
	typ := opt.Type
	if typ == "" && !opt.Snapshot && filepath.Clean(src.LXCPath) != filepath.Clean(nw.LXCPath) {
		// liblxc's storage_copy: a plain copy into another lxcpath is a
		// directory whatever the source's storage (lxc-copy -p NEWPATH,
		// the usual way to copy a container out for a backup).
		typ = storage.Dir
	}
	cloned, err = cloneStorageAs(cfg.IDMaps, storage.CloneSpec{
		Src: srcStorage, SrcCDir: src.Dir(), NewCDir: nw.Dir(), Type: typ, Snapshot: opt.Snapshot,
		FSSize: opt.FSSize, Defaults: opt.Defaults, Intent: RecordStorageIntent(nw.Dir()),
	})
	if err != nil {
		return nil, fmt.Errorf("copy storage of %s: %w", src.Name, err)
	}
	unexp.Append("lxc.rootfs.path", cloned.Source.String())

	// Dependency bookkeeping (liblxc copy_storage): a snapshot, or any
	// copy of an overlay container, depends on what the source depends on.
	if opt.Snapshot || (srcStorage.IsOverlay() && cloned.Source.IsOverlay()) {
		if data, err := os.ReadFile(filepath.Join(src.Dir(), RdependsFile)); err == nil {
			if err := os.WriteFile(filepath.Join(nw.Dir(), RdependsFile), data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	if cloned.NeedRdep {
		if err := WriteRdepends(nw.Dir(), src); err != nil {
			return nil, err
		}
	}
	deps, _ := Rdepends(nw.Dir())
	for _, d := range deps {
		if err := AddDependent(d, nw); err != nil && opt.Warn != nil {
			opt.Warn(fmt.Sprintf("Failed to update snapshots file for %s:%s: %v", d.LXCPath, d.Name, err))
		}
	}
	defer func() {
		if err != nil {
			for _, d := range deps {
				RemoveDependent(d, nw)
			}
		}
	}()

	if !opt.KeepName {
		unexp.Clear("lxc.utsname", false)
		unexp.Clear("lxc.uts.name", false)
		unexp.Append("lxc.uts.name", nw.Name)
	}
	if err := copyHooks(unexp, cfg, src, nw); err != nil {
		return nil, err
	}
	if cfg.MountFstab != "" {
		newFstab := filepath.Join(nw.Dir(), filepath.Base(cfg.MountFstab))
		if err := copyFile(cfg.MountFstab, newFstab); err != nil {
			return nil, fmt.Errorf("error: copying %s to %s: %w", cfg.MountFstab, newFstab, err)
		}
		unexp.Clear("lxc.mount.fstab", false)
		unexp.Append("lxc.mount.fstab", newFstab)
	}
	if !opt.KeepMAC {
		unexp.NewHWAddrs()
	}
	// Overlay mount entries whose upper/work dirs lived in the old
	// container directory (liblxc ovl_update_abs_paths).
	unexp.ReplacePrefix("lxc.mount.entry", src.Dir()+"/", nw.Dir()+"/", func(l string) bool {
		return strings.Contains(l, "overlay")
	})
	if err := config.WriteFileAtomic(newCfg, []byte(unexp.String()), 0o640); err != nil {
		return nil, err
	}

	// Clone hooks and the hostname, with the new rootfs visible (as the
	// container's root for a user: LXC's clone_update_rootfs).
	if err := updateRootfsAs(cfg.IDMaps, updateArgs{
		Source: cloned.Source.String(), MountPoint: filepath.Join(nw.Dir(), "rootfs"), Config: newCfg,
		Name: nw.Name, SrcName: src.Name, HookArgs: opt.HookArgs, KeepName: opt.KeepName,
	}); err != nil {
		return nil, err
	}
	return &CloneResult{Source: cloned.Source, Stats: *cloned}, nil
}

// writeHostname overwrites <root>/etc/hostname with name (no newline, as
// LXC writes it) only if the file exists, never following a symlink out of
// the rootfs.
func writeHostname(root, name string) error {
	p := filepath.Join(root, "etc", "hostname")
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if fi, err := os.Lstat(filepath.Join(root, "etc")); err != nil || !fi.IsDir() {
		return nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC|noFollow, 0)
	if err != nil {
		return nil // LXC: "unable to open ...: ignoring"
	}
	if _, err := f.WriteString(name); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	return f.Close()
}

// copyHooks copies hook scripts that live in the source container directory
// into the new one and rewrites the hook lines (liblxc copyhooks and
// clone_update_unexp_hooks).
func copyHooks(u *Unexpanded, cfg *config.Container, src, nw Ref) error {
	oldPrefix := src.Dir() + "/"
	for _, cmds := range cfg.Hooks {
		for _, h := range cmds {
			if !strings.HasPrefix(h, oldPrefix) {
				continue
			}
			script := strings.Fields(h)[0]
			dst := filepath.Join(nw.Dir(), strings.TrimPrefix(script, oldPrefix))
			if _, err := os.Lstat(dst); err == nil {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := copyFile(script, dst); err != nil {
				return fmt.Errorf("error copying hooks: %w", err)
			}
		}
	}
	u.ReplacePrefix("lxc.hook", oldPrefix, nw.Dir()+"/", nil)
	return nil
}

// copyFile copies a regular file keeping its mode (not its owner, as LXC).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(fi.Mode().Perm() | fi.Mode()&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Timestamp formats t as lxc-snapshot's ts file does.
func Timestamp(t time.Time) string { return t.Format("2006:01:02 15:04:05") }
