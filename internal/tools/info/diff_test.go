package infotool

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/testutil"
)

const realInfo = "/usr/bin/lxc-info"

type out struct {
	stdout, stderr string
	code           int
}

func runReal(t *testing.T, args ...string) out {
	t.Helper()
	r := testutil.RunCmd(t, exec.Command(realInfo, args...))
	// getopt prefixes its messages with argv[0] as called; the shared CLI
	// layer prints the tool name.
	return out{r.Stdout, strings.ReplaceAll(r.Stderr, realInfo+":", "lxc-info:"), r.Code}
}

func runOurs(t *testing.T, args ...string) out {
	t.Helper()
	r := testutil.Run(t, "lxc-info", args...)
	// golxc's help ends with one more line, naming the build.
	stderr, _ := cli.StripHelpFooter(r.Stderr)
	return out{r.Stdout, stderr, r.Code}
}

// macRE finds generated MACs; they are random on every load, in LXC too.
var macRE = regexp.MustCompile(`(?m)(hwaddr = )[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$`)

func normalise(s string, randomMAC bool) string {
	if randomMAC {
		s = macRE.ReplaceAllString(s, "${1}<random>")
	}
	return s
}

// keysOf returns the keys a config file sets on its own lines, plus the
// bare family getters.
func keysOf(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{"lxc.net": true, "lxc.cgroup": true, "lxc.cgroup2": true, "lxc.prlimit": true,
		"lxc.sysctl": true, "lxc.proc": true, "lxc.mount.auto": true, "lxc.cap.drop": true, "lxc.cap.keep": true,
		"lxc.rootfs.mount": true, "lxc.autodev.tmpfs.size": true, "lxc.include": true, "lxc.hook": true}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kind, k, _, err := config.SplitLine(sc.Text()); err == nil && kind == config.KeyLine {
			seen[k] = true
		}
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compareKeys runs both tools on cfg with every key as a -c option.
func compareKeys(t *testing.T, lxcpath, cfg string, keys []string) {
	t.Helper()
	args := []string{"-P", lxcpath, "-n", "cfgonly", "--rcfile", cfg}
	for _, k := range keys {
		args = append(args, "-c", k)
	}
	data, _ := os.ReadFile(cfg)
	random := bytes.ContainsAny(data, "xX") && bytes.Contains(data, []byte("hwaddr"))
	want, got := runReal(t, args...), runOurs(t, args...)
	if normalise(got.stdout, random) != normalise(want.stdout, random) || got.stderr != want.stderr || got.code != want.code {
		t.Errorf("%s: lxc-info -c differs\n--- ours (exit %d)\n%s%s\n--- LXC (exit %d)\n%s%s", cfg, got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
	}
}

// Every config Debian's lxc ships, and one with every key family: the
// value of every key they set must print exactly as LXC prints it.
func TestDifferentialShippedConfigs(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, realInfo)
	lxcpath := testutil.LXCPath(t)
	files, _ := filepath.Glob("/usr/share/lxc/config/*.conf")
	if len(files) == 0 {
		t.Fatal("no /usr/share/lxc/config/*.conf (make test-deps installs lxc)")
	}
	files = append(files, "testdata/all-keys.conf")
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		compareKeys(t, lxcpath, abs, keysOf(t, abs))
	}
}

// Deliberate differences, each with its reason:
var deliberate = map[string]string{
	// golxc accepts pre-3.0 keys with a one-line deprecation warning
	// (user-needs §1.11); LXC 3.0+ refuses to load the config.
	"lxc.utsname = x":         "legacy key accepted with a warning",
	"lxc.network.type = veth": "legacy key accepted with a warning",
}

// refusedOnPurpose are values LXC loads and golxc refuses, each with its
// reason.
var refusedOnPurpose = map[string]string{
	// A stop, halt or reboot signal that is no signal makes the container
	// unstoppable with that signal: refused at load, naming the key.
	"lxc.signal.halt = 65":   "not a signal",
	"lxc.signal.halt = 1000": "not a signal",
}

