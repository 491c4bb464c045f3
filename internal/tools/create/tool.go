// Package createtool implements lxc-create.
package createtool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/create"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/template"
)

// Tool is lxc-create.
var Tool = &cli.Tool{
	Name:  "lxc-create",
	Short: "lxc-create creates a container",
	Help: `lxc-create --name=NAME --template=TEMPLATE [OPTION...] [-- template-options]

lxc-create creates a container

Options :
  -n, --name=NAME               NAME of the container
  -f, --config=CONFIG           Initial configuration file
  -t, --template=TEMPLATE       Template to use to setup container
  -B, --bdev=BDEV               Backing store type to use
      --dir=DIR                 Place rootfs directory under DIR

  BDEV options for LVM (with -B/--bdev lvm):
      --lvname=LVNAME           Use LVM lv name LVNAME
                                (Default: container name)
      --vgname=VG               Use LVM vg called VG
                                (Default: lxc)
      --thinpool=TP             Use LVM thin pool called TP
                                (Default: lxc)

  BDEV options for Ceph RBD (with -B/--bdev rbd) :
      --rbdname=RBDNAME         Use Ceph RBD name RBDNAME
                                (Default: container name)
      --rbdpool=POOL            Use Ceph RBD pool name POOL
                                (Default: lxc)

  BDEV option for ZFS (with -B/--bdev zfs) :
      --zfsroot=PATH            Create zfs under given zfsroot
                                (Default: tank/lxc)

  BDEV options for LVM or Loop (with -B/--bdev lvm/loop) :
      --fstype=TYPE             Create fstype TYPE
                                (Default: ext4)
      --fssize=SIZE[U]          Create filesystem of
                                size SIZE * unit U (bBkKmMgGtT)
                                (Default: 1G, default unit: M)
  -- template-options
         This will pass template-options to the template as arguments.
         To see the list of options supported by the template,
         you can run lxc-create -t TEMPLATE -h.
`,
	WithName:    true,
	NameFromArg: true,
	Flags:       flags,
	Run:         run,
	AfterHelp:   templateHelp,
}

// templateHelp is what LXC does for "lxc-create -t T -h": after its own
// help, it runs the template with -h so its options are listed too.
func templateHelp(x *cli.Ctx) {
	if opts.template == "" || opts.template == "none" {
		return
	}
	path, err := template.Lookup(opts.template)
	if err != nil {
		return
	}
	cmd := exec.Command(path, "-h")
	cmd.Args[0] = filepath.Base(path)
	cmd.Stdout, cmd.Stderr = x.Stdout, x.Stderr
	cmd.Run()
}

var opts struct {
	bdev, config, template                   string
	lvname, vgname, thinpool, fstype, fssize string
	zfsroot, dir, rbdname, rbdpool           string
}

// flags declares lxc-create's options in LXC's table order; LXC derives a
// short option from each table value, hence -0 ... -8.
func flags(f *pflag.FlagSet) {
	f.StringVarP(&opts.bdev, "bdev", "B", "", "Backing store type to use")
	f.StringVarP(&opts.config, "config", "f", "", "Initial configuration file")
	f.StringVarP(&opts.template, "template", "t", "", "Template to use to setup container")
	f.StringVarP(&opts.lvname, "lvname", "0", "", "Use LVM lv name LVNAME")
	f.StringVarP(&opts.vgname, "vgname", "1", "", "Use LVM vg called VG")
	f.StringVarP(&opts.thinpool, "thinpool", "2", "", "Use LVM thin pool called TP")
	f.StringVarP(&opts.fstype, "fstype", "3", "", "Create fstype TYPE")
	f.StringVarP(&opts.fssize, "fssize", "4", "", "Create filesystem of size SIZE * unit U")
	f.StringVarP(&opts.zfsroot, "zfsroot", "5", "", "Create zfs under given zfsroot")
	f.StringVarP(&opts.dir, "dir", "6", "", "Place rootfs directory under DIR")
	f.StringVarP(&opts.rbdname, "rbdname", "7", "", "Use Ceph RBD name RBDNAME")
	f.StringVarP(&opts.rbdpool, "rbdpool", "8", "", "Use Ceph RBD pool name POOL")
}

func set(f *pflag.FlagSet, name string) bool {
	fl := f.Lookup(name)
	return fl != nil && fl.Changed
}

