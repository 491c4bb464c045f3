package runner

import (
	"os"
	"strings"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/lsm"
)

// lsmPlan is a start's confinement by the host's LSM, decided on the host
// (internal/lsm): what stage-2 writes to its attr files, and a generated
// AppArmor profile to load and unload.
type lsmPlan struct {
	aa lsm.AppArmorPlan
	se lsm.SELinuxPlan
}

func lsmConfig(c *config.Container, spec *Spec) lsm.Config {
	lc := lsm.Config{
		Name: spec.Name, LXCPath: spec.LXCPath,
		AppArmorProfile: c.ApparmorProfile, AppArmorAllowIncomplete: c.ApparmorAllowIncomplete,
		AppArmorAllowNesting: c.ApparmorAllowNesting, AppArmorRaw: c.ApparmorRaw,
		SELinuxContext: c.SELinuxContext, SELinuxContextKeyring: c.SELinuxContextKeyring,
		Unprivileged: len(c.IDMaps) > 0, CgroupNS: cgroupNSSupported(),
	}
	seen := map[string]bool{}
	for _, it := range c.Items {
		if (strings.HasPrefix(it.Key, "lxc.apparmor.") || strings.HasPrefix(it.Key, "lxc.selinux.")) && it.Value != "" && !seen[it.Key] {
			seen[it.Key] = true
			lc.Set = append(lc.Set, it.Key)
		}
	}
	return lc
}

// planLSM decides it for this host; the warnings name what cannot apply.
func planLSM(c *config.Container, spec *Spec) (lsmPlan, []string, error) {
	h := lsm.Detect()
	lc := lsmConfig(c, spec)
	var p lsmPlan
	var err error
	if h.AppArmor && c.ApparmorProfile == lsm.AAGenerated {
		ok, unix := lsm.Parser()
		p.aa, err = lsm.PlanAppArmor(lc, h, lsm.CurrentLabel(os.Getpid()), ok, unix)
	} else {
		p.aa, err = lsm.PlanAppArmor(lc, h, lsm.CurrentLabel(os.Getpid()), false, false)
	}
	if err != nil {
		return lsmPlan{}, nil, err
	}
	p.se = lsm.PlanSELinux(lc, h)
	return p, append(p.aa.Warnings, p.se.Warnings...), nil
}

// attrs are the stage-2's writes: the keyring context goes before the
// session keyring is made, the exec labels before the start hooks (LXC
// sets the label there, so they run confined as init will).
func (p lsmPlan) keyringAttr() *lsm.AttrWrite { return p.se.Keyring }

func (p lsmPlan) execAttrs() []lsm.AttrWrite {
	var out []lsm.AttrWrite
	if a := p.aa.Attr(); a != nil {
		out = append(out, *a)
	}
	if p.se.Exec != nil {
		out = append(out, *p.se.Exec)
	}
	return out
}

// prepareLSM decides this boot's LSM plan and loads a generated AppArmor
// profile (LXC's apparmor_prepare, before the container exists).
func (m *Monitor) prepareLSM() error {
	p, warnings, err := planLSM(m.cfg, m.spec)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		m.log.Warnf("%s", w)
	}
	m.lsm = p
	if err := lsm.LoadGenerated(p.aa); err != nil {
		return err
	}
	m.lsmLoaded = p.aa.Profile != ""
	return nil
}

// unloadLSM is LXC's apparmor_cleanup: the generated profile leaves the
// kernel (and its file the container directory) once the container is
// gone.
func (m *Monitor) unloadLSM() {
	if m.lsmLoaded {
		lsm.UnloadGenerated(m.lsm.aa)
		m.lsmLoaded = false
	}
}