// The getter cases of internal/config/testdata: validation (load fails or
// not) and getter text must agree with LXC for each single-key config.
func TestDifferentialGetterCases(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, realInfo)
	lxcpath := testutil.LXCPath(t)
	f, err := os.Open("../../config/testdata/getter_cases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, lines, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad case %q", line)
		}
		text := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(lines, `\n`, "\n"), `\t`, "\t"), `\r`, "\r")
		if err := os.WriteFile(cfg, []byte(text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-P", lxcpath, "-n", "cfgonly", "--rcfile", cfg, "-c", key}
		want, got := runReal(t, args...), runOurs(t, args...)
		if reason, ok := deliberate[text]; ok {
			if want.code != 1 || got.code != 0 || !strings.Contains(got.stderr, "deprecated") {
				t.Errorf("%q (%s): LXC %+v, ours %+v", text, reason, want, got)
			}
			continue
		}
		if reason, ok := refusedOnPurpose[text]; ok {
			if want.code != 0 || got.code != 1 || !strings.Contains(got.stderr, `key "`) || !strings.Contains(got.stderr, reason) {
				t.Errorf("%q (%s): LXC %+v, ours %+v", text, reason, want, got)
			}
			continue
		}
		// Where LXC only says "Failed to load rcfile", golxc first names
		// the file, line, key and reason: compare LXC's lines.
		if want.code == 1 {
			if got.code != 1 || got.stdout != "" || !strings.HasSuffix(got.stderr, want.stderr) || !strings.Contains(got.stderr, `key "`) {
				t.Errorf("%q: LXC refuses it (%q); ours: %+v", text, want.stderr, got)
			}
			continue
		}
		random := strings.Contains(text, "hwaddr = x")
		if normalise(got.stdout, random) != normalise(want.stdout, random) || got.stderr != want.stderr || got.code != want.code {
			t.Errorf("%q -c %s:\n ours %+v\n LXC  %+v", text, key, got, want)
		}
		n++
	}
	if n < 250 {
		t.Fatalf("only %d cases compared", n)
	}
}

// The stopped-container outputs and option rules, against LXC.
func TestDifferentialStoppedContainer(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, realInfo)
	lxcpath := testutil.LXCPath(t)
	// Unique names: the leftover check of testutil.LXCPath looks for
	// cgroups by container name host-wide.
	c1, bad := testutil.UniqueName("inf"), testutil.UniqueName("infbad")
	testutil.WriteFile(t, filepath.Join(lxcpath, c1, "config"), "lxc.uts.name = c1\nlxc.cap.drop = sys_admin mknod\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.net.0.type = veth\n", 0o644)
	testutil.WriteFile(t, filepath.Join(lxcpath, bad, "config"), "lxc.uts.name = bad\nlxc.tty.max = lots\n", 0o644)
	for _, args := range [][]string{
		{"-n", "c1"}, {"c1"}, {"c1", "-s"}, {"c1", "-s", "-H"}, {"c1", "-s", "-s", "-H"}, {"c1", "-p"}, {"c1", "-p", "-H"},
		{"c1", "-i"}, {"c1", "-S"}, {"c1", "-S", "-H"}, {"c1", "-s", "-p", "-H"}, {"c1", "-sH"},
		{"c1", "-c", "lxc.uts.name"}, {"c1", "-c", "lxc.uts.name", "-H"}, {"c1", "-c", "lxc.cap.drop", "-H"},
		{"c1", "-c", "lxc.cap.drop", "-c", "lxc.idmap", "-H"}, {"c1", "-c", "lxc.tty.dir", "-H"},
		{"c1", "-c", "lxc.bogus", "-c", "lxc.uts.name"}, {"c1", "-s", "-c", "lxc.net"}, {"c1", "--config=lxc.idmap", "--state"},
		{"nope"}, {"nope", "-s"}, {"bad"}, {"bad", "-c", "lxc.uts.name"},
		{"--usage"}, {"-h"}, {"-?"}, {"--version"}, {"c1", "--bogus"}, {"c1", "-c"},
	} {
		full := []string{"-P", lxcpath}
		for _, a := range args {
			switch a {
			case "c1":
				a = c1
			case "bad":
				a = bad
			}
			full = append(full, a)
		}
		want, got := runReal(t, full...), runOurs(t, full...)
		if args[0] == "bad" {
			// golxc adds a first line naming file:line and key.
			if got.code != want.code || got.stdout != want.stdout || !strings.HasSuffix(got.stderr, want.stderr) || !strings.Contains(got.stderr, bad+`/config:2: key "lxc.tty.max"`) {
				t.Errorf("%v:\n ours %+v\n LXC  %+v", args, got, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%v:\n ours %+v\n LXC  %+v", args, got, want)
		}
	}
}
