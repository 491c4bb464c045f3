//go:build compat

package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/testutil"
)

// lxcBin is where Debian's lxc package installs LXC 5.0.2's tools.
const lxcBin = "/usr/bin"

// side is one toolset with its own private lxcpath. Container names are
// prefix+suffix+role: the two sides share the suffix, so names have the
// same length (column widths match) and sort the same way, yet never
// collide in host-wide cgroup names.
type side struct {
	t      *testing.T
	label  string // "LXC" or "golxc", for messages
	bin    string // directory of its lxc-* tools
	path   string // its lxcpath
	prefix string
	suffix string
	tmp    string          // scratch directory (config snippets)
	used   map[string]bool // container names handed out by name()
}

// pair is one scenario's two sides.
type pair struct {
	lxc, ours *side
}

// newPair makes both sides. Their lxcpaths come from testutil.LXCPath,
// whose cleanup fails the test on any leftover process, mount or cgroup;
// before it runs, each side stops and destroys its containers with its own
// tools (LXC's containers are LXC's business).
func newPair(t *testing.T) *pair {
	t.Helper()
	testutil.Integration(t)
	for _, tool := range []string{"lxc-start", "lxc-create", "lxc-info", "lxc-ls"} {
		if _, err := os.Stat(filepath.Join(lxcBin, tool)); err != nil {
			t.Fatalf("LXC 5.0.2 is not installed (%v): run scripts/install-deps.sh compat", err)
		}
	}
	suffix := testutil.UniqueName("")
	p := &pair{
		lxc:  &side{t: t, label: "LXC", bin: lxcBin, prefix: "l", suffix: suffix},
		ours: &side{t: t, label: "golxc", bin: testutil.BinDir(t), prefix: "g", suffix: suffix},
	}
	for _, s := range p.both() {
		s := s
		s.path = testutil.LXCPath(t)
		s.tmp = t.TempDir()
		t.Cleanup(s.cleanup)
	}
	return p
}

func (p *pair) both() []*side { return []*side{p.lxc, p.ours} }

// cleanup stops and destroys every container of the side with its own
// tools; testutil.LXCPath's cleanup then checks nothing is left.
//
// Containers a test destroyed are gone from the lxcpath, where Reap looks
// for names, so their cgroups are checked here by the names name() gave
// out: a golxc leftover fails the test; LXC 5.0.2 leaves its monitor's
// cgroup behind after some failed starts, which is removed and logged.
func (s *side) cleanup() {
	ents, _ := os.ReadDir(s.path)
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		s.runT(20*time.Second, nil, "", "lxc-stop", "-P", s.path, "-n", e.Name(), "-k")
		if s.label == "LXC" {
			s.runT(60*time.Second, nil, "", "lxc-destroy", "-P", s.path, "-n", e.Name(), "-f")
		}
	}
	for n := range s.used {
		if _, err := os.Stat(filepath.Join(s.path, n)); err == nil {
			continue // Reap checks it
		}
		cgs := testutil.RemoveCgroupsNamed(n)
		switch {
		case len(cgs) == 0:
		case s.label == "LXC":
			s.t.Logf("LXC 5.0.2 left cgroups of %s behind (removed): %v", n, cgs)
		default:
			s.t.Errorf("golxc left cgroups of %s behind: %v", n, cgs)
		}
	}
}

// name is the side's name for a container role ("a", "b", ...).
func (s *side) name(role string) string {
	n := s.prefix + s.suffix + role
	if s.used == nil {
		s.used = map[string]bool{}
	}
	s.used[n] = true
	return n
}

// res is one run's outcome.
type res struct {
	Stdout, Stderr string
	Code           int
}

func (r res) String() string {
	return fmt.Sprintf("exit %d\n  stdout: %q\n  stderr: %q", r.Code, r.Stdout, r.Stderr)
}

// run runs tool from the side's toolset with the side's tools first in
// PATH (so lxc-checkconfig, templates and hooks find their own siblings).
func (s *side) run(tool string, args ...string) res {
	s.t.Helper()
	return s.runT(60*time.Second, nil, "", tool, args...)
}

