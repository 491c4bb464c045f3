package config

import (
	"bufio"
	"os"
	"path/filepath"
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
	return filepath.Join(homeDir(), ".config/lxc/lxc.conf")
}

// DefaultSystem returns the built-in defaults.
func DefaultSystem() *System {
	s := &System{LVMVG: "lxc", LVMThinPool: "lxc", ZFSRoot: "lxc", RBDPool: "lxc"}
	if Privileged() {
		s.LXCPath = "/var/lib/lxc"
		s.DefaultConfig = "/etc/lxc/default.conf"
	} else {
		s.LXCPath = filepath.Join(homeDir(), ".local/share/lxc")
		s.DefaultConfig = filepath.Join(homeDir(), ".config/lxc/default.conf")
	}
	return s
}

// LoadSystem reads the system configuration with LXC's rules: lines with
// '#' in column 0 are comments, the first line setting a key wins, the value
// is the rest of the line after blanks (only the newline removed), empty
// values and unknown keys are ignored.
func LoadSystem() *System {
	s := DefaultSystem()
	path := SystemConfigPath()
	f, err := os.Open(path)
	if err != nil {
		return s
	}
	defer f.Close()
	s.Path = path
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		t := strings.TrimLeft(line, " \t")
		for _, key := range append(SystemKeys, "lxc.bdev.rbd.rbdpool") {
			if !strings.HasPrefix(t, key) {
				continue
			}
			rest := strings.TrimLeft(t[len(key):], " \t")
			if !strings.HasPrefix(rest, "=") {
				continue
			}
			v := strings.TrimLeft(rest[1:], " \t")
			if v == "" || seen[key] {
				break
			}
			seen[key] = true
			switch key {
			case "lxc.lxcpath":
				s.LXCPath = strings.TrimRight(v, "/")
				if s.LXCPath == "" {
					s.LXCPath = "/"
				}
			case "lxc.default_config":
				s.DefaultConfig = v
			case "lxc.bdev.lvm.vg":
				s.LVMVG = v
			case "lxc.bdev.lvm.thin_pool":
				s.LVMThinPool = v
			case "lxc.bdev.zfs.root":
				s.ZFSRoot = v
			case "lxc.bdev.rbd.rbdpool":
				s.RBDPool = v
			case "lxc.cgroup.use":
				s.CgroupUse = v
			case "lxc.cgroup.pattern":
				s.CgroupPattern = v
			}
			break
		}
	}
	return s
}

// Get returns a system key's value and whether the key is known.
func (s *System) Get(key string) (string, bool) {
	switch key {
	case "lxc.lxcpath":
		return s.LXCPath, true
	case "lxc.default_config":
		return s.DefaultConfig, true
	case "lxc.bdev.lvm.vg":
		return s.LVMVG, true
	case "lxc.bdev.lvm.thin_pool":
		return s.LVMThinPool, true
	case "lxc.bdev.zfs.root":
		return s.ZFSRoot, true
	case "lxc.cgroup.use":
		return s.CgroupUse, true
	case "lxc.cgroup.pattern":
		return s.CgroupPattern, true
	}
	return "", false
}
