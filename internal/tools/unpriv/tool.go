// Package unprivtool implements lxc-unpriv-start and lxc-unpriv-attach,
// which Debian's lxc package ships as shell wrappers that always run
// lxc-start or lxc-attach through `systemd-run --user --scope -p
// Delegate=yes`, so that a user's container gets a cgroup the user owns.
// Ours run the tool directly when the caller's cgroup is already
// delegated (or the caller is root), wrap it in such a scope only when a
// systemd user session can make one, and otherwise say in one line what
// is missing and how to get it.
package unprivtool

import (
	"strings"

	"github.com/golxc/golxc/internal/cli"
)

// StartTool is lxc-unpriv-start.
var StartTool = &cli.Tool{
	Name:   "lxc-unpriv-start",
	Short:  "start a user's container in a cgroup delegated to the user",
	Help:   helpText("lxc-unpriv-start", "lxc-start"),
	Custom: true,
	Run:    func(x *cli.Ctx) error { return run(x, "lxc-start") },
}

// AttachTool is lxc-unpriv-attach.
var AttachTool = &cli.Tool{
	Name:   "lxc-unpriv-attach",
	Short:  "attach to a user's container from a cgroup delegated to the user",
	Help:   helpText("lxc-unpriv-attach", "lxc-attach"),
	Custom: true,
	Run:    func(x *cli.Ctx) error { return run(x, "lxc-attach") },
}

func helpText(name, target string) string {
	return name + ` [` + target + ` OPTIONS]

Runs ` + target + ` with the same options in a cgroup the calling user owns:
directly when the caller's cgroup is delegated to it (or the caller is
root), else in a new systemd scope (systemd-run --user --scope -p
Delegate=yes) when the user has a systemd session. Otherwise it says what
is missing; on a host with cgroup v1 controllers ` + target + ` then runs
as it would on its own.

Options :
  -h, --help    print this help and exit (` + target + ` --help lists its options)
`
}

// probe is what the decision depends on, read from the host.
type probe struct {
	root      bool
	delegated bool   // the caller's cgroup2 cgroup is writable by it
	pureV2    bool   // only cgroup2 is mounted: no container runs without a delegated cgroup
	systemd   bool   // systemd is the init system (/run/systemd/system)
	bus       string // the user's systemd session bus socket, "" when there is none
	runtime   string // the user's XDG_RUNTIME_DIR
	user      string
	// howToDelegate is the line that tells root how to delegate a
	// cgroup to the user by hand (no systemd).
	howToDelegate string
}

// decision is what to do: exec argv (with env added), after printing
// warn; or fail with the message in fail.
type decision struct {
	argv []string
	env  []string
	warn string
	fail string
}

// plan decides how to run target (the absolute path of lxc-start or
// lxc-attach) with args.
func plan(p probe, tool, target string, args []string) decision {
	direct := append([]string{target}, args...)
	if p.root || p.delegated {
		return decision{argv: direct}
	}
	if p.systemd && p.bus != "" {
		argv := append([]string{"systemd-run", "--user", "--scope", "--quiet", "-p", "Delegate=yes", "--"}, direct...)
		return decision{argv: argv, env: []string{"XDG_RUNTIME_DIR=" + p.runtime, "DBUS_SESSION_BUS_ADDRESS=unix:path=" + p.bus}}
	}
	var why string
	if p.systemd {
		why = "no cgroup is delegated to user " + p.user + " and it has no systemd user session to ask for one (no " + p.runtime + "/bus): " +
			"log in again (a login starts one), or ask root to run loginctl enable-linger " + p.user
	} else {
		why = p.howToDelegate
	}
	isStart := strings.HasSuffix(target, "lxc-start")
	switch {
	case p.pureV2 && isStart:
		return decision{fail: why}
	case p.pureV2:
		return decision{argv: direct, warn: "attaching from a cgroup that is not delegated to you: " + why}
	case isStart:
		return decision{argv: direct, warn: "the container runs in your own cgroups, as lxc-start runs it (lxc-freeze and lxc-cgroup cannot act on it): " + why}
	}
	// cgroup v1 controllers: attaching needs no delegated cgroup.
	return decision{argv: direct}
}
