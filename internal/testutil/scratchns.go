package testutil

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ScratchNS is a set of namespaces (network, UTS, IPC) a test made and
// holds with a sleeping process. Tools run through it (Cmd, Run) see these
// as "the host's": a test of code that must never touch the host's
// network, hostname or IPC settings then cannot damage them even when the
// code under test regresses. Containers started through it keep their
// command socket in its network namespace (abstract sockets are per network
// namespace), so every tool that talks to them must run through it too.
type ScratchNS struct {
	t   testing.TB
	pid int
}

// NewScratchNS makes the namespaces; they go when the test ends.
func NewScratchNS(t testing.TB) *ScratchNS {
	t.Helper()
	Need(t, "unshare", "nsenter", "ip")
	cmd := exec.Command("unshare", "--net", "--uts", "--ipc", "--", "sleep", "1000000")
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	s := &ScratchNS{t: t, pid: cmd.Process.Pid}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	own, _ := os.Readlink("/proc/self/ns/net")
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ns, err := os.Readlink(s.NSPath("net")); err == nil && ns != own {
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", s.pid)); strings.TrimSpace(string(comm)) == "sleep" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare did not make its namespaces in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

// NSPath is the holder's namespace file of kind ("net", "uts", "ipc").
func (s *ScratchNS) NSPath(kind string) string {
	return fmt.Sprintf("/proc/%d/ns/%s", s.pid, kind)
}

// Cmd prepares path with args to run in the scratch namespaces. It is
// killed after two minutes: a regression fails the test, never hangs it.
func (s *ScratchNS) Cmd(path string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s.t.Cleanup(cancel)
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + s.NSPath("net"), "--uts=" + s.NSPath("uts"), "--ipc=" + s.NSPath("ipc"), "--", path}, args...)...)
}

// Run runs one of our tools in the scratch namespaces.
func (s *ScratchNS) Run(tool string, args ...string) Result {
	s.t.Helper()
	return RunCmd(s.t, s.Cmd(Bin(s.t, tool), args...))
}

// Links lists the network interfaces of the scratch network namespace.
func (s *ScratchNS) Links() []string {
	s.t.Helper()
	out, err := s.Cmd("ip", "-o", "link", "show").Output()
	if err != nil {
		s.t.Fatalf("ip link in the scratch namespace: %v", err)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			names = append(names, strings.SplitN(strings.TrimSuffix(f[1], ":"), "@", 2)[0])
		}
	}
	return names
}

// Hostname is the scratch UTS namespace's host name.
func (s *ScratchNS) Hostname() string {
	s.t.Helper()
	b, err := s.Cmd("cat", "/proc/sys/kernel/hostname").Output()
	if err != nil {
		s.t.Fatalf("hostname in the scratch namespace: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// NSLink is the scratch namespace of kind as /proc shows it ("net:[...]").
func (s *ScratchNS) NSLink(kind string) string {
	s.t.Helper()
	l, err := os.Readlink(s.NSPath(kind))
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}
