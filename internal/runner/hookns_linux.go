package runner

import (
	"fmt"
	"os"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/hooks"
)

// hostHookEnv is the environment of the hooks the monitor runs on the
// host (pre-start, start-host, network scripts, stop, post-stop): LXC's
// lxc_init variables, without lxc.environment (LXC sets that only in the
// container's process).
func hostHookEnv(spec *Spec, c *config.Container) *hooks.Env {
	return &hooks.Env{
		Name: spec.Name, ConfigFile: spec.ConfigFile, RootfsMount: rootfsMountPoint(c, spec.LXCPath, spec.Name),
		RootfsPath: rootfsPathValue(c), Console: c.ConsolePath, ConsoleLog: c.ConsoleLogfile,
		LogLevel: levelName(spec.LogLevel), Version: c.HookVersion,
	}
}

// holdNamespaces opens the container's namespaces once stage-2 made them
// all (it reported ready: the cgroup and time namespaces are unshared by
// then) and keeps them open until the stop hooks ran, so network down
// scripts and stop hooks can enter them with nsenter even after init
// died, as LXC's lxc_try_preserve_namespaces does: the namespaces made for
// the container, the network namespace whatever it is, and the shared
// ones (which LXC exposes as empty paths).
func (m *Monitor) holdNamespaces() {
	m.mu.Lock()
	pid := m.initPID
	m.mu.Unlock()
	m.releaseNamespaces()
	if pid <= 0 {
		return
	}
	for _, n := range config.NamespaceNames {
		if m.ns[n] == nsKept && n != "net" {
			continue
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, n))
		if err != nil {
			m.log.Warnf("keep the %s namespace for the stop hooks: %v", nsTitle(n), err)
			continue
		}
		m.heldNS = append(m.heldNS, heldNamespace{n, f})
	}
}

type heldNamespace struct {
	kind string
	file *os.File
}

// exposeNamespaces gives the hooks of the teardown the held namespaces as
// /proc/MONITOR/fd/N paths.
func (m *Monitor) exposeNamespaces() {
	if m.hookEnv == nil {
		return
	}
	m.hookEnv.Namespaces = nil
	for _, h := range m.heldNS {
		m.hookEnv.Namespaces = append(m.hookEnv.Namespaces, hooks.Namespace{Kind: h.kind, Path: fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), h.file.Fd())})
	}
}

// releaseNamespaces closes them (after the stop hooks: LXC's post-stop
// hooks still see the variables, with the descriptors closed).
func (m *Monitor) releaseNamespaces() {
	for _, h := range m.heldNS {
		h.file.Close()
	}
	m.heldNS = nil
}
