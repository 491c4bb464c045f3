// Package configtool implements lxc-config.
package configtool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
)

// Tool is lxc-config. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:  "lxc-config",
	Short: "query LXC system configuration",
	Help: `lxc-config -l: list all available configuration items
       lxc-config item: print configuration item
`,
	Custom: true,
	Run:    run,
}

// progName is argv[0] as LXC's usage prints it (the path the tool was
// called by), or the tool name when run from the multicall binary.
func progName() string {
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "lxc-config" {
		return os.Args[0]
	}
	return "lxc-config"
}

// run mirrors LXC's lxc-config: only the first argument counts, and it is
// compared as a prefix of "-h", "--help", "-l" and then of each key, so
// "lxc-config lxc.lx" prints lxc.lxcpath and "lxc-config -" the usage.
func run(x *cli.Ctx) error {
	prefixOf := func(arg, s string) bool { return strings.HasPrefix(s, arg) }
	if len(x.Args) == 0 || prefixOf(x.Args[0], "-h") || prefixOf(x.Args[0], "--help") {
		me := progName()
		fmt.Fprintf(x.Stdout, "Usage: %s -l: list all available configuration items\n", me)
		fmt.Fprintf(x.Stdout, "       %s item: print configuration item\n", me)
		if len(x.Args) > 0 && (x.Args[0] == "-h" || x.Args[0] == "--help") {
			// Asked for help: say which golxc build answers.
			fmt.Fprint(x.Stdout, cli.HelpFooter())
		}
		return nil
	}
	arg := x.Args[0]
	if prefixOf(arg, "-l") {
		for _, k := range config.SystemKeys {
			fmt.Fprintln(x.Stdout, k)
		}
		return nil
	}
	for _, k := range config.SystemKeys {
		if !prefixOf(arg, k) {
			continue
		}
		v, set, _ := x.System.Lookup(k)
		if set {
			fmt.Fprintln(x.Stdout, v)
		} else {
			fmt.Fprintf(x.Stdout, "%s is not set.\n", arg)
		}
		return nil
	}
	fmt.Fprintf(x.Stdout, "Unknown configuration item: %s\n", arg)
	return cli.Exit(1)
}
