//go:build compat

package compat

import (
	"strings"
	"testing"
	"time"
)

// callerEnv is the whole environment lxc-attach is run with, so that the
// environment seen inside depends only on the tool.
var callerEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C", "FOO=foo", "TERM=dumb"}

// lxc-attach into the same running busybox container: exit codes,
// environment rules (--keep-env default, --clear-env, --keep-var, -v),
// identity, capabilities, namespaces and stdio.
func TestAttach(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "a")
	p.start(t, "a")
	attach := func(stdin string, args ...string) (res, res) {
		var rs [2]res
		for i, s := range p.both() {
			full := append([]string{"-P", s.path, "-n", s.name("a")}, s.expand(args)...)
			r := s.runT(time.Minute, callerEnv, stdin, "lxc-attach", full...)
			r.Stderr = lxcStderrIf(t, s == p.lxc, r.Stderr)
			rs[i] = s.normRes(r)
		}
		return rs[0], rs[1]
	}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"--", "/bin/true"}},
		{"", []string{"--", "/bin/false"}},
		{"", []string{"--", "/bin/sh", "-c", "exit 3"}},
		{"", []string{"--", "/bin/sh", "-c", "kill -9 $$"}},
		{"", []string{"--", "/bin/sh", "-c", "kill -TERM $$"}},
		{"", []string{"--", "/nonexistent"}},
		{"", []string{"--", "/etc/passwd"}},
		{"", []string{"--", "/bin/sh", "-c", "echo out; echo err >&2; exit 5"}},
		{"hello\n", []string{"--", "cat"}},
		{"echo from-stdin; exit 6\n", []string{"--"}},
		{"", []string{"--", "env"}},
		{"", []string{"--clear-env", "--", "env"}},
		{"", []string{"--clear-env", "--keep-var", "FOO", "--keep-var", "PATH", "--", "env"}},
		{"", []string{"--keep-env", "-v", "BAR=bar", "-v", "FOO=over", "--", "env"}},
		{"", []string{"--clear-env", "-v", "BAR=bar", "--", "env"}},
		{"", []string{"--", "/bin/sh", "-c", "id; hostname; pwd; umask; cat /proc/self/cgroup"}},
		{"", []string{"-u", "1000", "-g", "1000", "--", "id"}},
		{"", []string{"--", "/bin/sh", "-c", "grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status"}},
		{"", []string{"-e", "--", "/bin/sh", "-c", "grep -E '^(Cap|NoNewPrivs)' /proc/self/status"}},
		{"", []string{"-eCAP", "--", "/bin/sh", "-c", "grep -E '^Cap' /proc/self/status"}},
		{"", []string{"-s", "UTSNAME|PID", "--", "/bin/hostname"}},
		{"", []string{"-s", "bogus", "--", "/bin/true"}},
		{"", []string{"--", "/bin/sh", "-c", nsScript}},
	} {
		l, o := attach(c.stdin, c.args...)
		sameRes(t, "lxc-attach "+strings.Join(c.args, " "), l, o)
	}
	// A stopped or unknown container.
	p.busybox(t, "s")
	for _, role := range []string{"s", "nope"} {
		l, o := p.runBoth("lxc-attach", "-P", "@P", "-n", "@"+role, "--", "/bin/true")
		if l.Code != o.Code || l.Stdout != o.Stdout || (l.Stderr == "") != (o.Stderr == "") {
			t.Errorf("lxc-attach to %s container:\n LXC   %s\n golxc %s", role, l, o)
		}
	}
}

// lxcStderrIf applies lxcStderr to LXC's output only.
func lxcStderrIf(t *testing.T, isLXC bool, s string) string {
	t.Helper()
	if isLXC {
		return lxcStderr(t, s)
	}
	return s
}

// nsScript prints, per namespace, whether the attached process shares it
// with the container's init.
const nsScript = `for n in /proc/self/ns/*; do b=${n##*/}; if [ "$(readlink $n)" = "$(readlink /proc/1/ns/$b)" ]; then echo "$b same"; else echo "$b differs"; fi; done`
