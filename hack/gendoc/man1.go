package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/all"
)

// Sections every tool page must have in its hand-written part.
var toolSections = []string{"DESCRIPTION", "EXIT STATUS", "EXAMPLES", "FILES", "SEE ALSO"}

// toolSummary is each page's NAME line, apropos(1)'s answer (the tools'
// Short strings are LXC's help headlines, which often are not summaries).
var toolSummary = map[string]string{
	"lxc-attach":        "run a command inside a running container",
	"lxc-autostart":     "start, stop, reboot or kill the containers marked for autostart",
	"lxc-cgroup":        "read or write a cgroup file of a running container",
	"lxc-checkconfig":   "check the kernel and host for container support",
	"lxc-checkpoint":    "checkpoint and restore a container",
	"lxc-config":        "query the LXC system configuration",
	"lxc-console":       "connect to a tty or the console of a container",
	"lxc-copy":          "copy, snapshot-copy or rename a container",
	"lxc-create":        "create a container",
	"lxc-destroy":       "destroy a container",
	"lxc-device":        "add devices to or remove them from a running container",
	"lxc-execute":       "run an application in a container",
	"lxc-freeze":        "freeze all the processes of a container",
	"lxc-info":          "print information about a container",
	"lxc-ls":            "list containers",
	"lxc-monitor":       "print containers' state changes",
	"lxc-snapshot":      "take, list, restore and destroy snapshots of a container",
	"lxc-start":         "start a container",
	"lxc-stop":          "stop, reboot or kill a container",
	"lxc-top":           "show the resource use of running containers",
	"lxc-unfreeze":      "thaw the processes of a frozen container",
	"lxc-unpriv-attach": "run lxc-attach from a cgroup delegated to the calling user",
	"lxc-unpriv-start":  "run lxc-start in a cgroup delegated to the calling user",
	"lxc-unshare":       "run a command in new namespaces",
	"lxc-update-config": "convert a pre-3.0 container configuration to the current keys",
	"lxc-usernsexec":    "run a command as root of a new user namespace",
	"lxc-wait":          "wait for a container to reach a state",
}

// commonFlags are the options every getopt tool has (cli.newFlagSet);
// they are documented once per page under COMMON OPTIONS.
var commonFlags = map[string]string{
	"logfile":     "Write the log to FILE (its directories are made) instead of the default; `none` writes no log file.",
	"logpriority": "Log events of LEVEL and above to the log file: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR (the default), CRIT, ALERT, FATAL. Without -o, the log goes to /var/log/lxc/NAME.log (root, default lxcpath) or LXCPATH/NAME/NAME.log. What reaches the terminal is always ERROR and above.",
	"quiet":       "Print nothing on standard error or output but what the command itself produces.",
	"lxcpath":     "Use PATH as the container directory instead of lxc.lxcpath of lxc.system.conf(5) (root: /var/lib/lxc).",
	"help":        "Print the help on standard error and exit 0. Its last line names the golxc build.",
	"usage":       "Print a short usage message on standard error and exit 0.",
	"version":     "Print LXC's version (5.0.2) and exit 0; scripts compare it. `golxc --version` also prints the golxc build.",
	"rcfile":      "Load FILE instead of LXCPATH/NAME/config as the container's configuration.",
}

// argName finds the argument name LXC's help gives an option
// ("--rcfile=FILE", "--define KEY=VAL"), else the option's name in capitals.
func argName(help, long string) string {
	re := regexp.MustCompile(`--` + regexp.QuoteMeta(long) + `(?:\[=|=| )([A-Za-z][A-Za-z_<>=.-]*)`)
	for _, m := range re.FindAllStringSubmatch(help, -1) {
		if strings.ToUpper(m[1][:1]) == m[1][:1] {
			return strings.TrimSuffix(m[1], "]")
		}
	}
	return strings.ToUpper(strings.ReplaceAll(long, "-", "_"))
}

// optionTerm renders an option's names and argument in bold/italic.
func optionTerm(f *pflag.Flag, arg string) string {
	var names []string
	if f.Shorthand != "" {
		names = append(names, "**-"+mdEscape(f.Shorthand)+"**")
	}
	long := "**--" + mdEscape(f.Name) + "**"
	switch {
	case f.Name == "help-question":
		return "**-?**"
	case f.Value.Type() == "bool":
	case f.NoOptDefVal != "":
		long += "[=*" + mdEscape(arg) + "*]"
	default:
		long += "=*" + mdEscape(arg) + "*"
	}
	return strings.Join(append(names, long), ", ")
}

func genToolPages(dir string) error {
	for _, t := range all.Tools {
		md, err := toolPage(t)
		if err != nil {
			return err
		}
		if err := writePage(dir, t.Name, "1", md); err != nil {
			return err
		}
	}
	md, err := golxcPage()
	if err != nil {
		return err
	}
	return writePage(dir, "golxc", "1", md)
}

