package runner

import (
	"fmt"
	"os"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
)

// cgroupKeyWarnings names, one line each, the lxc.cgroup.* and
// lxc.cgroup2.* keys this host cannot apply (cgroup.Host.Cgroup1KeyApplies
// and Cgroup2KeyApplies decide); the monitor skips exactly these. The host
// is only inspected when the configuration has such keys.
func cgroupKeyWarnings(c *config.Container, host func(*config.Container) *cgroup.Host) []string {
	if len(c.Cgroup) == 0 && len(c.Cgroup2) == 0 {
		return nil
	}
	h := host(c)
	if h == nil {
		return nil
	}
	var w []string
	for _, kv := range c.Cgroup {
		if ok, why := h.Cgroup1KeyApplies(kv.Key); !ok {
			w = append(w, fmt.Sprintf("lxc.cgroup.%s is not applied: %s", kv.Key, why))
		}
	}
	for _, kv := range c.Cgroup2 {
		if ok, why := h.Cgroup2KeyApplies(kv.Key); !ok {
			w = append(w, fmt.Sprintf("lxc.cgroup2.%s is not applied: %s", kv.Key, why))
		}
	}
	return w
}

// detectedHost is the host's cgroup layout as the monitor will use it
// (rooted unless lxc.cgroup.relative), nil when it cannot be read (the
// start then fails with the reason).
func detectedHost(c *config.Container) *cgroup.Host {
	h, err := cgroup.Detect()
	if err != nil {
		return nil
	}
	if !c.CgroupRelative && os.Geteuid() == 0 {
		h = h.Rooted()
	}
	return h
}
