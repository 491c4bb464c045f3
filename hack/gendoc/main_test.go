package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
	"github.com/golxc/golxc/internal/tools/all"
)

func TestManPagesRender(t *testing.T) {
	testutil.Need(t, "man")
	dir := t.TempDir()
	if err := genMan(dir); err != nil {
		t.Fatal(err)
	}
	for _, tool := range all.Tools {
		page := filepath.Join(dir, tool.Name+".1")
		cmd := exec.Command("man", "-l", page)
		cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("man -l %s: %v", page, err)
		}
		s := string(out)
		if !strings.Contains(s, "NAME") || !strings.Contains(s, tool.Name) || !strings.Contains(s, "Usage: "+tool.Name) {
			t.Errorf("%s renders without NAME/usage:\n%s", page, s)
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
