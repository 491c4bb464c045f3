//go:build compat

package compat

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lxc-config: every key, the prefix rule, usage and errors, byte for byte.
func TestConfig(t *testing.T) {
	p := newPair(t)
	cases := [][]string{{}, {"-l"}, {"-h"}, {"--help"}, {"-"}, {"--"}, {"lxc.lx"}, {"lxc.bogus"}, {"lxc.cgroup"}, {"lxc.lxcpath", "extra"}}
	for _, k := range strings.Fields(p.lxc.must("lxc-config", "-l").Stdout) {
		cases = append(cases, []string{k})
	}
	for _, args := range cases {
		l, o := p.runBoth("lxc-config", args...)
		sameRes(t, "lxc-config "+strings.Join(args, " "), l, o)
	}
}

// lxc-checkconfig: the whole report (verdicts, mount points, notes) on
// the running kernel's config, on a crafted config where features are
// missing (gzipped and plain), and without any config.
func TestCheckconfig(t *testing.T) {
	p := newPair(t)
	dir := t.TempDir()
	crafted := filepath.Join(dir, "config")
	writeCraftedKernelConfig(t, crafted)
	for _, c := range []struct {
		what string
		env  []string
	}{
		{"running kernel", nil},
		{"crafted config", []string{"CONFIG=" + crafted}},
		{"gzipped running config", []string{"CONFIG=/proc/config.gz"}},
		{"no config", []string{"CONFIG=" + filepath.Join(dir, "none"), "MODNAME=golxc-none"}},
	} {
		var rs [2]res
		for i, s := range p.both() {
			env := append(os.Environ(), "PATH="+s.bin+":"+os.Getenv("PATH"))
			r := s.runT(time.Minute, append(env, c.env...), "", "lxc-checkconfig")
			if s == p.ours {
				r.Stdout = oursCheckconfig(t, r.Stdout)
			}
			rs[i] = s.normRes(r)
		}
		sameRes(t, "lxc-checkconfig ("+c.what+")", rs[0], rs[1])
	}
}

// writeCraftedKernelConfig writes the running kernel's config without a
// few options, so that both tools must say "required" and "missing".
func writeCraftedKernelConfig(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open("/proc/config.gz")
	if err != nil {
		t.Fatalf("the suite needs /proc/config.gz: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	drop := map[string]bool{"CONFIG_PID_NS": true, "CONFIG_USER_NS": true, "CONFIG_VETH": true, "CONFIG_MACVLAN": true,
		"CONFIG_CGROUP_DEVICE": true, "CONFIG_CHECKPOINT_RESTORE": true, "CONFIG_FUSE_FS": true}
	var b strings.Builder
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		k, _, _ := strings.Cut(sc.Text(), "=")
		if !drop[k] {
			b.WriteString(sc.Text() + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
