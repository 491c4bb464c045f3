package config

import (
	"os"
	"strings"
)

// System is the system configuration (lxc.system.conf(5)).
type System struct {
	LXCPath       string
	DefaultConfig string
	LVMVG         string
	LVMThinPool   string
	ZFSRoot       string
	RBDPool       string
	CgroupUse     string
	CgroupPattern string
	// Path is the file the values were read from ("" if none existed).
	Path string
	// unset lists keys that have no value at all (LXC returns NULL for
	// them and lxc-config prints "KEY is not set.").
	unset map[string]bool
}

// SystemKeys lists the keys `lxc-config -l` prints, in LXC's order.
var SystemKeys = []string{
	"lxc.default_config", "lxc.lxcpath", "lxc.bdev.lvm.vg", "lxc.bdev.lvm.thin_pool",
	"lxc.bdev.zfs.root", "lxc.cgroup.use", "lxc.cgroup.pattern",
}

// Privileged reports whether the caller uses root's paths. LXC decides by
// the effective uid.
func Privileged() bool { return os.Geteuid() == 0 }

func homeDir() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	return "/"
}

// SystemConfigPath is /etc/lxc/lxc.conf for root, else ~/.config/lxc/lxc.conf.
// LXC_GLOBAL_CONF (golxc extension, for tests and packagers) overrides it.
func SystemConfigPath() string {
	if p := os.Getenv("LXC_GLOBAL_CONF"); p != "" {
		return p
	}
	if Privileged() {
		return "/etc/lxc/lxc.conf"
	}
	return homeDir() + "/.config/lxc/lxc.conf"
}

// DefaultSystem returns the built-in defaults. Paths are built by plain
// concatenation with $HOME, as LXC does (HOME=/ gives "//.local/...").
func DefaultSystem() *System {
	s := &System{LVMVG: "lxc", LVMThinPool: "lxc", ZFSRoot: "lxc", RBDPool: "lxc",
		unset: map[string]bool{"lxc.cgroup.use": true, "lxc.cgroup.pattern": true}}
	if Privileged() {
		s.LXCPath = "/var/lib/lxc"
		s.DefaultConfig = "/etc/lxc/default.conf"
	} else {
		s.LXCPath = trimLXCPath(homeDir() + "/.local/share/lxc/")
		s.DefaultConfig = homeDir() + "/.config/lxc/default.conf"
	}
	return s
}

// trimLXCPath is LXC's remove_trailing_slashes (which also drops newlines).
func trimLXCPath(p string) string {
	return strings.TrimRight(p, "/\n")
}

// systemValue finds key in the lines of an lxc.conf exactly as LXC's
// lxc_global_config_value does: lines starting with '#' are skipped; the
// first occurrence of the key in a line must be preceded only by blanks and
// followed by optional blanks and '='; the value is the rest after blanks,
// minus one trailing newline (nothing else is trimmed, quotes are kept). A
// line where nothing at all follows '=' (not even the newline) is skipped.
// The first matching line wins.
func systemValue(lines []string, key string) (string, bool) {
	for _, line := range lines {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.Index(line, key)
		if i < 0 || strings.Trim(line[:i], " \t") != "" {
			continue
		}
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			continue
		}
		if strings.Trim(line[i+len(key):i+eq], " \t") != "" {
			continue
		}
		v := strings.TrimLeft(line[i+eq+1:], " \t")
		if v == "" {
			continue
		}
		return strings.TrimSuffix(v, "\n"), true
	}
	return "", false
}

// splitLinesKeepNL splits data into lines that keep their '\n', as getline.
func splitLinesKeepNL(data string) []string {
	var out []string
	for data != "" {
		i := strings.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

// LoadSystem reads the system configuration with LXC's rules (see
// systemValue). Unknown keys are ignored.
func LoadSystem() *System {
	s := DefaultSystem()
	path := SystemConfigPath()
	data, err := ReadConfigFile(path)
	if err != nil {
		return s
	}
	s.Path = path
	lines := splitLinesKeepNL(string(data))
	fields := map[string]*string{
		"lxc.lxcpath": &s.LXCPath, "lxc.default_config": &s.DefaultConfig,
		"lxc.bdev.lvm.vg": &s.LVMVG, "lxc.bdev.lvm.thin_pool": &s.LVMThinPool,
		"lxc.bdev.zfs.root": &s.ZFSRoot, "lxc.bdev.rbd.rbdpool": &s.RBDPool,
		"lxc.cgroup.use": &s.CgroupUse, "lxc.cgroup.pattern": &s.CgroupPattern,
	}
	for key, field := range fields {
		v, ok := systemValue(lines, key)
		if !ok {
			continue
		}
		if key == "lxc.lxcpath" {
			v = trimLXCPath(v)
		}
		*field = v
		delete(s.unset, key)
	}
	return s
}

// Get returns a system key's value and whether the key is known.
func (s *System) Get(key string) (string, bool) {
	v, _, known := s.Lookup(key)
	return v, known
}

// Lookup returns a system key's value, whether it has one (lxc.cgroup.use
// and lxc.cgroup.pattern have none unless lxc.conf sets them), and whether
// lxc-config knows the key.
func (s *System) Lookup(key string) (value string, set, known bool) {
	switch key {
	case "lxc.lxcpath":
		value = s.LXCPath
	case "lxc.default_config":
		value = s.DefaultConfig
	case "lxc.bdev.lvm.vg":
		value = s.LVMVG
	case "lxc.bdev.lvm.thin_pool":
		value = s.LVMThinPool
	case "lxc.bdev.zfs.root":
		value = s.ZFSRoot
	case "lxc.cgroup.use":
		value = s.CgroupUse
	case "lxc.cgroup.pattern":
		value = s.CgroupPattern
	default:
		return "", false, false
	}
	return value, !s.unset[key], true
}
