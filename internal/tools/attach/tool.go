// Package attachtool implements lxc-attach: run a command inside a running
// container, in its namespaces, cgroups and security context.
//
// The parent (this process) asks the container's monitor for the init's
// pidfd and the attach context, starts a sealed copy of itself whose C
// constructor (internal/nsenter) joins the namespaces and forks the
// attached process as our child, and then proxies a pty or simply waits.
// The attached process finishes its setup in Go (the "attach" stage,
// child_linux.go) and execs the command.
package attachtool

import (
	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
)

// Environment policies (--keep-env / --clear-env: the last one given wins).
const (
	keepEnv = iota
	clearEnv
)

type options struct {
	elevAll    bool     // a bare -e: every privilege
	elevTokens []string // glued -e values, OR'd together as in LXC
	arch       string
	namespaces string
	remount    bool
	envPolicy  int
	keepVars   []string
	setVars    []string
	ptyLog     string
	rcfile     string
	uid, gid   string
	context    string
}

var opts options

// envFlag is a no-argument option that sets the shared env policy, so the
// last of --keep-env/--clear-env wins as with getopt.
type envFlag struct {
	policy *int
	value  int
}

func (e envFlag) String() string     { return "false" }
func (e envFlag) Type() string       { return "bool" }
func (e envFlag) IsBoolFlag() bool   { return true }
func (e envFlag) Set(s string) error { *e.policy = e.value; return nil }

// elevAllValue is pflag's value for a bare -e (no glued argument).
const elevAllValue = "\x00all"

// elevFlag records every -e; LXC ORs repeated ones together.
type elevFlag struct{ o *options }

func (e elevFlag) String() string { return "" }
func (e elevFlag) Type() string   { return "string" }
func (e elevFlag) Set(s string) error {
	if s == elevAllValue {
		e.o.elevAll = true
	} else {
		e.o.elevTokens = append(e.o.elevTokens, s)
	}
	return nil
}

func flags(f *pflag.FlagSet) {
	opts = options{}
	fl := f.VarPF(elevFlag{&opts}, "elevated-privileges", "e", "Use elevated privileges instead of those of the container")
	fl.NoOptDefVal = elevAllValue
	f.StringVarP(&opts.arch, "arch", "a", "", "Use ARCH for program instead of container's own architecture")
	f.StringVarP(&opts.namespaces, "namespaces", "s", "", "Don't attach to all the namespaces of the container")
	f.BoolVarP(&opts.remount, "remount-sys-proc", "R", false, "Remount /sys and /proc if not attaching to the mount namespace")
	f.Var(envFlag{&opts.envPolicy, clearEnv}, "clear-env", "Clear all environment variables before attaching")
	f.Lookup("clear-env").NoOptDefVal = "true"
	f.Var(envFlag{&opts.envPolicy, keepEnv}, "keep-env", "Keep all current environment variables")
	f.Lookup("keep-env").NoOptDefVal = "true"
	f.StringArrayVar(&opts.keepVars, "keep-var", nil, "Keep an additional environment variable")
	f.StringArrayVarP(&opts.setVars, "set-var", "v", nil, "Set an additional variable")
	f.StringVarP(&opts.ptyLog, "pty-log", "L", "", "Log pty output to FILE")
	f.StringVarP(&opts.rcfile, "rcfile", "f", "", "Load configuration file FILE")
	f.StringVarP(&opts.uid, "uid", "u", "", "Execute COMMAND with UID inside the container")
	f.StringVarP(&opts.gid, "gid", "g", "", "Execute COMMAND with GID inside the container")
	f.StringVarP(&opts.context, "context", "c", "", "SELinux Context to transition into")
}

// Tool is lxc-attach.
var Tool = &cli.Tool{
	Name:  "lxc-attach",
	Short: "lxc-attach --name=NAME [-- COMMAND]",
	Help: `lxc-attach --name=NAME [-- COMMAND]

Execute the specified COMMAND - enter the container NAME

Options :
  -n, --name=NAME   NAME of the container
  -e, --elevated-privileges=PRIVILEGES
                    Use elevated privileges instead of those of the
                    container. If you don't specify privileges to be
                    elevated as OR'd list: CAP, CGROUP and LSM (capabilities,
                    cgroup and restrictions, respectively) then all of them
                    will be elevated.
                    WARNING: This may leak privileges into the container.
                    Use with care.
  -a, --arch=ARCH   Use ARCH for program instead of container's own
                    architecture.
  -s, --namespaces=FLAGS
                    Don't attach to all the namespaces of the container
                    but just to the following OR'd list of flags:
                    MOUNT, PID, UTSNAME, IPC, USER or NETWORK.
                    WARNING: Using -s implies -e with all privileges
                    elevated, it may therefore leak privileges into the
                    container. Use with care.
  -R, --remount-sys-proc
                    Remount /sys and /proc if not attaching to the
                    mount namespace when using -s in order to properly
                    reflect the correct namespace context. See the
                    lxc-attach(1) manual page for details.
      --clear-env   Clear all environment variables before attaching.
                    The attached shell/program will start with only
                    container=lxc set.
      --keep-env    Keep all current environment variables. This
                    is the current default behaviour, but is likely to
                    change in the future.
  -L, --pty-log=FILE
                    Log pty output to FILE
  -v, --set-var     Set an additional variable that is seen by the
                    attached program in the container. May be specified
                    multiple times.
      --keep-var    Keep an additional environment variable. Only
                    applicable if --clear-env is specified. May be used
                    multiple times.
  -f, --rcfile=FILE
                    Load configuration file FILE
  -u, --uid=UID     Execute COMMAND with UID inside the container
  -g, --gid=GID     Execute COMMAND with GID inside the container
  -c, --context=context
                    SELinux Context to transition into
`,
	WithName:    true,
	NameFromArg: true,
	RCFile:      true,
	Flags:       flags,
	Run:         run,
}
