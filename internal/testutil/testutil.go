// Package testutil helps integration tests run the real lxc-* binaries on
// real containers: it builds (or finds) the binaries, makes a private
// lxcpath per test, builds a busybox root filesystem, and after each test
// kills what is left and fails the test if any mount, cgroup, network
// device or process of its containers survived.
package testutil

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/mountinfo"
	rand "github.com/golxc/golxc/internal/randbytes"
)

// Integration marks a test that needs root and real kernel features. With
// -short it is skipped (the explicit unit-only mode, make test-unit);
// otherwise a missing prerequisite fails the test loudly.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Fatal("integration test needs root (run make test as root, or make test-unit)")
	}
}

// Need fails the test if a host program is missing.
func Need(t testing.TB, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed (make test-deps installs it)", p)
		}
	}
}

// RepoRoot returns the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// BinDir returns the directory holding the built lxc-* tools: $GOLXC_BIN
// (set by make), else <repo>/bin after running `make build` once.
func BinDir(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if d := os.Getenv("GOLXC_BIN"); d != "" {
			binDir = d
			return
		}
		root := RepoRoot()
		cmd := exec.Command("make", "-s", "build")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("make build: %v\n%s", err, out)
			return
		}
		binDir = filepath.Join(root, "bin")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// Bin returns the path of tool (e.g. "lxc-start").
func Bin(t testing.TB, tool string) string {
	t.Helper()
	p := filepath.Join(BinDir(t), tool)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not built: %v", tool, err)
	}
	return p
}

// Result is the outcome of running a tool.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.Code, r.Stdout, r.Stderr)
}

// Run runs one of our tools with args and returns its output and exit code.
func Run(t testing.TB, tool string, args ...string) Result {
	t.Helper()
	return RunIn(t, nil, "", tool, args...)
}

// RunIn runs a tool with extra environment and stdin.
func RunIn(t testing.TB, env []string, stdin string, tool string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Bin(t, tool), args...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return RunCmd(t, cmd)
}

// RunCmd runs a prepared command, capturing its output, and returns its
// exit code (128+N when signal N killed it, as a shell reports it). A
// command that cannot be started fails the test.
func RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		} else {
			t.Fatalf("run %s: %v", cmd.Path, err)
		}
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// MustRun runs a tool and fails the test unless it exits 0.
func MustRun(t testing.TB, tool string, args ...string) Result {
	t.Helper()
	r := Run(t, tool, args...)
	if r.Code != 0 {
		t.Fatalf("%s %s: %s", tool, strings.Join(args, " "), r)
	}
	return r
}

