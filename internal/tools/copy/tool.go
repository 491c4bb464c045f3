// Package copytool implements lxc-copy.
package copytool

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/storage"
)

// Tool is lxc-copy.
var Tool = &cli.Tool{
	Name:  "lxc-copy",
	Short: "lxc-copy clone a container",
	Help: `lxc-copy 
--name=NAME [-P lxcpath] -N newname [-p newpath] [-B backingstorage] [-s] [-K] [-M] [-L size [unit]] -- hook options
--name=NAME [-P lxcpath] [-N newname] [-p newpath] [-B backingstorage] -e [-d] [-D] [-K] [-M] [-m {bind,overlay}=/src:/dest] -- hook options
--name=NAME [-P lxcpath] -N newname -R

lxc-copy clone a container

Options :
  -n, --name=NAME           NAME of the container
  -N, --newname=NEWNAME     NEWNAME for the restored container
  -p, --newpath=NEWPATH     NEWPATH for the container to be stored
  -R, --rename              rename container
  -s, --snapshot            create snapshot instead of clone
  -a, --allowrunning        allow snapshot creation even if source container is running
  -F, --foreground          start with current tty attached to /dev/console
  -d, --daemon              daemonize the container (default)
  -e, --ephemeral           start ephemeral container
  -m, --mount               directory to mount into container, either 
                            {bind,overlay}=/src-path or {bind,overlay}=/src-path:/dst-path
  -B, --backingstorage=TYPE backingstorage type for the container
  -t, --tmpfs               place ephemeral container on a tmpfs
                            (WARNING: On reboot all changes made to the container will be lost.)
  -L, --fssize              size of the new block device for block device containers
  -D, --keepdata            pass together with -e start a persistent snapshot 
  -K, --keepname            keep the hostname of the original container
  --  hook options          arguments passed to the hook program
  -M, --keepmac             keep the MAC address of the original container
  --rcfile=FILE             Load configuration file FILE
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}

var opts struct {
	newname, newpath, bdev, fssize                 string
	mounts                                         []string
	rename, snapshot, allowRunning, foreground     bool
	daemon, ephemeral, keepData, keepName, keepMAC bool
	tmpfs                                          bool
}

// flags declares lxc-copy's options in LXC's table order.
func flags(f *pflag.FlagSet) {
	f.StringVarP(&opts.newname, "newname", "N", "", "NEWNAME for the restored container")
	f.StringVarP(&opts.newpath, "newpath", "p", "", "NEWPATH for the container to be stored")
	f.BoolVarP(&opts.rename, "rename", "R", false, "rename container")
	f.BoolVarP(&opts.snapshot, "snapshot", "s", false, "create snapshot instead of clone")
	f.BoolVarP(&opts.allowRunning, "allowrunning", "a", false, "allow snapshot creation even if source container is running")
	f.BoolVarP(&opts.foreground, "foreground", "F", false, "start with current tty attached to /dev/console")
	f.BoolVarP(&opts.daemon, "daemon", "d", false, "daemonize the container (default)")
	f.BoolVarP(&opts.ephemeral, "ephemeral", "e", false, "start ephemeral container")
	f.StringArrayVarP(&opts.mounts, "mount", "m", nil, "directory to mount into container")
	f.StringVarP(&opts.bdev, "backingstorage", "B", "", "backingstorage type for the container")
	f.StringVarP(&opts.fssize, "fssize", "L", "", "size of the new block device for block device containers")
	f.BoolVarP(&opts.keepData, "keepdata", "D", false, "pass together with -e start a persistent snapshot")
	f.BoolVarP(&opts.keepName, "keepname", "K", false, "keep the hostname of the original container")
	f.BoolVarP(&opts.keepMAC, "keepmac", "M", false, "keep the MAC address of the original container")
	f.BoolVarP(&opts.tmpfs, "tmpfs", "t", false, "place ephemeral container on a tmpfs")
}

func run(x *cli.Ctx) error {
	var fssize uint64
	if opts.fssize != "" {
		n, err := storage.ParseSize(opts.fssize)
		if err != nil {
			return x.Errorf("-L/--fssize: %v", err)
		}
		fssize = n
	}
	if opts.newname == "" && !opts.ephemeral {
		return x.Errorf("Error: You must provide a NEWNAME for the clone.")
	}
	if opts.newname != "" {
		if err := lxcpath.ValidateName(opts.newname); err != nil {
			return x.Errorf("%v", err)
		}
	}
	newpath := x.LXCPath
	if opts.newpath != "" {
		newpath = filepath.Clean(opts.newpath)
	}
	bdev := opts.bdev
	if bdev == storage.Overlayfs {
		bdev = storage.Overlay
	}
	if bdev != "" && !storage.ValidType(bdev) {
		return x.Errorf("%s is not a valid backing storage type", bdev)
	}
	if bdev != "" && !storage.Supported(bdev) {
		return x.Errorf("%v", storage.ErrUnsupported(bdev))
	}
	if bdev == storage.Best || bdev == storage.None {
		bdev = ""
	}
	src := container.Ref{LXCPath: x.LXCPath, Name: x.Name}
	if !lxcpath.Defined(src.LXCPath, src.Name) && x.RCFile == "" {
		return x.Errorf("Error: container %s is not defined", x.Name)
	}
	var hookArgs []string
	if x.Dash >= 0 {
		hookArgs = x.Args[x.Dash:]
	} else {
		hookArgs = x.Args
	}
	warn := func(m string) { x.Warnf("%s", m) }
	if opts.rename {
		return rename(x, src, container.Ref{LXCPath: x.LXCPath, Name: opts.newname}, warn)
	}
	if opts.ephemeral {
		return runEphemeral(x, src, newpath, bdev, fssize, hookArgs, warn)
	}
	_, err := container.Clone(container.CloneOptions{
		Src: src, New: container.Ref{LXCPath: newpath, Name: opts.newname},
		SrcConfig: x.RCFile, Type: bdev, Snapshot: opts.snapshot,
		KeepName: opts.keepName, KeepMAC: opts.keepMAC, AllowRunning: opts.allowRunning,
		HookArgs: hookArgs, Warn: warn, FSSize: fssize, Defaults: storageDefaults(x),
	})
	if err != nil {
		return fail(x, err)
	}
	return nil
}

// storageDefaults are lxc.conf's lxc.bdev.* settings.
func storageDefaults(x *cli.Ctx) storage.Defaults {
	return storage.Defaults{VG: x.System.LVMVG, ThinPool: x.System.LVMThinPool, ZFSRoot: x.System.ZFSRoot}
}

func fail(x *cli.Ctx, err error) error {
	var de *container.DestroyError
	if errors.As(err, &de) {
		if de.Msg == fmt.Sprintf("error: Original container (%s) is running", x.Name) {
			return x.Errorf("%s. Use --allowrunning if you want to force a snapshot of the running container.", de.Msg)
		}
		return x.Errorf("%s", de.Msg)
	}
	x.Log.Errorf("%v", err)
	return x.Errorf("clone failed")
}

// rename is lxc-copy -R: a copy under the new name keeping the MACs, then
// the old container is destroyed (refused when it has snapshots or
// snapshot clones).
func rename(x *cli.Ctx, src, dst container.Ref, warn func(string)) error {
	if container.HasClones(src.Dir()) || container.HasSnapshots(src.LXCPath, src.Name) {
		x.Log.Errorf("Renaming a container with snapshots is not supported")
		return x.Errorf("Error: Renaming container %s to %s failed", src.Name, dst.Name)
	}
	typ := storage.Parse(mustRootfs(src)).Type
	if typ == storage.Overlayfs {
		typ = storage.Overlay
	}
	if _, err := container.Clone(container.CloneOptions{
		Src: src, New: dst, SrcConfig: x.RCFile, Type: typ, KeepMAC: true, Warn: warn,
	}); err != nil {
		x.Log.Errorf("%v", err)
		return x.Errorf("Error: Renaming container %s to %s failed", src.Name, dst.Name)
	}
	if err := container.Destroy(src, container.DestroyOptions{ConfigFile: x.RCFile, Warn: warn}); err != nil {
		x.Log.Errorf("Could not destroy existing container %s: %v", src.Name, err)
		return x.Errorf("Error: Renaming container %s to %s failed", src.Name, dst.Name)
	}
	return nil
}

func mustRootfs(r container.Ref) string {
	u, err := container.ReadUnexpanded(filepath.Join(r.Dir(), lxcpath.ConfigName))
	if err != nil {
		return ""
	}
	v, _ := u.Get("lxc.rootfs.path")
	return v
}
