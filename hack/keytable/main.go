// Command keytable renders the README's table of configuration keys
// golxc accepts, warns about and ignores (internal/config's coverage
// list, the one TestEveryKeyCovered holds every key against).
//
//	go run ./hack/keytable      print the table
//	go run ./hack/keytable -w   rewrite README.md's ignored-keys section
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/config"
)

const (
	begin = "<!-- ignored-keys begin -->\n"
	end   = "<!-- ignored-keys end -->"
)

func main() {
	write := flag.Bool("w", false, "rewrite README.md's ignored-keys section")
	flag.Parse()
	if !*write {
		fmt.Print(config.IgnoredKeysTable())
		return
	}
	readme := filepath.Join(repoRoot(), "README.md")
	b, err := os.ReadFile(readme)
	if err != nil {
		fail(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		fail(fmt.Errorf("%s has no %q ... %q section", readme, strings.TrimSpace(begin), end))
	}
	s = s[:i+len(begin)] + config.IgnoredKeysTable() + s[j:]
	if err := os.WriteFile(readme, []byte(s), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "keytable:", err)
	os.Exit(1)
}

// repoRoot is the nearest directory above the working directory that
// holds go.mod.
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	for d := wd; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	fail(fmt.Errorf("no go.mod above %s", wd))
	return ""
}
