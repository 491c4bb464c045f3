//go:build compat

package compat

import (
	"sort"
	"strings"
	"testing"
)

// errorCases are, per tool, the bad inputs scripts meet: an unknown
// container, a bad option, a bad key or value, a missing argument, and a
// container in the wrong state. @s is a stopped container, @r a running
// one, @nope does not exist, TMP a scratch directory.
var errorCases = map[string][][]string{
	"lxc-attach":  {{"-n", "@nope", "--", "/bin/true"}, {"-n", "@s", "--", "/bin/true"}, {"-n", "@r", "--bogus"}, {"-n", "@r", "-s", "BOGUS", "--", "/bin/true"}, {"-n", "@r", "-eBOGUS", "--", "/bin/true"}, {"--", "/bin/true"}},
	"lxc-cgroup":  {{"-n", "@nope", "memory.limit_in_bytes"}, {"-n", "@s", "memory.limit_in_bytes"}, {"-n", "@r", "memory.bogus"}, {"-n", "@r"}, {"-n", "@r", "--bogus"}, {"-n", "@r", "pids.max", "bogus"}},
	"lxc-console": {{"-n", "@nope"}, {"-n", "@s"}, {"-n", "@r", "-t", "99"}, {"-n", "@r", "--bogus"}},
	"lxc-copy":    {{"-n", "@nope", "-N", "@x1"}, {"-n", "@s"}, {"-n", "@s", "-N", "@r"}, {"-n", "@s", "-N", "@x1", "--bogus"}, {"-n", "@r", "-N", "@x2", "-s"}},
	"lxc-create":  {{"-n", "@s", "-t", "none"}, {"-n", "@x3"}, {"-n", "@x3", "-t", "nosuch"}, {"-n", "@x3", "-t", "none", "-B", "bogus"}, {"-n", "@x3", "-t", "none", "--fssize", "1G"}, {"-n", "@x3", "--bogus"}, {"-t", "none"}},
	"lxc-destroy": {{"-n", "@nope"}, {"-n", "@r"}, {"-n", "@s", "--bogus"}, {}},
	"lxc-device":  {{"-n", "@nope", "add", "/dev/null"}, {"-n", "@s", "add", "/dev/null"}, {"-n", "@r", "frob", "/dev/null"}, {"-n", "@r"}, {"-n", "@r", "--bogus"}, {"-n", "@r", "add", "/dev/golxc-none"}},
	"lxc-execute": {{"-n", "@nope", "--", "/bin/true"}, {"-n", "@s", "--bogus"}, {"-n", "@s", "-s", "lxc.bogus=1", "--", "/bin/true"}, {"-n", "@s", "-s", "lxc.tty.max=lots", "--", "/bin/true"}, {"-n", "@r", "--", "/bin/true"}},
	"lxc-freeze":  {{"-n", "@nope"}, {"-n", "@s"}, {"-n", "@r", "--bogus"}, {}},
	"lxc-info":    {{"-n", "@nope"}, {"-n", "@s", "--bogus"}, {"-n", "@s", "-c", "lxc.bogus"}, {"-n", "@s", "-c"}, {}},
	"lxc-ls":      {{"--bogus"}, {"-f", "-F", "BOGUS"}, {"--filter", "("}, {"--nesting=x"}},
	"lxc-monitor": {{"--bogus"}, {"-n", "("}},
	"lxc-snapshot": {{"-n", "@nope"}, {"-n", "@s", "-r", "nope"}, {"-n", "@s", "-d", "nope"}, {"-n", "@s", "--bogus"},
		{"-n", "@s", "-r", "snap0", "-N", "a", "b"}},
	"lxc-start":         {{"-n", "@nope"}, {"-n", "@s", "--bogus"}, {"-n", "@s", "-s", "lxc.bogus=1"}, {"-n", "@s", "-s", "lxc.tty.max=lots"}, {"-n", "@r"}, {}},
	"lxc-stop":          {{"-n", "@nope"}, {"-n", "@s"}, {"-n", "@r", "--bogus"}, {"-n", "@r", "-k", "-r"}, {"-n", "@r", "--nolock"}, {"-n", "@r", "-k", "--nokill"}, {"-n", "@r", "-k", "-t", "5"}, {}},
	"lxc-top":           {{"--bogus"}, {"-b"}},
	"lxc-unfreeze":      {{"-n", "@nope"}, {"-n", "@s"}, {"-n", "@r", "--bogus"}},
	"lxc-unshare":       {{"--bogus"}, {"--", "/bin/true"}, {"-s", "BOGUS", "--", "/bin/true"}, {"-s", "UTSNAME"}, {"-s", "UTSNAME", "-M", "--", "/bin/true"}, {"-s", "UTSNAME", "--", "/bin/true"}},
	"lxc-update-config": {{"--bogus"}, {"-c", "TMP/none"}, {"-c"}},
	"lxc-usernsexec":    {{"-z"}, {"-m", "bogus", "--", "/bin/true"}},
	"lxc-wait":          {{"-n", "@nope", "-s", "RUNNING", "-t", "0"}, {"-n", "@s"}, {"-n", "@s", "-s", "running"}, {"-n", "@s", "-s", "RUNNING", "--bogus"}, {"-n", "@s", "-s", "RUNNING", "-t", "0"}, {"-n", "@r", "-s", "STOPPED", "-t", "1"}},
	"lxc-config":        {{"--bogus"}, {"lxc.bogus"}},
	"lxc-autostart":     {{"--bogus"}, {"-t", "x"}, {"-L"}, {"-L", "-g", "nope"}, {"-s", "-r"}},
	"lxc-checkpoint":    {{"-n", "@nope", "-D", "TMP/cp"}, {"-n", "@s"}, {"-n", "@r", "-D", "TMP/cp", "-s", "-r"}, {"-n", "@s", "--bogus"}},
	"lxc-checkconfig":   {{"--bogus"}},
}

