//go:build compat

package compat

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

var (
	consultedMu sync.Mutex
	consulted   = map[string]bool{}
)

// intended returns the Differences entry id, which the caller is about to
// use to normalise; an id missing from the table fails the test, so no
// normalisation happens without a documented reason.
func intended(t *testing.T, id string) Difference {
	t.Helper()
	d, ok := Lookup(id)
	if !ok {
		t.Fatalf("difference %q is not in differences.go", id)
	}
	consultedMu.Lock()
	consulted[id] = true
	consultedMu.Unlock()
	return d
}

// TestMain runs the suite and, after a full passing run, fails if an entry
// of the table was never consulted: a documented difference no test
// exercises is stale.
//
// LXC 5.0.2 makes an lxc.pivot cgroup in every hierarchy (its monitor
// moves there to remove its own cgroup) and never removes it; those the
// run created are removed at the end when empty.
func TestMain(m *testing.M) {
	pivots, _ := filepath.Glob("/sys/fs/cgroup/*/lxc.pivot")
	had := map[string]bool{}
	for _, p := range pivots {
		had[p] = true
	}
	code := m.Run()
	pivots, _ = filepath.Glob("/sys/fs/cgroup/*/lxc.pivot")
	for _, p := range pivots {
		if !had[p] {
			os.Remove(p)
		}
	}
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" {
		var stale []string
		for _, d := range Differences {
			if !consulted[d.ID] {
				stale = append(stale, d.ID)
			}
		}
		sort.Strings(stale)
		if len(stale) > 0 {
			fmt.Fprintf(os.Stderr, "differences.go lists entries no test consults: %v\n", stale)
			code = 1
		}
	}
	os.Exit(code)
}
