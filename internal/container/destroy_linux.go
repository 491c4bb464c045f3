package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/storage/remove"
)

// DestroyError is a refusal with LXC's message (the tool prints Msg).
type DestroyError struct{ Msg string }

func (e *DestroyError) Error() string { return e.Msg }

// DestroyOptions tunes Destroy.
type DestroyOptions struct {
	// ConfigFile overrides <cdir>/config (--rcfile).
	ConfigFile string
	// Force stops a running container first.
	Force bool
	// StopTimeout bounds the wait for STOPPED after a forced stop.
	StopTimeout time.Duration
	// Warn receives notes (mounts detached, rootfs left in place).
	Warn func(msg string)
}

// Destroy removes a stopped container like lxc-destroy: after the checks
// LXC makes (clones, snapshots, running), it runs the destroy hooks,
// removes the storage (only what belongs to the container, see
// storage.Destroy), updates the snapshot dependency files and deletes the
// container directory without crossing mounts or following symlinks. With
// lxc.rootfs.managed = 0 nothing is removed.
func Destroy(ref Ref, opt DestroyOptions) error {
	cdir := ref.Dir()
	if fi, err := os.Lstat(cdir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, _ := os.Readlink(cdir)
		return fmt.Errorf("container directory %s is a symlink to %s; refusing to delete through it", cdir, target)
	}
	cfgPath := opt.ConfigFile
	if cfgPath == "" {
		cfgPath = filepath.Join(cdir, lxcpath.ConfigName)
	}
	state := CheckPartial(cdir)
	if state == CreateOngoing {
		return &DestroyError{fmt.Sprintf("Destroying %s failed: %s is being created", ref.Name, ref.Name)}
	}
	if !lxcpath.Defined(ref.LXCPath, ref.Name) {
		// The remains of a create, copy or destroy that was killed before
		// it wrote (or after it removed) the config.
		if state == CreateAbandoned && ReapAbandoned(ref, opt.Warn) {
			return nil
		}
		return &DestroyError{"Container is not defined"}
	}
	if _, err := os.Stat(filepath.Join(cdir, SnapshotsFile)); err == nil {
		return &DestroyError{fmt.Sprintf("Destroying %s failed: %s has clones", ref.Name, ref.Name)}
	}
	// LXC removes an empty snaps directory here and refuses a non-empty one.
	if err := os.Remove(filepath.Join(cdir, "snaps")); err != nil && !os.IsNotExist(err) {
		return &DestroyError{fmt.Sprintf("Destroying %s failed: %s has snapshots", ref.Name, ref.Name)}
	}
	if RunningUnderLXC(ref) {
		return ErrRunningUnderLXC(ref.Name)
	}
	if ctl.IsRunning(ref.LXCPath, ref.Name) {
		if !opt.Force {
			return &DestroyError{fmt.Sprintf("%s is running", ref.Name)}
		}
		if err := stop(ref, opt.StopTimeout); err != nil {
			return err
		}
		// An ephemeral container removes itself when it stops.
		if !lxcpath.Defined(ref.LXCPath, ref.Name) {
			return nil
		}
	}
	return destroyStopped(ref, cfgPath, opt, state == CreateAbandoned)
}

