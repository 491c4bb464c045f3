// Command lxc is the multicall binary: installed once with a link per tool
// (lxc-start, lxc-attach, ...), it runs the tool named by argv[0], or the
// one named by its first argument ("lxc start -n c1").
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/tools/all"
)

func main() {
	stage.Dispatch()
	prog := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if t := all.Find(prog); t != nil && strings.HasPrefix(prog, "lxc-") {
		os.Exit(cli.Run(t, args, os.Stdout, os.Stderr))
	}
	if len(args) > 0 {
		if t := all.Find(args[0]); t != nil {
			os.Exit(cli.Run(t, args[1:], os.Stdout, os.Stderr))
		}
		fmt.Fprintf(os.Stderr, "Unsupported command '%s'\n", args[0])
	}
	fmt.Fprintln(os.Stderr, "Usage: lxc COMMAND [ARGS...]  (or call it through a lxc-COMMAND link)")
	fmt.Fprintln(os.Stderr, "Commands:")
	for _, t := range all.Tools {
		fmt.Fprintf(os.Stderr, "  %s\n", strings.TrimPrefix(t.Name, "lxc-"))
	}
	os.Exit(1)
}
