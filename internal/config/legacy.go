package config

import (
	"fmt"
	"strings"
)

// legacyRenames maps pre-3.0 keys to their 3.x names. An empty target means
// the key has no meaning any more and is ignored.
var legacyRenames = map[string]string{
	"lxc.utsname":             "lxc.uts.name",
	"lxc.rootfs":              "lxc.rootfs.path",
	"lxc.rootfs.backend":      "",
	"lxc.tty":                 "lxc.tty.max",
	"lxc.pts":                 "lxc.pty.max",
	"lxc.devttydir":           "lxc.tty.dir",
	"lxc.mount":               "lxc.mount.fstab",
	"lxc.aa_profile":          "lxc.apparmor.profile",
	"lxc.aa_allow_incomplete": "lxc.apparmor.allow_incomplete",
	"lxc.se_context":          "lxc.selinux.context",
	"lxc.id_map":              "lxc.idmap",
	"lxc.seccomp":             "lxc.seccomp.profile",
	"lxc.console":             "lxc.console.path",
	"lxc.haltsignal":          "lxc.signal.halt",
	"lxc.rebootsignal":        "lxc.signal.reboot",
	"lxc.stopsignal":          "lxc.signal.stop",
	"lxc.syslog":              "lxc.log.syslog",
	"lxc.loglevel":            "lxc.log.level",
	"lxc.logfile":             "lxc.log.file",
	"lxc.init_cmd":            "lxc.init.cmd",
	"lxc.init_uid":            "lxc.init.uid",
	"lxc.init_gid":            "lxc.init.gid",
	"lxc.pivotdir":            "",
	"lxc.kmsg":                "",
	"lxc.network":             "lxc.net",
}

// legacyKey maps a pre-3.0 key to its 3.x name. ok is false for keys that
// are not legacy. newKey "" means ignore the line.
func legacyKey(c *Container, key, value string) (newKey, note string, ok bool) {
	if k, found := legacyRenames[key]; found {
		if key == "lxc.rootfs.backend" {
			c.legacyRootfsBackend = value
			return "", "used as the storage type of lxc.rootfs.path", true
		}
		return k, "", true
	}
	if strings.HasPrefix(key, "lxc.limit.") {
		return "lxc.prlimit." + strings.TrimPrefix(key, "lxc.limit."), "", true
	}
	if !strings.HasPrefix(key, "lxc.network.") {
		return "", "", false
	}
	rest := strings.TrimPrefix(key, "lxc.network.")
	// Indexed form: lxc.network.N.SUB.
	if i := strings.IndexByte(rest, '.'); i > 0 && isDigits(rest[:i]) {
		return "lxc.net." + rest[:i] + "." + mapLegacyNetSub(rest[i+1:]), "", true
	}
	if isDigits(rest) {
		return "lxc.net." + rest, "", true
	}
	// Unindexed form: every lxc.network.type starts a new device, as in
	// LXC 2.x and lxc-update-config.
	if rest == "type" {
		c.legacyNetIndex++
	}
	idx := c.legacyNetIndex
	if idx < 0 {
		idx = 0
	}
	return fmt.Sprintf("lxc.net.%d.%s", idx, mapLegacyNetSub(rest)), "", true
}

func mapLegacyNetSub(sub string) string {
	switch sub {
	case "ipv4":
		return "ipv4.address"
	case "ipv6":
		return "ipv6.address"
	}
	return sub
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsLegacyKey reports whether key is a pre-3.0 key that golxc maps.
func IsLegacyKey(key string) bool {
	if _, ok := legacyRenames[key]; ok {
		return true
	}
	return strings.HasPrefix(key, "lxc.network.") || strings.HasPrefix(key, "lxc.limit.")
}
