package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// unifiedCgroup is pid's cgroup2 path ("/a/b"), "" without one.
func unifiedCgroup(t *testing.T, pid int) string {
	t.Helper()
	for _, l := range strings.Split(readProc(t, pid, "cgroup"), "\n") {
		if strings.HasPrefix(l, "0::") {
			return strings.TrimPrefix(l, "0::")
		}
	}
	return ""
}

// v1Cgroup is pid's cgroup in the v1 hierarchy of controller c.
func v1Cgroup(t *testing.T, pid int, c string) string {
	t.Helper()
	for _, l := range strings.Split(readProc(t, pid, "cgroup"), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) == 3 {
			for _, x := range strings.Split(f[1], ",") {
				if x == c {
					return f[2]
				}
			}
		}
	}
	return ""
}

// monitorCgroup is the monitor's pids cgroup once it is want (a Go
// monitor moves there once the container runs, after lxc-start returned),
// or what it is after two seconds.
func monitorCgroup(t *testing.T, p, n, want string) string {
	t.Helper()
	pid := monitorPID(t, p, n)
	var got string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = v1Cgroup(t, pid, "pids"); got == want {
			break
		}
	}
	return got
}

// TestCgroupPlacement: where a container's and its monitor's cgroups go,
// by LXC's rules: lxc.cgroup.dir.container and .monitor name them exactly
// (both needed, not with lxc.cgroup.dir); .container.inner runs the
// container one level below its limits (and is its cgroup namespace's
// root); .monitor.pivot is where the monitor goes to remove its own;
// lxc.conf's lxc.cgroup.pattern (%n the name) holds payload and monitor;
// lxc.cgroup.relative = 1 keeps the cgroups under lxc-start's own.
func TestCgroupPlacement(t *testing.T) {
	testutil.Integration(t)
	host, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	top := testutil.UniqueName("i11pl")
	t.Cleanup(func() {
		for _, d := range cgroupDirsNamed(top) {
			testutil.RemoveCgroupTree(d)
		}
	})
	t.Run("exact", func(t *testing.T) {
		p, n := container(t, "lxc.cgroup.dir.container = "+top+"/ct", "lxc.cgroup.dir.monitor = "+top+"/mon",
			"lxc.cgroup.dir.container.inner = in", "lxc.cgroup.pids.max = 50", "lxc.cgroup.dir.monitor.pivot = "+top+"/pv")
		start(t, p, n)
		pid := initPID(t, p, n)
		if got := v1Cgroup(t, pid, "pids"); got != "/"+top+"/ct/in" {
			t.Errorf("init in %q, want /%s/ct/in", got, top)
		}
		if b, err := os.ReadFile(filepath.Join(host.ForController("pids").Mount, top, "ct", "pids.max")); err != nil || strings.TrimSpace(string(b)) != "50" {
			t.Errorf("pids.max of the limit cgroup: %q %v", b, err)
		}
		if r := testutil.MustRun(t, "lxc-attach", "-P", p, "-n", n, "--", "cat", "/proc/self/cgroup"); !strings.Contains(r.Stdout, ":pids:/\n") {
			t.Errorf("the container's cgroup namespace root is not the inner cgroup:\n%s", r.Stdout)
		}
		if got := monitorCgroup(t, p, n, "/"+top+"/mon"); got != "/"+top+"/mon" {
			t.Errorf("monitor in %q, want /%s/mon", got, top)
		}
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
		for _, d := range []string{"ct", "mon"} {
			if _, err := os.Stat(filepath.Join(host.ForController("pids").Mount, top, d)); err == nil {
				t.Errorf("%s/%s left after stop", top, d)
			}
		}
		if _, err := os.Stat(filepath.Join(host.ForController("pids").Mount, top, "pv", "lxc.pivot")); err != nil {
			t.Errorf("the monitor did not pivot through %s/pv/lxc.pivot: %v", top, err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		for _, c := range []struct{ lines, want []string }{
			{[]string{"lxc.cgroup.dir = x", "lxc.cgroup.dir.container = y", "lxc.cgroup.dir.monitor = z"}, []string{"lxc.cgroup.dir conflicts"}},
			{[]string{"lxc.cgroup.dir.container = y"}, []string{"must both be set"}},
		} {
			p, n := container(t, c.lines...)
			r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
			if r.Code != 1 || !strings.Contains(r.Stderr, c.want[0]) {
				t.Errorf("%v: %s", c.lines, r)
			}
		}
	})
	t.Run("pattern", func(t *testing.T) {
		conf := filepath.Join(t.TempDir(), "lxc.conf")
		testutil.WriteFile(t, conf, "lxc.cgroup.pattern = "+top+"/%n\n", 0o644)
		p, n := container(t)
		r := testutil.RunIn(t, []string{"LXC_GLOBAL_CONF=" + conf}, "", "lxc-start", "-P", p, "-n", n)
		if r.Code != 0 {
			t.Fatalf("lxc-start: %s", r)
		}
		t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
		if got := v1Cgroup(t, initPID(t, p, n), "pids"); got != "/"+top+"/"+n+"/payload" {
			t.Errorf("init in %q, want /%s/%s/payload", got, top, n)
		}
		if got := monitorCgroup(t, p, n, "/"+top+"/"+n+"/monitor"); got != "/"+top+"/"+n+"/monitor" {
			t.Errorf("monitor in %q, want /%s/%s/monitor", got, top, n)
		}
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
		if _, err := os.Stat(filepath.Join(host.ForController("pids").Mount, top, n)); err == nil {
			t.Errorf("%s/%s left after stop", top, n)
		}
	})
	t.Run("use", func(t *testing.T) {
		// lxc.conf's lxc.cgroup.use: only the hierarchies of these
		// controllers are used.
		conf := filepath.Join(t.TempDir(), "lxc.conf")
		testutil.WriteFile(t, conf, "lxc.cgroup.use = pids,memory\n", 0o644)
		p, n := container(t)
		r := testutil.RunIn(t, []string{"LXC_GLOBAL_CONF=" + conf}, "", "lxc-start", "-P", p, "-n", n)
		if r.Code != 0 {
			t.Fatalf("lxc-start: %s", r)
		}
		t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k") })
		pid := initPID(t, p, n)
		for c, want := range map[string]string{"pids": "/lxc.payload." + n, "memory": "/lxc.payload." + n, "freezer": "/"} {
			if got := v1Cgroup(t, pid, c); got != want {
				t.Errorf("%s cgroup of init %q, want %q", c, got, want)
			}
		}
		testutil.WriteFile(t, conf, "lxc.cgroup.use = nosuchcontroller\n", 0o644)
		p2, n2 := container(t)
		if r := testutil.RunIn(t, []string{"LXC_GLOBAL_CONF=" + conf}, "", "lxc-start", "-P", p2, "-n", n2); r.Code != 1 || !strings.Contains(r.Stderr, "lxc.cgroup.use = nosuchcontroller") {
			t.Errorf("an unknown controller in lxc.cgroup.use: %s", r)
		}
	})
	t.Run("relative", func(t *testing.T) {
		// lxc-start runs in a cgroup of ours in every hierarchy.
		var script strings.Builder
		for _, h := range host.Hierarchies {
			d := filepath.Join(h.Mount, top, "rel")
			if err := cgroup.MkdirAll(h, d); err != nil {
				t.Fatal(err)
			}
			script.WriteString("echo $$ > " + d + "/cgroup.procs && ")
		}
		for _, rel := range []string{"1", "0"} {
			p, n := container(t, "lxc.cgroup.relative = "+rel)
			cmd := exec.Command("sh", "-c", script.String()+"exec "+testutil.Bin(t, "lxc-start")+" -P "+p+" -n "+n)
			if r := testutil.RunCmd(t, cmd); r.Code != 0 {
				t.Fatalf("lxc-start: %s", r)
			}
			want := "/" + top + "/rel/lxc.payload." + n
			if rel == "0" {
				want = "/lxc.payload." + n
			}
			if got := v1Cgroup(t, initPID(t, p, n), "pids"); got != want {
				t.Errorf("lxc.cgroup.relative = %s: init in %q, want %q", rel, got, want)
			}
			testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
		}
	})
}
