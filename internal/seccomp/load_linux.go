package seccomp

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Load installs the filter on the calling thread only (no TSYNC): it is
// meant for the thread that calls execve next, whose filter the new
// program inherits. Without no_new_privs the caller needs CAP_SYS_ADMIN.
func Load(prog []bpf.RawInstruction) error {
	if len(prog) == 0 {
		return nil
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0)
	runtime.KeepAlive(filter)
	if err != nil {
		return fmt.Errorf("load seccomp filter: %w", err)
	}
	return nil
}

// Encode lays a program out as the kernel's struct sock_filter array in
// native byte order, for a loader that is not Go (the container
// supervisor).
func Encode(prog []bpf.RawInstruction) []byte {
	out := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		var f [8]byte
		binary.NativeEndian.PutUint16(f[0:], in.Op)
		f[2], f[3] = in.Jt, in.Jf
		binary.NativeEndian.PutUint32(f[4:], in.K)
		out = append(out, f[:]...)
	}
	return out
}

// LoadProfile parses, compiles and loads the profile at path.
func LoadProfile(path string) error {
	p, err := ParseFile(path)
	if err != nil {
		return err
	}
	prog, err := Compile(p)
	if err != nil {
		return fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	return Load(prog)
}
