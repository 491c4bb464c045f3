package cgroup

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDetectFixtureHybrid(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "mountinfo")
	os.WriteFile(mi, []byte(`30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
40 30 0:37 / /nonexistent/unified rw,relatime - cgroup2 cgroup2 rw
`), 0o644)
	cg := filepath.Join(dir, "cgroup")
	os.WriteFile(cg, []byte("3:cpu,cpuacct:/a\n2:memory:/b/c\n1:name=systemd:/\n0::/u\n"), 0o644)
	h, err := detect(mi, cg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Layout != Hybrid || len(h.Hierarchies) != 4 {
		t.Fatalf("layout %v, %d hierarchies", h.Layout, len(h.Hierarchies))
	}
	if m := h.ForController("cpuacct"); m == nil || m.Base != "/a" || m.Mount != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Fatalf("cpuacct: %+v", m)
	}
	if m := h.ForController("memory"); m.Base != "/b/c" {
		t.Fatalf("memory base %q", m.Base)
	}
	if u := h.Unified(); u == nil || u.Base != "/u" {
		t.Fatalf("unified %+v", u)
	}
}

func TestParseDeviceRule(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "c 1:3 rwm": "c 1:3 rwm", "c *:* m": "c *:* m", "c 136:* rwm": "c 136:* rwm", "b 8:0": "b 8:0 rwm"} {
		r, err := ParseDeviceRule(true, in)
		if err != nil || r.String() != want {
			t.Errorf("%q: %v %q", in, err, r.String())
		}
	}
	for _, bad := range []string{"", "x 1:2 r", "c 1 r", "c 1:2 rx", "c a:2 r"} {
		if _, err := ParseDeviceRule(true, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDeviceProgramAssembles(t *testing.T) {
	var rules []DeviceRule
	for _, s := range []string{"a", "c *:* m", "b *:* m", "c 1:3 rwm", "c 136:* rwm", "c 5:2 rw"} {
		allow := s != "a"
		r, _ := ParseDeviceRule(allow, s)
		rules = append(rules, r)
	}
	code, err := assemble(DeviceProgram(rules))
	if err != nil {
		t.Fatal(err)
	}
	if len(code)%8 != 0 || code[len(code)-8] != bpfExit {
		t.Fatalf("program does not end in exit: % x", code[len(code)-8:])
	}
}