// runT runs with a timeout (a hung tool is a failure, not a hung suite),
// an environment (nil: ours plus the side's PATH; else exactly env) and
// stdin. A timeout is reported as code -1.
func (s *side) runT(timeout time.Duration, env []string, stdin, tool string, args ...string) res {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, tool), args...)
	cmd.Env = env
	if env == nil {
		cmd.Env = append(os.Environ(), "PATH="+s.bin+":"+os.Getenv("PATH"))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := res{Stdout: o.String(), Stderr: e.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Code = -1
		r.Stderr += fmt.Sprintf("\n[timed out after %s]", timeout)
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.Code = 128 + int(ws.Signal())
		}
	case err != nil:
		r.Code = -1
		r.Stderr += "\n[" + err.Error() + "]"
	}
	return r
}

// must runs and fails the test unless the tool exits 0.
func (s *side) must(tool string, args ...string) res {
	s.t.Helper()
	r := s.run(tool, args...)
	if r.Code != 0 {
		s.t.Fatalf("%s %s %s: %s", s.label, tool, strings.Join(args, " "), r)
	}
	return r
}

// norm replaces what must differ between the sides by tokens: the
// lxcpath, the tools' directory, the scratch directory and the container
// names (role tokens keep their length class irrelevant: both sides'
// names have the same length, so column padding already agrees).
func (s *side) norm(text string) string {
	text = strings.ReplaceAll(text, s.path, "LXCPATH")
	text = strings.ReplaceAll(text, s.tmp, "TMP")
	text = strings.ReplaceAll(text, s.bin+"/", "BIN/")
	return strings.ReplaceAll(text, s.prefix+s.suffix, "NAME-")
}

func (s *side) normRes(r res) res {
	return res{Stdout: s.norm(r.Stdout), Stderr: s.norm(r.Stderr), Code: r.Code}
}

// confFile writes a config snippet for lxc-create -f into the side's
// scratch directory. Every container here has lxc.net.0.type = empty so
// nothing depends on LXC's default bridge lxcbr0.
func (s *side) confFile(role string, extra ...string) string {
	f := filepath.Join(s.tmp, role+".conf")
	testutil.WriteFile(s.t, f, "lxc.net.0.type = empty\n"+strings.Join(append(extra, ""), "\n"), 0o644)
	return f
}

// both runs f on each side, LXC first.
func (p *pair) each(f func(s *side)) {
	for _, s := range p.both() {
		f(s)
	}
}

// runBoth runs the same tool and arguments on both sides ("@role" in args
// becomes each side's container name, "@P" its lxcpath, "TMP/x" a path in
// its scratch directory) and returns the normalised results.
func (p *pair) runBoth(tool string, args ...string) (lxc, ours res) {
	p.lxc.t.Helper()
	lxc = p.lxc.run(tool, p.lxc.expand(args)...)
	lxc.Stderr = lxcStderr(p.lxc.t, lxc.Stderr)
	ours = p.ours.run(tool, p.ours.expand(args)...)
	ours.Stderr = oursHelp(p.ours.t, ours.Stderr)
	if tool == "lxc-config" || tool == "lxc-update-config" || tool == "lxc-usernsexec" {
		// These print their usage on stdout, and the build's line with it.
		ours.Stdout = oursHelp(p.ours.t, ours.Stdout)
	}
	if tool == "lxc-checkconfig" {
		ours.Stdout = oursCheckconfig(p.ours.t, ours.Stdout)
	}
	if silentIn502[tool] && lxc.Code != 0 && lxc.Stderr == "" && ours.Code == lxc.Code {
		intended(p.ours.t, "silent-errors-502")
		ours.Stderr = ""
	}
	return p.lxc.normRes(lxc), p.ours.normRes(ours)
}

// checkconfigProbesRE is the section golxc appends to LXC's report.
var checkconfigProbesRE = regexp.MustCompile(`(?s)--- Runtime probes \(golxc[^\n]*\n.*?\n\n`)

// oursCheckconfig drops golxc's runtime-probes section.
func oursCheckconfig(t *testing.T, s string) string {
	t.Helper()
	if checkconfigProbesRE.MatchString(s) {
		intended(t, "checkconfig-probes")
		s = checkconfigProbesRE.ReplaceAllString(s, "")
	}
	return s
}

