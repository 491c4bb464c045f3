package cgroup_test

// Integration tests on this host's real cgroups, outside the package so
// that they can use testutil (which imports packages that import cgroup).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/testutil"
)

// TestHostCgroupLifecycle creates a real cgroup in every hierarchy of this
// host, moves a process in, writes keys, freezes, kills and removes it.
func TestHostCgroupLifecycle(t *testing.T) {
	testutil.Integration(t)
	h, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	name := testutil.UniqueName("lxc.payload.t")
	cg, err := h.Create("", name)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Remove()
	if u := cg.UnifiedPath(); u != "" {
		rules := []cgroup.DeviceRule{{Allow: false, Type: 'a', Major: -1, Minor: -1, Access: "rwm"}, {Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"}}
		if err := cgroup.AttachDevicePolicy(u, rules); err != nil {
			t.Fatalf("attach device program: %v", err)
		}
	}
	if cg.HasV1Devices() {
		rules := []cgroup.DeviceRule{{Allow: false, Type: 'a'}, {Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"}}
		if err := cg.ApplyDevicesV1(rules); err != nil {
			t.Fatal(err)
		}
	}
	if p := cg.Path("pids"); p != "" {
		if err := cg.Set("pids.max", "50", false); err != nil {
			t.Fatal(err)
		}
		if v, _ := cg.Get("pids.max"); strings.TrimSpace(v) != "50" {
			t.Fatalf("pids.max = %q", v)
		}
	}
	if err := cg.Remove(); err != nil {
		t.Fatal(err)
	}
	for _, p := range cg.Paths {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s still exists", p)
		}
	}
}

// TestCreateNotedParents: Create tells about every directory before and
// after it makes it, the lxc.cgroup.dir directories it made are listed
// and RemoveMade removes them once empty, but not one another cgroup
// still uses.
func TestCreateNotedParents(t *testing.T) {
	testutil.Integration(t)
	h, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	top := testutil.UniqueName("gxt")
	var notes []cgroup.Note
	a, err := h.CreateNoted(top+"/in", "lxc.payload.a", func(m cgroup.Note) { notes = append(notes, m) })
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.CreateNoted(top+"/in", "lxc.payload.b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Made) != 2*len(h.Hierarchies) || len(b.Made) != 0 {
		t.Errorf("parents made: a %v, b %v", a.Made, b.Made)
	}
	seen := map[string]int{}
	for _, m := range notes {
		if m.Ino == 0 {
			if seen[m.Path] != 0 {
				t.Errorf("%s noted again before it was made", m.Path)
			}
			seen[m.Path] = 1
			continue
		}
		if seen[m.Path] != 1 || m.Ino != cgroup.Ino(m.Path) {
			t.Errorf("%s noted as made (ino %d) without a note before, or with the wrong inode", m.Path, m.Ino)
		}
		seen[m.Path] = 2
	}
	if len(seen) != 3*len(h.Hierarchies) {
		t.Errorf("%d directories noted, want %d", len(seen), 3*len(h.Hierarchies))
	}
	a.Remove()
	cgroup.RemoveMade(a.Made)
	for _, p := range b.Paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("removing a's parents took b's cgroup: %v", err)
		}
	}
	b.Remove()
	cgroup.RemoveMade(a.Made)
	for _, p := range a.Made {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left", p)
			os.Remove(filepath.Join(p, "in"))
			os.Remove(p)
		}
	}
}
