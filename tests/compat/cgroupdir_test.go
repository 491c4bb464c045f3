//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"testing"

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
