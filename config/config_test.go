// Package configfiles_test checks the files golxc installs under
// /usr/share/lxc/config and /etc: they load, and each one LXC also ships
// has the same effect as LXC's (every key reads the same), though the
// files are golxc's own.
package configfiles_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/seccomp"
	"github.com/golxc/golxc/internal/testutil"
)

const (
	lxcConfigDir = "/usr/share/lxc/config"
	lxcHookDir   = "/usr/share/lxc/hooks"
)

// installed copies config/lxc to a temporary directory, pointing its
// includes there, as make install does for another DATADIR.
func installed(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	src := filepath.Join(testutil.RepoRoot(), "config", "lxc")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), []byte(strings.ReplaceAll(string(b), lxcConfigDir, dir)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// values reads every key of a loaded config as lxc-info -c would print it,
// with the include directory replaced by a placeholder.
func values(t *testing.T, path, dir string) map[string]string {
	t.Helper()
	c, err := config.Load(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, k := range config.Keys() {
		if v, err := c.GetItem(k); err == nil {
			out[k] = strings.ReplaceAll(v, dir, "CONFIGDIR")
		}
	}
	return out
}

// Every include file loads, and the seccomp policy parses and compiles.
func TestIncludeFilesLoad(t *testing.T) {
	dir := installed(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	if len(files) < 30 {
		t.Fatalf("only %d include files in config/lxc", len(files))
	}
	for _, f := range files {
		if _, err := config.Load(f); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	p, err := seccomp.ParseFile(filepath.Join(dir, "common.seccomp"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seccomp.Compile(p); err != nil {
		t.Fatal(err)
	}
	// The files name only our include directory and LXC's hook directory.
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "/usr/share/") && !strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.Contains(line, lxcHookDir) {
				t.Errorf("%s names a path outside the include directory: %s", filepath.Base(f), line)
			}
		}
	}
}

// Each file LXC (liblxc-common, lxc-templates) ships under the same name
// sets every key to the same value as LXC's.
func TestSameEffectAsLXC(t *testing.T) {
	testutil.Integration(t)
	if _, err := os.Stat(filepath.Join(lxcConfigDir, "debian.common.conf")); err != nil {
		t.Fatalf("LXC's include files are not installed (make test-deps installs lxc and lxc-templates): %v", err)
	}
	dir := installed(t)
	ours, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	compared := 0
	for _, f := range ours {
		name := filepath.Base(f)
		theirs := filepath.Join(lxcConfigDir, name)
		if _, err := os.Stat(theirs); err != nil {
			continue
		}
		compared++
		want, got := values(t, theirs, lxcConfigDir), values(t, f, dir)
		if !reflect.DeepEqual(want, got) {
			var diff []string
			for k := range want {
				if want[k] != got[k] {
					diff = append(diff, k+": LXC "+want[k]+" | golxc "+got[k])
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					diff = append(diff, k+": only golxc: "+got[k])
				}
			}
			sort.Strings(diff)
			t.Errorf("%s differs from LXC's:\n%s", name, strings.Join(diff, "\n"))
		}
	}
	if compared < 30 {
		t.Errorf("only %d files compared with LXC's", compared)
	}
	// The seccomp policy denies the same calls the same way.
	a, err := seccomp.ParseFile(filepath.Join(lxcConfigDir, "common.seccomp"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := seccomp.ParseFile(filepath.Join(dir, "common.seccomp"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("common.seccomp differs from LXC's:\n LXC   %+v\n golxc %+v", a, b)
	}
}
