package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/storage"
	"github.com/golxc/golxc/internal/testutil"
	"github.com/golxc/golxc/internal/tools/all"
)

// render formats a generated page with man(1) as a user would see it and
// fails on any groff warning.
func render(t *testing.T, page string) string {
	t.Helper()
	cmd := exec.Command("man", "--warnings", "-l", page)
	cmd.Env = append(os.Environ(), "MANWIDTH=200", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C.UTF-8")
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil || errb.Len() > 0 {
		t.Fatalf("man -l %s: %v\n%s", page, err, errb.String())
	}
	s := string(out)
	// Markdown that did not render leaks its markers.
	if m := regexp.MustCompile("\\*\\*|`|\\\\\\*").FindString(s); m != "" {
		t.Errorf("%s shows a raw Markdown marker %q", page, m)
	}
	return s
}

func genAll(t *testing.T) string {
	t.Helper()
	testutil.Need(t, "man")
	dir := t.TempDir()
	if err := genMan(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Every tool's page has the sections a packager's lint and an admin
// expect, and documents every option the tool accepts.
func TestToolPages(t *testing.T) {
	dir := genAll(t)
	for _, tool := range all.Tools {
		s := render(t, filepath.Join(dir, "man1", tool.Name+".1"))
		for _, sec := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "FILES", "SEE ALSO", "VERSION"} {
			if !regexp.MustCompile(`(?m)^` + sec + `$`).MatchString(s) {
				t.Errorf("%s(1) has no %s section", tool.Name, sec)
			}
		}
		if !strings.Contains(s, tool.Name+" - "+toolSummary[tool.Name]) {
			t.Errorf("%s(1): NAME line missing", tool.Name)
		}
		if tool.Custom {
			// Options named in the tool's own usage text.
			for _, opt := range regexp.MustCompile(`(?:^|[\s\[|])(-{1,2}[a-z][a-z-]*)`).FindAllStringSubmatch(tool.Help, -1) {
				if !strings.Contains(s, opt[1]) {
					t.Errorf("%s(1) does not document %s", tool.Name, opt[1])
				}
			}
			continue
		}
		command(tool).Flags().VisitAll(func(f *pflag.Flag) {
			want := "--" + f.Name
			if f.Name == "help-question" {
				want = "-?"
			}
			if !regexp.MustCompile(`(?m)^\s+(-., )?` + regexp.QuoteMeta(want) + `([\s=\[]|$)`).MatchString(s) {
				t.Errorf("%s(1) does not document %s", tool.Name, want)
			}
		})
	}
	s := render(t, filepath.Join(dir, "man1", "golxc.1"))
	for _, tool := range all.Tools {
		if !strings.Contains(s, tool.Name+"(1)") {
			t.Errorf("golxc(1) does not list %s", tool.Name)
		}
	}
}

// lxc.container.conf(5) and lxc.system.conf(5) document every key of the
// parser's tables; lxc(7), lxc.conf(5) and lxc-usernet(5) render.
func TestConfigPages(t *testing.T) {
	dir := genAll(t)
	s := render(t, filepath.Join(dir, "man5", "lxc.container.conf.5"))
	for _, d := range config.KeyDocs() {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(d.Key) + ` = `).MatchString(s) {
			t.Errorf("lxc.container.conf(5) does not document %s", d.Key)
		}
	}
	for _, l := range config.LegacyKeys() {
		if !strings.Contains(s, l[0]) {
			t.Errorf("lxc.container.conf(5) does not list the pre-3.0 key %s", l[0])
		}
	}
	s = render(t, filepath.Join(dir, "man5", "lxc.system.conf.5"))
	for _, k := range config.SystemKeys {
		if !strings.Contains(s, k+" = ") {
			t.Errorf("lxc.system.conf(5) does not document %s", k)
		}
	}
	for _, p := range []string{"man5/lxc.conf.5", "man5/lxc-usernet.5", "man7/lxc.7"} {
		if s := render(t, filepath.Join(dir, p)); !strings.Contains(s, "SEE ALSO") {
			t.Errorf("%s has no SEE ALSO", p)
		}
	}
}

// lxc.rootfs.path's entry says which storage types golxc refuses: a
// reader of lxc.container.conf(5) must not learn of a type as usable
// that the tools reject.
func TestRootfsTypesRefusedDocumented(t *testing.T) {
	d, ok := config.DocFor("lxc.rootfs.path")
	if !ok {
		t.Fatal("lxc.rootfs.path has no KeyDoc")
	}
	for _, typ := range []string{storage.Dir, storage.Btrfs, storage.Overlay, storage.Loop, storage.LVM, storage.ZFS, storage.RBD, storage.NBD} {
		if !strings.Contains(d.Doc, "`"+typ+":") {
			t.Errorf("lxc.rootfs.path's doc does not name %s:", typ)
			continue
		}
		refused := regexp.MustCompile("`" + typ + ":[^`]*`[^.;]*refused").MatchString(d.Doc)
		if refused == storage.Supported(typ) {
			t.Errorf("lxc.rootfs.path's doc: %s: documented refused %v, but supported %v", typ, refused, storage.Supported(typ))
		}
	}
}

// Every page another page refers to as one of ours exists.
func TestSeeAlsoTargets(t *testing.T) {
	dir := genAll(t)
	ours := regexp.MustCompile(`\b((?:lxc|golxc)[a-z.-]*)\((\d)\)`)
	files, _ := filepath.Glob(filepath.Join(dir, "man*", "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range ours.FindAllStringSubmatch(string(b), -1) {
			if _, err := os.Stat(filepath.Join(dir, "man"+m[2], m[1]+"."+m[2])); err != nil {
				t.Errorf("%s refers to %s(%s), which is not generated", filepath.Base(f), m[1], m[2])
			}
		}
	}
}

// The same tree gives the same pages (the package must be reproducible).
func TestManPagesReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := genMan(a); err != nil {
		t.Fatal(err)
	}
	if err := genMan(b); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(a, "man*", "*"))
	for _, f := range files {
		x, _ := os.ReadFile(f)
		y, _ := os.ReadFile(filepath.Join(b, strings.TrimPrefix(f, a)))
		if string(x) != string(y) {
			t.Errorf("%s differs between two runs", strings.TrimPrefix(f, a))
		}
	}
}

func TestCompletionFiles(t *testing.T) {
	dir := t.TempDir()
	if err := genCompletion(dir); err != nil {
		t.Fatal(err)
	}
	for _, tool := range all.Tools {
		for _, p := range []string{"bash/" + tool.Name, "zsh/_" + tool.Name, "fish/" + tool.Name + ".fish"} {
			b, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tool.Name) {
				t.Errorf("%s does not mention %s", p, tool.Name)
			}
		}
	}
	if _, err := exec.LookPath("bash"); err == nil {
		// The bash script must at least be valid bash.
		if out, err := exec.Command("bash", "-n", filepath.Join(dir, "bash", "lxc-start")).CombinedOutput(); err != nil {
			t.Fatalf("bash -n: %v\n%s", err, out)
		}
	}
}
