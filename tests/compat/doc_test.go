package compat

import (
	"os"
	"strings"
	"testing"
)

// doc/compat.md must be the rendering of Differences (no tag: this runs in
// make test, without root or LXC).
func TestCompatDocUpToDate(t *testing.T) {
	got, err := os.ReadFile("../../doc/compat.md")
	if err != nil {
		t.Fatalf("%v (go run ./hack/compattable -w writes it)", err)
	}
	if string(got) != Document() {
		t.Fatal("doc/compat.md is stale: run go run ./hack/compattable -w")
	}
}

// If the README has a compatibility table between the markers, it must be
// the same table.
func TestReadmeCompatTable(t *testing.T) {
	table, ok := readmeSection(t, "compat-table")
	if !ok {
		t.Log("README.md has no compat-table section; doc/compat.md holds the table")
		return
	}
	if table != Markdown() {
		t.Fatal("README.md's compatibility table differs from tests/compat/differences.go: paste go run ./hack/compattable between the markers")
	}
}

// Every entry is complete and its ID unique.
func TestDifferencesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Differences {
		if d.ID == "" || d.Area == "" || d.LXC == "" || d.Golxc == "" || d.Reason == "" {
			t.Errorf("incomplete entry %+v", d)
		}
		if seen[d.ID] {
			t.Errorf("duplicate ID %s", d.ID)
		}
		seen[d.ID] = true
	}
}

// The README quotes the headline of bench/results.md (make bench writes
// both): the figures it shows must be those of the committed run.
func TestReadmeBenchHeadline(t *testing.T) {
	got, ok := readmeSection(t, "bench-headline")
	if !ok {
		t.Fatal("README.md lacks the bench-headline section")
	}
	results, err := os.ReadFile("../../bench/results.md")
	if err != nil {
		t.Fatal(err)
	}
	r := string(results)
	k := strings.Index(r, "## Headline")
	if k < 0 {
		t.Fatal("bench/results.md has no Headline section")
	}
	r = r[k:]
	a := strings.Index(r, "```\n")
	b := strings.Index(r[a+4:], "```\n")
	if a < 0 || b < 0 {
		t.Fatal("bench/results.md: Headline section has no code block")
	}
	want := r[a : a+4+b+4]
	if got != want {
		t.Fatalf("README.md's bench headline differs from bench/results.md (make bench rewrites both):\nREADME:\n%s\nresults.md:\n%s", got, want)
	}
}

// readmeSection returns what README.md holds between the lines
// "<!-- NAME begin -->" and "<!-- NAME end -->".
func readmeSection(t *testing.T, name string) (string, bool) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- "+name+" begin -->\n", "<!-- "+name+" end -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return "", false
	}
	return s[i+len(begin) : j], true
}
