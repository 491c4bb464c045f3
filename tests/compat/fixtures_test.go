//go:build compat

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// busybox defines container role on both sides with `lxc-create -t
// busybox -f CONF` (CONF = lxc.net.0.type = empty plus extra). When our
// lxc-create cannot do it, both sides fall back to testutil.BusyboxContainer
// so the other tools are still compared on identical configs; the
// lxc-create scenario (TestCreateBusyboxConfig) reports the failure itself.
func (p *pair) busybox(t *testing.T, role string, extra ...string) {
	t.Helper()
	r := p.ours.run("lxc-create", "-P", p.ours.path, "-n", p.ours.name(role), "-t", lxcBusybox, "-f", p.ours.confFile(role, extra...))
	if r.Code != 0 {
		t.Logf("our lxc-create -t busybox failed (%s); both sides use testutil.BusyboxContainer instead", r)
		for _, s := range p.both() {
			os.RemoveAll(filepath.Join(s.path, s.name(role)))
			testutil.BusyboxContainer(t, s.path, s.name(role), extra...)
		}
		return
	}
	p.lxc.must("lxc-create", "-P", p.lxc.path, "-n", p.lxc.name(role), "-t", lxcBusybox, "-f", p.lxc.confFile(role, extra...))
}

// configOnly writes a container that has a config and no rootfs, the
// same bytes on both sides (lxc-ls and lxc-info only read it).
func (p *pair) configOnly(t *testing.T, role string, lines ...string) {
	t.Helper()
	p.each(func(s *side) {
		body := fmt.Sprintf("lxc.uts.name = %s\nlxc.net.0.type = empty\n%s", s.name(role), strings.Join(append(lines, ""), "\n"))
		testutil.WriteFile(t, filepath.Join(s.path, s.name(role), "config"), body, 0o640)
	})
}

// start starts role on both sides (daemonized: lxc-start returns once the
// container is RUNNING) and returns each side's init pid.
func (p *pair) start(t *testing.T, role string) (lxcPID, oursPID int) {
	t.Helper()
	pids := make([]int, 2)
	for i, s := range p.both() {
		s.must("lxc-start", "-P", s.path, "-n", s.name(role))
		pids[i] = s.initPID(role)
	}
	return pids[0], pids[1]
}

// initPID asks the side's own lxc-info for the init pid.
func (s *side) initPID(role string) int {
	s.t.Helper()
	r := s.must("lxc-info", "-P", s.path, "-n", s.name(role), "-p", "-H")
	pid, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
	if err != nil || pid <= 1 {
		s.t.Fatalf("%s lxc-info -pH: %s", s.label, r)
	}
	return pid
}

// settle waits until the busybox init of pid has started syslogd (its
// /dev/log socket exists) so both containers are compared in the same
// state; a container without it is compared as it is after 5 s.
func settle(pid int) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Lstat(fmt.Sprintf("/proc/%d/root/dev/log", pid)); err == nil {
			time.Sleep(200 * time.Millisecond)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lxcBusybox is LXC's own busybox template. Both toolsets run it, so
// lxc-create itself is compared (header, config, layout); our templates/
// lxc-busybox differs on purpose (doc/compat.md, busybox-template).
const lxcBusybox = "/usr/share/lxc/templates/lxc-busybox"