// getoptTools are built on LXC's shared parser: --version, --usage, -h and
// -? are compared in full for them.
var getoptTools = []string{"lxc-attach", "lxc-autostart", "lxc-cgroup", "lxc-checkpoint", "lxc-console", "lxc-copy",
	"lxc-create", "lxc-destroy", "lxc-device", "lxc-execute", "lxc-freeze", "lxc-info", "lxc-ls", "lxc-monitor",
	"lxc-snapshot", "lxc-start", "lxc-stop", "lxc-top", "lxc-unfreeze", "lxc-unshare", "lxc-wait"}

func TestErrorExitCodes(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "s")
	p.busybox(t, "r")
	p.start(t, "r")
	var tools []string
	for tool := range errorCases {
		tools = append(tools, tool)
	}
	sort.Strings(tools)
	for _, tool := range tools {
		for _, args := range errorCases[tool] {
			full := append([]string{"-P", "@P"}, args...)
			if tool == "lxc-config" || tool == "lxc-update-config" || tool == "lxc-usernsexec" || tool == "lxc-unshare" || tool == "lxc-checkconfig" {
				full = args // not built on the shared parser: no -P
			}
			l, o := p.runBoth(tool, full...)
			if hasDefine(args) && l.Code == o.Code && l.Stderr == "" && o.Stderr != "" {
				intended(t, "define-error-message")
				o.Stderr = ""
			}
			sameCode(t, tool+" "+strings.Join(args, " "), l, o)
		}
	}
	// Last, as it may stop the container: a timeout below -1.
	l, o := p.runBoth("lxc-stop", "-P", "@P", "-n", "@r", "-t", "-2")
	sameCode(t, "lxc-stop -n @r -t -2", l, o)
}

// hasDefine reports a -s KEY=VALUE among the arguments.
func hasDefine(args []string) bool {
	for _, a := range args {
		if a == "-s" {
			return true
		}
	}
	return false
}

func TestHelpUsageVersion(t *testing.T) {
	p := newPair(t)
	for _, tool := range getoptTools {
		for _, args := range [][]string{{"--version"}, {"--usage"}, {"-h"}, {"-?"}, {"--help"}} {
			l, o := p.runBoth(tool, args...)
			if args[0] == "--usage" && strings.Contains(o.Stderr, "[--format=FORMAT] ") {
				// lxc-ls --format (golxc) shifts LXC's four-per-line
				// wrapping: compare the bracket lists.
				intended(t, "ls-format-json")
				l.Stderr = strings.Join(strings.Fields(l.Stderr), " ")
				o.Stderr = strings.Join(strings.Fields(strings.Replace(o.Stderr, "[--format=FORMAT] ", "", 1)), " ")
			}
			sameRes(t, tool+" "+strings.Join(args, " "), l, o)
		}
	}
}

// lxc-unshare: same exit code when the command succeeds; golxc passes a
// failing command's status through where LXC exits 1.
func TestUnshareExitCodes(t *testing.T) {
	p := newPair(t)
	l, o := p.runBoth("lxc-unshare", "-s", "UTSNAME|IPC", "-H", "golxc-compat", "--", "/bin/sh", "-c", "hostname")
	sameRes(t, "lxc-unshare -s UTSNAME|IPC -H NAME -- hostname", l, o)
	d := intended(t, "unshare-exit-code")
	l, o = p.runBoth("lxc-unshare", "-s", "UTSNAME", "--", "/bin/sh", "-c", "exit 3")
	if l.Code != 1 || o.Code != 3 {
		t.Errorf("lxc-unshare of a command exiting 3 (%s):\n LXC   %s\n golxc %s", d.Golxc, l, o)
	}
}
