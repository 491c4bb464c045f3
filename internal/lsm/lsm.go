// Package lsm decides how a container is confined by the host's Linux
// security module, with LXC's model: AppArmor (lxc.apparmor.*: a profile
// by name, LXC's default one, or a profile generated for the container
// and loaded with apparmor_parser) or SELinux (lxc.selinux.context and
// .context.keyring). Everything is decided on the host, before the
// container exists: the result is a list of writes to the stage-2's
// /proc/thread-self/attr files (the LSM's exec attribute, so the label
// applies when the container's init, or lxc-attach's command, is
// executed), plus, for a generated AppArmor profile, the profile to load
// and unload. Without the LSM on the host, what the configuration asks
// for cannot be applied: as LXC the start goes on (LXC says nothing), and
// golxc names each such key in a warning.
package lsm

// Host is what the running kernel offers.
type Host struct {
	// AppArmor: /sys/module/apparmor/parameters/enabled is Y.
	AppArmor bool
	// AAMountFeatures: the kernel mediates mounts (features/mount/mask),
	// without which LXC's profiles are incomplete.
	AAMountFeatures bool
	// AACanStack: profile stacking (domain/stack, version >= 1.2), which
	// lets a generated profile live in a policy namespace of its own.
	AACanStack bool
	// AAStacked: we already run in a stacked namespace (.ns_stacked).
	AAStacked bool
	// SELinux: selinuxfs is mounted and reports enforce or permissive.
	SELinux bool
}

// AttrWrite is one write to a /proc/thread-self/attr file of the process
// that will exec the container's program: Name, or Fallback when Name
// does not exist (AppArmor's own attr/apparmor/exec, else the legacy
// shared attr/exec).
type AttrWrite struct {
	Name, Fallback, Value string
}

// Config is what the container's configuration asks of the LSM.
type Config struct {
	Name, LXCPath string

	AppArmorProfile         string // lxc.apparmor.profile ("" unset)
	AppArmorAllowIncomplete bool
	AppArmorAllowNesting    bool
	AppArmorRaw             []string
	// Set lists the lxc.apparmor.* and lxc.selinux.* keys the
	// configuration sets (for the warnings of a host without the LSM).
	Set []string

	SELinuxContext        string
	SELinuxContextKeyring string

	Unprivileged bool // lxc.idmap: LXC's unprivileged profile additions
	CgroupNS     bool // the kernel has cgroup namespaces
}
