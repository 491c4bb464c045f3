package runner

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
)

// cgroupPlace is where one of a start's cgroups goes, by LXC's rules
// (cgfsng's payload_create and monitor_create): either a leaf name made
// under a directory, with LXC's -1 ... -999 suffixes when taken, or an
// exact path the configuration names.
type cgroupPlace struct {
	dir, leaf string // Create(dir, leaf)
	exact     string // CreateExact(exact): lxc.cgroup.dir.container/monitor
}

// create makes the cgroup, telling note (nil: nobody) about each
// directory before and after it is made (cgroup.Host.CreateNoted).
func (p cgroupPlace) create(h *cgroup.Host, note func(cgroup.Note)) (*cgroup.Cgroup, error) {
	if p.exact != "" {
		return h.CreateExact(p.exact, note)
	}
	return h.CreateNoted(p.dir, p.leaf, note)
}

// payloadPlace and monitorPlace follow LXC: lxc.cgroup.dir.container
// and .monitor name the cgroups exactly; lxc.cgroup.dir puts
// lxc.payload.NAME and lxc.monitor.NAME under it; else the system's
// lxc.cgroup.pattern (lxc.conf, %n the name) gets "payload" and "monitor";
// else lxc.payload.NAME and lxc.monitor.NAME.
func payloadPlace(c *config.Container, pattern, name string) cgroupPlace {
	switch {
	case c.CgroupDirContainer != "":
		return cgroupPlace{exact: c.CgroupDirContainer}
	case c.CgroupDir != "":
		return cgroupPlace{dir: c.CgroupDir, leaf: "lxc.payload." + name}
	case pattern != "":
		return cgroupPlace{dir: strings.ReplaceAll(pattern, "%n", name), leaf: "payload"}
	}
	return cgroupPlace{leaf: "lxc.payload." + name}
}

func monitorPlace(c *config.Container, pattern, name string) cgroupPlace {
	switch {
	case c.CgroupDirMonitor != "":
		return cgroupPlace{exact: c.CgroupDirMonitor}
	case c.CgroupDir != "":
		return cgroupPlace{dir: c.CgroupDir, leaf: "lxc.monitor." + name}
	case pattern != "":
		return cgroupPlace{dir: strings.ReplaceAll(pattern, "%n", name), leaf: "monitor"}
	}
	return cgroupPlace{leaf: "lxc.monitor." + name}
}

// cgroupPattern is lxc.conf's lxc.cgroup.pattern, made relative as LXC
// uses it ("" when unset or unusable).
func cgroupPattern() string {
	p := strings.Trim(config.LoadSystem().CgroupPattern, "/")
	if strings.Contains(p, "..") {
		return ""
	}
	return p
}

// checkCgroupDirs refuses what LXC's check_cgroup_dir_config refuses:
// lxc.cgroup.dir.container, .monitor and .container.inner go without
// lxc.cgroup.dir, and the first two together.
func checkCgroupDirs(c *config.Container) error {
	if c.CgroupDirContainer == "" && c.CgroupDirMonitor == "" && c.CgroupDirInner == "" {
		return nil
	}
	if c.CgroupDir != "" {
		return errors.New("lxc.cgroup.dir conflicts with lxc.cgroup.dir.container and lxc.cgroup.dir.monitor")
	}
	if c.CgroupDirContainer == "" || c.CgroupDirMonitor == "" {
		return errors.New("lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must both be set")
	}
	if filepath.Clean(c.CgroupDirContainer) == filepath.Clean(c.CgroupDirMonitor) {
		return fmt.Errorf("lxc.cgroup.dir.container and lxc.cgroup.dir.monitor are the same cgroup %s", c.CgroupDirContainer)
	}
	return nil
}

// monitorExit is the cgroup of hierarchy h the monitor moves to before it
// removes its own: lxc.cgroup.dir.monitor.pivot/lxc.pivot when the
// configuration names one (as LXC, which otherwise uses lxc.pivot and
// leaves it behind), else the base the cgroups were made in, so nothing
// stays.
func (m *Monitor) monitorExit(h *cgroup.Hierarchy) string {
	base := filepath.Join(h.Mount, h.Base)
	if p := m.cfg.CgroupDirMonitorPivot; p != "" && !strings.Contains(p, "..") {
		d := filepath.Join(base, strings.Trim(p, "/"), "lxc.pivot")
		err := cgroup.MkdirAll(h, d)
		if err == nil {
			return d
		}
		m.log.Warnf("lxc.cgroup.dir.monitor.pivot: %v", err)
	}
	return base
}
