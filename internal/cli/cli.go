// Package cli is the command-line layer shared by every lxc-* tool: LXC's
// common options (-n -P -o -l -q --rcfile -h -? --usage --version), its
// getopt-style parsing (options may follow positionals; the first
// positional is the container name when -n is absent), its help layout on
// stderr, and its exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/stage"
)

// Version is the LXC version we are compatible with: what --version
// prints. Our own build is in build.go.
var Version = "5.0.2"

// Tool describes one lxc-* program.
type Tool struct {
	Name string // e.g. "lxc-stop"
	// Short is a one-line summary (man page NAME section, completion).
	Short string
	// Help is LXC's help text from "Usage:" up to the "Common options :"
	// block, e.g. "lxc-stop --name=NAME\n\nlxc-stop stops ...\n\nOptions :\n...".
	// It is printed after "Usage: ".
	Help string
	// Flags adds the tool's own options, in the order --usage lists them.
	Flags func(f *pflag.FlagSet)
	// Run does the work. Return an *ExitError (Fail/Exit) to set the exit code.
	Run func(x *Ctx) error

	WithName       bool // has -n/--name
	NameFromArg    bool // the first positional is the name when -n is absent
	NameOptional   bool // no name needed (lxc-ls, lxc-monitor)
	RCFile         bool // has --rcfile (lxc-start/attach/execute give -f the same meaning)
	MultiPath      bool // -P may be repeated (lxc-monitor, lxc-top)
	NoInterspersed bool // stop option parsing at the first positional
	// Custom means the tool parses its own arguments (lxc-config,
	// lxc-checkconfig, lxc-update-config, lxc-usernsexec): Run gets the raw
	// arguments in Args and no common options are added.
	Custom bool
	// CompleteArgs completes positional arguments (shell completion).
	CompleteArgs func(x *Ctx, toComplete string) []string
	// AfterHelp runs after -h/--help printed the help, with the other
	// options parsed (lxc-create -t T -h then shows the template's help).
	AfterHelp func(x *Ctx)
	// UsageExtra is appended to the tool's own options in --usage, for
	// LXC's quirks (lxc-autostart's table lists --help a second time).
	UsageExtra []string
	// Prelude runs with the raw arguments before anything is parsed, so a
	// tool can start slow work early (lxc-start spawns its monitor).
	Prelude func(args []string)
}

// Ctx is what a tool's Run receives.
type Ctx struct {
	Tool     *Tool
	Name     string
	LXCPath  string   // the (first) -P value or the system default
	LXCPaths []string // every -P value (MultiPath tools)
	LogFile  string
	LogLevel string
	Quiet    bool
	RCFile   string
	Args     []string // positionals after the name was taken
	// Dash is the index in Args of the first argument after "--" (-1 if none).
	Dash   int
	Flags  *pflag.FlagSet
	Log    *log.Logger
	System *config.System
	Stdout io.Writer
	Stderr io.Writer
	// PathSet is true when -P was given.
	PathSet bool
}

// ExitError carries an exit code; Msg (if any) was already printed.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// Exit returns an error that makes the tool exit with code, printing nothing.
func Exit(code int) error { return &ExitError{Code: code} }

// Errorf logs an ERROR (stderr "PROG: NAME: msg" unless -q, and the log
// file) and returns an exit-1 error.
func (x *Ctx) Errorf(format string, args ...any) error {
	return x.Failf(1, format, args...)
}

// Failf is Errorf with an explicit exit code.
func (x *Ctx) Failf(code int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	x.Log.Errorf("%s", msg)
	return &ExitError{Code: code, Msg: msg}
}

// Plainf prints msg on stderr without any prefix (LXC prints some messages
// with plain fprintf, e.g. "Failed to load config for NAME"), unless -q.
func (x *Ctx) Plainf(format string, args ...any) {
	if !x.Quiet {
		fmt.Fprintf(x.Stderr, format+"\n", args...)
	}
}

// Infof prints "msg" on stdout unless -q.
func (x *Ctx) Infof(format string, args ...any) {
	if !x.Quiet {
		fmt.Fprintf(x.Stdout, format+"\n", args...)
	}
}

// Warnf prints "PROG: msg" on stderr unless -q, and logs a WARN.
func (x *Ctx) Warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	x.Log.Warnf("%s", msg)
	if !x.Quiet {
		fmt.Fprintf(x.Stderr, "%s: %s\n", x.Tool.Name, msg)
	}
}

// ContainerDir returns <lxcpath>/<name>.
func (x *Ctx) ContainerDir() string { return lxcpath.Dir(x.LXCPath, x.Name) }

