package attachtool

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
)

func TestParseElevated(t *testing.T) {
	for _, c := range []struct {
		all    bool
		tokens []string
		want   int
		bad    bool
	}{
		{all: true, want: elevEverything},
		{tokens: []string{"CAP"}, want: elevCap},
		{tokens: []string{"CAP|CGROUP"}, want: elevCap | elevCgroup},
		{tokens: []string{"LSM", "CGROUP"}, want: elevLSM | elevCgroup},
		{tokens: []string{"CAP|"}, want: elevCap},
		{tokens: []string{"|CAP"}, want: elevCap},
		{tokens: []string{"cap"}, bad: true},
		{tokens: []string{"CAPABILITIES"}, bad: true},
	} {
		got, err := parseElevated(c.all, c.tokens)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("parseElevated(%v, %q) = %d, %v", c.all, c.tokens, got, err)
		}
	}
}

func TestParseNamespaces(t *testing.T) {
	for in, want := range map[string][]string{
		"MOUNT":         {"mnt"},
		"UTSNAME|MOUNT": {"mnt", "uts"},
		"UTSNAME|":      {"uts"},
		"|UTSNAME||PID": {"pid", "uts"},
		"net|Mnt":       {"mnt", "net"},
		"NETWORK|USER":  {"user", "net"},
		"CGROUP|time":   {"cgroup", "time"},
		"UTS":           {"uts"},
		"mount":         nil,
		"network":       nil,
		"utsname":       nil,
		"MOUNTX":        nil,
		"MOUNT,PID":     nil,
		"":              nil,
	} {
		got, err := config.ParseNamespaceOption(in)
		if want == nil {
			if err == nil {
				t.Errorf("parseNamespaces(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseNamespaces(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]int{
		"5": 5, "+5": 5, " 5": 5, "0x10": 16, "010": 8, "0": 0, "4294967294": 4294967294, "4294967295": -1,
	} {
		if got, err := parseID(in); err != nil || got != want {
			t.Errorf("parseID(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "abc", "1_0", "4294967296", "5x", "0x", "0b1"} {
		if got, err := parseID(in); err == nil {
			t.Errorf("parseID(%q) = %d, want an error", in, got)
		}
	}
}

func TestArchPersonality(t *testing.T) {
	if p, err := archPersonality("i686"); err != nil || p != perLinux32 {
		t.Errorf("i686: %d %v", p, err)
	}
	if p, err := archPersonality("x86_64"); err != nil || p != perLinux {
		t.Errorf("x86_64: %d %v", p, err)
	}
	if _, err := archPersonality("bogus"); err == nil {
		t.Error("bogus arch accepted")
	}
}

func TestBuildEnv(t *testing.T) {
	caller := []string{"HOME=/root", "PATH=/host/bin", "container=docker", "_GOLXC_STAGE=x", "KEEP=1"}
	cenv := []string{"FOO=bar", "HOME=/cont"}
	got := buildEnv(keepEnv, caller, nil, cenv, []string{"A=1", "KEEP"})
	want := []string{"HOME=/cont", "PATH=/host/bin", "container=lxc", "FOO=bar", "A=1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keep-env: %q, want %q", got, want)
	}
	got = buildEnv(clearEnv, caller, []string{"KEEP", "MISSING"}, cenv, []string{"A=1"})
	want = []string{"KEEP=1", "PATH=" + defaultPath, "container=lxc", "FOO=bar", "HOME=/cont", "A=1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("clear-env: %q, want %q", got, want)
	}
	got = buildEnv(clearEnv, caller, []string{"PATH"}, nil, nil)
	want = []string{"PATH=/host/bin", "container=lxc"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("clear-env keeping PATH: %q, want %q", got, want)
	}
}

// run parses args with the real tool definition and returns the exit code
// and stderr (Run is not reached: these are option errors).
func runTool(args ...string) (int, string) {
	var out, errb bytes.Buffer
	code := cli.Run(Tool, args, &out, &errb)
	return code, errb.String()
}

func TestOptionErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "c", "-a", "bogus", "--", "true"},
		{"-n", "c", "-s", "bogus", "--", "true"},
		{"-n", "c", "-eBOGUS", "--", "true"},
		{"-n", "c", "-ecap", "--", "true"},
		{"-n", "c", "-u", "abc", "--", "true"},
		{"-n", "c", "-g", "-1", "--", "true"},
	} {
		code, stderr := runTool(args...)
		if code != 1 || stderr != "lxc-attach: could not parse command line\n" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	code, stderr := runTool("-n", "c", "-eLSM", "-c", "label", "--", "true")
	if code != 1 || !strings.Contains(stderr, "Cannot combine elevated LSM privileges while requesting LSM profile") {
		t.Errorf("-eLSM -c: exit %d, stderr %q", code, stderr)
	}
}
