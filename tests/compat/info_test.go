//go:build compat

package compat

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// infoArgs is every lxc-info option, alone and combined, as scripts use
// them (lxc-test-* parse -p -H and -c KEY -H).
var infoArgs = [][]string{
	{"@r"}, {"-n", "@r"}, {"@r", "-s"}, {"@r", "-s", "-H"}, {"@r", "-sH"}, {"@r", "-p"}, {"@r", "-p", "-H"},
	{"@r", "-i"}, {"@r", "-i", "-H"}, {"@r", "-S"}, {"@r", "-S", "-H"}, {"@r", "-s", "-p"}, {"@r", "-s", "-p", "-H"},
	{"@r", "-s", "-p", "-i", "-S"}, {"@r", "--state", "--pid", "--ips", "--stats", "--no-humanize"},
	{"@r", "-c", "lxc.uts.name"}, {"@r", "-c", "lxc.uts.name", "-H"}, {"@r", "-c", "lxc.rootfs.path", "-H"},
	{"@r", "-c", "lxc.net"}, {"@r", "-c", "lxc.net.0.type"}, {"@r", "-c", "lxc.mount.entry"}, {"@r", "-c", "lxc.mount.auto"},
	{"@r", "-c", "lxc.cap.drop", "-c", "lxc.tty.max"}, {"@r", "-c", "lxc.bogus"}, {"@r", "-c", "lxc.bogus", "-c", "lxc.uts.name"},
	{"@r", "-s", "-c", "lxc.signal.halt"}, {"@r", "--config=lxc.pty.max", "-H"}, {"@r", "-c", "lxc.init.cmd", "-H"},
}

var (
	statsRE = regexp.MustCompile(`(?m)^((CPU use|BlkIO use|Memory use|KMem use):\s+).*$`)
)

// normInfo replaces the init pid and the usage figures, which differ
// between any two containers; labels, order and layout stay compared.
func normInfo(s string, pid int) string {
	if pid > 0 {
		s = regexp.MustCompile(`\b`+strconv.Itoa(pid)+`\b`).ReplaceAllString(s, "PID")
	}
	return statsRE.ReplaceAllString(s, "${1}N")
}

func TestInfoStoppedAndRunning(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "s")
	p.busybox(t, "r")
	for _, state := range []string{"stopped", "running"} {
		role := "s"
		lpid, opid := 0, 0
		if state == "running" {
			role = "r"
			lpid, opid = p.start(t, "r")
		}
		for _, args := range infoArgs {
			full := append([]string{"-P", "@P"}, args...)
			for i := range full {
				if full[i] == "@r" {
					full[i] = "@" + role
				}
			}
			l, o := p.runBoth("lxc-info", full...)
			l.Stdout, o.Stdout = normInfo(l.Stdout, lpid), normInfo(o.Stdout, opid)
			sameRes(t, state+": lxc-info "+strings.Join(args, " "), l, o)
		}
	}
	// A container that does not exist, and a second -P.
	for _, args := range [][]string{{"-P", "@P", "-n", "@nope"}, {"-P", "@P", "@nope", "-s"}, {"-P", "@P", "-P", "@P", "-n", "@s"}} {
		l, o := p.runBoth("lxc-info", args...)
		sameRes(t, "lxc-info "+strings.Join(args, " "), l, o)
	}
}

// A config with a legacy key and one with an invalid value: LXC refuses
// both; golxc accepts the legacy key with a warning and names the bad line.
func TestInfoConfigErrors(t *testing.T) {
	p := newPair(t)
	p.configOnly(t, "l", "lxc.utsname = old")
	p.configOnly(t, "b", "lxc.tty.max = lots")
	legacy := intended(t, "legacy-keys")
	l, o := p.runBoth("lxc-info", "-P", "@P", "-n", "@l", "-c", "lxc.uts.name")
	if l.Code != 1 || o.Code != 0 || !strings.Contains(o.Stderr, "deprecated") || !strings.Contains(o.Stdout, "lxc.uts.name = old") {
		t.Errorf("legacy key (%s):\n LXC   %s\n golxc %s", legacy.Golxc, l, o)
	}
	loc := intended(t, "config-error-location")
	l, o = p.runBoth("lxc-info", "-P", "@P", "-n", "@b")
	if o.Code != l.Code || o.Stdout != l.Stdout || !strings.HasSuffix(o.Stderr, l.Stderr) || !strings.Contains(o.Stderr, `key "lxc.tty.max"`) {
		t.Errorf("invalid value (%s):\n LXC   %s\n golxc %s", loc.Golxc, l, o)
	}
}
