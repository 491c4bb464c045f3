// Package create implements lxc-create's work: initial config, storage,
// template run and config header, as one all-or-nothing step.
//
// LXC's create is not atomic (user-needs §1 item 7): a failed or
// interrupted create leaves a directory with half a container behind and
// the retry says "Container already exists". Here everything created is
// recorded and removed again on any failure, on SIGINT/SIGTERM/SIGHUP, and
// on a full disk; a create killed with SIGKILL leaves LXC's locked
// "partial" marker, and the next create of that name (or LXC itself)
// removes the remains.
package create

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/paths"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/storage/remove"
	"github.com/golxc/golxc/internal/template"
	"github.com/golxc/golxc/internal/userns"
)

// Options are lxc-create's inputs.
type Options struct {
	LXCPath, Name string
	// Template is -t: a name, a path, or "" for none.
	Template     string
	TemplateArgs []string
	// ConfigFile is -f; DefaultConfig is lxc.default_config.
	ConfigFile, DefaultConfig string
	BDev                      string // -B ("" = dir)
	Dir                       string // --dir
	// Block storage options (--fstype, --fssize, --lvname, --vgname,
	// --thinpool, --zfsroot) and lxc.conf's storage defaults.
	FSType                   string
	FSSize                   uint64
	LVName, VGName, ThinPool string
	ZFSRoot                  string
	StorageDefaults          storage.Defaults
	Quiet                    bool
	Stdin                    io.Reader
	Stdout, Stderr           io.Writer
	// Warn prints notes (e.g. remains of an earlier create removed).
	Warn func(string)
}