// toolPage assembles one tool's page: NAME and SYNOPSIS from the tool's
// definition, the hand-written sections, OPTIONS from its flag set (with
// the hand-written notes), COMMON OPTIONS, and the build.
func toolPage(t *cli.Tool) (string, error) {
	p, err := loadPage(t.Name)
	if err != nil {
		return "", err
	}
	for _, s := range toolSections {
		if strings.TrimSpace(p.sections[s]) == "" {
			return "", fmt.Errorf("pages/%s.md: section %s is missing or empty", t.Name, s)
		}
	}
	var b strings.Builder
	b.WriteString(titleBlock(t.Name, "1"))
	summary, ok := toolSummary[t.Name]
	if !ok {
		return "", fmt.Errorf("%s has no summary in toolSummary (hack/gendoc/man1.go)", t.Name)
	}
	fmt.Fprintf(&b, "# NAME\n%s - %s\n\n", t.Name, summary)
	usage := strings.SplitN(strings.TrimSpace(t.Help), "\n", 2)[0]
	if syn := p.sections["SYNOPSIS"]; syn != "" {
		fmt.Fprintf(&b, "# SYNOPSIS\n%s\n\n", syn)
	} else {
		fmt.Fprintf(&b, "# SYNOPSIS\n**%s** [*OPTION*]... %s\n\n", t.Name, mdEscape(strings.TrimSpace(strings.TrimPrefix(usage, t.Name))))
	}
	fmt.Fprintf(&b, "# DESCRIPTION\n%s\n\n", p.sections["DESCRIPTION"])

	if t.Custom {
		// These tools parse their own arguments: every option is in the
		// hand-written part.
		if intro := p.sections["OPTIONS"]; intro != "" || len(p.options) > 0 {
			b.WriteString("# OPTIONS\n" + intro + "\n\n")
			for _, name := range sortedKeys(p.options) {
				fmt.Fprintf(&b, "%s\n%s\n", "**"+mdEscape(name)+"**", definition(p.options[name]))
			}
			b.WriteString("\n")
		}
	} else {
		fs := command(t).Flags()
		help := cli.HelpText(t)
		used := map[string]bool{}
		var name, own, common strings.Builder
		fs.VisitAll(func(f *pflag.Flag) {
			text, isCommon := commonFlags[f.Name]
			if f.Name == "help-question" {
				text, isCommon = "As --help, but exit 1 (getopt's answer to an unknown option).", true
			}
			if f.Name == "rcfile" && t.RCFile && f.Shorthand != "" {
				isCommon = false // lxc-start -f is the tool's own --rcfile
			}
			if f.Name == "name" {
				text = "The container's name."
				if t.NameFromArg {
					text += " Without -n, the first argument that is not an option is the name."
				}
			}
			if !isCommon && text == "" {
				text = f.Usage
			}
			text = mdEscape(text)
			arg := argName(help, f.Name)
			for key, note := range p.options {
				k, a, hasArg := strings.Cut(key, "=")
				if k == "--"+f.Name || f.Shorthand != "" && k == "-"+f.Shorthand {
					text, used[key] = note, true // hand-written Markdown
					if hasArg {
						arg = a
					}
				}
			}
			entry := optionTerm(f, arg) + "\n" + definition(text) + "\n"
			switch {
			case f.Name == "name":
				name.WriteString(entry)
			case isCommon:
				common.WriteString(entry)
			default:
				own.WriteString(entry)
			}
		})
		for key := range p.options {
			if !used[key] {
				return "", fmt.Errorf("pages/%s.md: a note for option %s, which %s does not have", t.Name, key, t.Name)
			}
		}
		b.WriteString("# OPTIONS\n")
		if intro := p.sections["OPTIONS"]; intro != "" {
			b.WriteString(intro + "\n\n")
		}
		b.WriteString(name.String() + own.String() + "\n# COMMON OPTIONS\n" + common.String() + "\n")
	}
	for _, s := range p.order {
		switch s {
		case "SYNOPSIS", "DESCRIPTION", "OPTIONS":
			continue
		}
		fmt.Fprintf(&b, "# %s\n%s\n\n", s, p.sections[s])
	}
	b.WriteString(versionSection())
	return b.String(), nil
}

// golxcPage documents the multicall binary.
func golxcPage() (string, error) {
	p, err := loadPage("golxc")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(titleBlock("golxc", "1"))
	b.WriteString("# NAME\ngolxc - LXC's userspace tools in one binary\n\n")
	for _, s := range p.order {
		fmt.Fprintf(&b, "# %s\n%s\n\n", s, p.sections[s])
		if s == "DESCRIPTION" {
			b.WriteString("# COMMANDS\n")
			for _, t := range all.Tools {
				fmt.Fprintf(&b, "**%s**, **%s**(1)\n: %s\n\n", strings.TrimPrefix(t.Name, "lxc-"), t.Name,
					mdEscape(strings.TrimPrefix(t.Short, t.Name+" ")))
			}
		}
	}
	b.WriteString(versionSection())
	return b.String(), nil
}
