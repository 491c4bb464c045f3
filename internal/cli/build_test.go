package cli

import (
	"strings"
	"testing"
)

// --version stays LXC's single line; the help ends with the build's line,
// which StripHelpFooter recognises and removes.
func TestVersionAndFooter(t *testing.T) {
	old, oldCommit := GolxcVersion, GolxcCommit
	defer func() { GolxcVersion, GolxcCommit = old, oldCommit }()
	GolxcVersion, GolxcCommit = "0.1.0-2-gabcdef1", "abcdef1234567890abcdef1234567890abcdef12"
	b := Build()
	if got := b.String(); !strings.HasPrefix(got, "golxc 0.1.0-2-gabcdef1 (commit abcdef123456, go") || !strings.HasSuffix(got, ", LXC 5.0.2 compatible)") {
		t.Fatalf("Build().String() = %q", got)
	}
	if got := VersionText(); !strings.HasPrefix(got, "5.0.2\ngolxc 0.1.0-2-gabcdef1 ") {
		t.Fatalf("VersionText() = %q", got)
	}
	if code, out, _, _ := run(t, "--version"); code != 0 || out != "5.0.2\n" {
		t.Fatalf("--version: %d %q", code, out)
	}
	_, _, errs, _ := run(t, "-h")
	if !strings.HasSuffix(errs, "information.\n\n"+HelpFooter()) {
		t.Fatalf("-h does not end with the footer: %q", errs)
	}
	stripped, ok := StripHelpFooter(errs)
	if !ok || !strings.HasSuffix(stripped, "See the lxc-test man page for further information.\n\n") {
		t.Fatalf("StripHelpFooter: %v %q", ok, stripped)
	}
	if _, ok := StripHelpFooter("Usage: x\n"); ok {
		t.Fatal("StripHelpFooter found a footer in a text without one")
	}
	GolxcVersion, GolxcCommit = "", ""
	if v := Build().Version; v != "dev" {
		t.Fatalf("unstamped version %q, want dev", v)
	}
}
