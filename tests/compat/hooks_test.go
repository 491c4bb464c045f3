//go:build compat

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// TestHookEnvironment: every hook type, for lxc.hook.version 0 and 1,
// gets the same arguments and LXC_* variables (and lxc.environment where
// LXC sets it) as under LXC 5.0.2. A hook dumps them; pids and descriptor
// numbers are normalised. LXC_ROOTFS_MOUNT differs on purpose.
func TestHookEnvironment(t *testing.T) {
	types := []string{"pre-start", "pre-mount", "mount", "autodev", "start-host", "start", "stop", "post-stop"}
	numRE := regexp.MustCompile(`/proc/[0-9]+/fd/[0-9]+`)
	pidRE := regexp.MustCompile(`(?m)^LXC_PID=[0-9]+$`)
	mountRE := regexp.MustCompile(`(?m)^LXC_ROOTFS_MOUNT=.*\n`)
	// The ttys' devpts numbers: LXC's start at 0, golxc's at 1 after the
	// console (console-devpts); the count is compared.
	ttysRE := regexp.MustCompile(`(?m)^container_ttys=.*$`)
	for _, v := range []string{"0", "1"} {
		t.Run("version"+v, func(t *testing.T) {
			p := newPair(t)
			// Hooks inherit the starting command's environment.
			t.Setenv("GOLXC_HOOK_PROBE", "inherited")
			dumps := map[string]map[string]string{}
			for _, s := range p.both() {
				out := filepath.Join(s.tmp, "out")
				os.MkdirAll(out, 0o755)
				script := `#!/bin/sh
t=${LXC_HOOK_TYPE:-$3}
out=` + out + `
[ -d "$out" ] || out=/hkout
{ echo "ARGS: $*"; env | grep -E '^(LXC_|container|FOO=|GOLXC_HOOK_PROBE=)' | sort; } > "$out/$t"
`
				host := filepath.Join(s.tmp, "hook.sh")
				testutil.WriteFile(t, host, script, 0o755)
				lines := []string{"lxc.hook.version = " + v, "lxc.environment = FOO=bar"}
				for _, typ := range types {
					h := host
					if typ == "start" {
						h = "/hook.sh" // after pivot: a path in the container
					}
					lines = append(lines, "lxc.hook."+typ+" = "+h)
				}
				name := s.name("h")
				r := s.run("lxc-create", "-P", s.path, "-n", name, "-t", lxcBusybox, "-f", s.confFile("h", lines...))
				if r.Code != 0 {
					t.Fatalf("%s lxc-create: %s", s.label, r)
				}
				rootfs := filepath.Join(s.path, name, "rootfs")
				testutil.WriteFile(t, filepath.Join(rootfs, "hook.sh"), script, 0o755)
				os.MkdirAll(filepath.Join(rootfs, "hkout"), 0o755)
				s.must("lxc-start", "-P", s.path, "-n", name)
				s.must("lxc-stop", "-P", s.path, "-n", name, "-k")
				dumps[s.label] = map[string]string{}
				for _, typ := range types {
					dir := out
					if typ == "start" {
						dir = filepath.Join(rootfs, "hkout")
					}
					b, err := os.ReadFile(filepath.Join(dir, typ))
					if err != nil {
						t.Errorf("%s: the %s hook did not run: %v", s.label, typ, err)
						continue
					}
					d := s.norm(string(b))
					d = numRE.ReplaceAllString(d, "/proc/PID/fd/N")
					d = pidRE.ReplaceAllString(d, "LXC_PID=PID")
					d = ttysRE.ReplaceAllStringFunc(d, func(m string) string {
						return fmt.Sprintf("container_ttys=%d names", len(strings.Fields(m)))
					})
					if mountRE.MatchString(d) {
						d = mountRE.ReplaceAllString(d, "")
					}
					dumps[s.label][typ] = d
				}
			}
			intended(t, "hook-rootfs-mount")
			intended(t, "console-devpts")
			for _, typ := range types {
				l, o := dumps["LXC"][typ], dumps["golxc"][typ]
				if l != o {
					t.Errorf("%s hook (version %s) differs:\n--- LXC\n%s--- golxc\n%s%s", typ, v, l, o, lineDiff(l, o))
				}
				if typ == "stop" && !strings.Contains(o, "LXC_NET_NS=/proc/PID/fd/N") {
					t.Errorf("stop hook without LXC_NET_NS:\n%s", o)
				}
			}
		})
	}
}

// TestToolHookEnvironment: clone hooks (lxc-copy) and destroy hooks
// (lxc-destroy) get LXC's arguments and variables: no start-time ones
// (LXC_LOG_LEVEL, LXC_HOOK_VERSION, LXC_CGNS_AWARE), the configured
// rootfs path, LXC_SRC_NAME for clones.
func TestToolHookEnvironment(t *testing.T) {
	for _, v := range []string{"0", "1"} {
		t.Run("version"+v, func(t *testing.T) {
			p := newPair(t)
			dumps := map[string]string{}
			for _, s := range p.both() {
				out := filepath.Join(s.tmp, "out")
				os.MkdirAll(out, 0o755)
				script := filepath.Join(s.tmp, "hook.sh")
				testutil.WriteFile(t, script, `#!/bin/sh
t=${LXC_HOOK_TYPE:-$3}
{ echo "ARGS: $*"; env | grep -E '^(LXC_|container)' | sort; } > `+out+`/$t
`, 0o755)
				a, b := s.name("a"), s.name("b")
				testutil.BusyboxContainer(t, s.path, a, "lxc.hook.version = "+v, "lxc.hook.clone = "+script, "lxc.hook.destroy = "+script)
				s.must("lxc-copy", "-P", s.path, "-n", a, "-N", b)
				s.must("lxc-destroy", "-P", s.path, "-n", b)
				for _, typ := range []string{"clone", "destroy"} {
					d, err := os.ReadFile(filepath.Join(out, typ))
					if err != nil {
						t.Fatalf("%s: the %s hook did not run: %v", s.label, typ, err)
					}
					dumps[s.label] += "== " + typ + "\n" + s.norm(string(d))
				}
			}
			if l, o := dumps["LXC"], dumps["golxc"]; l != o {
				t.Errorf("clone/destroy hooks (version %s) differ:\n--- LXC\n%s--- golxc\n%s%s", v, l, o, lineDiff(l, o))
			}
		})
	}
}
