// Package launch turns a tool's command line (lxc-start, lxc-execute,
// lxc-autostart, lxc-copy -e) into a runner.Spec: it loads the container's
// configuration, applies -s defines and the console/share options, and
// resolves logging the way LXC does.
package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/runner"
)

// Options are the start-related command-line options.
type Options struct {
	RCFile     string
	Defines    []string
	Console    string
	ConsoleLog string
	Share      map[string]string // net ipc uts pid -> NAME or PID
	Command    []string
	Execute    bool
	Foreground bool
	PidFile    string
	UID, GID   string // lxc-execute -u/-g
}

// ErrNoConfig is LXC's refusal to start a container that has no config.
type ErrNoConfig struct{ Msg string }

func (e *ErrNoConfig) Error() string { return e.Msg }

// Prepare loads the configuration and builds the spec. Deprecation
// warnings of legacy keys are printed (once each) unless -q.
func Prepare(x *cli.Ctx, o Options) (*runner.Spec, error) {
	cfgPath := lxcpath.ConfigPath(x.LXCPath, x.Name)
	if o.RCFile != "" {
		abs, err := filepath.Abs(o.RCFile)
		if err == nil {
			cfgPath = abs
		}
	} else if _, err := os.Stat(cfgPath); err != nil {
		return nil, &ErrNoConfig{"No container config specified"}
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	for _, d := range o.Defines {
		if err := c.Define(d); err != nil {
			return nil, err
		}
	}
	// Command-line settings are applied as configuration lines, so that
	// they are part of the configuration a monitor or a reboot rebuilds
	// from its lines (runner.Spec).
	set := func(key, value string) error {
		return c.Set(key, value, config.Source{File: "command line"})
	}
	if o.Console != "" {
		if err := set("lxc.console.path", o.Console); err != nil {
			return nil, err
		}
	}
	if o.ConsoleLog != "" {
		if err := set("lxc.console.logfile", o.ConsoleLog); err != nil {
			return nil, err
		}
	}
	for ns, v := range o.Share {
		if v != "" {
			c.NamespaceShare[ns] = v
		}
	}
	for _, ns := range config.NamespaceNames {
		if v, ok := c.NamespaceShare[ns]; ok && v != "" {
			if err := set("lxc.namespace.share."+ns, runner.ResolveShareTarget(v)); err != nil {
				return nil, err
			}
		}
	}
	if o.UID != "" {
		if _, err := strconv.ParseUint(o.UID, 10, 32); err != nil {
			return nil, fmt.Errorf("invalid uid %s", quote.Short(o.UID))
		}
		if err := set("lxc.init.uid", o.UID); err != nil {
			return nil, err
		}
	}
	if o.GID != "" {
		if _, err := strconv.ParseUint(o.GID, 10, 32); err != nil {
			return nil, fmt.Errorf("invalid gid %s", quote.Short(o.GID))
		}
		if err := set("lxc.init.gid", o.GID); err != nil {
			return nil, err
		}
	}
	// Refused before anything is made; what a start will not apply is
	// said once here, on the terminal.
	warnings, err := runner.CheckConfig(c)
	if err != nil {
		return nil, err
	}
	if err := preflightUser(c, commandLine()); err != nil {
		// Every problem on its own line; the caller prints the last.
		var pe *PreflightError
		if errors.As(err, &pe) && len(pe.Problems) > 1 {
			for _, p := range pe.Problems[:len(pe.Problems)-1] {
				x.Log.Errorf("%s", p)
			}
			return nil, errors.New(pe.Problems[len(pe.Problems)-1])
		}
		return nil, err
	}
	if !x.Quiet {
		for _, w := range append(c.Warnings, warnings...) {
			fmt.Fprintf(x.Stderr, "%s: %s: %s\n", x.Tool.Name, x.Name, w)
		}
	}
	spec := &runner.Spec{
		Name: x.Name, LXCPath: x.LXCPath, ConfigFile: cfgPath, Config: c,
		Command: o.Command, Execute: o.Execute, Foreground: o.Foreground,
		PidFile: o.PidFile, Prog: x.Tool.Name, Quiet: x.Quiet,
	}
	if spec.PidFile != "" {
		if abs, err := filepath.Abs(spec.PidFile); err == nil {
			spec.PidFile = abs
		}
	}
	spec.LogFile, spec.LogLevel = resolveLog(x, c)
	return spec, nil
}

// resolveLog applies LXC's precedence: -o/-l on the command line, else
// lxc.log.file/lxc.log.level of the config, else no file at ERROR.
func resolveLog(x *cli.Ctx, c *config.Container) (string, int) {
	level := int(log.Error)
	if x.LogLevel != "" {
		if lv, ok := log.ParseLevel(x.LogLevel); ok {
			level = int(lv)
		}
	} else if c.LogLevel >= 0 {
		level = c.LogLevel
	}
	file := x.LogFile
	if file == "" && x.LogLevel != "" {
		file = lxcpath.DefaultLogFile(x.LXCPath, x.System.LXCPath, x.Name)
	}
	if file == "" {
		file = c.LogFile
	}
	if file == "none" {
		file = ""
	}
	if file != "" {
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		os.MkdirAll(filepath.Dir(file), 0o755)
		// Make sure the monitor can append; a failure is reported later.
		if f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW, 0o640); err == nil {
			f.Close()
		}
	}
	return file, level
}

// FailureMessage is the one line printed when a start fails.
func FailureMessage(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "The container failed to start") {
		return msg
	}
	return "The container failed to start: " + msg
}

// commandLine is how the tool was called, for messages that tell the user
// to run it again differently.
func commandLine() string {
	var out []string
	for i, a := range os.Args {
		if i == 0 {
			a = filepath.Base(a)
		}
		if a == "" || strings.ContainsAny(a, " \t\n'\"$`\\*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}
