// Package updateconfigtool implements lxc-update-config.
package updateconfigtool

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
)

// Tool is lxc-update-config. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:  "lxc-update-config",
	Short: "convert a pre-3.0 container configuration to the current keys",
	Help: `lxc-update-config -h|--help [-c|--config]
config: the container configuration to update
`,
	Custom: true,
	Run:    run,
}

func progName() string {
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "lxc-update-config" {
		return os.Args[0]
	}
	return "lxc-update-config"
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "%s -h|--help [-c|--config]\nconfig: the container configuration to update\n", progName())
}

// parseArgs follows `getopt -o c:h --long config:,help`: options may be
// glued or abbreviated, -h wins when reached, the last -c counts.
func parseArgs(args []string) (path string, help bool, err error) {
	longs := []string{"config", "help"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return path, false, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			var match []string
			for _, l := range longs {
				if strings.HasPrefix(l, name) {
					match = append(match, l)
				}
			}
			if len(match) != 1 || name == "" {
				return "", false, fmt.Errorf("unrecognized option '%s'", a)
			}
			if match[0] == "help" {
				if hasVal {
					return "", false, fmt.Errorf("option '--help' doesn't allow an argument")
				}
				return path, true, nil
			}
			if !hasVal {
				if i+1 >= len(args) {
					return "", false, fmt.Errorf("option '--config' requires an argument")
				}
				i++
				val = args[i]
			}
			path = val
		case strings.HasPrefix(a, "-") && a != "-":
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'h':
					return path, true, nil
				case 'c':
					if j+1 < len(a) {
						path = a[j+1:]
					} else if i+1 < len(args) {
						i++
						path = args[i]
					} else {
						return "", false, fmt.Errorf("option requires an argument -- 'c'")
					}
					j = len(a)
				default:
					return "", false, fmt.Errorf("invalid option -- '%c'", a[j])
				}
			}
		}
	}
	return path, false, nil
}

func run(x *cli.Ctx) error {
	if len(x.Args) == 0 {
		usage(x.Stdout)
		return nil
	}
	path, help, err := parseArgs(x.Args)
	if err != nil {
		fmt.Fprintf(x.Stderr, "%s: %v\n", x.Tool.Name, err)
		return cli.Exit(1)
	}
	if help {
		usage(x.Stdout)
		fmt.Fprint(x.Stdout, cli.HelpFooter())
		return nil
	}
	if path == "" {
		fmt.Fprintf(x.Stderr, "%s: no configuration file given (-c FILE)\n", x.Tool.Name)
		return cli.Exit(1)
	}
	st, err := os.Stat(path)
	if err != nil {
		fmt.Fprintf(x.Stderr, "%s: %v\n", x.Tool.Name, err)
		return cli.Exit(1)
	}
	data, err := config.ReadConfigFile(path)
	if err != nil {
		fmt.Fprintf(x.Stderr, "%s: %s: %v\n", x.Tool.Name, path, err)
		return cli.Exit(1)
	}
	// The backup is a plain copy made first, as the script's cp.
	if err := os.WriteFile(path+".backup", data, st.Mode().Perm()); err != nil {
		fmt.Fprintf(x.Stderr, "%s: write backup: %v\n", x.Tool.Name, err)
		return cli.Exit(1)
	}
	out := Convert(data, true)
	if err := config.WriteFileAtomic(path, out, st.Mode().Perm()); err != nil {
		fmt.Fprintf(x.Stderr, "%s: %v\n", x.Tool.Name, err)
		return cli.Exit(1)
	}
	return nil
}
