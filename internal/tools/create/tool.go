// Package createtool implements lxc-create.
package createtool

import (
	"github.com/golxc/golxc/internal/cli"
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
	Run:         run,
}

func run(x *cli.Ctx) error {
	return x.Errorf("lxc-create is not implemented yet")
}
