package storage

import (
	"fmt"
	"strings"
)

// ZFS datasets are made, cloned and destroyed with the zfs tool, with the
// arguments LXC 5.0.2 passes (src/lxc/storage/zfs.c).

// zfsCreate makes dataset ds with its mountpoint property set to dest and
// canmount=noauto (the container's start mounts it, not the pool import).
func zfsCreate(ds, dest string) error {
	argv := []string{"zfs", "create", "-o", "mountpoint=" + dest, "-o", "canmount=noauto", "-p", ds}
	if _, err := RunCommand(Command{Argv: argv}); err != nil {
		return fmt.Errorf("create zfs dataset %s: %w", ds, err)
	}
	return nil
}

// zfsSnapshotClone makes dataset ds a clone of a new snapshot of orig
// named after the new dataset (ORIG@NAME), as lxc-copy -s does.
func zfsSnapshotClone(orig, ds, dest string) error {
	snap := orig + "@" + ds[strings.LastIndexByte(ds, '/')+1:]
	if _, err := RunCommand(Command{Argv: []string{"zfs", "snapshot", "-r", snap}}); err != nil {
		return fmt.Errorf("create zfs snapshot %s: %w", snap, err)
	}
	argv := []string{"zfs", "clone", "-p", "-o", "canmount=noauto", "-o", "mountpoint=" + dest, snap, ds}
	if _, err := RunCommand(Command{Argv: argv}); err != nil {
		// Do not leave the snapshot behind when its clone failed.
		RunCommand(Command{Argv: []string{"zfs", "destroy", "-r", snap}})
		return fmt.Errorf("clone zfs snapshot %s as %s: %w", snap, ds, err)
	}
	return nil
}

// zfsDestroy destroys dataset ds and, when it is a clone, the snapshot it
// was cloned from (LXC's zfs_destroy): "zfs get" first checks that ds is
// a dataset, so a wrong name never reaches "zfs destroy -r".
func zfsDestroy(ds string) error {
	out, err := RunCommand(Command{Argv: []string{"zfs", "get", "-H", "-o", "name", "type", ds}})
	if err != nil {
		return fmt.Errorf("find zfs dataset %s: %w", ds, err)
	}
	if got := strings.TrimSpace(out); got != ds {
		return fmt.Errorf("zfs dataset %q found where %q was expected; not destroying it", got, ds)
	}
	out, err = RunCommand(Command{Argv: []string{"zfs", "get", "-H", "-o", "value", "origin", ds}})
	if err != nil {
		return fmt.Errorf("find the origin of zfs dataset %s: %w", ds, err)
	}
	origin := strings.TrimSpace(out)
	if _, err := RunCommand(Command{Argv: []string{"zfs", "destroy", "-r", ds}}); err != nil {
		return fmt.Errorf("destroy zfs dataset %s: %w", ds, err)
	}
	if origin == "" || origin == "-" {
		return nil
	}
	if _, err := RunCommand(Command{Argv: []string{"zfs", "destroy", "-r", origin}}); err != nil {
		return fmt.Errorf("destroy zfs snapshot %s: %w", origin, err)
	}
	return nil
}

// zfsExists reports whether dataset ds exists ("zfs get" names it).
func zfsExists(ds string) bool {
	out, err := RunCommand(Command{Argv: []string{"zfs", "get", "-H", "-o", "name", "type", ds}})
	return err == nil && strings.TrimSpace(out) == ds
}
