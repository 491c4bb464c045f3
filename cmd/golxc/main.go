// Command golxc is the multicall binary: installed once with a link per
// tool (lxc-start, lxc-attach, ...), it runs the tool named by argv[0], or
// the one named by its first argument ("golxc start -n c1"). `golxc
// --version` prints LXC's version and, on a second line, this build.
//
// It is not called "lxc": Debian's lxd-client and Incus' compatibility
// packages ship /usr/bin/lxc, a different program.
package main

import (
	"fmt"
	"io"
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
		cli.MainArgs(t, args)
	}
	if len(args) == 0 {
		usage(os.Stderr)
		os.Exit(1)
	}
	switch args[0] {
	case "--version", "version":
		fmt.Print(cli.VersionText())
		os.Exit(0)
	case "-h", "--help", "help":
		usage(os.Stdout)
		os.Exit(0)
	}
	if t := all.Find(args[0]); t != nil {
		cli.MainArgs(t, args[1:])
	}
	fmt.Fprintf(os.Stderr, "golxc: unknown command %q\n", args[0])
	usage(os.Stderr)
	os.Exit(1)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: golxc COMMAND [ARGS...]   (or through a lxc-COMMAND link: lxc-start, lxc-ls, ...)")
	fmt.Fprintln(w, "       golxc --version           LXC's version, then this golxc build")
	fmt.Fprintln(w, "Commands:")
	for _, t := range all.Tools {
		fmt.Fprintf(w, "  %-16s %s\n", strings.TrimPrefix(t.Name, "lxc-"), t.Short)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, cli.HelpFooter())
}
