package checkconfigtool

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// lxcReport runs LXC's lxc-checkconfig with env and returns stdout with the
// script path normalised.
func lxcReport(t *testing.T, env ...string) (string, string, int) {
	t.Helper()
	testutil.Need(t, "/usr/bin/lxc-checkconfig")
	cmd := exec.Command("/usr/bin/lxc-checkconfig")
	cmd.Env = append(os.Environ(), env...)
	r := testutil.RunCmd(t, cmd)
	return strings.ReplaceAll(r.Stdout, "/usr/bin/lxc-checkconfig", "$0"), r.Stderr, r.Code
}

var golxcSection = regexp.MustCompile(`(?s)\n--- Runtime probes \(golxc[^\n]*\n.*?\n\n`)

// ours runs our lxc-checkconfig and splits off the golxc section.
func ours(t *testing.T, env ...string) (lxcPart, golxcPart, stderr string, code int) {
	t.Helper()
	r := testutil.RunIn(t, env, "", "lxc-checkconfig")
	out := strings.ReplaceAll(r.Stdout, testutil.Bin(t, "lxc-checkconfig"), "$0")
	sec := golxcSection.FindString(out)
	if sec != "" {
		out = strings.Replace(out, sec, "\n", 1)
	}
	return out, sec, r.Stderr, r.Code
}

func TestSameReportAsLXCOnThisHost(t *testing.T) {
	testutil.Integration(t)
	want, _, wcode := lxcReport(t)
	got, sec, _, code := ours(t)
	if got != want || code != wcode {
		t.Fatalf("report differs from LXC's (exit %d vs %d):\n--- ours\n%s\n--- LXC\n%s", code, wcode, got, want)
	}
	if sec == "" || !strings.Contains(sec, "Private devpts instance (newinstance): enabled") {
		t.Errorf("golxc section missing or devpts probe failing:\n%s", sec)
	}
	// Every feature verdict line of LXC appears in ours unchanged.
	for _, l := range strings.Split(want, "\n") {
		if strings.HasSuffix(l, ": enabled") && !strings.Contains(got, l) {
			t.Errorf("feature line %q missing", l)
		}
	}
}

// writeConfig derives a kernel config from the running one with some
// options removed and another kernel version, optionally gzipped.
func writeConfig(t *testing.T, gz bool, edit func(string) string) string {
	t.Helper()
	f, err := os.Open("/proc/config.gz")
	if err != nil {
		t.Fatalf("this test needs /proc/config.gz: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(zr)
	text := edit(b.String())
	p := filepath.Join(t.TempDir(), "config")
	data := []byte(text)
	if gz {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(data)
		zw.Close()
		data = zb.Bytes()
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSameReportWithMissingFeatures(t *testing.T) {
	testutil.Integration(t)
	cases := map[string]func(string) string{
		"namespaces, userns, cpuset, vlan off; kernel 4.4": func(s string) string {
			r := strings.NewReplacer(
				"\nCONFIG_NAMESPACES=y", "\n# CONFIG_NAMESPACES is not set",
				"\nCONFIG_USER_NS=y", "\n# CONFIG_USER_NS is not set",
				"\nCONFIG_CPUSETS=y", "\n# CONFIG_CPUSETS is not set",
				"\nCONFIG_PID_NS=y", "\n",
				"\nCONFIG_FUSE_FS=y", "\nCONFIG_FUSE_FS=m",
			)
			s = r.Replace(s)
			return regexp.MustCompile(`(# Linux/\S+ )\S+( Kernel Configuration)`).ReplaceAllString(s, "${1}4.4.10${2}")
		},
		"no version header, no SMP, no memcg": func(s string) string {
			s = regexp.MustCompile(`(?m)^# Linux.*Kernel Configuration\n`).ReplaceAllString(s, "")
			s = strings.Replace(s, "\nCONFIG_SMP=y", "\n", 1)
			return strings.Replace(s, "\nCONFIG_MEMCG=y", "\n", 1)
		},
		"kernel 2.6.32 header": func(s string) string {
			return regexp.MustCompile(`(# Linux/\S+ )\S+( Kernel Configuration)`).ReplaceAllString(s, "${1}2.6.32${2}")
		},
		"empty file": func(string) string { return "" },
	}
	for name, edit := range cases {
		for _, gz := range []bool{false, true} {
			p := writeConfig(t, gz, edit)
			want, _, wcode := lxcReport(t, "CONFIG="+p)
			got, _, _, code := ours(t, "CONFIG="+p)
			if got != want || code != wcode {
				t.Errorf("%s (gzip %v): differs from LXC (exit %d vs %d):\n--- ours\n%s\n--- LXC\n%s", name, gz, code, wcode, got, want)
			}
		}
	}
}

func TestNoKernelConfig(t *testing.T) {
	testutil.Integration(t)
	want, werr, wcode := lxcReport(t, "CONFIG=/nonexistent/config")
	got, _, gerr, code := ours(t, "CONFIG=/nonexistent/config")
	if got != want || gerr != werr || code != wcode || code != 1 {
		t.Fatalf("exit %d/%d\nours %q %q\nLXC  %q %q", code, wcode, got, gerr, want, werr)
	}
}

// Colours only on a terminal (run under script(1)), never with NO_COLOR.
func TestColours(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "script")
	pty := func(cmdline string, env ...string) string {
		cmd := exec.Command("script", "-qc", cmdline, "/dev/null")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("script %s: %v", cmdline, err)
		}
		return string(out)
	}
	bin := testutil.Bin(t, "lxc-checkconfig")
	want := strings.ReplaceAll(pty("/usr/bin/lxc-checkconfig"), "/usr/bin/lxc-checkconfig", "$0")
	got := strings.ReplaceAll(pty(bin), bin, "$0")
	sec := regexp.MustCompile(`(?s)\r\n--- Runtime probes \(golxc.*?\r\n\r\n`).FindString(got)
	got = strings.Replace(got, sec, "\r\n", 1)
	if got != want {
		t.Fatalf("coloured output differs:\n%q\n%q", got, want)
	}
	if !strings.Contains(got, "\033[1;32menabled\033[0;39m") {
		t.Fatalf("no colour on a terminal")
	}
	if strings.Contains(pty(bin, "NO_COLOR=1"), "\033[") {
		t.Fatalf("colour despite NO_COLOR")
	}
}

// The probes leave no mount, directory or cgroup behind.
func TestProbesLeaveNothing(t *testing.T) {
	testutil.Integration(t)
	before, _ := os.ReadFile("/proc/self/mountinfo")
	_, sec, _, _ := ours(t)
	after, _ := os.ReadFile("/proc/self/mountinfo")
	if !bytes.Equal(before, after) {
		t.Errorf("mount table changed by the probes")
	}
	if m, _ := filepath.Glob(filepath.Join(os.TempDir(), "golxc-devpts-probe-*")); len(m) > 0 {
		t.Errorf("probe directories left: %v", m)
	}
	if m, _ := filepath.Glob("/sys/fs/cgroup/*/golxc-probe-*"); len(m) > 0 {
		t.Errorf("probe cgroups left: %v", m)
	}
	for _, want := range []string{"User namespace (probe): enabled", "Pid namespace (probe): enabled", "Cgroup layout: ", "Cgroup v1 hierarchies writable: enabled"} {
		if !strings.Contains(sec, want) {
			t.Errorf("%q missing from:\n%s", want, sec)
		}
	}
}
