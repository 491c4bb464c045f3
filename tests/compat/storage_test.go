//go:build compat

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// Storage across the two toolsets: a container LXC 5.0.2 made (dir and
// loop) starts, runs and is destroyed under golxc, and one golxc made
// starts under LXC, with what each wrote seen by the other; the layouts
// (config line, image name, size and mode) are the same.

// attachOut runs a command in a container with the side's lxc-attach.
func (s *side) attachOut(lxcpath, name string, cmd ...string) string {
	s.t.Helper()
	r := s.must("lxc-attach", append([]string{"-P", lxcpath, "-n", name, "--"}, cmd...)...)
	return r.Stdout
}

// layout describes a container directory's top level: names, modes and,
// for the loop image, its size; and its lxc.rootfs.path line.
func layout(s *side, cdir string) string {
	var out []string
	ents, _ := os.ReadDir(cdir)
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		l := fmt.Sprintf("%s %s", e.Name(), fi.Mode())
		if e.Name() == "rootdev" {
			l += fmt.Sprintf(" %d", fi.Size())
		}
		out = append(out, l)
	}
	b, _ := os.ReadFile(filepath.Join(cdir, "config"))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "lxc.rootfs.path") {
			out = append(out, strings.ReplaceAll(l, cdir, "CDIR"))
		}
	}
	return s.norm(strings.Join(out, "\n"))
}

func noLoops(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if left := testutil.WaitLoopDevicesGone(d, 3*time.Second); len(left) > 0 {
			t.Errorf("loop devices left under %s: %v", d, left)
		}
	}
}

func TestStorageMadeByOneStartsWithTheOther(t *testing.T) {
	for _, bdev := range []string{"dir", "loop"} {
		t.Run(bdev, func(t *testing.T) {
			p := newPair(t)
			args := func(s *side, role string) []string {
				a := []string{"-P", s.path, "-n", s.name(role), "-t", lxcBusybox, "-f", s.confFile(role), "-B", bdev}
				if bdev == "loop" {
					a = append(a, "--fssize", "64M")
				}
				return a
			}
			for _, s := range p.both() {
				s.must("lxc-create", args(s, "a")...)
			}
			compareText(t, "container directory after lxc-create -B "+bdev,
				layout(p.lxc, filepath.Join(p.lxc.path, p.lxc.name("a"))),
				layout(p.ours, filepath.Join(p.ours.path, p.ours.name("a"))))

			// Each side's container runs under the other side's tools,
			// then again under its own, which sees what was written.
			for _, c := range []struct{ maker, runner *side }{{p.lxc, p.ours}, {p.ours, p.lxc}} {
				path, name := c.maker.path, c.maker.name("a")
				c.runner.must("lxc-start", "-P", path, "-n", name)
				c.runner.attachOut(path, name, "sh", "-c", "echo written-by-"+c.runner.label+" > /root/mark; sync")
				if got := strings.TrimSpace(c.runner.attachOut(path, name, "hostname")); got != name {
					t.Errorf("%s's container under %s: hostname %q", c.maker.label, c.runner.label, got)
				}
				c.runner.must("lxc-stop", "-P", path, "-n", name, "-k")
				noLoops(t, path)
				c.maker.must("lxc-start", "-P", path, "-n", name)
				if got := strings.TrimSpace(c.maker.attachOut(path, name, "cat", "/root/mark")); got != "written-by-"+c.runner.label {
					t.Errorf("%s's container: /root/mark = %q after running under %s", c.maker.label, got, c.runner.label)
				}
				c.maker.must("lxc-stop", "-P", path, "-n", name, "-k")
				noLoops(t, path)
				// The other side's lxc-destroy removes it whole.
				c.runner.must("lxc-destroy", "-P", path, "-n", name)
				if _, err := os.Lstat(filepath.Join(path, name)); !os.IsNotExist(err) {
					t.Errorf("%s's lxc-destroy left %s's container: %v", c.runner.label, c.maker.label, err)
				}
			}
			noLoops(t, p.lxc.path, p.ours.path)
		})
	}
}
