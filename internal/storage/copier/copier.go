// Package copier copies a directory tree exactly, the way `rsync -aHAX`
// does (owners, modes, times, xattrs and POSIX ACLs, hard links, device
// nodes, fifos, sockets, symlinks) and keeps sparse files sparse, but fast:
// one thread walks the source while a pool of workers copies the files,
// each file is reflinked (FICLONE) when the filesystem allows and copied in
// the kernel (copy_file_range) otherwise.
//
// It is what golxc uses where LXC runs rsync: the per-container copy of a
// template cache, lxc-copy of dir-backed containers and lxc-snapshot.
package copier

import "runtime"

// Options tunes a copy.
type Options struct {
	// Workers is the number of file-copying goroutines (default: twice the
	// CPUs, at least 4, at most 32).
	Workers int
	// NoReflink disables the FICLONE attempt (benchmarks, tests).
	NoReflink bool
	// NoCopyFileRange copies data through user space (pread/pwrite).
	NoCopyFileRange bool
	// OneFS does not descend into directories on another filesystem than
	// the source root (rsync -x); they are created empty.
	OneFS bool
}

// Stats counts what a copy did.
type Stats struct {
	Dirs, Files, Symlinks, Specials, HardLinks int64
	Bytes                                      int64 // logical size of the regular files copied
	Reflinked                                  int64 // files cloned with FICLONE
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	n := 2 * runtime.NumCPU()
	if n < 4 {
		n = 4
	}
	if n > 32 {
		n = 32
	}
	return n
}