// ConfigPath returns the config file to load: --rcfile if given, else
// <lxcpath>/<name>/config.
func (x *Ctx) ConfigPath() string {
	if x.RCFile != "" {
		return x.RCFile
	}
	return lxcpath.ConfigPath(x.LXCPath, x.Name)
}

// CommandArgs returns the positionals, which for lxc-start/attach/execute
// are the command to run.
func (x *Ctx) CommandArgs() []string { return x.Args }

// Main runs the tool with os.Args and exits. Hidden stages (monitor,
// container init, attach) are dispatched first, before any parsing.
func Main(t *Tool) {
	stage.Dispatch()
	MainArgs(t, os.Args[1:])
}

// MainArgs runs the tool with args and exits; the multicall binary calls it
// after stage.Dispatch, with the arguments that follow the tool's name.
func MainArgs(t *Tool, args []string) {
	if t.Prelude != nil {
		t.Prelude(args)
	}
	os.Exit(Run(t, args, os.Stdout, os.Stderr))
}

// commonHelp is LXC's fixed "Common options" block.
const commonHelp = `Common options :
  -o, --logfile=FILE               Output log to FILE instead of stderr
  -l, --logpriority=LEVEL          Set log priority to LEVEL
  -q, --quiet                      Don't produce any output
  -P, --lxcpath=PATH               Use specified container path
  -?, --help                       Give this help list
      --usage                      Give a short usage message
      --version                    Print the version number

Mandatory or optional arguments to long options are also mandatory or optional
for any corresponding short options.

See the %s man page for further information.

`

// HelpText returns the full --help text of t: LXC's text, then one footer
// line naming the golxc build (HelpFooter).
func HelpText(t *Tool) string {
	if t.Custom {
		return "Usage: " + t.Help
	}
	return "Usage: " + strings.TrimRight(t.Help, "\n") + "\n\n" + fmt.Sprintf(commonHelp, t.Name) + HelpFooter()
}

// HelpFooter is the last line of every tool's --help: which golxc build
// answered. LXC's help ends with a blank line, so the footer stands apart.
func HelpFooter() string { return Build().String() + "\n" }

// pathsValue collects every -P value.
type pathsValue struct{ v *[]string }

func (p pathsValue) String() string     { return strings.Join(*p.v, ",") }
func (p pathsValue) Type() string       { return "string" }
func (p pathsValue) Set(s string) error { *p.v = append(*p.v, s); return nil }

