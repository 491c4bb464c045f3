// Package lstool implements lxc-ls.
package lstool

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/quote"
)

// Tool is lxc-ls.
var Tool = &cli.Tool{
	Name:  "lxc-ls",
	Short: "lxc-ls list containers",
	Help: `lxc-ls 
[-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]
[-1] [-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]
[-f] [-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--nesting] [-g groups] [--filter regex]

lxc-ls list containers

Options :
  -1, --line         show one entry per line
  -f, --fancy        use a fancy, column-based output
  -F, --fancy-format comma separated list of columns to show in the fancy output
                     valid columns are: NAME, STATE, PID, RAM, SWAP, AUTOSTART,
                     GROUPS, INTERFACE, IPV4 and IPV6, UNPRIVILEGED
  --active           list only active containers
  --running          list only running containers
  --frozen           list only frozen containers
  --stopped          list only stopped containers
  --defined          list only defined containers
  --nesting=NUM      list nested containers up to NUM (default is 5) levels of nesting
  --filter=REGEX     filter container names by regular expression
  -g --groups        comma separated list of groups a container must have to be displayed
  --format=FORMAT    golxc: "json" prints every field of every container as JSON
`,
	NameOptional: true,
	Flags:        flags,
	Run:          run,
}

var opts struct {
	line, fancy                               bool
	fancyFormat, groups, filter, nesting, fmt string
	active, running, frozen, stopped, defined bool
}

// flags declares lxc-ls's options in LXC's table order.
func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.line, "line", "1", false, "show one entry per line")
	f.BoolVarP(&opts.fancy, "fancy", "f", false, "use a fancy, column-based output")
	f.StringVarP(&opts.fancyFormat, "fancy-format", "F", "", "comma separated list of columns to show in the fancy output")
	f.BoolVar(&opts.active, "active", false, "list only active containers")
	f.BoolVar(&opts.running, "running", false, "list only running containers")
	f.BoolVar(&opts.frozen, "frozen", false, "list only frozen containers")
	f.BoolVar(&opts.stopped, "stopped", false, "list only stopped containers")
	f.BoolVar(&opts.defined, "defined", false, "list only defined containers")
	f.StringVar(&opts.nesting, "nesting", "", "list nested containers up to NUM (default is 5) levels of nesting")
	f.Lookup("nesting").NoOptDefVal = "\x00default"
	f.StringVarP(&opts.groups, "groups", "g", "", "comma separated list of groups a container must have to be displayed")
	f.StringVar(&opts.filter, "filter", "", "filter container names by regular expression")
	f.StringVar(&opts.fmt, "format", "", "output format (golxc): json")
}

// maxNesting is LXC's MAX_NESTLVL, the --nesting default.
const maxNesting = 5

func nestingLevel(f *pflag.FlagSet) int {
	fl := f.Lookup("nesting")
	if fl == nil || !fl.Changed {
		return 0
	}
	v := opts.nesting
	if v == "\x00default" || strings.HasPrefix(v, "-") {
		return maxNesting
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return maxNesting
	}
	return int(n)
}

func run(x *cli.Ctx) error {
	q := &query{
		active: opts.active, running: opts.running, frozen: opts.frozen,
		stopped: opts.stopped, defined: opts.defined,
		fancy:   opts.fancy || opts.fmt == "json",
		nesting: nestingLevel(x.Flags),
		warn:    func(m string) { fmt.Fprintln(x.Stderr, m) },
	}
	if opts.groups != "" {
		for _, g := range strings.Split(opts.groups, ",") {
			if g = strings.Trim(g, " \t\n"); g != "" {
				q.groups = append(q.groups, g)
			}
		}
	}
	// A single positional argument is the filter when --filter is absent.
	filter, hasFilter := opts.filter, x.Flags.Lookup("filter").Changed
	if !hasFilter && len(x.Args) == 1 {
		filter, hasFilter = x.Args[0], true
	}
	if hasFilter {
		re, err := regexp.CompilePOSIX(filter)
		if err != nil {
			q.filterBad = true
		} else {
			q.filter = re
		}
	}
	switch opts.fmt {
	case "", "table":
	case "json":
	default:
		return x.Errorf("unknown --format %s (golxc knows json)", quote.Short(opts.fmt))
	}
	entries := gather(q, source{lxcpath: x.LXCPath, level: 0})
	var cols []string
	if opts.fancyFormat != "" && opts.fancy && len(entries) > 0 {
		var bad string
		cols, bad = parseColumns(opts.fancyFormat)
		if bad != "" {
			// LXC checks the keys only when there is something to print,
			// and prints this even with -q.
			fmt.Fprintf(x.Stderr, "Invalid key: %s\n", bad)
			return nil
		}
	}
	if opts.fmt == "json" {
		return printJSON(x.Stdout, entries)
	}
	switch {
	case opts.fancy && cols == nil:
		printTable(x.Stdout, entries, defaultColumns)
	case opts.fancy:
		printTable(x.Stdout, entries, cols)
	default:
		width := 0
		if !opts.line {
			width = termWidth()
		}
		printNames(x.Stdout, entries, width, opts.line)
	}
	return nil
}

// termWidth is LXC's ls_get_term_width: the first of stdout, stderr, stdin
// that is a terminal, else 0.
func termWidth() int {
	for _, fd := range []int{1, 2, 0} {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
			return int(ws.Col)
		}
	}
	return 0
}
