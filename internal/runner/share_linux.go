package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/quote"
)

// A share target (lxc.namespace.share.KIND, lxc-start --share-KIND) is,
// as in LXC's lxc_inherit_namespace:
//
//	/path/to/nsfile   an absolute path: a namespace file (/proc/PID/ns/net,
//	                  a bind mount such as /run/netns/NAME)
//	DIR/NAME          container NAME of lxcpath DIR (LXC 5.0.2 means this
//	                  but looks NAME up in lxcpath NAME)
//	PID               a process
//	NAME              a container of the starting container's lxcpath
//
// golxc also accepts an absolute DIR/NAME that is a container directory
// rather than a namespace file. Targets are resolved by the monitor, on the
// host, in its own network namespace where the other container's command
// socket (abstract, so per network namespace) is reachable.

// ResolveShareTarget rewrites a relative DIR/NAME target against the
// caller's working directory, so the monitor (whose working directory is
// /) finds the same lxcpath the user meant.
func ResolveShareTarget(target string) string {
	if strings.HasPrefix(target, "/") || !strings.Contains(target, "/") {
		return target
	}
	if abs, err := filepath.Abs(target); err == nil {
		return abs
	}
	return target
}

// openShared opens the namespace of kind n that target names. lxcpathDir
// is the starting container's lxcpath, where plain names are looked up.
func openShared(n, target, lxcpathDir string) (*os.File, error) {
	flag := config.NamespaceFlags[n]
	if strings.HasPrefix(target, "/") {
		f, err := os.OpenFile(target, os.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		if t, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE); err == nil {
			if uintptr(t) != flag {
				f.Close()
				return nil, fmt.Errorf("%s is not a %s namespace", target, nsTitle(n))
			}
			return f, nil
		}
		f.Close()
		if _, err := os.Stat(filepath.Join(target, "config")); err != nil {
			return nil, fmt.Errorf("%s is neither a namespace file nor a container directory", target)
		}
	}
	pid, err := sharePID(target, lxcpathDir)
	if err != nil {
		return nil, err
	}
	return openPIDNamespace(pid, n)
}

// sharePID turns a pid or a container reference into the pid of a
// running process.
func sharePID(target, lxcpathDir string) (int, error) {
	if pid, err := strconv.Atoi(target); err == nil {
		if pid < 1 {
			return 0, fmt.Errorf("%s is not a valid pid nor a container name", quote.Short(target))
		}
		return pid, nil
	}
	dir, name := lxcpathDir, target
	if i := strings.LastIndexByte(target, '/'); i >= 0 {
		dir, name = target[:i], target[i+1:]
		if dir == "" {
			dir = "/"
		}
	}
	pid, err := ctl.InitPID(dir, name)
	if err != nil || pid < 1 {
		return 0, fmt.Errorf("container %s is not running (lxcpath %s)", quote.Short(name), dir)
	}
	return pid, nil
}

// openPIDNamespace opens /proc/PID/ns/N and makes sure pid was not reused
// meanwhile: a pidfd taken first must still be alive after the open.
func openPIDNamespace(pid int, n string) (*os.File, error) {
	pfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	defer unix.Close(pfd)
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/ns/%s", pid, n), os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s namespace of process %d: %w", nsTitle(n), pid, unwrapPath(err))
	}
	if err := unix.PidfdSendSignal(pfd, 0, nil, 0); err != nil && !errors.Is(err, unix.EPERM) {
		f.Close()
		return nil, fmt.Errorf("process %d exited while its %s namespace was opened", pid, nsTitle(n))
	}
	return f, nil
}

// openSharedAll opens every shared namespace of the plan, in join order.
// On error nothing stays open.
func openSharedAll(c *config.Container, p nsPlan, lxcpathDir string) (map[string]*os.File, error) {
	out := map[string]*os.File{}
	for _, n := range p.joined() {
		f, err := openShared(n, c.NamespaceShare[n], lxcpathDir)
		if err != nil {
			for _, g := range out {
				g.Close()
			}
			return nil, fmt.Errorf("lxc.namespace.share.%s = %s: %w", n, c.NamespaceShare[n], err)
		}
		out[n] = f
	}
	return out, nil
}

// sameNamespace reports whether two namespace files are the same namespace.
func sameNamespace(a, b *os.File) bool {
	var sa, sb unix.Stat_t
	if unix.Fstat(int(a.Fd()), &sa) != nil || unix.Fstat(int(b.Fd()), &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

func (m *Monitor) closeShared() {
	for _, f := range m.shared {
		f.Close()
	}
	m.shared = nil
}

// joinList is what stage-2 joins itself, in order, with the descriptors
// that go with the setup message. A shared PID namespace is not among
// them: a process cannot enter one, only be created in it, which
// startInPIDNamespace does.
func (m *Monitor) joinList() ([]string, []int) {
	var names []string
	var fds []int
	for _, n := range m.ns.joined() {
		if n == "pid" {
			continue
		}
		names = append(names, n)
		fds = append(fds, int(m.shared[n].Fd()))
	}
	return names, fds
}

// startInPIDNamespace starts stage-2, inside the shared PID namespace
// when there is one: setns(CLONE_NEWPID) only changes the namespace the
// calling thread's next children are created in, so the thread that forks
// (our pinned main thread) enters it for the fork and returns to its own
// right after, before anything else (hooks) forks from it.
func (m *Monitor) startInPIDNamespace(cmd *exec.Cmd) error {
	target := m.shared["pid"]
	if target == nil {
		return cmd.Start()
	}
	own, err := os.Open("/proc/thread-self/ns/pid")
	if err != nil {
		return fmt.Errorf("open our PID namespace: %w", err)
	}
	defer own.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWPID); err != nil {
		return fmt.Errorf("lxc.namespace.share.pid = %s: join: %w", m.cfg.NamespaceShare["pid"], err)
	}
	startErr := cmd.Start()
	if err := unix.Setns(int(own.Fd()), unix.CLONE_NEWPID); err != nil {
		// Every later child of this thread would land in the other
		// container: better to stop here.
		panic(fmt.Sprintf("cannot return to our own PID namespace: %v", err))
	}
	return startErr
}
