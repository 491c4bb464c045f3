package runner

// A container started by a non-root user. The host-side steps differ from
// a root start in four places, each a small function here; everything
// else (rootfs, terminals, hooks, security) is the same code:
//
//   - stage-2 is cloned into its new user namespace without id maps, and
//     keeps every capability of that namespace across its exec as ambient
//     capabilities (it is exec'd as a user the namespace does not map yet,
//     which would otherwise drop them all): userStage2Attr;
//   - the monitor places it in the cgroups the user may use (those LXC
//     would use: delegated ones, possibly none) while its uid is still the
//     user's (cgroup v1 checks that), then has shadow's setuid
//     newuidmap/newgidmap write the maps, which check /etc/subuid and
//     /etc/subgid: writeIDMaps;
//   - the sync point: the monitor sends "mapped"; stage-2 becomes root of
//     its namespace (setresgid/setresuid 0, no supplementary groups,
//     ambient and inheritable capabilities cleared) and answers with a
//     NETLINK_ROUTE socket it made inside the container's network
//     namespace: releaseMapped;
//   - veth devices come from the setuid lxc-user-nic and are configured
//     inside the container through that socket (network.SetupUnprivileged).
//
// Only then does the usual protocol (setup, ready, go) start.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/network"
	"github.com/golxc/golxc/internal/paths"
	"github.com/golxc/golxc/internal/supervisor"
	"github.com/golxc/golxc/internal/userns"
)

// unprivileged reports whether this monitor runs as a non-root user.
func unprivileged() bool { return os.Geteuid() != 0 }

// userStage2Attr completes attr (clone flags set) for a user's container:
// no maps (the monitor writes them through newuidmap/newgidmap once the
// child exists) and the namespace's capabilities kept as ambient ones.
func userStage2Attr(attr *syscall.SysProcAttr) {
	attr.UidMappings, attr.GidMappings, attr.Credential = nil, nil, nil
	attr.AmbientCaps = userns.AllCapabilities()
}

// releaseMapped tells stage-2 its maps are written and returns the
// netlink socket it then made in the container's network namespace.
func (m *Monitor) releaseMapped(sock int, cStage2 bool) (*os.File, error) {
	if cStage2 {
		if err := supervisor.Send(sock, supervisor.SyncMapped); err != nil {
			return nil, fmt.Errorf("release container init: %w", err)
		}
		msg, err := m.recvStage2(sock)
		if err != nil {
			return nil, err
		}
		if msg == nil || msg.Kind != supervisor.SyncNetlink || len(msg.Files) != 1 {
			if msg != nil {
				closeAll(msg.Files)
			}
			return nil, errors.New("container init did not hand over its netlink socket")
		}
		return msg.Files[0], nil
	}
	if err := ctl.Send(sock, syncMsg{Kind: msgMapped}, nil); err != nil {
		return nil, fmt.Errorf("release container init: %w", err)
	}
	var reply syncMsg
	files, err := ctl.Recv(sock, &reply)
	if err != nil {
		return nil, fmt.Errorf("container init died while becoming root of its user namespace: %w", m.childExitErr(err))
	}
	if reply.Kind == msgError {
		closeAll(files)
		return nil, errors.New(reply.Error)
	}
	if reply.Kind != msgNetlink || len(files) != 1 {
		closeAll(files)
		return nil, fmt.Errorf("unexpected message %q from container init", reply.Kind)
	}
	return files[0], nil
}

// becomeNamespaceRoot is stage-2's half of the sync point (the Go stage-2;
// the C one does the same in stage2.c): once the monitor wrote the maps,
// become root of the user namespace, keep no supplementary group of the
// user, drop the ambient and inheritable capabilities that carried us
// through exec, and hand the monitor a NETLINK_ROUTE socket of the
// container's network namespace.
func becomeNamespaceRoot(sock int) error {
	if err := userns.BecomeRoot(); err != nil {
		return err
	}
	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(nl)
	return ctl.Send(sock, syncMsg{Kind: msgNetlink}, []int{nl})
}

// mapAndNetworkUnprivileged is the part of a user's start between the
// cgroup placement and the setup message: the id maps, the sync point,
// and the network.
func (m *Monitor) mapAndNetworkUnprivileged(sock int, cStage2 bool, pid int) error {
	if cStage2 && !m.cg.Empty() {
		// The v1 cgroups (the C stage-2 joins only root's itself; the
		// cgroup2 one it was cloned into, or not: AddProc writes both),
		// while the stage-2's uid is still ours.
		if err := m.cg.AddProc(pid); err != nil {
			return err
		}
	}
	if err := userns.WriteMaps(pid, m.cfg.IDMaps); err != nil {
		return err
	}
	m.log.Tracef("id maps written")
	nl, err := m.releaseMapped(sock, cStage2)
	if err != nil {
		return err
	}
	defer nl.Close()
	m.log.Tracef("stage-2 is root of its user namespace")
	c := m.cfg
	// Devices only in a network namespace the container owns.
	if !m.ns.owns("net") {
		return nil
	}
	nd, err := network.SetupUnprivileged(&network.Context{Name: m.spec.Name, LXCPath: m.spec.LXCPath, Config: c, InitPID: pid, Log: m.log, HookEnv: m.hookEnv}, paths.UserNICPath(), nl)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.net = nd
	m.mu.Unlock()
	return nil
}

// userCgroups narrows the host's hierarchies to those the user may use
// (LXC's rule: see cgroup.Host.ForUser). On a hybrid or v1 host that may
// leave none, and the container then runs in its caller's cgroups as
// LXC runs it. On a pure cgroup2 host a container without a cgroup would
// be half a container (no freeze, no limits, no clean kill), so there the
// start stops with what is missing and the command that fixes it.
func userCgroups(h *cgroup.Host) (*cgroup.Host, []cgroup.Skipped, error) {
	uh, skipped := h.ForUser()
	if h.Layout == cgroup.Unified && uh.Unified() == nil {
		for _, sk := range skipped {
			if sk.Hierarchy.V2 {
				return nil, nil, &DelegationError{Skipped: sk}
			}
		}
	}
	return uh, skipped, nil
}

// DelegationError says that the cgroup2 hierarchy of a pure cgroup2 host
// is not delegated to the user, and how to get a delegated cgroup.
type DelegationError struct {
	Skipped cgroup.Skipped
	// Command is the command line to run again inside a delegated cgroup
	// (default: "lxc-start -n NAME").
	Command string
}

func (e *DelegationError) Error() string {
	dir := e.Skipped.Dir
	what := dir
	if e.Skipped.File != "" {
		what = filepath.Join(dir, e.Skipped.File)
	}
	cmd := e.Command
	if cmd == "" {
		cmd = "lxc-start -n NAME"
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		return fmt.Sprintf("cgroup v2 is not delegated to user %s (%s is not writable by it): start the container in a delegated scope: systemd-run --user --scope -p Delegate=yes -- %s",
			userns.UserName(), what, cmd)
	}
	base := filepath.Join(e.Skipped.Hierarchy.Mount, "lxc-"+userns.UserName())
	return fmt.Sprintf("cgroup v2 is not delegated to user %s (%s is not writable by it): ask root to delegate one: mkdir %s && chown -R %s %s && echo YOUR_SHELL_PID > %s/cgroup.procs; then run %s from that shell",
		userns.UserName(), what, base, userns.UserName(), base, base, cmd)
}

// noCgroupReason explains why a cgroup operation has nothing to act on.
func noCgroupReason(what string) string {
	return ctl.NoCgroupReason(what, userns.UserName())
}
