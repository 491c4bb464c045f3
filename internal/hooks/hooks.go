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
	Extra       []string
	Environment []string // lxc.environment entries
	Shell       string   // defaults to /bin/sh
}

func (e *Env) vars(section, typ string) []string {
	v := []string{
		"LXC_NAME=" + e.Name,
		"LXC_CONFIG_FILE=" + e.ConfigFile,
		"LXC_ROOTFS_MOUNT=" + e.RootfsMount,
		"LXC_ROOTFS_PATH=" + e.RootfsPath,
		"LXC_CGNS_AWARE=1",
		"LXC_LOG_LEVEL=" + e.LogLevel,
		fmt.Sprintf("LXC_HOOK_VERSION=%d", e.Version),
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
	return v
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
	sh, argv, envv := Command(value, section, typ, env, extraArgs, baseEnv())
	cmd := exec.Command(sh, argv[1:]...)
	cmd.Env = append(envv, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stdout = nil
	cmd.Stderr = &stderr
	cmd.Stdin = nil
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
	return fmt.Sprintf("%s hook %q failed", typ, value)
}

// baseEnv is the monitor's own environment, which hooks inherit in LXC,
// minus our internal stage variables; PATH is guaranteed.
func baseEnv() []string {
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
