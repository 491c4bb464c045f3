package updateconfigtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/testutil"
)

// realScript runs LXC's own lxc-update-config on a copy of input in a
// temp directory (the script creates its temp file in the cwd) and returns
// the converted file and the backup.
func realScript(t *testing.T, input []byte) (out, backup []byte) {
	t.Helper()
	testutil.Need(t, "/usr/bin/lxc-update-config")
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, input, 0o640); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/lxc-update-config", "-c", p)
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxc-update-config: %v\n%s", err, o)
	}
	out, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	backup, err = os.ReadFile(p + ".backup")
	if err != nil {
		t.Fatal(err)
	}
	return out, backup
}

// Inputs on which LXC's script is right: ours (with fixes) must produce
// the very same bytes.
var sameCases = []string{
	"lxc.utsname = a\n",
	"lxc.utsname = a",
	"lxc.kmsg = 0",
	"lxc.tty = 1\nlxc.kmsg = 0",
	"lxc.kmsg = 0\n",
	"",
	"# lxc.tty = 4\n#lxc.pts=2\n  lxc.mount  = /x\n\tlxc.seccomp = /y\n",
	"lxc.rootfs  = /two/spaces\nlxc.rootfs=/none\nlxc.rootfs *= /star\n",
	"lxc.hook.pre-start = /bin/x lxc.tty 1 lxc.utsname=2\n",
	"lxc.network.link = br0\nlxc.network.type = veth\n",
	"lxc.network.0.type = veth\nlxc.network.0.link = br0\nlxc.network.1.ipv4.gateway = auto\nlxc.network.10.type = empty\n",
	"lxc.network =\nlxc.network.type = empty\n# lxc.network.type = veth\nlxc.network.flags = up\n",
	"lxc.aa_allow_incomplete = 1\nlxc.se_context = x\nlxc.rebootsignal = SIGINT\nlxc.stopsignal = 9\nlxc.syslog = daemon\nlxc.logfile = /l\nlxc.init_uid = 1\nlxc.init_gid = 2\nlxc.console = none\nlxc.console.logfile = /c\n",
	"lxc.limit = 5\nlxc.limit=6\n",
	"lxc.network.type = veth\nlxc.network.ipv4 = 1.2.3.4\nlxc.network.ipv6=fd00::1\nlxc.network.ipv4.gateway = 1.2.3.1\nlxc.network.veth.pair = v1\n",
	"lxc.rootfs = /r\nlxc.rootfs.backend = btrfs\n",
	"no.key = 1\r\nlxc.tty = 2\r\n",
}

func TestConvertMatchesLXCScript(t *testing.T) {
	testutil.Integration(t) // runs a root-owned script on real files
	for _, in := range sameCases {
		want, backup := realScript(t, []byte(in))
		if !bytes.Equal(backup, []byte(in)) {
			t.Errorf("%q: LXC's backup differs from the input", in)
		}
		for _, fixes := range []bool{false, true} {
			if got := Convert([]byte(in), fixes); !bytes.Equal(got, want) {
				t.Errorf("input %q (fixes=%v):\n got %q\nwant %q", in, fixes, got, want)
			}
		}
	}
}

// Inputs where LXC's script is wrong: without fixes ours still equals the
// script; with fixes it writes what the script should have.
func TestConvertFixes(t *testing.T) {
	testutil.Integration(t)
	cases := []struct{ in, fixed string }{
		// Fix 1: lxc.limit.NAME is left unconverted by the script.
		{"lxc.limit.nofile = 1024\n#lxc.limit.core = 0\n", "lxc.prlimit.nofile = 1024\n#lxc.prlimit.core = 0\n"},
		// Fix 2: indexed ipv4/ipv6 addresses lose their ".address".
		{"lxc.network.0.type = veth\nlxc.network.0.ipv4 = 1.2.3.4/24\nlxc.network.0.ipv6=fd00::1\n",
			"lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 1.2.3.4/24\nlxc.net.0.ipv6.address=fd00::1\n"},
		// Fix 3: the backend is only honoured on the last line.
		{"lxc.rootfs = /r\nlxc.rootfs.backend = btrfs\nlxc.utsname = x\n", "lxc.rootfs.path = btrfs:/r\nlxc.uts.name = x\n"},
	}
	for _, c := range cases {
		want, _ := realScript(t, []byte(c.in))
		if got := Convert([]byte(c.in), false); !bytes.Equal(got, want) {
			t.Errorf("emulation of %q:\n got %q\nwant %q", c.in, got, want)
		}
		if bytes.Equal(want, []byte(c.fixed)) {
			t.Errorf("%q: LXC's script now gets it right (%q); drop the fix", c.in, want)
		}
		if got := string(Convert([]byte(c.in), true)); got != c.fixed {
			t.Errorf("fixed %q:\n got %q\nwant %q", c.in, got, c.fixed)
		}
	}
}