// Error is a failure of one step; Step names it.
type Error struct {
	Step string
	Err  error
	// Cleaned is false when removing the half-created container failed too.
	Cleaned  bool
	CleanErr error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %v", e.Step, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Refusal is a check that failed before anything was created, with LXC's
// message (e.g. "Container already exists").
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

// Interrupted reports the signal that aborted the create (nil if none).
func Interrupted(err error) os.Signal {
	var e *template.ExitError
	if errors.As(err, &e) && e.Caught != nil {
		return e.Caught
	}
	var s *sigError
	if errors.As(err, &s) {
		return s.sig
	}
	return nil
}

type sigError struct{ sig os.Signal }

func (s *sigError) Error() string {
	if n, ok := s.sig.(syscall.Signal); ok && unix.SignalName(n) != "" {
		return "interrupted by " + unix.SignalName(n)
	}
	return fmt.Sprintf("interrupted by %v", s.sig)
}

type run struct {
	o       Options
	cdir    string
	cfgPath string
	tpath   string

	madeDir bool
	madeCfg bool
	partial *container.Partial
	created *storage.Created
	mounted *storage.Mounted // block storage while the template runs
	marker  bool
	sigs    chan os.Signal
	// maps are the container's id maps (for a user: the rootfs belongs
	// to them once chowned is set).
	maps    []config.IDMap
	chowned bool
}

// Create makes the container, or nothing.
func Create(o Options) (err error) {
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	r := &run{o: o, cdir: lxcpath.Dir(o.LXCPath, o.Name)}
	r.cfgPath = filepath.Join(r.cdir, lxcpath.ConfigName)

	if o.Template != "" {
		r.tpath, err = template.Lookup(o.Template)
		if err != nil {
			return &Error{Step: "find template", Err: err, Cleaned: true}
		}
	}
	initial, err := r.initialConfig()
	if err != nil {
		return &Error{Step: "load the initial config", Err: err, Cleaned: true}
	}
	if r.tpath != "" && os.Geteuid() != 0 && !initial.idmapped {
		// A non-root user's rootfs must belong to the container's root,
		// which only an id mapping defines (LXC refuses the same).
		// The suggestion names the user's own ranges, as LXC's does.
		user := userns.UserName()
		maps := userns.SuggestMaps(user)
		if lines := userns.UserMapLines(user); lines != nil {
			maps = strings.Join(lines, ", ") + " (the user's ranges in /etc/subuid and /etc/subgid)"
		}
		return &Refusal{"No uid mapping for container root: run as root, or define uid mappings, " +
			"e.g. in ~/.config/lxc/default.conf: lxc.include = /etc/lxc/default.conf, " + maps}
	}
	r.maps = initial.maps
	if r.tpath != "" && userns.Needed(r.maps) {
		// Everything newuidmap and newgidmap will need, before anything
		// is made.
		if problems := userns.CheckMaps(r.maps); len(problems) > 0 {
			return &Refusal{strings.Join(problems, "\n")}
		}
	}

	// Signals from here on abort and clean up instead of killing us.
	r.sigs = make(chan os.Signal, 4)
	signal.Notify(r.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(r.sigs)

	if err := os.MkdirAll(o.LXCPath, 0o755); err != nil {
		return &Error{Step: "create the lxcpath", Err: err, Cleaned: true}
	}
	// Everything below happens under the container lock: two creates of
	// one name never interleave, and a partial marker is judged only by
	// the lock holder.
	lock, err := lxcpath.LockContainer(o.LXCPath, o.Name, 0, nil)
	if err != nil {
		if container.CheckPartial(r.cdir) == container.CreateOngoing {
			return &Refusal{fmt.Sprintf("Container %s is being created by another process (%v)", o.Name, err)}
		}
		return &Refusal{fmt.Sprintf("Container %s is busy: %v", o.Name, err)}
	}
	defer lock.Unlock()
	// Remains of a create that was killed: remove them as liblxc does when
	// it finds an unlocked partial marker.
	if container.CheckPartial(r.cdir) == container.CreateAbandoned {
		o.Warn(fmt.Sprintf("removing the remains of an interrupted creation of %s", o.Name))
		if err := container.DestroyIncompleteLocked(container.Ref{LXCPath: o.LXCPath, Name: o.Name}, o.Warn); err != nil {
			return &Error{Step: "remove an interrupted creation", Err: err, Cleaned: true}
		}
	}
	if lxcpath.Defined(o.LXCPath, o.Name) {
		return &Refusal{"Container already exists"}
	}

	defer func() {
		if err == nil {
			return
		}
		var ce *Error
		if errors.As(err, &ce) {
			ce.CleanErr = r.cleanup()
			ce.Cleaned = ce.CleanErr == nil
		}
	}()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	if err := r.step("create the container directory", r.mkdir); err != nil {
		return err
	}
	if err := r.step("create the partial marker", func() (err error) {
		r.partial, err = container.CreatePartial(r.cdir)
		return err
	}); err != nil {
		return err
	}

	rootfsSet := initial.rootfs != ""
	if rootfsSet {
		if _, err := os.Stat(initial.rootfs); err != nil {
			return &Error{Step: "check the rootfs", Err: fmt.Errorf("rootfs %s named in the config does not exist", initial.rootfs)}
		}
	}
	if r.tpath == "" {
		// -t none: only the config, no storage, no header (as LXC).
		if err := r.step("write the config", func() error { return r.writeConfig(initial.text.String()) }); err != nil {
			return err
		}
		return r.finish()
	}
	if err := r.step("create the "+storageName(o.BDev)+" storage", func() error {
		spec := storage.CreateSpec{Type: o.BDev, CDir: r.cdir, Name: o.Name, Rootfs: o.Dir,
			FSType: o.FSType, FSSize: o.FSSize, LVName: o.LVName, VGName: o.VGName, ThinPool: o.ThinPool,
			ZFSRoot: o.ZFSRoot, Defaults: o.StorageDefaults, Intent: container.RecordStorageIntent(r.cdir)}
		if rootfsSet {
			// A rootfs named in the initial config is used as is (LXC's
			// do_storage_create).
			spec.Rootfs = initial.rootfs
		}
		var err error
		r.created, err = storage.Create(spec)
		return err
	}); err != nil {
		return err
	}
	if r.created.External && len(r.created.Made) > 0 {
		// We made the --dir rootfs, so lxc-destroy may delete it later.
		if err := r.step("record the rootfs owner", func() error {
			r.marker = true
			return os.WriteFile(filepath.Join(r.cdir, storage.OwnerMarker), []byte(r.created.Source.Dir()+"\n"), 0o640)
		}); err != nil {
			return err
		}
	}
	if userns.Needed(r.maps) {
		// As LXC for a user: the container directory and the rootfs
		// belong to the container's root (the user keeps the directory's
		// group access), so the template, run as that root, can fill
		// them and the container can be started.
		if err := r.step("give the container's root its directories", func() error {
			paths := []string{r.created.MountPoint}
			if r.madeDir {
				paths = append(paths, r.cdir)
			}
			// From here on, removing what we made needs the container's ids.
			r.chowned = true
			return container.ChownToContainerRoot(r.maps, paths...)
		}); err != nil {
			return err
		}
	}
	initial.text.Append("lxc.rootfs.path", r.created.Source.String())
	if err := r.step("write the config", func() error { return r.writeConfig(initial.text.String()) }); err != nil {
		return err
	}

	cfg, err := config.Load(r.cfgPath)
	if err != nil {
		return &Error{Step: "load the config", Err: err}
	}
	spec := &template.RunSpec{
		Path: r.tpath, CDir: r.cdir, Name: o.Name, Rootfs: r.created.MountPoint,
		Args: o.TemplateArgs, IDMaps: cfg.IDMaps, Quiet: o.Quiet,
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Signals: r.sigs,
	}
	if r.created.Source.Block() {
		// The template fills the new filesystem mounted at the rootfs
		// mount point in its own mount namespace, as with LXC.
		if err := r.step("mount the new "+r.created.Source.Type+" rootfs", func() error {
			m, err := storage.MountSource(r.created.Source, r.created.MountPoint, storage.MountOptions{})
			if err != nil {
				return err
			}
			r.mounted = m
			spec.RootfsMount = m.File()
			return nil
		}); err != nil {
			return err
		}
	}
	err = r.step("run template "+r.tpath, func() error { return template.Run(spec) })
	r.mounted.Close()
	if err != nil {
		return err
	}
	if err := r.step("add the config header", func() error {
		h := template.Header(r.tpath, o.TemplateArgs, paths.LXCConfigDir)
		return template.PrependHeader(r.cfgPath, h, config.WriteFileAtomic)
	}); err != nil {
		return err
	}
	if err := r.step("load the config the template wrote", func() error {
		_, err := config.Load(r.cfgPath)
		return err
	}); err != nil {
		return err
	}
	return r.finish()
}

func storageName(b string) string {
	if b == "" || b == storage.None {
		return storage.Dir
	}
	return b
}

// step runs fn unless a signal arrived, and turns its failure (or the
// signal) into an *Error naming the step.
func (r *run) step(name string, fn func() error) error {
	select {
	case sig := <-r.sigs:
		return &Error{Step: name, Err: &sigError{sig}}
	default:
	}
	if err := fn(); err != nil {
		return &Error{Step: name, Err: err}
	}
	select {
	case sig := <-r.sigs:
		return &Error{Step: name, Err: &sigError{sig}}
	default:
	}
	return nil
}

func (r *run) finish() error {
	if err := r.step("remove the partial marker", r.partial.Remove); err != nil {
		return err
	}
	return nil
}

func (r *run) mkdir() error {
	err := os.Mkdir(r.cdir, 0o770)
	switch {
	case err == nil:
		r.madeDir = true
		return os.Chmod(r.cdir, 0o770)
	case errors.Is(err, os.ErrExist):
		// LXC reuses an existing directory without a config.
		fi, err := os.Lstat(r.cdir)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", r.cdir)
		}
		return nil
	}
	return err
}

func (r *run) writeConfig(text string) error {
	r.madeCfg = true
	return config.WriteFileAtomic(r.cfgPath, []byte(text), 0o640)
}

// cleanup removes what this create made. It never touches an existing
// container directory's other contents, and never the template cache.
func (r *run) cleanup() error {
	var errs []error
	if r.created != nil {
		if r.chowned {
			// What the template made belongs to the container's ids.
			for i := len(r.created.Made) - 1; i >= 0; i-- {
				if err := container.RemoveAllAs(r.maps, r.created.Made[i], remove.Options{}); err != nil {
					errs = append(errs, err)
				}
			}
		} else if err := r.created.Undo(); err != nil {
			errs = append(errs, err)
		}
	}
	if r.madeDir {
		maps := r.maps
		if !r.chowned {
			maps = nil // still all the user's own
		}
		if err := container.RemoveAllAs(maps, r.cdir, remove.Options{}); err != nil {
			errs = append(errs, err)
		}
	} else {
		for _, p := range []string{r.cfgPath, filepath.Join(r.cdir, storage.OwnerMarker)} {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
			}
		}
		if r.partial != nil {
			r.partial.Remove()
		}
	}
	r.partial.Release()
	return errors.Join(errs...)
}

