//go:build compat

package compat

import (
	"strings"
	"testing"
)

// lxc-execute on the same busybox container: exit codes (0, N, signal,
// exec failure), stdio, identity, hostname and the application's
// environment, which LXC builds from scratch.
func TestExecute(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "e")
	for _, cmd := range [][]string{
		{"/bin/true"},
		{"/bin/false"},
		{"/bin/sh", "-c", "exit 7"},
		{"/bin/sh", "-c", "exit 255"},
		{"/bin/sh", "-c", "kill -9 $$"},
		{"/bin/sh", "-c", "kill -TERM $$"},
		{"/nonexistent"},
		{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
		{"/bin/sh", "-c", "echo ppid=$PPID"},
		{"/bin/sh", "-c", "env | sort"},
		{"/bin/sh", "-c", "id; hostname; pwd; umask"},
		{"/bin/sh", "-c", "grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status"},
		{"/bin/sh", "-c", "(sleep 0.3; echo orphan) & exit 4"},
	} {
		l, o := p.runBoth("lxc-execute", append([]string{"-P", "@P", "-n", "@e", "--"}, cmd...)...)
		if cmd[0] == "/nonexistent" && l.Stderr == "" && strings.Contains(o.Stderr, `Failed to exec "/nonexistent"`) {
			intended(t, "execute-exec-error")
			o.Stderr = ""
		}
		sameRes(t, "lxc-execute -- "+strings.Join(cmd, " "), l, o)
	}
	for _, args := range [][]string{
		{"-u", "1000", "-g", "1000", "--", "id"},
		{"-s", "lxc.uts.name=other", "--", "hostname"},
		{"-d", "--", "/bin/true"},
	} {
		l, o := p.runBoth("lxc-execute", append([]string{"-P", "@P", "-n", "@e"}, args...)...)
		sameRes(t, "lxc-execute "+strings.Join(args, " "), l, o)
	}
	// No command and no lxc.execute.cmd: LXC 5.0.2 crashes.
	d := intended(t, "execute-no-command")
	l, o := p.runBoth("lxc-execute", "-P", "@P", "-n", "@e")
	if l.Code != 139 || o.Code != 1 || o.Stderr != "lxc-execute: NAME-e: Missing command to execute!\n" {
		t.Errorf("no command (%s):\n LXC   %s\n golxc %s", d.Golxc, l, o)
	}
	// The application is pid 2, as under init.lxc: our init is C too.
	l, o = p.runBoth("lxc-execute", "-P", "@P", "-n", "@e", "--", "/bin/sh", "-c", "echo $$")
	if l.Stdout != "2\n" || o.Stdout != l.Stdout || o.Code != l.Code {
		t.Errorf("application pid:\n LXC   %s\n golxc %s", l, o)
	}
}

// A start that fails (missing rootfs): same exit code; golxc says why in
// one line where LXC prints several.
func TestStartAndExecuteFailure(t *testing.T) {
	p := newPair(t)
	p.configOnly(t, "f", "lxc.rootfs.path = dir:/nonexistent-golxc-compat")
	d := intended(t, "start-error-one-line")
	for _, args := range [][]string{
		{"lxc-start", "-P", "@P", "-n", "@f"},
		{"lxc-start", "-P", "@P", "-n", "@f", "-F"},
		{"lxc-execute", "-P", "@P", "-n", "@f", "--", "/bin/true"},
	} {
		l, o := p.runBoth(args[0], args[1:]...)
		lines := strings.Split(strings.TrimSpace(o.Stderr), "\n")
		if l.Code == 0 || o.Code != l.Code || o.Stdout != l.Stdout || len(lines) != 1 || !strings.Contains(o.Stderr, "nonexistent-golxc-compat") {
			t.Errorf("%s (%s):\n LXC   %s\n golxc %s", strings.Join(args, " "), d.Golxc, l, o)
		}
	}
}
