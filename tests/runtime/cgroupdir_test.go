package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/testutil"
)

// cgroupDirsNamed lists the directories called name at the top of every
// mounted cgroup hierarchy.
func cgroupDirsNamed(name string) []string {
	var out []string
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, r := range append(roots, "/sys/fs/cgroup") {
		if st, err := os.Stat(filepath.Join(r, name)); err == nil && st.IsDir() {
			out = append(out, filepath.Join(r, name))
		}
	}
	return out
}

// TestCgroupDirRemoved: lxc.cgroup.dir = A/b makes A and A/b in every
// hierarchy for the container's and the monitor's cgroups; after the stop
// nothing of them is left (LXC 5.0.2 leaves A/b everywhere), whichever
// monitor ran the container and also when the start failed. An A that
// existed before is the admin's and stays.
func TestCgroupDirRemoved(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"daemon", nil, nil},
		{"go-monitor", []string{"GOLXC_CMONITOR=off"}, nil},
		{"foreground", nil, []string{"-F", "--", "/bin/true"}},
		{"failed", nil, []string{"--", "/nonexistent"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := testutil.UniqueName("i11cgd")
			p, n := container(t, "lxc.cgroup.dir = "+top+"/b")
			t.Cleanup(func() {
				for _, d := range cgroupDirsNamed(top) {
					testutil.RemoveCgroupTree(d)
				}
			})
			r := testutil.RunIn(t, c.env, "", "lxc-start", append([]string{"-P", p, "-n", n}, c.args...)...)
			if (r.Code != 0) != (c.name == "failed") {
				t.Fatalf("lxc-start: %s", r)
			}
			if len(c.args) == 0 {
				if got := len(cgroupDirsNamed(top)); got == 0 {
					t.Fatalf("no %s cgroup while running", top)
				}
				pid := initPID(t, p, n)
				if cg := readProc(t, pid, "cgroup"); !strings.Contains(cg, "/"+top+"/b/lxc.payload."+n) {
					t.Errorf("init is not under %s/b:\n%s", top, cg)
				}
				testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
			}
			if left := cgroupDirsNamed(top); len(left) > 0 {
				t.Errorf("lxc.cgroup.dir left after stop: %v", left)
			}
		})
	}
	t.Run("admin's", func(t *testing.T) {
		top := testutil.UniqueName("i11cgd")
		roots, _ := filepath.Glob("/sys/fs/cgroup/*")
		var made []string
		for _, r := range roots {
			if err := os.Mkdir(filepath.Join(r, top), 0o755); err == nil {
				made = append(made, filepath.Join(r, top))
				// A v1 cpuset cgroup takes no task until given cpus and mems.
				for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
					if b, err := os.ReadFile(filepath.Join(r, f)); err == nil {
						os.WriteFile(filepath.Join(r, top, f), b, 0)
					}
				}
			}
		}
		t.Cleanup(func() {
			for _, d := range made {
				testutil.RemoveCgroupTree(d)
			}
		})
		p, n := container(t, "lxc.cgroup.dir = "+top+"/b")
		start(t, p, n)
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
		if left := cgroupDirsNamed(top); len(left) != len(made) {
			t.Errorf("the admin's %s went: %d of %d left", top, len(left), len(made))
		}
		for _, d := range made {
			if _, err := os.Stat(filepath.Join(d, "b")); err == nil {
				t.Errorf("%s/b left after stop", d)
			}
		}
	})
}

// TestCgroup2KeysPerKey: each lxc.cgroup2 key is decided alone. On a
// hybrid host a key of a controller bound to v1 is named in one warning
// line and skipped, the start goes on, and a key the cgroup2 hierarchy has
// (the core cgroup.* interface) is set; on a cgroup2-only host every key
// is set.
func TestCgroup2KeysPerKey(t *testing.T) {
	testutil.Integration(t)
	host, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	if host.Unified() == nil {
		t.Fatal("the host has no cgroup2 hierarchy: this test needs one")
	}
	p, n := container(t, "lxc.cgroup2.cgroup.max.descendants = 7", "lxc.cgroup2.memory.max = 100000000")
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
	if r.Code != 0 {
		t.Fatalf("lxc-start: %s", r)
	}
	memoryOnV1 := host.Layout != cgroup.Unified && host.ForController("memory") != nil && !host.ForController("memory").V2
	warned := strings.Contains(r.Stderr, "lxc.cgroup2.memory.max is not applied: the memory controller is bound to cgroup v1 on this host")
	if warned != memoryOnV1 || strings.Count(r.Stderr, "\n") != map[bool]int{true: 1, false: 0}[memoryOnV1] {
		t.Errorf("memory bound to v1: %v; stderr: %q", memoryOnV1, r.Stderr)
	}
	pid := initPID(t, p, n)
	var unified string
	for _, l := range strings.Split(readProc(t, pid, "cgroup"), "\n") {
		if strings.HasPrefix(l, "0::") {
			unified = filepath.Join(host.Unified().Mount, strings.TrimPrefix(l, "0::"))
		}
	}
	if b, err := os.ReadFile(filepath.Join(unified, "cgroup.max.descendants")); err != nil || strings.TrimSpace(string(b)) != "7" {
		t.Errorf("cgroup.max.descendants of %s: %q %v", unified, b, err)
	}
	if !memoryOnV1 {
		if b, err := os.ReadFile(filepath.Join(unified, "memory.max")); err != nil || strings.TrimSpace(string(b)) != "99999744" && strings.TrimSpace(string(b)) != "100000000" {
			t.Errorf("memory.max: %q %v", b, err)
		}
	}
}