// UniqueName returns a short unique container name with prefix (names end
// up in cgroup and interface names, so they are kept short).
func UniqueName(prefix string) string {
	var b [3]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// LXCPath makes a private lxcpath for the test. At cleanup every container
// in it is killed and the test fails if anything of them is left behind.
func LXCPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "golxc-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		left := Reap(dir)
		if len(left) > 0 {
			t.Errorf("leftovers after test in %s:\n  %s", dir, strings.Join(left, "\n  "))
		}
		if err := removeAllNoMounts(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// removeAllNoMounts removes dir unless something is still mounted below it
// (which would make RemoveAll reach into a mounted filesystem).
func removeAllNoMounts(dir string) error {
	if m := MountsUnder(dir); len(m) > 0 {
		return fmt.Errorf("still mounted: %v", m)
	}
	return os.RemoveAll(dir)
}

// MountsUnder lists mount points in the host mount table at or below dir.
func MountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := mountinfo.Unescape(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// ProcessesMentioning returns pids whose command line contains s (e.g. a
// monitor titled "[lxc monitor] LXCPATH NAME").
func ProcessesMentioning(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(cmd, []byte(s)) {
			out = append(out, pid)
		}
	}
	return out
}

// CgroupsNamed lists cgroup directories of container name in every mounted
// hierarchy (lxc.payload.NAME, lxc.monitor.NAME, with LXC's -N suffixes).
func CgroupsNamed(name string) []string {
	var out []string
	seen := map[string]bool{} // /sys/fs/cgroup itself is walked too (cgroup v2 hosts)
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	roots = append(roots, "/sys/fs/cgroup")
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if strings.Count(strings.TrimPrefix(p, root), "/") > 4 {
				return filepath.SkipDir
			}
			b := filepath.Base(p)
			for _, pre := range []string{"lxc.payload." + name, "lxc.monitor." + name} {
				if b == pre || strings.HasPrefix(b, pre+"-") {
					if !seen[p] {
						seen[p] = true
						out = append(out, p)
					}
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	return out
}

// RemoveCgroupsNamed removes the (empty) cgroups of container name in
// every hierarchy and returns those it found. For names whose directory
// is gone from the lxcpath, which Reap cannot see.
func RemoveCgroupsNamed(name string) []string {
	cgs := CgroupsNamed(name)
	for _, cg := range cgs {
		rmdirTree(cg)
	}
	return cgs
}

// Reap kills every process, unmounts every mount and removes every cgroup
// left by containers of lxcpath dir, and returns a description of each
// thing it had to clean (empty when the tools cleaned up after themselves).
func Reap(dir string) []string {
	var left []string
	for _, pid := range ProcessesMentioning(dir) {
		left = append(left, fmt.Sprintf("process %d: %s", pid, cmdline(pid)))
		syscall.Kill(pid, syscall.SIGKILL)
	}
	names := map[string]bool{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names[e.Name()] = true
	}
	for name := range names {
		for _, cg := range CgroupsNamed(name) {
			left = append(left, "cgroup "+cg)
			killCgroup(cg)
		}
	}
	if len(left) > 0 {
		time.Sleep(100 * time.Millisecond)
	}
	// The record of what a boot made outlives a killed monitor: what it
	// lists is removed the way the next lxc-start would.
	for _, name := range bootrec.List(dir) {
		res, err := bootrec.Recover(dir, name)
		if err != nil {
			left = append(left, fmt.Sprintf("boot record of %s: %s; %v", name, res, err))
		} else {
			left = append(left, fmt.Sprintf("boot record of %s: %s", name, res))
		}
	}
	for name := range names {
		for _, cg := range CgroupsNamed(name) {
			rmdirTree(cg)
		}
	}
	mounts := MountsUnder(dir)
	for i := len(mounts) - 1; i >= 0; i-- {
		left = append(left, "mount "+mounts[i])
		syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
	for dev, file := range WaitLoopDevicesGone(dir, 3*time.Second) {
		left = append(left, fmt.Sprintf("loop device %s backed by %s", dev, file))
		DetachLoop(dev)
	}
	return left
}

// LoopDevicesUnder lists attached loop devices whose backing file lies at
// or below dir (from sysfs; a deleted backing file still counts).
func LoopDevicesUnder(dir string) map[string]string {
	out := map[string]string{}
	files, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f := strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
		if f == dir || strings.HasPrefix(f, dir+"/") {
			out["/dev/"+filepath.Base(filepath.Dir(filepath.Dir(p)))] = f
		}
	}
	return out
}

// WaitLoopDevicesGone waits (bounded) until no loop device is backed by a
// file under dir, and returns those still attached. Autoclear loop
// devices detach a moment after their last mount goes.
func WaitLoopDevicesGone(dir string, timeout time.Duration) map[string]string {
	deadline := time.Now().Add(timeout)
	for {
		left := LoopDevicesUnder(dir)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DetachLoop detaches a loop device (LOOP_CLR_FD).
func DetachLoop(dev string) error {
	f, err := os.OpenFile(dev, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), 0x4C01, 0) // LOOP_CLR_FD
	if e != 0 {
		return e
	}
	return nil
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}

func killCgroup(cg string) {
	filepath.WalkDir(cg, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		return nil
	})
}

// RemoveCgroupTree removes an (empty) cgroup directory and the cgroups
// below it, for tests that make cgroup directories of their own.
func RemoveCgroupTree(cg string) { rmdirTree(cg) }

func rmdirTree(cg string) {
	var dirs []string
	filepath.WalkDir(cg, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		for try := 0; try < 20; try++ {
			if err := syscall.Rmdir(dirs[i]); err == nil || os.IsNotExist(err) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// WriteFile writes a file, creating parent directories, failing the test on error.
func WriteFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