type initialConfig struct {
	text     *container.Unexpanded
	rootfs   string // lxc.rootfs.path of the initial config, without TYPE:
	idmapped bool   // it has lxc.idmap entries
	maps     []config.IDMap
}

// initialConfig loads -f or lxc.default_config. A -f that cannot be
// loaded fails the create (LXC logs the error and creates the container
// without the file's settings).
func (r *run) initialConfig() (*initialConfig, error) {
	try := func(p string) (*initialConfig, error) {
		c, err := config.Load(p)
		if err != nil {
			return nil, err
		}
		u, err := container.ReadUnexpanded(p)
		if err != nil {
			return nil, err
		}
		return &initialConfig{text: u, rootfs: storage.Parse(c.RootfsPath).Dir(), idmapped: len(c.IDMaps) > 0, maps: c.IDMaps}, nil
	}
	if r.o.ConfigFile != "" {
		ic, err := try(r.o.ConfigFile)
		if err != nil {
			var pe *config.ParseError
			if errors.As(err, &pe) {
				return nil, err
			}
			return nil, fmt.Errorf("Failed to load config file %s: %w", r.o.ConfigFile, unwrapPathError(err))
		}
		return ic, nil
	}
	if r.o.DefaultConfig == "" {
		return &initialConfig{text: &container.Unexpanded{}}, nil
	}
	ic, err := try(r.o.DefaultConfig)
	if err != nil {
		if os.IsNotExist(errors.Unwrap(err)) || errors.Is(err, os.ErrNotExist) {
			return &initialConfig{text: &container.Unexpanded{}}, nil
		}
		return nil, fmt.Errorf("Error loading default configuration file %s: %w", r.o.DefaultConfig, err)
	}
	return ic, nil
}

// unwrapPathError drops the path *os.PathError repeats.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
