package runtime_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	golxccontainer "github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/testutil"
)

// What golxc refuses so as not to lose data: lxc-destroy -s of a running
// container, and starting a container another tool is still making,
// copying or destroying.

// TestDestroySnapshotsOfRunning: lxc-destroy -s of a running container
// refuses before it touches a snapshot; with -f it stops the container
// and destroys everything.
func TestDestroySnapshotsOfRunning(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("ds")
	tool(t, "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-f", netEmpty(t))
	tool(t, "lxc-snapshot", "-P", p, "-n", n)
	tool(t, "lxc-start", "-P", p, "-n", n)
	r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", n, "-s")
	if r.Code != 1 || !strings.Contains(r.Stderr, "is running") {
		t.Errorf("lxc-destroy -s of a running container: %s", r)
	}
	if _, err := os.Stat(filepath.Join(p, n, "snaps", "snap0", "config")); err != nil {
		t.Errorf("a refused lxc-destroy -s destroyed the snapshot: %v", err)
	}
	tool(t, "lxc-destroy", "-P", p, "-n", n, "-s", "-f")
	if _, err := os.Lstat(filepath.Join(p, n)); !os.IsNotExist(err) {
		t.Errorf("lxc-destroy -s -f left the container: %v", err)
	}
}

// TestStartOfHalfMadeContainer: lxc-start, lxc-execute and lxc-autostart
// refuse a container whose create, copy or destroy is still running (a
// locked partial marker), and lxc-start removes the remains of one that
// was killed (an unlocked marker) instead of starting what is left.
func TestStartOfHalfMadeContainer(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("hm")
	cdir := testutil.BusyboxContainer(t, p, n)

	held, err := golxccontainer.CreatePartial(cdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range []string{"lxc-start", "lxc-execute"} {
		args := []string{"-P", p, "-n", n}
		if tl == "lxc-execute" {
			args = append(args, "--", "/bin/true")
		}
		r := testutil.Run(t, tl, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "ongoing container creation detected") {
			t.Errorf("%s while another tool holds the partial marker: %s", tl, r)
		}
	}
	// Nor does lxc-autostart (lxc.service at boot) start it.
	cfg := filepath.Join(cdir, "config")
	testutil.WriteFile(t, cfg, readFile(t, cfg)+"lxc.start.auto = 1\n", 0o640)
	testutil.Run(t, "lxc-autostart", "-P", p)
	if r := testutil.Run(t, "lxc-info", "-P", p, "-n", n, "-s", "-H"); strings.TrimSpace(r.Stdout) != "STOPPED" {
		t.Errorf("lxc-autostart started a container another tool holds: %s", r)
		testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k")
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Errorf("a refused start removed the container: %v", err)
	}
	// The holder dies: the marker stays, unlocked.
	held.Release()
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
	if r.Code != 1 || !regexp.MustCompile(`interrupted create, copy or destroy; its remains have been removed`).MatchString(r.Stderr) {
		t.Errorf("lxc-start of an abandoned half-made container: %s", r)
	}
	if _, err := os.Lstat(cdir); !os.IsNotExist(err) {
		t.Errorf("the remains are still there: %v", err)
	}
}
