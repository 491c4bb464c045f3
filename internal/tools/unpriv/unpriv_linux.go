package unprivtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/runner"
	"github.com/golxc/golxc/internal/userns"
)

func run(x *cli.Ctx, targetName string) error {
	for _, a := range x.Args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" {
			fmt.Fprint(x.Stdout, cli.HelpText(x.Tool))
			fmt.Fprint(x.Stdout, cli.HelpFooter())
			return cli.Exit(0)
		}
	}
	target, err := sibling(targetName)
	if err != nil {
		return x.Errorf("%v", err)
	}
	p := hostProbe(x.Tool.Name, x.Args)
	d := plan(p, x.Tool.Name, target, x.Args)
	if d.fail != "" {
		return x.Errorf("%s", d.fail)
	}
	if d.warn != "" {
		x.Warnf("%s", d.warn)
	}
	bin := d.argv[0]
	if !filepath.IsAbs(bin) {
		if bin, err = exec.LookPath(bin); err != nil {
			return x.Errorf("%s is needed to make a delegated cgroup: %v", d.argv[0], err)
		}
	}
	env := os.Environ()
	for _, e := range d.env {
		k, _, _ := strings.Cut(e, "=")
		if os.Getenv(k) == "" {
			env = append(env, e)
		}
	}
	err = syscall.Exec(bin, d.argv, env)
	return x.Errorf("run %s: %v", bin, err)
}

// sibling is the golxc tool name installed next to this one (a link to
// the same multicall binary, or its own binary), else the one on PATH.
func sibling(name string) (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed next to this tool or on PATH", name)
	}
	return filepath.Abs(p)
}

// hostProbe reads the caller's cgroups, the init system and the user's
// session bus.
func hostProbe(tool string, args []string) probe {
	p := probe{root: os.Geteuid() == 0, user: userns.UserName()}
	p.runtime = os.Getenv("XDG_RUNTIME_DIR")
	if p.runtime == "" {
		p.runtime = "/run/user/" + strconv.Itoa(os.Getuid())
	}
	if st, err := os.Stat(filepath.Join(p.runtime, "bus")); err == nil && st.Mode()&os.ModeSocket != 0 {
		p.bus = filepath.Join(p.runtime, "bus")
	}
	if st, err := os.Stat("/run/systemd/system"); err == nil && st.IsDir() {
		p.systemd = true
	}
	h, err := cgroup.Detect()
	if err != nil {
		p.howToDelegate = fmt.Sprintf("no cgroup hierarchy is mounted (%v)", err)
		return p
	}
	p.pureV2 = h.Layout == cgroup.Unified
	uh, skipped := h.ForUser()
	p.delegated = uh.Unified() != nil
	command := strings.Join(append([]string{tool}, args...), " ")
	p.howToDelegate = "no cgroup is delegated to user " + p.user
	for _, sk := range skipped {
		if sk.Hierarchy.V2 {
			p.howToDelegate = (&runner.DelegationError{Skipped: sk, Command: command}).Error()
		}
	}
	return p
}
