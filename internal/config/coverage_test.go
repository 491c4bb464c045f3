package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// funcSources reads every Go file of dir and returns each top-level
// function's body text and the names of the functions it calls.
type funcSrc struct {
	body  string
	calls []string
}

func funcSources(t *testing.T, dir string) map[string]funcSrc {
	t.Helper()
	out := map[string]funcSrc{}
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv != nil {
				continue
			}
			fs := funcSrc{body: string(src[fset.Position(fd.Body.Pos()).Offset:fset.Position(fd.Body.End()).Offset])}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					switch fn := c.Fun.(type) {
					case *ast.Ident:
						fs.calls = append(fs.calls, fn.Name)
					case *ast.SelectorExpr:
						fs.calls = append(fs.calls, fn.Sel.Name)
					}
				}
				return true
			})
			out[fd.Name.Name] = fs
		}
	}
	return out
}

// keyPattern is what a test's source must contain to exercise key.
func keyPattern(key string) *regexp.Regexp {
	if sub, ok := strings.CutPrefix(key, "lxc.net.N."); ok {
		return regexp.MustCompile(`net\.[0-9]+\.` + regexp.QuoteMeta(sub) + `\b`)
	}
	for _, p := range prefixFamilies {
		if key == p {
			return regexp.MustCompile(regexp.QuoteMeta(key) + `\.`)
		}
	}
	return regexp.MustCompile(regexp.QuoteMeta(key) + `([^A-Za-z0-9_.-]|$)`)
}

// TestEveryKeyCovered is the guard against keys parsed and never acted
// on: every key of the key table, every lxc.net.N subkey and every
// lxc.conf key has an entry in KeyCoverage, and either the tests it names
// exist and set the key (in their body, or in a helper they call, up to
// three calls deep, in their package or internal/testutil), or it is in
// the one list of keys golxc warns about and ignores, with the reason the
// README's table shows.
func TestEveryKeyCovered(t *testing.T) {
	root := repoRoot()
	helpers := funcSources(t, filepath.Join(root, "internal", "testutil"))
	pkgs := map[string]map[string]funcSrc{}
	for _, key := range CoveredKeys() {
		use, ok := KeyCoverage[key]
		switch {
		case !ok:
			t.Errorf("%s has no entry in KeyCoverage (coverage.go): name the runtime test that exercises it, or why it is ignored", key)
			continue
		case use.Ignored != "":
			if use.Sample == "" {
				t.Errorf("%s is ignored but has no Sample value to show its warning", key)
			}
			continue
		case len(use.Tests) == 0:
			t.Errorf("%s: no test and not ignored", key)
			continue
		}
		pat := keyPattern(key)
		for _, name := range use.Tests {
			dir, fn, ok := strings.Cut(name, ":")
			if !ok {
				t.Errorf("%s: test %q is not DIR:TestName", key, name)
				continue
			}
			if pkgs[dir] == nil {
				pkgs[dir] = funcSources(t, filepath.Join(root, dir))
			}
			src, ok := pkgs[dir][fn]
			if !ok {
				t.Errorf("%s: test %s does not exist", key, name)
				continue
			}
			// The test's body and what it calls, three levels deep.
			seen := map[string]bool{fn: true}
			level := []funcSrc{src}
			found := false
			for depth := 0; depth < 4 && !found && len(level) > 0; depth++ {
				var next []funcSrc
				for _, f := range level {
					if pat.MatchString(f.body) {
						found = true
						break
					}
					for _, c := range f.calls {
						if seen[c] {
							continue
						}
						seen[c] = true
						if g, ok := pkgs[dir][c]; ok {
							next = append(next, g)
						} else if g, ok := helpers[c]; ok {
							next = append(next, g)
						}
					}
				}
				level = next
			}
			if !found {
				t.Errorf("%s: test %s never sets it (nor do the helpers it calls)", key, name)
			}
		}
	}
	for key := range KeyCoverage {
		found := false
		for _, k := range CoveredKeys() {
			found = found || k == key
		}
		if !found {
			t.Errorf("KeyCoverage has %s, which is no key", key)
		}
	}
}

// The README's table of ignored keys is IgnoredKeysTable().
func TestReadmeIgnoredKeys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	begin, end := "<!-- ignored-keys begin -->\n", "<!-- ignored-keys end -->"
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the ignored-keys section")
	}
	if got := s[i+len(begin) : j]; got != IgnoredKeysTable() {
		t.Errorf("README.md's ignored-keys table is stale: paste IgnoredKeysTable() (go run ./hack/keytable -w):\n%s", IgnoredKeysTable())
	}
}

func TestIgnoredKeysSorted(t *testing.T) {
	k := IgnoredKeys()
	if !sort.StringsAreSorted(k) {
		t.Errorf("IgnoredKeys not sorted: %v", k)
	}
}