// validate is lxc_create.c's argument checking, with its messages.
func validate(x *cli.Ctx) (bdev string, err error) {
	bdev = opts.bdev
	if !set(x.Flags, "bdev") {
		bdev = "_unset"
	}
	if set(x.Flags, "dir") && !filepath.IsAbs(opts.dir) {
		return "", x.Errorf("--dir should use absolute path")
	}
	if bdev != storage.Best {
		if (set(x.Flags, "fstype") || set(x.Flags, "fssize")) && bdev != storage.LVM && bdev != storage.Loop && bdev != storage.RBD {
			return "", x.Errorf("Filesystem type and size are only valid with block devices")
		}
		if bdev != storage.LVM && (set(x.Flags, "lvname") || set(x.Flags, "vgname") || set(x.Flags, "thinpool")) {
			return "", x.Errorf("--lvname, --vgname and --thinpool are only valid with -B lvm")
		}
		if bdev != storage.RBD && (set(x.Flags, "rbdname") || set(x.Flags, "rbdpool")) {
			return "", x.Errorf("--rbdname and --rbdpool are only valid with -B rbd")
		}
		if bdev != storage.ZFS && set(x.Flags, "zfsroot") {
			return "", x.Errorf("zfsroot is only valid with -B zfs")
		}
	}
	if bdev == storage.None {
		bdev = storage.Dir
	}
	if bdev != "_unset" && !storage.ValidType(bdev) {
		return "", x.Errorf("%s is not a valid backing storage type", bdev)
	}
	if bdev == "_unset" {
		bdev = ""
	}
	if bdev != "" && !storage.Supported(bdev) {
		return "", x.Errorf("%v", storage.ErrUnsupported(bdev))
	}
	if os.Geteuid() != 0 && bdev != "" && bdev != storage.Dir && bdev != storage.Btrfs {
		return "", x.Errorf("Unprivileged users cannot create %s containers", bdev)
	}
	return bdev, nil
}

func run(x *cli.Ctx) error {
	if !set(x.Flags, "template") {
		x.Log.Errorf("A template must be specified")
		return x.Errorf("Use \"none\" if you really want a container without a rootfs")
	}
	tmpl := opts.template
	// LXC compares with strncmp(template, "none", strlen(template)).
	if tmpl != "" && strings.HasPrefix("none", tmpl) {
		tmpl = ""
	}
	bdev, err := validate(x)
	if err != nil {
		return err
	}
	// A -f that cannot be loaded is refused before anything is made (LXC
	// logs it and creates the container without its settings).
	if opts.config != "" {
		if _, err := config.Load(opts.config); err != nil {
			var pe *config.ParseError
			if errors.As(err, &pe) {
				return x.Errorf("%v", err)
			}
			var pathErr *os.PathError
			if errors.As(err, &pathErr) {
				err = pathErr.Err
			}
			return x.Errorf("Failed to load config file %q: %v", opts.config, err)
		}
	}
	var targs []string
	if x.Dash >= 0 {
		targs = x.Args[x.Dash:]
	} else {
		targs = x.Args
	}
	var fssize uint64
	if set(x.Flags, "fssize") {
		if fssize, err = storage.ParseSize(opts.fssize); err != nil {
			return x.Errorf("--fssize: %v", err)
		}
	}
	err = create.Create(create.Options{
		LXCPath: x.LXCPath, Name: x.Name,
		Template: tmpl, TemplateArgs: targs,
		ConfigFile: opts.config, DefaultConfig: x.System.DefaultConfig,
		BDev: bdev, Dir: opts.dir, Quiet: x.Quiet,
		FSType: opts.fstype, FSSize: fssize, LVName: opts.lvname, VGName: opts.vgname,
		ThinPool: opts.thinpool, ZFSRoot: opts.zfsroot,
		StorageDefaults: storage.Defaults{VG: x.System.LVMVG, ThinPool: x.System.LVMThinPool, ZFSRoot: x.System.ZFSRoot},
		Stdin:           os.Stdin, Stdout: x.Stdout, Stderr: x.Stderr,
		Warn: func(m string) { x.Warnf("%s", m) },
	})
	if err == nil {
		return nil
	}
	return report(x, err)
}

// report prints a failure the way lxc-create does (the detail, then
// "Failed to create container NAME") and picks the exit code: 1, or
// 128+N when signal N interrupted the create.
func report(x *cli.Ctx, err error) error {
	var refusal *create.Refusal
	if errors.As(err, &refusal) {
		// One line per problem (a user's setup can lack several things).
		lines := strings.Split(refusal.Msg, "\n")
		for _, l := range lines[:len(lines)-1] {
			x.Log.Errorf("%s", l)
		}
		return x.Errorf("%s", lines[len(lines)-1])
	}
	var nf *template.NotFoundError
	if errors.As(err, &nf) {
		x.Log.Errorf("%v", nf)
		x.Log.Errorf("Template \"%s\" not found", nf.Name)
		return x.Errorf("Failed to create container %s", x.Name)
	}
	x.Log.Errorf("%v", err)
	var te *template.ExitError
	if errors.As(err, &te) && te.Caught == nil {
		x.Log.Errorf("Failed to create container from template")
	}
	var ce *create.Error
	if errors.As(err, &ce) {
		if ce.Cleaned {
			x.Log.Errorf("Removed what was created of %s", x.Name)
		} else {
			x.Log.Errorf("Failed to remove the half-created container %s: %v", x.Name, ce.CleanErr)
		}
	}
	msg := fmt.Sprintf("Failed to create container %s", x.Name)
	if sig := create.Interrupted(err); sig != nil {
		if s, ok := sig.(syscall.Signal); ok {
			return x.Failf(128+int(s), "%s", msg)
		}
	}
	return x.Errorf("%s", msg)
}
