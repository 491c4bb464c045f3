//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// lsArgs covers every output mode and filter. Outputs are compared byte
// for byte, padding and trailing blanks included, except where a column
// holds a pid or a memory figure (see normLsNumbers).
var lsArgs = [][]string{
	{}, {"-1"}, {"--line"}, {"-f"}, {"--fancy"},
	{"-f", "-F", "NAME,STATE,AUTOSTART,GROUPS,IPV4,IPV6,UNPRIVILEGED"},
	{"-f", "-F", "name,state,groups,interface,autostart"}, {"-F", "NAME,STATE"},
	{"-f", "-F", "NAME,BOGUS"},
	{"--running"}, {"--stopped"}, {"--active"}, {"--frozen"}, {"--defined"}, {"-1", "--running", "--stopped"},
	{"-f", "--running"}, {"-f", "--stopped"}, {"-1", "-g", "web"}, {"-1", "-g", "web,db"}, {"-1", "-g", "nope"},
	{"-1", "--filter", "[ab]$"}, {"-1", "s$"}, {"-1", "a", "s"}, {"-1", "--filter", "("},
	{"-f", "-g", "db"}, {"--nesting"}, {"-f", "--nesting=2"},
}

// lsNumberArgs select the PID, RAM and SWAP columns, whose values differ
// between any two containers.
var lsNumberArgs = [][]string{
	{"-f", "-F", "NAME,STATE,PID,RAM,SWAP"}, {"-f", "-F", "pid,ram,swap,name", "--running"},
}

var lsNumberRE = regexp.MustCompile(`\b[0-9]+(\.[0-9]{2}MB)?\b`)

// normLsNumbers replaces the running container's pid and memory figures
// and collapses the padding they influence. The column set, order,
// headers and the other cells stay compared.
func normLsNumbers(s string, pid int) string {
	s = regexp.MustCompile(`\b`+strconv.Itoa(pid)+`\b`).ReplaceAllString(s, "PID")
	s = lsNumberRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasSuffix(m, "MB") {
			return "N.NNMB"
		}
		return m
	})
	return regexp.MustCompile(` +`).ReplaceAllString(s, " ")
}

func TestLsStoppedAndRunning(t *testing.T) {
	p := newPair(t)
	// s: stopped, autostarted, in two groups; r: running; u: config only,
	// unprivileged (idmap); a dot directory that must never be listed.
	p.busybox(t, "s", "lxc.start.auto = 1", "lxc.group = web", "lxc.group = db")
	p.busybox(t, "r", "lxc.group = db")
	p.configOnly(t, "u", "lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536")
	p.each(func(s *side) {
		testutil.WriteFile(t, filepath.Join(s.path, ".hidden", "config"), "lxc.uts.name = hidden\n", 0o640)
	})
	for _, state := range []string{"before start", "r running"} {
		lpid, opid := 0, 0
		if state == "r running" {
			lpid, opid = p.start(t, "r")
		}
		for _, args := range lsArgs {
			l, o := p.runBoth("lxc-ls", append([]string{"-P", "@P"}, args...)...)
			sameRes(t, state+": lxc-ls "+strings.Join(args, " "), l, o)
		}
		for _, args := range lsNumberArgs {
			l, o := p.runBoth("lxc-ls", append([]string{"-P", "@P"}, args...)...)
			l.Stdout, o.Stdout = normLsNumbers(l.Stdout, lpid), normLsNumbers(o.Stdout, opid)
			sameRes(t, state+": lxc-ls "+strings.Join(args, " "), l, o)
		}
	}
}

// An empty and a missing lxcpath list nothing and succeed.
func TestLsEmpty(t *testing.T) {
	p := newPair(t)
	missing := filepath.Join(os.TempDir(), "golxc-compat-missing-"+testutil.UniqueName(""))
	for _, args := range [][]string{{"-P", "@P"}, {"-P", "@P", "-f"}, {"-P", missing}, {"-P", missing, "-f"}, {"-P", "@P", "--bogus"}} {
		l, o := p.runBoth("lxc-ls", args...)
		sameRes(t, "lxc-ls "+strings.Join(args, " "), l, o)
	}
}