// The old ubuntu-template config: the tool's output equals LXC's script's,
// the old file loads (legacy keys mapped, one warning each), and the
// converted one loads strictly with no warning.
func TestUbuntuTemplateConfig(t *testing.T) {
	testutil.Integration(t)
	in, err := os.ReadFile("testdata/ubuntu-2.x.conf")
	if err != nil {
		t.Fatal(err)
	}
	want, wantBackup := realScript(t, in)

	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, in, 0o640); err != nil {
		t.Fatal(err)
	}
	r := testutil.Run(t, "lxc-update-config", "-c", p)
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("lxc-update-config: %s", r)
	}
	got, _ := os.ReadFile(p)
	backup, _ := os.ReadFile(p + ".backup")
	if !bytes.Equal(got, want) {
		t.Errorf("converted config differs from LXC's script:\n got %q\nwant %q", got, want)
	}
	if !bytes.Equal(backup, wantBackup) {
		t.Errorf("backup differs")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", st.Mode())
	}

	old, err := config.Load(p + ".backup")
	if err != nil {
		t.Fatalf("old config does not load with legacy keys: %v", err)
	}
	if len(old.Warnings) < 15 {
		t.Errorf("expected a warning per legacy key, got %d: %q", len(old.Warnings), old.Warnings)
	}
	for _, w := range old.Warnings {
		if !strings.Contains(w, "config.backup:") || strings.Contains(w, "\n") {
			t.Errorf("warning should be one line naming file:line: %q", w)
		}
	}
	if old.UTSName != "u1" || len(old.Net) != 2 || old.Net[1].Name != "eth1" || old.RootfsPath != "dir:/var/lib/lxc/u1/rootfs" || old.TTYMax != 4 {
		t.Errorf("legacy keys not mapped: %+v", old)
	}
	conv, err := config.LoadWith(p, config.LoadOptions{Strict: true})
	if err != nil {
		t.Fatalf("converted config does not load strictly: %v", err)
	}
	if len(conv.Warnings) != 0 {
		t.Errorf("converted config has warnings: %q", conv.Warnings)
	}
	for _, k := range []string{"lxc.uts.name", "lxc.net.0.ipv4.address", "lxc.net.1.ipv6.address", "lxc.rootfs.path", "lxc.idmap"} {
		a, _ := old.GetItem(k)
		b, _ := conv.GetItem(k)
		if a != b {
			t.Errorf("%s: legacy load %q, converted %q", k, a, b)
		}
	}
}

func TestUsageAndErrors(t *testing.T) {
	testutil.Integration(t)
	for _, args := range [][]string{nil, {"-h"}, {"--help"}, {"--he"}} {
		r := testutil.Run(t, "lxc-update-config", args...)
		want := filepath.Join(testutil.BinDir(t), "lxc-update-config") + " -h|--help [-c|--config]\nconfig: the container configuration to update\n"
		if stripped, ok := cli.StripHelpFooter(r.Stdout); ok == (len(args) > 0) {
			// Asked for help, the build's line follows LXC's usage.
			r.Stdout = stripped
		} else {
			t.Errorf("%v: footer %v: %q", args, ok, r.Stdout)
		}
		if r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("%v: %s", args, r)
		}
	}
	for _, args := range [][]string{{"-x"}, {"-c"}, {"--bogus"}, {"-c", "/nonexistent/config"}, {"file"}} {
		if r := testutil.Run(t, "lxc-update-config", args...); r.Code != 1 || r.Stderr == "" {
			t.Errorf("%v: %s", args, r)
		}
	}
}
