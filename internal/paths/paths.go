// Package paths holds the installation directories golxc looks in for its
// templates and LXC's shared files. Packagers set them at link time
// (make install does, from DATADIR); a development build finds them
// relative to the executable, so bin/lxc-create uses the source tree's
// templates/.
package paths

import (
	"os"
	"path/filepath"
)

// Set with -ldflags -X at install time.
var (
	// TemplateDir is where our templates (lxc-busybox, lxc-debian, ...) live.
	TemplateDir = ""
	// LXCTemplateDir is where LXC's own templates live (Debian lxc-templates).
	LXCTemplateDir = "/usr/share/lxc/templates"
	// LXCConfigDir holds LXC's shipped include files (common.conf, ...).
	LXCConfigDir = "/usr/share/lxc/config"
	// LXCHookDir holds LXC's shipped hook scripts.
	LXCHookDir = "/usr/share/lxc/hooks"
	// CacheDir is the root of template download caches.
	CacheDir = "/var/cache/lxc"
	// UserNIC is the setuid-root helper that gives unprivileged
	// containers their veth devices ($(LIBEXECDIR)/lxc/lxc-user-nic).
	UserNIC = "/usr/libexec/lxc/lxc-user-nic"
)

// UserNICPath returns the lxc-user-nic to run: GOLXC_USER_NIC when set (a
// second installation, tests), else the installed one. Only our own
// unprivileged tools read this; the helper itself trusts no environment.
func UserNICPath() string {
	if p := os.Getenv("GOLXC_USER_NIC"); p != "" {
		return p
	}
	return UserNIC
}

// Templates returns the directory of golxc's templates. GOLXC_TEMPLATE_DIR
// overrides it (tests); then templates/ next to the bin/ directory of a
// build in the source tree (so bin/lxc-create uses the tree's templates,
// not whatever the host has installed); then the link-time value; then
// LXC's directory.
func Templates() string {
	if d := os.Getenv("GOLXC_TEMPLATE_DIR"); d != "" {
		return d
	}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(filepath.Dir(exe)), "templates")
		if st, err := os.Stat(filepath.Join(d, "lxc-busybox")); err == nil && !st.IsDir() {
			if _, err := os.Stat(filepath.Join(filepath.Dir(d), "go.mod")); err == nil {
				return d
			}
		}
	}
	if TemplateDir != "" {
		return TemplateDir
	}
	return LXCTemplateDir
}

// Cache returns the template cache root: LXC_CACHE_PATH if set (as LXC's
// templates honour it), else /var/cache/lxc for root and, as LXC's
// download template uses for a user, $XDG_CACHE_HOME/lxc or
// ~/.cache/lxc for anyone else.
func Cache() string {
	if d := os.Getenv("LXC_CACHE_PATH"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return CacheDir
	}
	if d := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "lxc")
	}
	home := os.Getenv("HOME")
	if home == "" {
		home = "/"
	}
	return filepath.Join(home, ".cache", "lxc")
}
