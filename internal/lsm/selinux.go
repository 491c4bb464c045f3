package lsm

import "strings"

// SELinuxDefault is LXC's label for an unset lxc.selinux.context: the
// context is left as it is.
const SELinuxDefault = "unconfined_t"

// SELinuxPlan is what a start does with SELinux: the exec context of
// init (setexeccon) and the context of the session keyring the container
// gets (setkeycreatecon), as LXC's selinux_process_label_set and
// lxc_setup_keyring.
type SELinuxPlan struct {
	Exec, Keyring *AttrWrite
	Warnings      []string
}

// PlanSELinux decides it. Without SELinux on the host LXC ignores the keys
// (its driver is then "nop"); golxc warns about each one set.
func PlanSELinux(c Config, h Host) SELinuxPlan {
	var p SELinuxPlan
	if !h.SELinux {
		for _, k := range c.Set {
			if strings.HasPrefix(k, "lxc.selinux.") {
				p.Warnings = append(p.Warnings, k+" is not applied: SELinux is not enabled on this host")
			}
		}
		return p
	}
	if ctx := c.SELinuxContext; ctx != "" && ctx != SELinuxDefault {
		p.Exec = &AttrWrite{Name: "exec", Value: ctx}
	}
	key := c.SELinuxContextKeyring
	if key == "" {
		key = c.SELinuxContext
	}
	if key != "" {
		p.Keyring = &AttrWrite{Name: "keycreate", Value: key}
	}
	return p
}
