// Package hooks runs lxc.hook.* scripts with LXC's calling convention:
// each value is run as /bin/sh -c "exec VALUE ARGS", with version-0
// arguments "NAME lxc TYPE [extra...]" (network scripts "NAME net up|down
// TYPE [...]") or, with lxc.hook.version = 1, only the extra arguments and
// the rest in LXC_HOOK_* environment variables.
package hooks

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/golxc/golxc/internal/quote"
)

// Env is the hook environment LXC documents (layout.md §6.3).
type Env struct {
	Name        string
	ConfigFile  string
	RootfsMount string
	RootfsPath  string
	Console     string
	ConsoleLog  string
	LogLevel    string
	Version     int
	PID         int    // LXC_PID, from start-host on
	Target      string // LXC_TARGET: stop or reboot
	// Namespaces are the container's namespaces the monitor holds open,
	// exposed to network down scripts, stop and post-stop hooks as
	// LXC_<KIND>_NS=/proc/MONITOR/fd/N (and, to version-0 stop hooks, as
	// arguments KIND:/proc/MONITOR/fd/N), as LXC does.
	Namespaces  []Namespace
	Extra       []string
	Environment []string // lxc.environment entries
	Shell       string   // defaults to /bin/sh
	// OutsideStart marks the hooks run by a tool (clone, destroy): LXC
	// sets LXC_CGNS_AWARE, LXC_LOG_LEVEL and LXC_HOOK_VERSION only when a
	// container starts.
	OutsideStart bool
	// Base is the inherited environment (LXC's hooks inherit the
	// monitor's, i.e. the starting command's); nil: this process's.
	Base []string
}

// Namespace is one namespace a hook can enter with nsenter: its kind
// (LXC's proc name: mnt, pid, uts, ipc, net, cgroup, user, time) and a
// path to a descriptor of it.
type Namespace struct {
	Kind, Path string
}

// NamespaceArgs are the version-0 stop hook's extra arguments.
func (e *Env) NamespaceArgs() []string {
	var out []string
	for _, n := range e.Namespaces {
		out = append(out, n.Kind+":"+n.Path)
	}
	return out
}

// vars are the LXC_* variables, as LXC's lxc_init and run_lxc_hooks set
// them: unset values are left out, not empty.
func (e *Env) vars(section, typ string) []string {
	v := []string{"LXC_NAME=" + e.Name}
	for _, kv := range [][2]string{{"LXC_CONFIG_FILE", e.ConfigFile}, {"LXC_ROOTFS_MOUNT", e.RootfsMount}, {"LXC_ROOTFS_PATH", e.RootfsPath}} {
		if kv[1] != "" {
			v = append(v, kv[0]+"="+kv[1])
		}
	}
	if !e.OutsideStart {
		if cgroupNSAware() {
			v = append(v, "LXC_CGNS_AWARE=1")
		}
		v = append(v, "LXC_LOG_LEVEL="+e.LogLevel, fmt.Sprintf("LXC_HOOK_VERSION=%d", e.Version))
	}
	if e.Console != "" {
		v = append(v, "LXC_CONSOLE="+e.Console)
	}
	if e.ConsoleLog != "" {
		v = append(v, "LXC_CONSOLE_LOGPATH="+e.ConsoleLog)
	}
	if e.Version == 1 {
		v = append(v, "LXC_HOOK_TYPE="+typ, "LXC_HOOK_SECTION="+section)
	}
	if e.PID > 0 {
		v = append(v, fmt.Sprintf("LXC_PID=%d", e.PID))
	}
	if e.Target != "" {
		v = append(v, "LXC_TARGET="+e.Target)
	}
	for _, n := range e.Namespaces {
		v = append(v, "LXC_"+strings.ToUpper(n.Kind)+"_NS="+n.Path)
	}
	return v
}

// cgroupNSAware is LXC's cgns_supported(): LXC_CGNS_AWARE=1 tells hooks
// the kernel has cgroup namespaces.
func cgroupNSAware() bool {
	_, err := os.Stat("/proc/self/ns/cgroup")
	return err == nil
}

// Run runs every command of one hook type in order; the first failure stops
// and is returned with the hook's stderr tail.
func Run(cmds []string, typ string, env *Env, extraArgs []string, extraEnv []string) error {
	for _, c := range cmds {
		if err := runOne(c, "lxc", typ, env, extraArgs, extraEnv); err != nil {
			return err
		}
	}
	return nil
}

// RunNet runs a network script (script.up / script.down).
func RunNet(cmd, action string, env *Env, netArgs []string, extraEnv []string) error {
	return runOne(cmd, "net", action, env, netArgs, extraEnv)
}

func runOne(value, section, typ string, env *Env, extraArgs, extraEnv []string) error {
	base := env.Base
	if base == nil {
		base = BaseEnv()
	}
	sh, argv, envv := Command(value, section, typ, env, extraArgs, base)
	cmd := exec.Command(sh, argv[1:]...)
	cmd.Env = append(envv, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stdout = nil
	cmd.Stderr = &stderr
	cmd.Stdin = nil
	// A hook dies with the process that runs it (a killed monitor or
	// tool): nothing it would wait for is left to wait for, and a hook
	// that blocks must not outlive its container.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		if msg != "" {
			return fmt.Errorf("%s: %v: %s", FailurePrefix(typ, value), err, msg)
		}
		return fmt.Errorf("%s: %v", FailurePrefix(typ, value), err)
	}
	return nil
}

// Command is how one hook value runs: the shell to execute, its argv
// (sh -c "exec VALUE ARGS") and its environment (base, then
// lxc.environment, then the LXC_* variables). The container supervisor
// runs the hooks of a stage-2 from exactly this.
func Command(value, section, typ string, env *Env, extraArgs, base []string) (shell string, argv, envv []string) {
	var args []string
	if env.Version == 0 {
		args = append(args, env.Name, section, typ)
	}
	args = append(args, extraArgs...)
	line := "exec " + value
	if len(args) > 0 {
		line += " " + strings.Join(args, " ")
	}
	sh := env.Shell
	if sh == "" {
		sh = "/bin/sh"
	}
	envv = append(append(append([]string(nil), base...), env.Environment...), env.vars(section, typ)...)
	return sh, []string{sh, "-c", line}, envv
}

// FailurePrefix starts the error of a failed hook.
func FailurePrefix(typ, value string) string {
	return fmt.Sprintf("%s hook %s failed", typ, quote.Short(value))
}

// BaseEnv is this process's environment, which hooks inherit in LXC when
// this is the monitor, minus our internal stage variables; PATH is
// guaranteed.
func BaseEnv() []string {
	var out []string
	hasPath := false
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "_GOLXC_") {
			continue
		}
		if strings.HasPrefix(kv, "PATH=") {
			hasPath = true
		}
		out = append(out, kv)
	}
	if !hasPath {
		out = append(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return out
}
