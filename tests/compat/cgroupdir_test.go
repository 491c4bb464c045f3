//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/testutil"
)

// TestCgroupDirLeftovers: with lxc.cgroup.dir = A/b, LXC 5.0.2 leaves A,
// A/b (and A/b/lxc.pivot) in every hierarchy after the stop; golxc removes
// what it made.
func TestCgroupDirLeftovers(t *testing.T) {
	p := newPair(t)
	left := map[string]int{}
	for _, s := range p.both() {
		top := testutil.UniqueName("i11" + s.prefix)
		testutil.BusyboxContainer(t, s.path, s.name("d"), "lxc.cgroup.dir = "+top+"/b")
		s.must("lxc-start", "-P", s.path, "-n", s.name("d"))
		s.must("lxc-stop", "-P", s.path, "-n", s.name("d"), "-k")
		roots, _ := filepath.Glob("/sys/fs/cgroup/*")
		for _, r := range roots {
			if _, err := os.Stat(filepath.Join(r, top)); err == nil {
				left[s.label]++
				testutil.RemoveCgroupTree(filepath.Join(r, top))
			}
		}
	}
	if left["LXC"] == 0 || left["golxc"] != 0 {
		t.Errorf("hierarchies keeping lxc.cgroup.dir after the stop: LXC %d, golxc %d; cgroup-dir-removed expects LXC's and none of golxc's", left["LXC"], left["golxc"])
	}
	intended(t, "cgroup-dir-removed")
}

// TestCgroup2KeysOnHybridHost: on a cgroup2-only host both toolsets set
// every key. On a host whose controllers are bound to
// cgroup v1, LXC 5.0.2 ignores every lxc.cgroup2 key (one WARN in its
// log) and starts; golxc starts too, warns once per key it cannot apply
// and sets the ones the cgroup2 hierarchy has (cgroup.max.descendants).
func TestCgroup2KeysOnHybridHost(t *testing.T) {
	host, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	if host.Unified() == nil {
		t.Fatal("the host has no cgroup2 hierarchy: this test needs one")
	}
	hybrid := host.Layout == cgroup.Hybrid
	p := newPair(t)
	got := map[string]string{}
	for _, s := range p.both() {
		testutil.BusyboxContainer(t, s.path, s.name("c"), "lxc.cgroup2.cgroup.max.descendants = 7", "lxc.cgroup2.memory.max = 100000000")
		r := s.run("lxc-start", "-P", s.path, "-n", s.name("c"))
		if r.Code != 0 {
			t.Fatalf("%s lxc-start: %s", s.label, r)
		}
		pid := s.initPID("c")
		for _, l := range strings.Split(readProc(t, pid, "cgroup"), "\n") {
			if strings.HasPrefix(l, "0::") {
				b, _ := os.ReadFile(filepath.Join(host.Unified().Mount, strings.TrimPrefix(l, "0::"), "cgroup.max.descendants"))
				got[s.label] = strings.TrimSpace(string(b))
			}
		}
		if s == p.ours && hybrid && !strings.Contains(r.Stderr, "lxc.cgroup2.memory.max is not applied") {
			t.Errorf("golxc did not warn about lxc.cgroup2.memory.max: %s", r)
		}
		s.must("lxc-stop", "-P", s.path, "-n", s.name("c"), "-k")
	}
	switch {
	case !hybrid && (got["LXC"] != "7" || got["golxc"] != "7"):
		t.Errorf("cgroup.max.descendants on a %v host: LXC %q, golxc %q, want 7 on both", host.Layout, got["LXC"], got["golxc"])
	case hybrid && (got["LXC"] != "max" || got["golxc"] != "7"):
		t.Errorf("cgroup.max.descendants: LXC %q, golxc %q; cgroup2-hybrid expects max (ignored) and 7", got["LXC"], got["golxc"])
	case hybrid:
		intended(t, "cgroup2-hybrid")
	}
}
