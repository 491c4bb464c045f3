package lstool_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// TestMatchesLXC runs our lxc-ls and LXC's on one lxcpath of stopped
// containers with every option combination that does not need a running
// container, and compares stdout, stderr and exit codes byte for byte.
func TestMatchesLXC(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	// A unique prefix: testutil's leftover check looks for cgroups and
	// processes by container name, host-wide.
	u := testutil.UniqueName("l")
	conf := map[string]string{
		"a":                                "",
		"bbbbbbbbbbbb":                     "lxc.group = web\n",
		"c1":                               "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n",
		"web01":                            "lxc.group = web\nlxc.group = db\nlxc.start.auto = 1\n",
		"z-long-name-with-dashes.and.dots": "lxc.start.auto = 0\n",
	}
	for n, extra := range conf {
		testutil.WriteFile(t, filepath.Join(p, u+n, "config"), "lxc.uts.name = "+n+"\n"+extra, 0o640)
	}
	// Not containers: no config, a dot name, a file.
	os.MkdirAll(filepath.Join(p, "noconfig"), 0o755)
	testutil.WriteFile(t, filepath.Join(p, ".hidden/config"), "", 0o640)
	testutil.WriteFile(t, filepath.Join(p, "file"), "", 0o644)
	// A container LXC cannot load: both skip it.
	testutil.WriteFile(t, filepath.Join(p, u+"broken/config"), "lxc.bogus.key = 1\n", 0o640)
	for i := 0; i < 12; i++ {
		testutil.WriteFile(t, filepath.Join(p, fmt.Sprintf("%sx%d", u, i), "config"), "lxc.uts.name = x\n", 0o640)
	}
	cases := [][]string{
		{}, {"-1"}, {"-f"}, {"--fancy"}, {"-f", "-F", "name,state,pid,ram,swap,autostart,groups,interface,ipv4,ipv6,unprivileged"},
		{"-f", "-F", "NAME,ram"}, {"-f", "-F", " name , groups "}, {"-f", "-F", "name,bogus"}, {"-F", "name"},
		{"--filter", "^" + u + "x1"}, {u + "x1"}, {u + "a", u + "c1"}, {"--filter=["}, {"-g", "web"}, {"-g", "web,db", "-f"}, {"-g", "nogroup"},
		{"--stopped", "-f"}, {"--running"}, {"--active"}, {"--frozen"}, {"--defined", "-1"}, {"-f", "--nesting"}, {"--nesting=2", "-1"},
		{"-1", "--filter", "e"},
	}
	for _, c := range cases {
		args := append([]string{"-P", p}, c...)
		ours := testutil.Run(t, "lxc-ls", args...)
		theirs := testutil.RunCmd(t, exec.Command("/usr/bin/lxc-ls", args...))
		if ours.Stdout != theirs.Stdout || ours.Code != theirs.Code {
			t.Errorf("lxc-ls %v:\nours:\n%s\nLXC:\n%s", c, ours, theirs)
		}
	}
	// Missing lxcpath: nothing, exit 0.
	if r := testutil.Run(t, "lxc-ls", "-P", filepath.Join(p, "nonexistent")); r.Code != 0 || r.Stdout != "" {
		t.Errorf("missing lxcpath: %s", r)
	}
}

// TestManyContainers: hundreds of containers are listed quickly.
func TestManyContainers(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	u := testutil.UniqueName("m")
	for i := 0; i < 500; i++ {
		testutil.WriteFile(t, filepath.Join(p, fmt.Sprintf("%s%03d", u, i), "config"), "lxc.uts.name = c\nlxc.group = g\nlxc.net.0.type = empty\n", 0o640)
	}
	r := testutil.Run(t, "lxc-ls", "-P", p, "-f")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if n := len(splitLines(r.Stdout)); n != 501 {
		t.Errorf("%d lines, want 501", n)
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
