//go:build compat

package compat

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEphemeralNames: lxc-copy -e without -N names the copy NAME_XXXXXX
// and an overlay mount's directories delta#XXXXXX and work#XXXXXX (six
// letters or digits, mkdtemp's), on both sides.
func TestEphemeralNames(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "a")
	created := regexp.MustCompile(`^Created (NAME-a_[A-Za-z0-9]{6}) as clone of NAME-a\n`)
	for _, s := range p.both() {
		mnt := filepath.Join(s.tmp, "mnt")
		os.MkdirAll(mnt, 0o755)
		r := s.normRes(s.must("lxc-copy", "-P", s.path, "-n", s.name("a"), "-e", "-m", "overlay="+mnt+":/mnt/o"))
		m := created.FindStringSubmatch(r.Stdout)
		if m == nil {
			t.Errorf("%s lxc-copy -e said %q", s.label, r.Stdout)
			continue
		}
		name := strings.Replace(m[1], "NAME-", s.prefix+s.suffix, 1)
		cfg, _ := os.ReadFile(filepath.Join(s.path, name, "config"))
		if !regexp.MustCompile(`upperdir=\S+/delta#[A-Za-z0-9]{6},workdir=\S+/work#[A-Za-z0-9]{6},`).Match(cfg) {
			t.Errorf("%s: the overlay mount entry of %s:\n%s", s.label, name, cfg)
		}
		s.must("lxc-stop", "-P", s.path, "-n", name, "-k")
	}
}