// stop asks the monitor to kill the container and waits for STOPPED.
func stop(ref Ref, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if _, err := ctl.Simple(ref.LXCPath, ref.Name, ctl.Request{Cmd: ctl.CmdStop}); err != nil && !errors.Is(err, ctl.ErrNotRunning) && !errors.Is(err, ctl.ErrClosed) {
		// The stop signal could not be sent: kill.
		if err := ctl.KillNow(ref.LXCPath, ref.Name); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(timeout)
	kill := time.Now().Add(ctl.StopGrace)
	for ctl.IsRunning(ref.LXCPath, ref.Name) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not stop within %v", ref.Name, timeout)
		}
		// lxc.signal.stop was not enough (an init that ignores it):
		// -f always stops the container.
		if !kill.IsZero() && time.Now().After(kill) {
			kill = time.Time{}
			if err := ctl.KillNow(ref.LXCPath, ref.Name); err != nil {
				return err
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// destroyStopped is liblxc's container_destroy.
func destroyStopped(ref Ref, cfgPath string, opt DestroyOptions, incomplete bool) error {
	lock, err := lxcpath.LockContainer(ref.LXCPath, ref.Name, 10*time.Second, nil)
	if err != nil {
		return fmt.Errorf("lock %s: %w", ref.Name, err)
	}
	defer lock.Unlock()
	return destroyLocked(ref, cfgPath, opt, incomplete)
}

func destroyLocked(ref Ref, cfgPath string, opt DestroyOptions, incomplete bool) error {
	if RunningUnderLXC(ref) {
		return ErrRunningUnderLXC(ref.Name)
	}
	if ctl.IsRunning(ref.LXCPath, ref.Name) {
		return &DestroyError{fmt.Sprintf("container %s is not stopped", ref.Name)}
	}
	// What a killed monitor left (tasks, cgroups, network state) goes
	// first: nothing may run in a rootfs that is being removed.
	if _, err := bootrec.Recover(ref.LXCPath, ref.Name); err != nil {
		return fmt.Errorf("clean up after the dead monitor of %s: %w", ref.Name, err)
	}
	return destroyStoppedLocked(ref, cfgPath, opt, incomplete)
}

// destroyStoppedLocked removes a container known to be stopped (its
// monitor may still hold the command socket while it tears down).
//
// It holds the partial marker from the start: a destroy that is killed
// midway leaves the marker unlocked, and the next operation on the name
// (lxc-destroy, lxc-create, lxc-copy; LXC's tools too) finishes the job.
// The config goes before the marker, the storage before the config.
func destroyStoppedLocked(ref Ref, cfgPath string, opt DestroyOptions, incomplete bool) error {
	cdir := ref.Dir()
	partial, err := HoldPartial(cdir)
	if err != nil {
		return fmt.Errorf("Destroying %s failed: %w", ref.Name, err)
	}
	defer partial.Release()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		if !incomplete {
			return &DestroyError{fmt.Sprintf("Failed to load config for %s: %v", ref.Name, err)}
		}
		// A creation that died may have left a half-written config: its
		// storage can only be inside the container directory then.
		cfg = config.NewContainer()
	}
	if cmds := cfg.Hooks["destroy"]; len(cmds) > 0 {
		// As LXC: lxc.rootfs.mount or its compiled-in default (nothing is
		// mounted for a destroy).
		mount := cfg.RootfsMount
		if mount == "" {
			mount = config.DefaultRootfsMount
		}
		env := &hooks.Env{Name: ref.Name, ConfigFile: cfgPath, RootfsMount: mount,
			RootfsPath: storage.Parse(cfg.RootfsPath).Dir(), Console: cfg.ConsolePath,
			ConsoleLog: cfg.ConsoleLogfile, Version: cfg.HookVersion, OutsideStart: true}
		if err := hooks.Run(cmds, "destroy", env, nil, nil); err != nil {
			return fmt.Errorf("destroy hook for %s: %w", ref.Name, err)
		}
	}
	if !cfg.RootfsManaged {
		// lxc.rootfs.managed = 0: LXC does not touch the container at all.
		partial.Remove()
		return nil
	}
	if cfg.RootfsPath == "" && incomplete {
		// A create or copy killed before its config named the storage it
		// was making outside the directory: what it recorded. It may not
		// exist (killed before the tool ran), so failures only warn.
		if b, err := os.ReadFile(filepath.Join(cdir, StorageIntentFile)); err == nil {
			src := storage.Parse(strings.TrimSpace(string(b)))
			if err := destroyStorageAs(cfg.IDMaps, src, storage.DestroyOptions{CDir: cdir, Warn: opt.Warn}); err != nil && opt.Warn != nil {
				opt.Warn(fmt.Sprintf("remove %s of an interrupted operation: %v", src, err))
			}
		}
	}
	if cfg.RootfsPath != "" {
		owned, _ := os.ReadFile(filepath.Join(cdir, storage.OwnerMarker))
		if err := destroyStorageAs(cfg.IDMaps, storage.Parse(cfg.RootfsPath), storage.DestroyOptions{
			CDir: cdir, Owned: strings.TrimSpace(string(owned)), Warn: opt.Warn,
		}); err != nil {
			return fmt.Errorf("Error destroying rootfs for %s: %w", ref.Name, err)
		}
	}
	deps, err := Rdepends(cdir)
	if err != nil && opt.Warn != nil {
		opt.Warn(err.Error())
	}
	for _, src := range deps {
		if err := RemoveDependent(src, ref); err != nil && opt.Warn != nil {
			opt.Warn(fmt.Sprintf("Failed to update snapshots file for %s:%s: %v", src.LXCPath, src.Name, err))
		}
	}
	if err := RemoveAllAs(cfg.IDMaps, cdir, remove.Options{Keep: []string{"snaps"}, Last: []string{PartialName}, Warn: opt.Warn}); err != nil {
		return fmt.Errorf("Failed to destroy directory %q for %q: %w", cdir, ref.Name, err)
	}
	return nil
}

// DestroyIncompleteLocked removes a container whose creation died (an
// unlocked partial marker), as liblxc does when it finds one. The caller
// holds the container lock.
func DestroyIncompleteLocked(ref Ref, warn func(string)) error {
	return destroyLocked(ref, filepath.Join(ref.Dir(), lxcpath.ConfigName), DestroyOptions{Warn: warn}, true)
}

// DestroyWithSnapshots is lxc-destroy -s: every snapshot in the snaps
// directory is destroyed, then the container. Like LXC, containers cloned
// from this one with lxc-copy -s are not destroyed: they still block.
// Unlike LXC 5.0.2, whether the container runs is settled first: without
// -f a running container is refused before any snapshot is touched, and
// with -f it is stopped first (LXC destroys the snapshots, then fails on
// the running container, also with -f).
func DestroyWithSnapshots(ref Ref, opt DestroyOptions) error {
	if !lxcpath.Defined(ref.LXCPath, ref.Name) {
		return &DestroyError{"Container is not defined"}
	}
	if RunningUnderLXC(ref) {
		return ErrRunningUnderLXC(ref.Name)
	}
	if ctl.IsRunning(ref.LXCPath, ref.Name) {
		if !opt.Force {
			return &DestroyError{fmt.Sprintf("%s is running", ref.Name)}
		}
		if err := stop(ref, opt.StopTimeout); err != nil {
			return err
		}
		// An ephemeral container removes itself when it stops; its
		// snapshots (if any) stay, as after any stop of it.
		if !lxcpath.Defined(ref.LXCPath, ref.Name) {
			return nil
		}
	}
	snaps := SnapsDir(ref.LXCPath, ref.Name)
	if err := os.Remove(snaps); err != nil && !os.IsNotExist(err) {
		ents, err := os.ReadDir(snaps)
		if err != nil {
			return fmt.Errorf("read %s: %w", snaps, err)
		}
		for _, e := range ents {
			sref := Ref{LXCPath: snaps, Name: e.Name()}
			if !lxcpath.Defined(sref.LXCPath, sref.Name) {
				// A snapshot whose lxc-snapshot was killed.
				ReapRemains(sref, opt.Warn)
				continue
			}
			if err := Destroy(sref, DestroyOptions{Warn: opt.Warn}); err != nil {
				return fmt.Errorf("Error deleting all snapshots: snapshot %s: %w", e.Name(), err)
			}
		}
		if err := os.Remove(snaps); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("Error deleting all snapshots: %w", err)
		}
	}
	return Destroy(ref, opt)
}

// ReapAbandoned removes what a killed create, copy, snapshot or destroy
// left of a container (an unlocked partial marker), as liblxc does when it
// finds one. It reports whether it did; nothing happens while another
// process holds the container's lock or the marker.
func ReapAbandoned(ref Ref, warn func(string)) bool {
	if CheckPartial(ref.Dir()) != CreateAbandoned {
		return false
	}
	lock, err := lxcpath.LockContainer(ref.LXCPath, ref.Name, 0, nil)
	if err != nil {
		return false
	}
	defer lock.Unlock()
	if CheckPartial(ref.Dir()) != CreateAbandoned {
		return false
	}
	if warn != nil {
		warn(fmt.Sprintf("removing the remains of an interrupted operation on %s", ref.Name))
	}
	return DestroyIncompleteLocked(ref, warn) == nil
}

// ReapRemains removes what a killed operation left of a container that
// has no config: an abandoned partial marker's remains, or a directory it
// made and left empty (killed before it could even mark it).
func ReapRemains(ref Ref, warn func(string)) bool {
	if ReapAbandoned(ref, warn) {
		return true
	}
	if lxcpath.Defined(ref.LXCPath, ref.Name) {
		return false
	}
	return os.Remove(ref.Dir()) == nil // only succeeds when empty
}
