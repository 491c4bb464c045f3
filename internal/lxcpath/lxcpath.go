// Package lxcpath knows LXC's on-disk and runtime layout: where a
// container's directory, config, lock, log and command socket live.
package lxcpath

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/golxc/golxc/internal/quote"
)

// ConfigName is the file whose presence makes a container "defined".
const ConfigName = "config"

// Dir returns <lxcpath>/<name>.
func Dir(lxcpath, name string) string { return filepath.Join(lxcpath, name) }

// ConfigPath returns <lxcpath>/<name>/config.
func ConfigPath(lxcpath, name string) string { return filepath.Join(lxcpath, name, ConfigName) }

// ValidateName rejects names that could escape the lxcpath or that LXC
// refuses (CVE-2015-1331 class: "../../etc/x").
//
// Each refusal says what is wrong with the name, which is quoted escaped
// and cut short (a name is echoed back whatever it holds).
func ValidateName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("invalid container name %s: %s", quote.Short(name), why)
	}
	switch {
	case name == "":
		return errors.New("no container name specified")
	case name == "." || name == "..":
		return bad("names a directory of the lxcpath itself")
	case strings.Contains(name, "/"):
		return bad("must not contain '/'")
	case strings.Contains(name, "\x00"):
		return bad("must not contain a NUL byte")
	case strings.Contains(name, "\n"):
		return bad("must not contain a newline (lxc-ls and other tools print one name per line)")
	case len(name) > 255:
		return bad(fmt.Sprintf("too long (%d bytes, at most 255: it is a directory name)", len(name)))
	}
	return nil
}

// Defined reports whether <lxcpath>/<name>/config exists. As for LXC,
// any file but a directory counts: a config that is a FIFO or a device
// is a defined container whose config cannot be loaded (the loader
// refuses it with the reason), not one that is silently missing.
func Defined(lxcpath, name string) bool {
	st, err := os.Stat(ConfigPath(lxcpath, name))
	return err == nil && !st.IsDir()
}

// List returns the names of the containers defined in lxcpath, sorted as
// LXC sorts them (byte order); names starting with '.' are skipped.
func List(lxcpath string) ([]string, error) {
	entries, err := os.ReadDir(lxcpath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 {
			if Defined(lxcpath, n) {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// RunDir is LXC's runtime directory: /run when the caller owns it (root),
// else $XDG_RUNTIME_DIR, else ~/.cache/lxc/run.
func RunDir() string {
	if st, err := os.Stat("/run"); err == nil {
		if s, ok := st.Sys().(*syscall.Stat_t); ok && (int(s.Uid) == os.Geteuid() || int(s.Gid) == os.Getegid()) {
			return "/run"
		}
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
		return x
	}
	home := os.Getenv("HOME")
	if home == "" {
		home = "/"
	}
	return filepath.Join(home, ".cache/lxc/run")
}

// LockPath returns <rundir>/lxc/lock/<lxcpath>/.<name>, as LXC names it
// (the lxcpath keeps its leading '/', giving a double slash).
func LockPath(lxcpath, name string) string {
	return RunDir() + "/lxc/lock/" + lxcpath + "/." + name
}

// maxSocketName is the longest abstract socket name LXC uses before it
// falls back to a hashed name (sizeof(sun_path) - 2 for the '@' and NUL).
const maxSocketName = 105

// CommandSocket returns the abstract socket name (without the leading NUL)
// of a container's command socket: "<lxcpath>/<name>/command", or
// "lxc/<fnv64a hex>/command" when that is too long, as LXC does.
func CommandSocket(lxcpath, name string) string {
	s := lxcpath + "/" + name + "/command"
	if len(s)+1 <= maxSocketName {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(lxcpath + "/" + name))
	return fmt.Sprintf("lxc/%016x/command", h.Sum64())
}

// MonitorDir is where lxc-monitor listeners for an lxcpath register their
// datagram sockets (golxc's broker-free replacement for lxc-monitord).
func MonitorDir(lxcpath string) string {
	return RunDir() + "/lxc/monitor/" + strings.TrimPrefix(lxcpath, "/")
}

// DefaultLogFile returns the log file LXC uses when -l is given without -o:
// /var/log/lxc/NAME.log for root with the default lxcpath, otherwise
// <lxcpath>/<name>/<name>.log.
func DefaultLogFile(lxcpath, defaultLXCPath, name string) string {
	if os.Geteuid() == 0 && filepath.Clean(lxcpath) == filepath.Clean(defaultLXCPath) {
		return filepath.Join("/var/log/lxc", name+".log")
	}
	return filepath.Join(lxcpath, name, name+".log")
}
