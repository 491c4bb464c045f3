// Command compattable renders tests/compat's table of intended differences
// from LXC 5.0.2 as Markdown.
//
//	go run ./hack/compattable          print the table (for the README)
//	go run ./hack/compattable -w       write doc/compat.md
//	go run ./hack/compattable -check   exit 1 if doc/compat.md is stale
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/golxc/golxc/tests/compat"
)

func main() {
	write := flag.Bool("w", false, "write doc/compat.md")
	check := flag.Bool("check", false, "fail if doc/compat.md differs from the table")
	flag.Parse()
	doc := filepath.Join(repoRoot(), "doc", "compat.md")
	switch {
	case *write:
		if err := os.WriteFile(doc, []byte(compat.Document()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "compattable:", err)
			os.Exit(1)
		}
	case *check:
		got, err := os.ReadFile(doc)
		if err != nil || !bytes.Equal(got, []byte(compat.Document())) {
			fmt.Fprintln(os.Stderr, "compattable: doc/compat.md is stale: run go run ./hack/compattable -w")
			os.Exit(1)
		}
	default:
		fmt.Print(compat.Markdown())
	}
}

// repoRoot is two directories above this file, so -w works from any
// working directory inside the repository.
func repoRoot() string {
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != "/"; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d
			}
		}
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}
