package supervisor

import (
	"embed"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The supervisor's image, built by the Makefile (make supervisor) into
// bin/. A plain `go build` embeds only bin/README.md, and Available says
// the tools must use the Go stage-2.
//
//go:embed bin
var binFS embed.FS

const imageName = "bin/golxc-supervisor"

// EnvDisable set to "off" makes Available false (to compare the Go
// stage-2, or as an escape hatch).
const EnvDisable = "GOLXC_SUPERVISOR"

var (
	availOnce sync.Once
	avail     bool
	image     []byte

	sealOnce sync.Once
	sealed   *os.File
	sealErr  error
)

// Available reports whether this binary carries the supervisor and the
// kernel has what it needs: openat2 (Linux 5.6) and mount_setattr (5.12).
// Older kernels use the Go stage-2.
func Available() bool {
	availOnce.Do(func() {
		if os.Getenv(EnvDisable) == "off" {
			return
		}
		b, err := binFS.ReadFile(imageName)
		if err != nil || len(b) == 0 {
			return
		}
		image = b
		avail = kernelAtLeast(5, 12)
	})
	return avail
}

func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	parts := strings.SplitN(unix.ByteSliceToString(u.Release[:]), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, _ := strconv.Atoi(parts[0])
	m := parts[1]
	if i := strings.IndexFunc(m, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		m = m[:i]
	}
	mi, _ := strconv.Atoi(m)
	return ma > major || ma == major && mi >= minor
}

// Sealed returns the supervisor's image in a sealed, executable memfd,
// made once per process. Executed through /proc/self/fd/N, it is what
// /proc/PID/exe of every container-side process shows: nothing a
// container can write to (CVE-2019-5736). The caller must not close it.
func Sealed() (*os.File, error) {
	if !Available() {
		return nil, fmt.Errorf("this binary has no container supervisor")
	}
	sealOnce.Do(func() { sealed, sealErr = seal(image) })
	return sealed, sealErr
}

// MFD_EXEC (Linux 6.3) asks for an executable memfd where vm.memfd_noexec
// would refuse one; F_SEAL_EXEC keeps the mode from changing.
const (
	mfdExec   = 0x10
	fSealExec = 0x20
)

func seal(b []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("golxc-supervisor", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|mfdExec)
	if err != nil {
		fd, err = unix.MemfdCreate("golxc-supervisor", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd for the supervisor: %w", err)
	}
	f := os.NewFile(uintptr(fd), "golxc-supervisor")
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the supervisor: %w", err)
	}
	unix.Fchmod(fd, 0o555)
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals|fSealExec); err != nil {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			f.Close()
			return nil, fmt.Errorf("seal the supervisor: %w", err)
		}
	}
	return f, nil
}

// PlanFile puts an encoded plan in a sealed memfd for a stage-2 to read
// (no size limit, unlike a socket message).
func PlanFile(plan []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("golxc-plan", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd for the plan: %w", err)
	}
	f := os.NewFile(uintptr(fd), "golxc-plan")
	if _, err := f.Write(plan); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the plan: %w", err)
	}
	unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	return f, nil
}
