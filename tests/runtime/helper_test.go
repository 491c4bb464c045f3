package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// The test binary doubles as a small helper, selected by GOLXC_TEST_HELPER,
// to set up a process before it execs a tool.
func init() {
	switch os.Getenv("GOLXC_TEST_HELPER") {
	case "":
		return
	case "seccomp-exec":
		// Confined by an allow-everything seccomp filter, exec argv[1:]:
		// what a tool sees inside a container that has a profile.
		runtime.LockOSThread()
		prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
		fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
		if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0); err != nil {
			fmt.Fprintln(os.Stderr, "seccomp:", err)
			os.Exit(126)
		}
		os.Unsetenv("GOLXC_TEST_HELPER")
		err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
		fmt.Fprintln(os.Stderr, "exec:", err)
		os.Exit(126)
	}
	fmt.Fprintln(os.Stderr, "unknown GOLXC_TEST_HELPER")
	os.Exit(2)
}

var (
	helperOnce sync.Once
	helperBin  string
	helperErr  error
)

// helperIn puts testdata/helper, built static, into a container's rootfs
// as /helper and returns that path.
func helperIn(t *testing.T, rootfs string) string {
	t.Helper()
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "golxc-helper-")
		if err != nil {
			helperErr = err
			return
		}
		helperBin = filepath.Join(dir, "helper")
		cmd := exec.Command("go", "build", "-o", helperBin, "./testdata/helper")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			helperErr = fmt.Errorf("build testdata/helper: %v\n%s", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	b, err := os.ReadFile(helperBin)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Join(rootfs, "helper"), string(b), 0o755)
	return "/helper"
}

func unsafeAddr(p *uint64) unsafe.Pointer { return unsafe.Pointer(p) }
