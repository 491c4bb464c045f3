package template

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golxc/golxc/internal/archive"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/storage/copier"
)

// CopyStage is the hidden entry point templates use to copy a cached
// rootfs into a container:
//
//	_GOLXC_STAGE=copy-rootfs _GOLXC_STAGE_FD=3 "$GOLXC_HELPER" SRC DST 3>&2
//
// It snapshots when both are btrfs subvolumes on one filesystem (what LXC's
// templates do with `btrfs subvolume snapshot`), and otherwise runs the
// parallel copier, which reflinks file by file where the filesystem can.
const CopyStage = "copy-rootfs"

func init() {
	stage.Register(CopyStage, func(fd int) {
		os.NewFile(uintptr(fd), "stage").Close()
		if err := copyRootfs(os.Args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "copy-rootfs: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	})
}

func copyRootfs(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: copy-rootfs SRC DST")
	}
	src, dst := filepath.Clean(args[0]), filepath.Clean(args[1])
	if storage.IsSubvolume(src) && storage.IsSubvolume(dst) && storage.SameFS(src, dst) {
		if ents, err := os.ReadDir(dst); err == nil && len(ents) == 0 {
			if err := storage.DeleteSubvolume(dst); err != nil {
				return err
			}
			return storage.SnapshotSubvolume(src, dst)
		}
	}
	_, err := copier.Copy(src, dst, copier.Options{})
	return err
}

// ExtractStage is the hidden entry point lxc-local uses to unpack a rootfs
// tarball safely (internal/archive):
//
//	_GOLXC_STAGE=extract-rootfs _GOLXC_STAGE_FD=3 "$GOLXC_HELPER" TARBALL DIR [--no-dev] [--exclude PATTERN]... 3>&2
const ExtractStage = "extract-rootfs"

func init() {
	stage.Register(ExtractStage, func(fd int) {
		os.NewFile(uintptr(fd), "stage").Close()
		if err := extractRootfs(os.Args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "extract-rootfs: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	})
}

func extractRootfs(args []string) error {
	var opt archive.Options
	var pos []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--no-dev":
			opt.NoDev = true
		case "--exclude":
			if i+1 >= len(args) {
				return fmt.Errorf("--exclude needs a pattern")
			}
			i++
			opt.Exclude = append(opt.Exclude, args[i])
		default:
			pos = append(pos, args[i])
		}
	}
	if len(pos) != 2 {
		return fmt.Errorf("usage: extract-rootfs TARBALL DIR [--no-dev] [--exclude PATTERN]...")
	}
	opt.Warn = func(m string) { fmt.Fprintln(os.Stderr, m) }
	return archive.ExtractFile(pos[0], pos[1], opt)
}