// NewFlagSet builds the tool's flag set in LXC's --usage order: the tool's
// options, -n, the help options, then the common ones.
func newFlagSet(t *Tool, x *Ctx, paths *[]string, help, helpQ, usage, version *bool) *pflag.FlagSet {
	fs := pflag.NewFlagSet(t.Name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(!t.NoInterspersed)
	if t.Flags != nil {
		t.Flags(fs)
	}
	if t.WithName {
		fs.StringVarP(&x.Name, "name", "n", "", "NAME of the container")
	}
	fs.BoolVarP(help, "help", "h", false, "Give this help list")
	fs.BoolVarP(helpQ, "help-question", "?", false, "Give this help list")
	fs.Lookup("help-question").Hidden = true
	fs.BoolVar(usage, "usage", false, "Give a short usage message")
	fs.BoolVar(version, "version", false, "Print the version number")
	fs.BoolVarP(&x.Quiet, "quiet", "q", false, "Don't produce any output")
	fs.StringVarP(&x.LogFile, "logfile", "o", "", "Output log to FILE instead of stderr")
	fs.StringVarP(&x.LogLevel, "logpriority", "l", "", "Set log priority to LEVEL")
	fs.VarP(pathsValue{paths}, "lxcpath", "P", "Use specified container path")
	if t.RCFile && fs.Lookup("rcfile") == nil {
		fs.StringVar(&x.RCFile, "rcfile", "", "Load configuration file FILE")
	}
	return fs
}

// usageText renders LXC's --usage output: the tool's options in table
// order, then the common block LXC appends to every table (including
// -n and --rcfile, whether or not the tool uses them), four per line with
// a tab before each continuation line.
func usageText(t *Tool, fs *pflag.FlagSet) string {
	common := map[string]bool{"name": true, "help": true, "help-question": true, "usage": true, "version": true,
		"quiet": true, "logfile": true, "logpriority": true, "lxcpath": true}
	var parts []string
	fs.VisitAll(func(f *pflag.Flag) {
		if common[f.Name] || f.Name == "rcfile" && f.Shorthand == "" || f.Hidden {
			return
		}
		upper := strings.ToUpper(f.Name)
		switch {
		case f.Value.Type() == "bool":
			parts = append(parts, bracket(f.Shorthand, f.Name, ""))
		case f.NoOptDefVal != "":
			parts = append(parts, bracket(f.Shorthand, f.Name, "[="+upper+"]"))
		default:
			parts = append(parts, bracket(f.Shorthand, f.Name, "="+upper))
		}
	})
	parts = append(parts, t.UsageExtra...)
	parts = append(parts, "[-n|--name=NAME]", "[-h|--help]", "[-?|--help]", "[--usage]", "[--version]",
		"[-q|--quiet]", "[-o|--logfile=LOGFILE]", "[-l|--logpriority=LOGPRIORITY]", "[-P|--lxcpath=LXCPATH]", "[--rcfile=RCFILE]")
	var b strings.Builder
	b.WriteString("Usage: " + t.Name + " ")
	for i, p := range parts {
		b.WriteString(p + " ")
		if (i+1)%4 == 0 {
			b.WriteString("\n\t")
		}
	}
	b.WriteString("\n")
	return b.String()
}

func bracket(short, long, arg string) string {
	if short != "" {
		return "[-" + short + "|--" + long + arg + "]"
	}
	return "[--" + long + arg + "]"
}

// translateFlagError turns pflag's messages into getopt's.
func translateFlagError(prog string, err error) string {
	s := err.Error()
	switch {
	case strings.HasPrefix(s, "unknown flag: "):
		return fmt.Sprintf("%s: unrecognized option '%s'", prog, strings.TrimPrefix(s, "unknown flag: "))
	case strings.HasPrefix(s, "unknown shorthand flag: "):
		// "unknown shorthand flag: 'z' in -z"
		rest := strings.TrimPrefix(s, "unknown shorthand flag: ")
		if i := strings.Index(rest, " in "); i > 0 {
			rest = rest[:i]
		}
		return fmt.Sprintf("%s: invalid option -- %s", prog, rest)
	case strings.HasPrefix(s, "flag needs an argument: "):
		rest := strings.TrimPrefix(s, "flag needs an argument: ")
		if strings.HasPrefix(rest, "--") {
			return fmt.Sprintf("%s: option '%s' requires an argument", prog, rest)
		}
		if i := strings.Index(rest, " in "); i > 0 {
			rest = rest[:i]
		}
		return fmt.Sprintf("%s: option requires an argument -- %s", prog, rest)
	}
	return fmt.Sprintf("%s: %s", prog, s)
}

// Run parses args and runs the tool; it returns the exit code.
func Run(t *Tool, args []string, stdout, stderr io.Writer) int {
	x := &Ctx{Tool: t, Stdout: stdout, Stderr: stderr, Dash: -1}
	x.Log = log.New(t.Name, "")
	x.Log.SetStderr(stderr)
	x.System = config.LoadSystem()
	if t.Custom {
		x.Args = args
		x.LXCPath = x.System.LXCPath
		return finish(x, t.Run(x))
	}
	cmd := Command(t, x)
	cmd.SetArgs(glueOptional(cmd.Flags(), args, t.NoInterspersed))
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.Execute()
	return finish(x, err)
}

// glueOptional gives a short option with an optional argument getopt's
// meaning: "-eCAP" is -e with the value CAP (pflag would read -e -C -A -P).
// It rewrites such an argument to "-e=CAP", skipping the values of options
// that take one and stopping at "--".
func glueOptional(fs *pflag.FlagSet, args []string, noInterspersed bool) []string {
	out := append([]string(nil), args...)
	takesValue := func(f *pflag.Flag) bool {
		return f != nil && f.NoOptDefVal == "" && f.Value.Type() != "bool"
	}
	for i := 0; i < len(out); i++ {
		a := out[i]
		switch {
		case a == "--":
			return out
		case strings.HasPrefix(a, "--"):
			name, _, glued := strings.Cut(a[2:], "=")
			if !glued && takesValue(fs.Lookup(name)) {
				i++
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				f := fs.ShorthandLookup(a[j : j+1])
				if f == nil || a[j:j+1] == "=" {
					break
				}
				if takesValue(f) {
					if j == len(a)-1 {
						i++
					}
					break
				}
				if f.NoOptDefVal != "" && f.Value.Type() != "bool" {
					if j+1 < len(a) && a[j+1] != '=' {
						out[i] = a[:j+1] + "=" + a[j+1:]
					}
					break
				}
			}
		default:
			if noInterspersed {
				return out
			}
		}
	}
	return out
}

func finish(x *Ctx, err error) int {
	defer x.Log.Close()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	// An unexpected error: report it once, LXC style.
	x.Log.Errorf("%v", err)
	return 1
}

// Command builds the cobra command for t, binding parsed values into x.
// It is also what the man page and completion generators read.
func Command(t *Tool, x *Ctx) *cobra.Command {
	var paths []string
	var help, helpQ, usage, version bool
	cmd := &cobra.Command{
		Use:           t.Name,
		Short:         t.Short,
		Long:          "Usage: " + t.Help,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: true,
		},
	}
	fs := newFlagSet(t, x, &paths, &help, &helpQ, &usage, &version)
	cmd.Flags().AddFlagSet(fs)
	cmd.Flags().SortFlags = false
	cmd.Flags().SetInterspersed(!t.NoInterspersed)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintln(x.Stderr, translateFlagError(t.Name, err))
		fmt.Fprint(x.Stderr, HelpText(t))
		return Exit(1)
	})
	// cobra handles -h/--help itself (after parsing the other options)
	// and calls this instead of RunE.
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		fmt.Fprint(x.Stderr, HelpText(t))
		if t.AfterHelp != nil {
			x.Flags = c.Flags()
			x.Args = args
			x.LXCPath = x.System.LXCPath
			if len(paths) > 0 {
				x.LXCPath = paths[0]
			}
			t.AfterHelp(x)
		}
	})
	if t.WithName {
		cmd.RegisterFlagCompletionFunc("name", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			p := x.System.LXCPath
			if len(paths) > 0 {
				p = paths[0]
			}
			names, _ := lxcpath.List(p)
			return names, cobra.ShellCompDirectiveNoFileComp
		})
	}
	cmd.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if t.CompleteArgs != nil {
			return t.CompleteArgs(x, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		if t.WithName && t.NameFromArg && len(args) == 0 && x.Name == "" {
			names, _ := lxcpath.List(x.System.LXCPath)
			return names, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveDefault
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		switch {
		case helpQ:
			fmt.Fprint(x.Stderr, HelpText(t))
			return Exit(1)
		case help:
			c.HelpFunc()(c, args)
			return Exit(0)
		case usage:
			fmt.Fprint(x.Stderr, usageText(t, c.Flags()))
			return Exit(0)
		case version:
			fmt.Fprintln(x.Stdout, Version)
			return Exit(0)
		}
		x.Flags = c.Flags()
		x.Dash = c.ArgsLenAtDash()
		if len(paths) > 1 && !t.MultiPath {
			fmt.Fprintf(x.Stderr, "This command only accepts 1 -P,--lxcpath arguments\n")
			return Exit(1)
		}
		for i, p := range paths {
			p = strings.TrimRight(p, "/")
			if p == "" {
				p = "/"
			}
			paths[i] = p
		}
		x.LXCPaths = paths
		x.PathSet = len(paths) > 0
		if len(paths) > 0 {
			x.LXCPath = paths[0]
		} else {
			x.LXCPath = x.System.LXCPath
			x.LXCPaths = []string{x.LXCPath}
		}
		x.Args = args
		if t.WithName && x.Name == "" && t.NameFromArg && len(args) > 0 && (x.Dash != 0) {
			x.Name = args[0]
			x.Args = args[1:]
			if x.Dash > 0 {
				x.Dash--
			}
			// "lxc-attach c1 -- cmd" with non-interspersed parsing keeps the
			// "--" in the arguments; drop it.
			if t.NoInterspersed && len(x.Args) > 0 && x.Args[0] == "--" {
				x.Args = x.Args[1:]
				x.Dash = 0
			}
		}
		if t.WithName && !t.NameOptional && x.Name == "" {
			fmt.Fprintf(x.Stderr, "%s: No container name specified\n", t.Name)
			return Exit(1)
		}
		if x.Name != "" {
			if err := lxcpath.ValidateName(x.Name); err != nil {
				fmt.Fprintf(x.Stderr, "%s: %v\n", t.Name, err)
				return Exit(1)
			}
		}
		if err := x.setupLog(); err != nil {
			fmt.Fprintf(x.Stderr, "%s: %v\n", t.Name, err)
		}
		return t.Run(x)
	}
	return cmd
}

// setupLog applies -o/-l/-q with LXC's defaults.
func (x *Ctx) setupLog() error {
	x.Log.SetName(x.Name)
	x.Log.SetQuiet(x.Quiet)
	if x.LogLevel != "" {
		lv, _ := log.ParseLevel(x.LogLevel)
		x.Log.SetLevel(lv)
	}
	file := x.LogFile
	if file == "" && x.LogLevel != "" && x.Name != "" {
		file = lxcpath.DefaultLogFile(x.LXCPath, x.System.LXCPath, x.Name)
		// LXC ignores a failure to open the default file.
		if err := x.Log.OpenFile(file); err != nil {
			return nil
		}
		return nil
	}
	if file != "" && file != "none" {
		if !filepath.IsAbs(file) {
			if abs, err := filepath.Abs(file); err == nil {
				file = abs
			}
		}
		x.LogFile = file
		return x.Log.OpenFile(file)
	}
	return nil
}
