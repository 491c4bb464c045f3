package copytool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/launch"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/runner"
	"github.com/golxc/golxc/internal/storage"
)

// mountSpec is one -m option: bind=SRC[:DEST][:ro|rw] or
// overlay=SRC[:DEST].
type mountSpec struct {
	overlay   bool
	src, dest string // dest relative to the container's root
	options   string // bind: rw or ro
}

// parseMounts reads -m options as lxc-copy does: each may hold several
// comma-separated bind=... and overlay=... entries; paths are normalised
// (. and .. resolved), the destination defaults to the source.
func parseMounts(vals []string) ([]mountSpec, error) {
	var out []mountSpec
	for _, v := range vals {
		for _, sub := range strings.Split(v, ",") {
			if sub == "" {
				continue
			}
			kind, rest, ok := strings.Cut(sub, "=")
			if !ok || (kind != "bind" && kind != "overlay") {
				// getsubopt: unknown keys are skipped.
				continue
			}
			var parts []string
			for _, p := range strings.Split(rest, ":") {
				if p != "" {
					parts = append(parts, p)
				}
			}
			if len(parts) == 0 {
				return nil, fmt.Errorf("-m %s: no source path", sub)
			}
			m := mountSpec{overlay: kind == "overlay", src: filepath.Clean("/" + parts[0])}
			m.dest = strings.TrimPrefix(m.src, "/")
			switch {
			case len(parts) == 2 && !m.overlay && (prefixOf(parts[1], "rw") || prefixOf(parts[1], "ro")):
				m.options = parts[1]
			case len(parts) == 2:
				m.dest = strings.TrimPrefix(filepath.Clean("/"+parts[1]), "/")
			case len(parts) == 3 && !m.overlay:
				m.dest = strings.TrimPrefix(filepath.Clean("/"+parts[1]), "/")
				m.options = parts[2]
			case len(parts) > 2:
				return nil, fmt.Errorf("-m %s: excess elements in mount specification", sub)
			}
			if m.options == "" {
				m.options = "rw"
			}
			switch {
			case prefixOf(m.options, "rw"):
				m.options = "rw"
			case prefixOf(m.options, "ro"):
				m.options = "ro"
			default:
				return nil, fmt.Errorf("-m %s: mount option %s is neither rw nor ro", sub, quote.Short(m.options))
			}
			if m.dest == "" {
				return nil, fmt.Errorf("-m %s: cannot mount over the container's root", sub)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// prefixOf is LXC's strncmp(opt, word, strlen(opt)) == 0.
func prefixOf(s, word string) bool { return s != "" && strings.HasPrefix(word, s) }

// mountEntry renders an lxc.mount.entry for m; overlay mounts get fresh
// upper and work directories in the container's directory.
func mountEntry(m mountSpec, cdir string) (string, error) {
	if m.overlay {
		upper, err := mkdtemp(cdir, "delta#")
		if err != nil {
			return "", err
		}
		work, err := mkdtemp(cdir, "work#")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s overlay lowerdir=%s,upperdir=%s,workdir=%s,create=dir", m.src, m.dest, m.src, upper, work), nil
	}
	create := "create=file"
	if fi, err := os.Stat(m.src); err == nil && fi.IsDir() {
		create = "create=dir"
	}
	return fmt.Sprintf("%s %s none bind,optional,%s,%s 0 0", m.src, m.dest, m.options, create), nil
}

// runEphemeral is lxc-copy -e: a snapshot clone of the container (overlay
// for dir, btrfs snapshot, LVM/ZFS snapshot, an image copy for loop)
// marked lxc.ephemeral = 1 unless -D, with -t's tmpfs and -m's mounts,
// started; with a command after "--" the command runs in it and the
// container is shut down after.
func runEphemeral(x *cli.Ctx, src container.Ref, newpath, bdev string, fssize uint64, args []string, warn func(string)) error {
	if opts.tmpfs {
		switch {
		case opts.keepData:
			return x.Errorf("A container can only be placed on a tmpfs when the overlay storage driver is used")
		case bdev == "":
			bdev = storage.Overlay
		case bdev != storage.Overlay:
			return x.Errorf("A container can only be placed on a tmpfs when the overlay storage driver is used")
		}
	}
	mounts, err := parseMounts(opts.mounts)
	if err != nil {
		return x.Errorf("%v", err)
	}
	name := opts.newname
	madeDir := ""
	if name == "" {
		if err := os.MkdirAll(newpath, 0o755); err != nil {
			return x.Errorf("%v", err)
		}
		d, err := mkdtemp(newpath, src.Name+"_")
		if err != nil {
			return x.Errorf("%v", err)
		}
		os.Chmod(d, 0o770)
		name, madeDir = filepath.Base(d), d
	}
	nw := container.Ref{LXCPath: newpath, Name: name}
	_, err = container.Clone(container.CloneOptions{
		Src: src, New: nw, SrcConfig: x.RCFile, Type: bdev, Snapshot: true,
		KeepName: opts.keepName, KeepMAC: opts.keepMAC, HookArgs: args, Warn: warn,
		FSSize: fssize, Defaults: storageDefaults(x),
	})
	if err != nil {
		if madeDir != "" {
			os.Remove(madeDir)
		}
		return fail(x, err)
	}
	ephemeral := !opts.keepData
	destroy := func() {
		if ephemeral && lxcpath.Defined(nw.LXCPath, nw.Name) {
			if err := container.Destroy(nw, container.DestroyOptions{Force: true, Warn: warn}); err != nil {
				x.Log.Errorf("destroy %s: %v", nw.Name, err)
			}
		}
	}
	if err := configureEphemeral(nw, mounts, ephemeral); err != nil {
		// Even with -D: the copy was never usable.
		ephemeral = true
		destroy()
		return x.Errorf("%v", err)
	}
	x.Infof("Created %s as clone of %s", name, src.Name)
	if opts.tmpfs {
		x.Infof("Container is placed on tmpfs.\nRebooting will cause all changes made to it to be lost!")
	}

	foreground := opts.foreground && !opts.daemon && len(args) == 0
	y := *x
	y.LXCPath, y.Name = newpath, name
	spec, err := launch.Prepare(&y, launch.Options{Foreground: foreground})
	if err != nil {
		destroy()
		return x.Errorf("%v", err)
	}
	if foreground {
		var startErr error
		runner.Run(spec, func(err error) { startErr = err })
		if startErr != nil {
			destroy()
			return x.Errorf("%s", launch.FailureMessage(startErr))
		}
		return nil
	}
	if err := runner.StartDaemon(spec, nil); err != nil {
		destroy()
		return x.Errorf("%s", launch.FailureMessage(err))
	}
	if len(args) == 0 {
		return nil
	}
	// The command, then a clean shutdown (an ephemeral container is
	// destroyed by its stop). As LXC, lxc-copy's exit status does not
	// depend on the command's.
	if err := attachRun(x, nw, args); err != nil {
		x.Log.Errorf("%v", err)
	}
	if err := ctl.Shutdown(nw.LXCPath, nw.Name, -1, false); err != nil && !errors.Is(err, ctl.ErrNotRunning) {
		return x.Errorf("shut down %s: %v", nw.Name, err)
	}
	return nil
}

// configureEphemeral adds lxc-copy -e's lines to the new container's
// config: the tmpfs pre-mount hook (-t), lxc.ephemeral = 1 (unless -D),
// the -m mount entries.
func configureEphemeral(nw container.Ref, mounts []mountSpec, ephemeral bool) error {
	cfgPath := lxcpath.ConfigPath(nw.LXCPath, nw.Name)
	u, err := container.ReadUnexpanded(cfgPath)
	if err != nil {
		return err
	}
	if opts.tmpfs {
		hook, err := tmpfsHook(nw)
		if err != nil {
			return fmt.Errorf("write the tmpfs hook: %w", err)
		}
		u.Append("lxc.hook.pre-mount", hook)
	}
	if ephemeral {
		u.Append("lxc.ephemeral", "1")
	}
	for _, m := range mounts {
		e, err := mountEntry(m, nw.Dir())
		if err != nil {
			return err
		}
		u.Append("lxc.mount.entry", e)
	}
	return config.WriteFileAtomic(cfgPath, []byte(u.String()), 0o640)
}

// tmpfsHook writes LXC's pre-mount script for -t: a tmpfs over the
// overlay directory (so the delta lives in memory), and the new hostname
// again in the fresh delta unless -K.
func tmpfsHook(nw container.Ref) (string, error) {
	f, err := mkstemp(nw.Dir(), "pre-start-")
	if err != nil {
		return "", err
	}
	dir := nw.Dir()
	script := fmt.Sprintf("#! /bin/sh\nmount -n -t tmpfs -o mode=0755 none %s/overlay\n", dir)
	if !opts.keepName {
		script += fmt.Sprintf("mkdir -p %s/overlay/delta/etc\necho %s > %s/overlay/delta/etc/hostname\n", dir, nw.Name, dir)
	}
	_, err = f.WriteString(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o755)
	}
	return f.Name(), err
}

// attachRun runs args in the container with lxc-attach (which joins the
// namespaces before its runtime starts, so it is its own process) and a
// cleared environment, as LXC's attach_run_wait with LXC_ATTACH_CLEAR_ENV.
func attachRun(x *cli.Ctx, nw container.Ref, args []string) error {
	path, argv0 := attachBinary()
	cmd := exec.Command(path, append([]string{"-P", nw.LXCPath, "-n", nw.Name, "--clear-env", "--"}, args...)...)
	cmd.Args[0] = argv0
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, x.Stdout, x.Stderr
	// A freshly started container may not answer attach for a moment.
	runner.WaitRunning(nw.LXCPath, nw.Name, 5*time.Second)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil // the command ran; its status is its own
	}
	return err
}

// attachBinary finds lxc-attach next to this binary (or this binary when
// it is the multicall one), else in PATH.
func attachBinary() (path, argv0 string) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "lxc-attach")
		if _, err := os.Stat(p); err == nil {
			return p, "lxc-attach"
		}
		if filepath.Base(exe) == "lxc" {
			return exe, "lxc-attach"
		}
	}
	if p, err := exec.LookPath("lxc-attach"); err == nil {
		return p, "lxc-attach"
	}
	return "lxc-attach", "lxc-attach"
}
