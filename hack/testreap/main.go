// Command testreap cleans what a killed test run left behind.
//
// Each integration test works in its own lxcpath /tmp/golxc-test-* and its
// t.Cleanup reaps that lxcpath even when the test fails. A test binary
// killed by `go test -timeout` (or by ^C) runs no cleanups, so `make test`
// runs this afterwards: it kills the containers, unmounts and removes the
// cgroups of every such lxcpath whose test process is gone, and removes the
// directory. It exits 1 when it had to clean anything, so the run that
// leaked is visibly red. It also removes the empty lxc.pivot cgroups real
// LXC leaves (see removeLXCPivots).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/testutil"
)

func main() {
	if testRunning() {
		// Its cleanups will reap its own lxcpaths; a sweep now would race
		// with them.
		fmt.Fprintln(os.Stderr, "testreap: a test binary is running; not sweeping")
		return
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "golxc-test-*"))
	// Boot records of containers whose lxcpath is gone already.
	recs, _ := filepath.Glob(bootrec.Path(filepath.Join(os.TempDir(), "golxc-test-*"), ""))
	for _, r := range recs {
		dir := strings.TrimPrefix(r, strings.TrimSuffix(bootrec.Path("/", ""), "/"))
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	dirty := false
	for _, dir := range dirs {
		for _, l := range testutil.Reap(dir) {
			fmt.Fprintf(os.Stderr, "testreap: %s: %s\n", dir, l)
			dirty = true
		}
		if m := testutil.MountsUnder(dir); len(m) > 0 {
			fmt.Fprintf(os.Stderr, "testreap: %s: still mounted, left in place: %v\n", dir, m)
			dirty = true
			continue
		}
		os.RemoveAll(dir)
	}
	removeLXCPivots()
	for _, name := range testutil.SweepUsers() {
		fmt.Fprintf(os.Stderr, "testreap: removed test user %s (its test was killed)\n", name)
		dirty = true
	}
	if dirty {
		os.Exit(1)
	}
}

// removeLXCPivots removes the empty lxc.pivot cgroups that Debian's LXC
// 5.0.2, run by the differential tests, makes in every hierarchy (its
// monitor moves there to delete its own cgroup) and never removes. LXC
// makes the directory again whenever it needs it; it is left alone while
// any real LXC process runs. Not a failure: they are LXC's, not ours.
func removeLXCPivots() {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && strings.HasPrefix(exe, "/usr/bin/lxc-") {
			return
		}
	}
	pivots, _ := filepath.Glob("/sys/fs/cgroup/*/lxc.pivot")
	removed := 0
	for _, p := range pivots {
		if os.Remove(p) == nil {
			removed++
		}
	}
	if removed > 0 {
		fmt.Fprintf(os.Stderr, "testreap: removed LXC 5.0.2's empty lxc.pivot cgroup in %d hierarchies\n", removed)
	}
}

// testRunning reports whether any Go test binary (*.test) is running.
func testRunning() bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.HasSuffix(exe, ".test") {
			return true
		}
	}
	return false
}
