// Command gendoc writes the man pages and shell completion scripts of every
// lxc-* tool from the same command definitions the tools parse with.
//
//	go run ./hack/gendoc man DIR          DIR/man1/lxc-start.1 ... DIR/man5/lxc.container.conf.5 ... DIR/man7/lxc.7
//	go run ./hack/gendoc completion DIR   DIR/bash/lxc-start, DIR/zsh/_lxc-start, DIR/fish/lxc-start.fish ...
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/tools/all"
)

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "man" && os.Args[1] != "completion") {
		fmt.Fprintln(os.Stderr, "usage: gendoc man|completion DIR")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "man" {
		err = genMan(os.Args[2])
	} else {
		err = genCompletion(os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// command builds a tool's cobra command exactly as the tool does at run
// time, so options, help text and name completion cannot drift.
func command(t *cli.Tool) *cobra.Command {
	x := &cli.Ctx{Tool: t, System: config.LoadSystem(), Stdout: io.Discard, Stderr: io.Discard}
	cmd := cli.Command(t, x)
	cmd.DisableAutoGenTag = true // keep generated files reproducible
	if t.Custom {
		// These tools parse their own arguments: the common options
		// do not apply to them.
		cmd.ResetFlags()
	}
	// LXC's help text is preformatted: a Markdown code block keeps its
	// columns instead of letting the man renderer reflow it.
	cmd.Long = "    " + strings.ReplaceAll(strings.TrimRight(cmd.Long, "\n"), "\n", "\n    ")
	return cmd
}

func genCompletion(dir string) error {
	for _, sub := range []string{"bash", "zsh", "fish"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, t := range all.Tools {
		cmd := command(t)
		gens := []struct {
			path string
			gen  func(io.Writer) error
		}{
			{filepath.Join(dir, "bash", t.Name), func(w io.Writer) error { return cmd.GenBashCompletionV2(w, true) }},
			{filepath.Join(dir, "zsh", "_"+t.Name), cmd.GenZshCompletion},
			{filepath.Join(dir, "fish", t.Name+".fish"), func(w io.Writer) error { return cmd.GenFishCompletion(w, true) }},
		}
		for _, g := range gens {
			var b bytes.Buffer
			if err := g.gen(&b); err != nil {
				return fmt.Errorf("completion %s: %w", g.path, err)
			}
			if err := os.WriteFile(g.path, b.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
