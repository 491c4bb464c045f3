package lsm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Detect reads what the running kernel offers.
func Detect() Host { return detectAt("/") }

func detectAt(root string) Host {
	read := func(p string) string {
		b, _ := os.ReadFile(filepath.Join(root, p))
		return strings.TrimSpace(string(b))
	}
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join(root, p))
		return err == nil
	}
	var h Host
	if strings.HasPrefix(read("sys/module/apparmor/parameters/enabled"), "Y") {
		h.AppArmor = true
		h.AAMountFeatures = exists("sys/kernel/security/apparmor/features/mount/mask")
		if read("sys/kernel/security/apparmor/features/domain/stack") == "yes" {
			var major, minor int
			if _, err := fmt.Sscanf(read("sys/kernel/security/apparmor/features/domain/version"), "%d.%d", &major, &minor); err == nil {
				h.AACanStack = major > 1 || major == 1 && minor >= 2
			}
		}
		if h.AACanStack {
			h.AAStacked = read("sys/kernel/security/apparmor/.ns_stacked") == "yes"
		}
	}
	if e := read("sys/fs/selinux/enforce"); e == "0" || e == "1" {
		h.SELinux = true
	}
	return h
}

// CurrentLabel is process pid's LSM label: AppArmor's own attribute,
// else the shared one; "" when there is none.
func CurrentLabel(pid int) string {
	for _, a := range []string{"attr/apparmor/current", "attr/current"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, a))
		if err == nil {
			s := strings.TrimRight(string(b), "\x00\n")
			// AppArmor appends the mode: "lxc-container-default-cgns (enforce)".
			if i := strings.IndexAny(s, " \t\n"); i >= 0 {
				s = s[:i]
			}
			return s
		}
	}
	return ""
}

var parserVersionRE = regexp.MustCompile(`AppArmor parser version (\d+)\.(\d+)(?:\.(\d+))?`)

// Parser reports whether apparmor_parser is there and knows unix rules
// (2.10.95 and later), as LXC's check_apparmor_parser_version.
func Parser() (ok, unixRules bool) {
	out, err := exec.Command("apparmor_parser", "--version").Output()
	if err != nil {
		return false, false
	}
	m := parserVersionRE.FindSubmatch(out)
	if m == nil {
		return false, false
	}
	v := func(b []byte) int { n, _ := strconv.Atoi(string(b)); return n }
	major, minor, micro := v(m[1]), v(m[2]), v(m[3])
	return true, major > 2 || major == 2 && (minor > 10 || minor == 10 && micro >= 95)
}

// AACacheDir is apparmor_parser's binary cache for generated profiles,
// LXC's.
const AACacheDir = "/var/lib/lxc/apparmor/cache"

// LoadGenerated writes a generated profile, makes its policy namespace
// (stacking) and loads it with apparmor_parser.
func LoadGenerated(p AppArmorPlan) error {
	if p.Profile == "" {
		return nil
	}
	if p.Namespace != "" {
		d := filepath.Join("/sys/kernel/security/apparmor/policy/namespaces", p.Namespace)
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("create AppArmor namespace %s: %w", p.Namespace, err)
		}
	}
	// Rewritten only when it changed: apparmor_parser's cache goes by mtime.
	if old, err := os.ReadFile(p.ProfilePath); err != nil || !bytes.Equal(old, []byte(p.Profile)) {
		if err := os.MkdirAll(filepath.Dir(p.ProfilePath), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p.ProfilePath, []byte(p.Profile), 0o600); err != nil {
			return fmt.Errorf("write AppArmor profile: %w", err)
		}
	}
	if err := os.MkdirAll(AACacheDir, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("apparmor_parser", "-rWL", AACacheDir, p.ProfilePath).CombinedOutput(); err != nil {
		UnloadGenerated(p)
		return fmt.Errorf("apparmor_parser %s: %v: %s", p.ProfilePath, err, bytes.TrimSpace(out))
	}
	return nil
}

// UnloadGenerated frees the kernel's copy of a generated profile and its
// namespace and removes the file (the cache stays, as LXC's).
func UnloadGenerated(p AppArmorPlan) {
	if p.Profile == "" {
		return
	}
	if p.Namespace != "" {
		os.Remove(filepath.Join("/sys/kernel/security/apparmor/policy/namespaces", p.Namespace))
	}
	exec.Command("apparmor_parser", "-RWL", AACacheDir, p.ProfilePath).Run()
	os.Remove(p.ProfilePath)
	os.Remove(filepath.Dir(p.ProfilePath))
}
