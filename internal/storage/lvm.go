package storage

import (
	"fmt"
	"path/filepath"
	"strings"
)

// LVM volumes are made, snapshotted and removed with lvm2's tools, with
// the arguments LXC 5.0.2 passes (src/lxc/storage/lvm.c), so that an admin
// sees the same volumes whichever tool made them.

// lvmEnv silences lvm2's warnings about descriptors it inherits.
var lvmEnv = []string{"LVM_SUPPRESS_FD_WARNINGS=1"}

// LVMDevice is the device path of volume lv in group vg (/dev/VG/LV).
func LVMDevice(vg, lv string) string { return "/dev/" + vg + "/" + lv }

// splitLVMDevice returns VG and LV of "/dev/VG/LV".
func splitLVMDevice(dev string) (vg, lv string, err error) {
	lv = filepath.Base(dev)
	dir := filepath.Dir(dev)
	vg = filepath.Base(dir)
	if !strings.HasPrefix(dev, "/") || lv == "" || vg == "" || dir == "/" || vg == "." {
		return "", "", fmt.Errorf("%q is not an LVM volume path (/dev/VG/LV)", dev)
	}
	return vg, lv, nil
}

// lvAttr returns lvs' attribute string of a volume ("" when lvs fails:
// no such volume or group, as LXC assumes).
func lvAttr(dev string) string {
	out, err := RunCommand(Command{Argv: []string{"lvs", "--unbuffered", "--noheadings", "-o", "lv_attr", dev}, Env: lvmEnv})
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// lvmIsThinPool reports whether dev is a thin pool (attribute 't' first).
func lvmIsThinPool(dev string) bool {
	a := lvAttr(dev)
	return len(a) > 0 && a[0] == 't'
}

// lvmIsThinVolume reports whether dev is a thin volume (target type 't').
func lvmIsThinVolume(dev string) bool {
	a := lvAttr(dev)
	return len(a) > 6 && a[6] == 't'
}

// lvmCreate makes volume dev of size bytes, thin in pool thinpool when
// that names a thin pool of the group (LXC's do_lvm_create): lvcreate
// with signature wiping, again without it when this lvcreate is too old
// for -W (exit status 3).
func lvmCreate(dev string, size uint64, thinpool string) error {
	vg, lv, err := splitLVMDevice(dev)
	if err != nil {
		return err
	}
	if thinpool != "" && !lvmIsThinPool(filepath.Join(filepath.Dir(dev), thinpool)) {
		thinpool = ""
	}
	sz := fmt.Sprintf("%db", size)
	args := func(wipe bool) []string {
		a := []string{"lvcreate"}
		if wipe {
			a = append(a, "-Wy", "--yes")
		} else {
			a = append(a, "-qq")
		}
		if thinpool != "" {
			a = append(a, "--thinpool", filepath.Join(filepath.Dir(dev), thinpool), "-V", sz)
		} else {
			a = append(a, "-L", sz)
		}
		return append(a, vg, "-n", lv)
	}
	_, err = RunCommand(Command{Argv: args(true), Env: lvmEnv})
	if err != nil && exitStatus(err) == 3 {
		_, err = RunCommand(Command{Argv: args(false), Env: lvmEnv})
	}
	if err != nil {
		return fmt.Errorf("create logical volume %s: %w", dev, err)
	}
	return nil
}

// lvmSnapshot makes dev a snapshot of the volume orig: a thin snapshot
// when orig is thin (lvmIsThinVolume), else a snapshot of size bytes; xfs and btrfs get a
// new filesystem UUID so both can be mounted at once.
func lvmSnapshot(orig, dev string, size uint64, fstype string, thin bool) error {
	lv := filepath.Base(dev)
	argv := []string{"lvcreate", "-s", "-L", fmt.Sprintf("%db", size), "-n", lv, orig}
	if thin {
		argv = []string{"lvcreate", "-s", "-n", lv, orig}
	}
	if _, err := RunCommand(Command{Argv: argv, Env: lvmEnv}); err != nil {
		return fmt.Errorf("snapshot logical volume %s as %s: %w", orig, dev, err)
	}
	var uuid []string
	switch fstype {
	case "xfs":
		uuid = []string{"xfs_admin", "-U", "generate", dev}
	case "btrfs":
		uuid = []string{"btrfstune", "-f", "-u", dev}
	}
	if uuid != nil {
		if _, err := RunCommand(Command{Argv: uuid}); err != nil {
			return fmt.Errorf("give snapshot %s a new filesystem UUID: %w", dev, err)
		}
	}
	return nil
}

// lvmRemove removes volume dev (lvremove -f).
func lvmRemove(dev string) error {
	if _, err := RunCommand(Command{Argv: []string{"lvremove", "-f", dev}, Env: lvmEnv}); err != nil {
		return fmt.Errorf("remove logical volume %s: %w", dev, err)
	}
	return nil
}
