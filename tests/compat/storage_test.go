//go:build compat

package compat

import (
	"fmt"
	"os"
	"os/exec"
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

// imageSize is the size of a container's loop image (-1 if none).
func imageSize(cdir string) int64 {
	fi, err := os.Stat(filepath.Join(cdir, "rootdev"))
	if err != nil {
		return -1
	}
	return fi.Size()
}

// TestLoopCopiesDiffer: lxc-copy of a 64 MiB loop container, plain and
// with -s, and lxc-create with an invalid --fssize, on both sides.
func TestLoopCopiesDiffer(t *testing.T) {
	p := newPair(t)
	for _, s := range p.both() {
		s.must("lxc-create", "-P", s.path, "-n", s.name("a"), "-t", lxcBusybox, "-f", s.confFile("a"), "-B", "loop", "--fssize", "64M")
	}
	// A plain copy: LXC's image is its default 1 GiB, ours the source's.
	d := intended(t, "loop-copy-size")
	for _, s := range p.both() {
		s.must("lxc-copy", "-P", s.path, "-n", s.name("a"), "-N", s.name("b"))
	}
	lxcSize, ourSize := imageSize(filepath.Join(p.lxc.path, p.lxc.name("b"))), imageSize(filepath.Join(p.ours.path, p.ours.name("b")))
	if lxcSize != 1<<30+1 || ourSize != 64<<20+1 {
		t.Errorf("%s: copy image sizes LXC %d, golxc %d; want %d and %d", d.ID, lxcSize, ourSize, 1<<30+1, 64<<20+1)
	}
	// -s: LXC refuses, golxc copies the image.
	d = intended(t, "loop-snapshot")
	lxc, ours := p.runBoth("lxc-copy", "-P", "@P", "-n", "@a", "-N", "@c", "-s")
	if lxc.Code == 0 || ours.Code != 0 || imageSize(filepath.Join(p.ours.path, p.ours.name("c"))) != 64<<20+1 {
		t.Errorf("%s: lxc-copy -s of a loop container: LXC %s; golxc %s", d.ID, lxc, ours)
	}
	// An invalid --fssize: LXC goes on with 1 GiB, golxc refuses.
	d = intended(t, "fssize-invalid")
	lxc, ours = p.runBoth("lxc-create", "-P", "@P", "-n", "@d", "-t", lxcBusybox, "-B", "loop", "--fssize", "12X", "-f", "TMP/a.conf")
	if lxc.Code != 0 || imageSize(filepath.Join(p.lxc.path, p.lxc.name("d"))) != 1<<30+1 {
		t.Errorf("%s: LXC's lxc-create --fssize 12X: %s", d.ID, lxc)
	}
	if ours.Code != 1 || !strings.Contains(ours.Stderr, "--fssize") || strings.Count(ours.Stderr, "\n") != 1 {
		t.Errorf("%s: our lxc-create --fssize 12X: %s", d.ID, ours)
	}
	if _, err := os.Lstat(filepath.Join(p.ours.path, p.ours.name("d"))); !os.IsNotExist(err) {
		t.Errorf("%s: a refused create left a directory", d.ID)
	}
	for _, s := range p.both() {
		for _, r := range []string{"a", "b", "c", "d"} {
			if _, err := os.Stat(filepath.Join(s.path, s.name(r), "config")); err == nil {
				s.must("lxc-destroy", "-P", s.path, "-n", s.name(r))
			}
		}
	}
	noLoops(t, p.lxc.path, p.ours.path)
}

// TestLoopImageOutsideContainer: lxc-destroy of a container whose loop
// image lies outside its directory.
func TestLoopImageOutsideContainer(t *testing.T) {
	p := newPair(t)
	d := intended(t, "loop-image-outside")
	p.configOnly(t, "a")
	for _, s := range p.both() {
		img := filepath.Join(s.tmp, "outside.img")
		testutil.WriteFile(t, img, "", 0o600)
		os.Truncate(img, 8<<20)
		cfg := filepath.Join(s.path, s.name("a"), "config")
		b, _ := os.ReadFile(cfg)
		testutil.WriteFile(t, cfg, string(b)+"lxc.rootfs.path = loop:"+img+"\n", 0o640)
		s.must("lxc-destroy", "-P", s.path, "-n", s.name("a"))
	}
	_, lerr := os.Stat(filepath.Join(p.lxc.tmp, "outside.img"))
	_, oerr := os.Stat(filepath.Join(p.ours.tmp, "outside.img"))
	if !os.IsNotExist(lerr) || oerr != nil {
		t.Errorf("%s: after lxc-destroy the image outside: LXC %v, golxc %v", d.ID, lerr, oerr)
	}
}

// TestEphemeralFailedStart: an ephemeral container whose start fails (a
// pre-start hook exits 1): LXC destroys it, golxc keeps it.
func TestEphemeralFailedStart(t *testing.T) {
	p := newPair(t)
	d := intended(t, "ephemeral-crash")
	p.busybox(t, "a", "lxc.ephemeral = 1", "lxc.hook.pre-start = /bin/false")
	lxc, ours := p.runBoth("lxc-start", "-P", "@P", "-n", "@a")
	if lxc.Code == 0 || ours.Code == 0 {
		t.Fatalf("%s: a failing pre-start hook started: LXC %s; golxc %s", d.ID, lxc, ours)
	}
	_, lerr := os.Stat(filepath.Join(p.lxc.path, p.lxc.name("a"), "config"))
	_, oerr := os.Stat(filepath.Join(p.ours.path, p.ours.name("a"), "config"))
	if !os.IsNotExist(lerr) || oerr != nil {
		t.Errorf("%s: after a failed start of an ephemeral container: LXC %v, golxc %v", d.ID, lerr, oerr)
	}
	if oerr == nil {
		p.ours.must("lxc-destroy", "-P", p.ours.path, "-n", p.ours.name("a"))
	}
}

// TestKilledCopy: lxc-copy killed while it copies 100 MB: LXC's half
// copy blocks the name, golxc's is removed by the next copy.
func TestKilledCopy(t *testing.T) {
	p := newPair(t)
	d := intended(t, "killed-copy-destroy")
	p.busybox(t, "a")
	for _, s := range p.both() {
		data := filepath.Join(s.path, s.name("a"), "rootfs", "data")
		os.MkdirAll(data, 0o755)
		chunk := strings.Repeat("golxc-kill-test ", 256<<10/16)
		for i := 0; i < 400; i++ {
			testutil.WriteFile(t, filepath.Join(data, fmt.Sprintf("f%03d", i)), chunk, 0o644)
		}
		cmd := exec.Command(filepath.Join(s.bin, "lxc-copy"), "-P", s.path, "-n", s.name("a"), "-N", s.name("b"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mark := filepath.Join(s.path, s.name("b"), "rootfs", "data")
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(mark); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if s == p.lxc {
			// LXC's rsync outlives its killed lxc-copy and goes on
			// copying; the test waits for it rather than race it.
			dst := filepath.Join(s.path, s.name("b"))
			for end := time.Now().Add(30 * time.Second); len(testutil.ProcessesMentioning(dst)) > 0 && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	lxc, ours := p.runBoth("lxc-copy", "-P", "@P", "-n", "@a", "-N", "@b")
	if lxc.Code == 0 || ours.Code != 0 {
		t.Errorf("%s: lxc-copy to the name of a killed copy: LXC %s; golxc %s", d.ID, lxc, ours)
	}
	// LXC's remains are removed by hand; ours is a whole container now.
	os.RemoveAll(filepath.Join(p.lxc.path, p.lxc.name("b")))
	if ours.Code == 0 {
		p.ours.must("lxc-destroy", "-P", p.ours.path, "-n", p.ours.name("b"))
	}
}
