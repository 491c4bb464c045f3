package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/paths"
	"github.com/golxc/golxc/internal/runner"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/userns"
)

// PreflightError lists everything that stops a user's container from
// starting, one line each, every line naming what is missing and how to
// fix it (LXC finds these one at a time, deep in a trace log).
type PreflightError struct{ Problems []string }

func (e *PreflightError) Error() string { return strings.Join(e.Problems, "\n") }

// preflight checks, before anything is made, what a non-root user needs
// to start container c: id maps inside the user's subordinate ranges,
// newuidmap and newgidmap, a path the container's root can walk to its
// rootfs, a delegated cgroup on a pure cgroup2 host, and lxc-user-nic for
// veth devices. command is the command line to repeat in a delegated
// cgroup.
func preflight(c *config.Container, command string) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	user := userns.UserName()

	if len(c.IDMaps) == 0 {
		add("user %s can only start containers with lxc.idmap (a user namespace): add %s to ~/.config/lxc/default.conf (for new containers) and to this container's config",
			user, userns.SuggestMaps(user))
		return &PreflightError{problems}
	}
	problems = append(problems, userns.CheckMaps(c.IDMaps)...)
	rootUID, rootGID := userns.RootIDs(c.IDMaps)
	if rootfs := storage.Parse(c.RootfsPath).Dir(); rootfs != "" && rootUID >= 0 {
		if dirs := unsearchable(filepath.Dir(rootfs), rootUID, rootGID); len(dirs) > 0 {
			// Every directory at once (a umask of 027 closes all
			// those lxc-create made), so one command fixes them all.
			list, verb := strings.Join(dirs, " "), "is"
			if len(dirs) > 1 {
				verb = "are"
			}
			add("the container's root (host uid %d) cannot reach %s: %s %s not searchable by it; run chmod o+x %s (or setfacl -m u:%d:x %s)",
				rootUID, rootfs, list, verb, list, rootUID, list)
		}
	}
	if h, err := cgroup.Detect(); err == nil && h.Layout == cgroup.Unified {
		if uh, skipped := h.ForUser(); uh.Unified() == nil {
			for _, sk := range skipped {
				if sk.Hierarchy.V2 {
					e := &runner.DelegationError{Skipped: sk, Command: command}
					add("%s", e.Error())
				}
			}
		}
	}
	if !network.SharesHostNetwork(c) && c.NamespaceShare["net"] == "" {
		veth := false
		for _, n := range c.Net {
			switch t := n.EffectiveType(); t {
			case "veth":
				veth = true
			case "none", "empty":
			default:
				add("lxc.net.%d: networks of type %s are not supported by unprivileged containers (veth is, through lxc-user-nic)", n.Index, t)
			}
		}
		if veth {
			helper := paths.UserNICPath()
			if st, err := os.Stat(helper); err != nil {
				add("veth devices of a user's container come from lxc-user-nic, and %s is missing (make install puts it there, setuid root)", helper)
			} else if sys, ok := st.Sys().(*syscall.Stat_t); ok && (st.Mode()&os.ModeSetuid == 0 || sys.Uid != 0) {
				add("%s must be setuid root to give a user's container its veth devices: chown root %s && chmod 4755 %s", helper, helper, helper)
			}
		}
	}
	if len(problems) > 0 {
		return &PreflightError{problems}
	}
	return nil
}

// unsearchable returns the directories from / down to dir that host uid
// uid with gid gid (the container's root has no other group) may not
// search, outermost first. A directory with an ACL is given the benefit
// of the doubt; the walk stops at one that cannot be examined.
func unsearchable(dir string, uid, gid int) []string {
	var out []string
	p := "/"
	for _, part := range append([]string{""}, strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/")...) {
		p = filepath.Join(p, part)
		st, err := os.Stat(p)
		if err != nil {
			return append(out, p)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		mode := st.Mode().Perm()
		switch {
		case int(sys.Uid) == uid:
			if mode&0o100 == 0 {
				out = append(out, p)
			}
		case int(sys.Gid) == gid && mode&0o010 != 0:
		case int(sys.Gid) != gid && mode&0o001 != 0:
		case hasACL(p):
		default:
			out = append(out, p)
		}
	}
	return out
}

// hasACL reports whether p carries a POSIX access ACL (then the simple
// mode check cannot tell, and we do not refuse).
func hasACL(p string) bool {
	sz, err := unix.Getxattr(p, "system.posix_acl_access", nil)
	return err == nil && sz > 0
}

// preflightUser is preflight for a non-root caller, nil for root.
func preflightUser(c *config.Container, command string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	err := preflight(c, command)
	var pe *PreflightError
	if errors.As(err, &pe) {
		return pe
	}
	return err
}
