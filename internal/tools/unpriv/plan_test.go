package unprivtool

import (
	"strings"
	"testing"
)

// TestPlan: the tool runs lxc-start or lxc-attach directly when the
// caller is root or already in a delegated cgroup, through a systemd
// scope only when the user's systemd session can make one, and otherwise
// with one line saying what is missing (refusing the start where only
// cgroup2 is mounted, as lxc-start itself would).
func TestPlan(t *testing.T) {
	const start, attach = "/usr/bin/lxc-start", "/usr/bin/lxc-attach"
	args := []string{"-n", "c1", "-d"}
	user := probe{user: "alice", runtime: "/run/user/1000", howToDelegate: "HOWTO"}
	for _, c := range []struct {
		name   string
		p      func(p probe) probe
		target string
		argv   string
		warn   string
		fail   string
	}{
		{"root", func(p probe) probe { p.root, p.systemd, p.bus = true, true, "/run/user/0/bus"; return p }, start, start + " -n c1 -d", "", ""},
		{"delegated", func(p probe) probe {
			p.delegated, p.systemd, p.bus, p.pureV2 = true, true, "/run/user/1000/bus", true
			return p
		}, start, start + " -n c1 -d", "", ""},
		{"systemd session", func(p probe) probe { p.systemd, p.bus, p.pureV2 = true, "/run/user/1000/bus", true; return p }, start,
			"systemd-run --user --scope --quiet -p Delegate=yes -- " + start + " -n c1 -d", "", ""},
		{"systemd session, attach", func(p probe) probe { p.systemd, p.bus = true, "/run/user/1000/bus"; return p }, attach,
			"systemd-run --user --scope --quiet -p Delegate=yes -- " + attach + " -n c1 -d", "", ""},
		{"systemd without a session, cgroup2 only", func(p probe) probe { p.systemd, p.pureV2 = true, true; return p }, start, "", "",
			"no cgroup is delegated to user alice and it has no systemd user session to ask for one (no /run/user/1000/bus): log in again (a login starts one), or ask root to run loginctl enable-linger alice"},
		{"no systemd, cgroup2 only", func(p probe) probe { p.pureV2 = true; return p }, start, "", "", "HOWTO"},
		{"no systemd, cgroup2 only, attach", func(p probe) probe { p.pureV2 = true; return p }, attach, attach + " -n c1 -d",
			"attaching from a cgroup that is not delegated to you: HOWTO", ""},
		{"no systemd, v1 controllers", func(p probe) probe { return p }, start, start + " -n c1 -d",
			"the container runs in your own cgroups, as lxc-start runs it (lxc-freeze and lxc-cgroup cannot act on it): HOWTO", ""},
		{"no systemd, v1 controllers, attach", func(p probe) probe { return p }, attach, attach + " -n c1 -d", "", ""},
	} {
		d := plan(c.p(user), "lxc-unpriv-x", c.target, args)
		if got := strings.Join(d.argv, " "); got != c.argv || d.warn != c.warn || d.fail != c.fail {
			t.Errorf("%s: argv %q warn %q fail %q\nwant argv %q warn %q fail %q", c.name, got, d.warn, d.fail, c.argv, c.warn, c.fail)
		}
		if strings.HasPrefix(d.argv0(), "systemd-run") && strings.Join(d.env, " ") != "XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus" {
			t.Errorf("%s: env %q", c.name, d.env)
		}
	}
}

// argv0 is the program the decision runs ("" when it fails).
func (d decision) argv0() string {
	if len(d.argv) == 0 {
		return ""
	}
	return d.argv[0]
}
