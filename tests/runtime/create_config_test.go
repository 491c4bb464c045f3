package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// TestCreateRefusesUnloadableConfig: lxc-create -f with a file that does
// not exist or does not load fails with one line naming it (file:line and
// key for a bad line), exit 1, and creates nothing.
func TestCreateRefusesUnloadableConfig(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	bad := filepath.Join(t.TempDir(), "bad.conf")
	testutil.WriteFile(t, bad, "lxc.net.0.type = empty\nlxc.bogus = 1\n", 0o644)
	for file, want := range map[string]string{
		"/nonexistent/golxc.conf": `Failed to load config file "/nonexistent/golxc.conf": no such file or directory`,
		bad:                       bad + `:2: key "lxc.bogus": unsupported config key`,
	} {
		n := testutil.UniqueName("cr")
		r := testutil.Run(t, "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-f", file)
		if r.Code != 1 || strings.TrimSpace(r.Stderr) != "lxc-create: "+n+": "+want {
			t.Errorf("lxc-create -f %s: %s\nwant exit 1 and the one line %q", file, r, want)
		}
		if ents, _ := os.ReadDir(p); len(ents) != 0 {
			t.Errorf("lxc-create -f %s left %v in the lxcpath", file, ents)
		}
	}
}
