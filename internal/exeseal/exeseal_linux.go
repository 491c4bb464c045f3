// Package exeseal gives a read-only, sealed copy of the running binary for
// every process that enters a container (stage-2 init, the lxc-execute
// init, the attach child). A process inside the container can open
// /proc/PID/exe of such a process; if that were our binary on the host, a
// privileged container could overwrite it (CVE-2019-5736). A sealed memfd
// cannot be written, grown or shrunk by anyone.
package exeseal

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// fSealExec forbids later changes of the exec bits (Linux 6.3+).
const fSealExec = 0x0020

// mfdExec asks for an executable memfd on kernels with vm.memfd_noexec.
const mfdExec = 0x0010

// Sealed returns a read-only handle on the running binary that nothing can
// write through: a detached read-only overlayfs view when the kernel
// allows it (cheap), else a sealed, executable memfd copy. The caller
// passes it to the child (e.g. in exec.Cmd.ExtraFiles) and executes it
// through /proc/self/fd/N.
func Sealed() (*os.File, error) {
	if IsSealed() {
		// Already running from a sealed copy (a stage starting another):
		// re-open our own image read-only.
		return os.Open("/proc/self/exe")
	}
	if os.Getenv("GOLXC_EXESEAL") != "memfd" {
		if f, err := overlayClone(); err == nil {
			return f, nil
		}
	}
	return memfdCopy()
}

// memfdCopy copies the running binary into a sealed memfd.
func memfdCopy() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("open own binary: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat own binary: %w", err)
	}
	fd, err := unix.MemfdCreate("golxc", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|mfdExec)
	if err != nil {
		fd, err = unix.MemfdCreate("golxc", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "golxc-sealed")
	ok := false
	defer func() {
		if !ok {
			mem.Close()
		}
	}()
	if err := mem.Truncate(st.Size()); err != nil {
		return nil, fmt.Errorf("size sealed copy: %w", err)
	}
	// copy_file_range/sendfile through io.Copy's ReaderFrom fast path.
	if _, err := io.Copy(mem, src); err != nil {
		return nil, fmt.Errorf("copy own binary: %w", err)
	}
	if err := unix.Fchmod(fd, 0o555); err != nil {
		return nil, fmt.Errorf("chmod sealed copy: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals|fSealExec); err != nil {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			return nil, fmt.Errorf("seal copy of own binary: %w", err)
		}
	}
	if _, err := mem.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	ok = true
	return mem, nil
}

// IsSealed reports whether the running binary is a sealed memfd or a
// read-only mount's file.
func IsSealed() bool {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return false
	}
	defer f.Close()
	var sfs unix.Statfs_t
	if unix.Fstatfs(int(f.Fd()), &sfs) == nil && sfs.Type == unix.OVERLAYFS_SUPER_MAGIC && sfs.Flags&unix.ST_RDONLY != 0 {
		return true
	}
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		return false
	}
	want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	return seals&want == want
}
