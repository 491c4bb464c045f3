package storage

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// LoopImageName is the file in a container directory that holds a loop
// container's filesystem (LXC names it rootdev; rootfs is its mount point).
const LoopImageName = "rootdev"

// createLoopImage makes a sparse image file of size bytes and a
// filesystem in it, as LXC's do_loop_create does: mode 0600, one byte
// written at offset size (so the file is size+1 bytes), then mkfs.TYPE.
func createLoopImage(path string, size uint64, fstype string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create loop image: %w", err)
	}
	if _, err := f.WriteAt([]byte("1"), int64(size)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("size loop image %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("create loop image %s: %w", path, err)
	}
	if err := mkfs(fstype, path); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// imageSize is the usable size of a loop image: its length less the byte
// LXC writes past the end (images of other origins keep their length).
func imageSize(path string) (uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	n := uint64(fi.Size())
	if n%512 == 1 {
		n--
	}
	return n, nil
}

// copyImage copies a loop image keeping it sparse: a reflink (FICLONE)
// when the filesystem can share the blocks, else only the data extents
// (SEEK_DATA/SEEK_HOLE) with copy_file_range. The new file is 0600.
func copyImage(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open loop image: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create loop image: %w", err)
	}
	err = copySparse(in, out, fi.Size())
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("copy loop image %s to %s: %w", src, dst, err)
	}
	return nil
}

func copySparse(in, out *os.File, size int64) error {
	if unix.IoctlFileClone(int(out.Fd()), int(in.Fd())) == nil {
		return nil
	}
	if err := out.Truncate(size); err != nil {
		return err
	}
	ifd, ofd := int(in.Fd()), int(out.Fd())
	var off int64
	for off < size {
		data, err := unix.Seek(ifd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return nil // only a hole is left
		}
		if err != nil {
			return err
		}
		hole, err := unix.Seek(ifd, data, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		for pos := data; pos < hole; {
			inOff, outOff := pos, pos
			n, err := unix.CopyFileRange(ifd, &inOff, ofd, &outOff, int(hole-pos), 0)
			if err != nil {
				return err
			}
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
			pos += int64(n)
		}
		off = hole
	}
	return nil
}