// silentIn502 are the tools whose failures LXC 5.0.2 does not explain
// unless -o or -l is given (see differences.go, silent-errors-502).
var silentIn502 = map[string]bool{"lxc-autostart": true, "lxc-copy": true, "lxc-info": true, "lxc-ls": true,
	"lxc-monitor": true, "lxc-snapshot": true, "lxc-top": true}

// golxcHelpRE matches the help lines of options only golxc has; they say
// "golxc:" so that users (and this suite) can tell them apart.
var golxcHelpRE = regexp.MustCompile(`(?m)^  --format=FORMAT +golxc: .*\n`)

// oursHelp drops the help lines of golxc's additions.
func oursHelp(t *testing.T, s string) string {
	t.Helper()
	if golxcHelpRE.MatchString(s) {
		intended(t, "ls-format-json")
		s = golxcHelpRE.ReplaceAllString(s, "")
	}
	if stripped, ok := cli.StripHelpFooter(s); ok {
		intended(t, "help-build-footer")
		s = stripped
	}
	return s
}

var (
	getoptRE = regexp.MustCompile(`(?m)^` + lxcBin + `/(lxc-[a-z-]+): `)
	srcLocRE = regexp.MustCompile(`(?m)^(lxc-[a-z-]+: (?:[^:\n]+: )?)\.\./src/lxc/[^:\n]*: [A-Za-z_0-9]+: [0-9]+ `)
)

// lxcStderr applies the two differences of form every tool shares to
// LXC's stderr: getopt's argv[0] prefix and the C source location in log
// lines. The messages themselves stay compared.
func lxcStderr(t *testing.T, s string) string {
	t.Helper()
	if getoptRE.MatchString(s) {
		intended(t, "getopt-argv0")
		s = getoptRE.ReplaceAllString(s, "$1: ")
	}
	if srcLocRE.MatchString(s) {
		intended(t, "log-source-location")
		s = srcLocRE.ReplaceAllString(s, "$1")
	}
	return s
}

func (s *side) expand(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case a == "@P":
			a = s.path
		case strings.HasPrefix(a, "TMP/"):
			a = filepath.Join(s.tmp, a[len("TMP/"):])
		case strings.HasPrefix(a, "@"):
			a = s.name(a[1:])
		}
		out[i] = a
	}
	return out
}

// sameRes reports a difference between normalised results.
func sameRes(t *testing.T, what string, lxc, ours res) bool {
	t.Helper()
	if lxc == ours {
		return true
	}
	if len(lxc.Stdout+lxc.Stderr+ours.Stdout+ours.Stderr) > 800 {
		// Long outputs (help texts, reports): the differing lines only.
		t.Errorf("%s differs (LXC exit %d, golxc exit %d):%s", what, lxc.Code, ours.Code,
			lineDiff("stdout: "+strings.ReplaceAll(lxc.Stdout, "\n", "\nstdout: ")+"\nstderr: "+strings.ReplaceAll(lxc.Stderr, "\n", "\nstderr: "),
				"stdout: "+strings.ReplaceAll(ours.Stdout, "\n", "\nstdout: ")+"\nstderr: "+strings.ReplaceAll(ours.Stderr, "\n", "\nstderr: ")))
		return false
	}
	t.Errorf("%s differs:\n--- LXC   %s\n--- golxc %s%s", what, lxc, ours, lineDiff(lxc.Stdout+lxc.Stderr, ours.Stdout+ours.Stderr))
	return false
}

// lineDiff lists the lines only one side printed (order-insensitive, to
// keep messages short; the full outputs are printed before it).
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var only []string
	for l, n := range count {
		switch {
		case n > 0:
			only = append(only, "  - LXC only:   "+l)
		case n < 0:
			only = append(only, "  + golxc only: "+l)
		}
	}
	if len(only) == 0 {
		return "\n  (same lines, different order or streams)"
	}
	sort.Strings(only)
	return "\n" + strings.Join(only, "\n")
}
