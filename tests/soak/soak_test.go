//go:build soak

// Package soak runs golxc's tools through many cycles and reports what
// is left afterwards as figures (make soak; not part of make test, it
// takes minutes). A leftover the container's own cleanup should remove
// (a process, cgroup, mount, link, boot record or loop device) fails the
// run; host-wide figures (open files, memory) are reported, not judged:
// other work on the machine moves them.
package soak

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/testutil"
)

var (
	startCycles  = envInt("GOLXC_SOAK_STARTS", 300)
	createCycles = envInt("GOLXC_SOAK_CREATES", 50)
	templateEnv  = []string{"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates")}
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// figures is what the soak watches.
type figures struct {
	procs, cgroups, mounts, links, records, loops int
	openFiles                                     int // host-wide, /proc/sys/fs/file-nr
	memAvailKiB, slabKiB                          int // host-wide, /proc/meminfo
	selfFDs                                       int // the test process's
}

func measure(s *testutil.ScratchNS, p string, names []string) figures {
	var f figures
	f.procs = len(testutil.ProcessesMentioning(p))
	for _, n := range names {
		f.cgroups += len(testutil.CgroupsNamed(n))
	}
	f.mounts = len(testutil.MountsUnder(p))
	f.links = len(s.Links())
	f.records = len(bootrec.List(p))
	f.loops = len(testutil.LoopDevicesUnder(p))
	if b, err := os.ReadFile("/proc/sys/fs/file-nr"); err == nil {
		f.openFiles, _ = strconv.Atoi(strings.Fields(string(b))[0])
	}
	if fh, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 2 {
				continue
			}
			v, _ := strconv.Atoi(fl[1])
			switch fl[0] {
			case "MemAvailable:":
				f.memAvailKiB = v
			case "Slab:":
				f.slabKiB = v
			}
		}
		fh.Close()
	}
	ents, _ := os.ReadDir("/proc/self/fd")
	f.selfFDs = len(ents)
	return f
}

// report logs before, after and the difference, and fails on leftovers
// of our own containers.
func report(t *testing.T, what string, before, after figures, took time.Duration) {
	t.Helper()
	rows := []struct {
		name   string
		b, a   int
		judged bool
	}{
		{"processes of the lxcpath", before.procs, after.procs, true},
		{"cgroup directories of its containers", before.cgroups, after.cgroups, true},
		{"mounts under the lxcpath", before.mounts, after.mounts, true},
		{"links in the test's network namespace", before.links, after.links, true},
		{"boot records", before.records, after.records, true},
		{"loop devices of the lxcpath", before.loops, after.loops, true},
		{"open files on the host (file-nr)", before.openFiles, after.openFiles, false},
		{"descriptors of the test process", before.selfFDs, after.selfFDs, false},
		{"MemAvailable KiB (host)", before.memAvailKiB, after.memAvailKiB, false},
		{"Slab KiB (host)", before.slabKiB, after.slabKiB, false},
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n%s (%v)\n%-40s %12s %12s %10s\n", what, took.Round(time.Second), "figure", "before", "after", "left")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-40s %12d %12d %+10d\n", r.name, r.b, r.a, r.a-r.b)
		if r.judged && r.a > r.b {
			t.Errorf("%s: %s: %d left", what, r.name, r.a-r.b)
		}
	}
	t.Log(b.String())
}

// TestSoakStartAttachStop: start, attach (a command and a pipe of data),
// stop, many times, with a veth on a bridge in a network namespace of the
// test's own.
func TestSoakStartAttachStop(t *testing.T) {
	testutil.Integration(t)
	s := testutil.NewScratchNS(t)
	if out, err := s.Cmd("ip", "link", "add", "gxsoakbr", "type", "bridge").CombinedOutput(); err != nil {
		t.Fatalf("bridge: %v %s", err, out)
	}
	s.Cmd("ip", "link", "set", "gxsoakbr", "up").Run()
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("sk")
	testutil.BusyboxContainer(t, p, n, "lxc.net =", "lxc.net.0.type = veth", "lxc.net.0.link = gxsoakbr", "lxc.net.0.flags = up")
	data := bytes.Repeat([]byte("soak\x00\xff"), 10000)
	before := measure(s, p, []string{n})
	began := time.Now()
	for i := 0; i < startCycles; i++ {
		if r := s.Run("lxc-start", "-P", p, "-n", n); r.Code != 0 {
			t.Fatalf("cycle %d: lxc-start: %s", i, r)
		}
		cmd := s.Cmd(testutil.Bin(t, "lxc-attach"), "-P", p, "-n", n, "--", "cat")
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("cycle %d: lxc-attach -- cat: %v (%d bytes back)", i, err, len(out))
		}
		if r := s.Run("lxc-stop", "-P", p, "-n", n, "-k"); r.Code != 0 {
			t.Fatalf("cycle %d: lxc-stop: %s", i, r)
		}
	}
	after := measure(s, p, []string{n})
	report(t, fmt.Sprintf("%d start/attach/stop cycles", startCycles), before, after, time.Since(began))
}

// TestSoakCreateStartStopDestroy: create (busybox template), start,
// stop, destroy, many times, each with a new name.
func TestSoakCreateStartStopDestroy(t *testing.T) {
	testutil.Integration(t)
	s := testutil.NewScratchNS(t)
	p := testutil.LXCPath(t)
	cfg := filepath.Join(t.TempDir(), "net.conf")
	testutil.WriteFile(t, cfg, "lxc.net.0.type = empty\n", 0o644)
	var names []string
	before := measure(s, p, nil)
	began := time.Now()
	for i := 0; i < createCycles; i++ {
		n := fmt.Sprintf("%s%03d", testutil.UniqueName("sc"), i)
		names = append(names, n)
		cmd := s.Cmd(testutil.Bin(t, "lxc-create"), "-P", p, "-n", n, "-t", "busybox", "-f", cfg)
		cmd.Env = append(os.Environ(), templateEnv...)
		if r := testutil.RunCmd(t, cmd); r.Code != 0 {
			t.Fatalf("cycle %d: lxc-create: %s", i, r)
		}
		for _, tool := range [][]string{{"lxc-start"}, {"lxc-stop", "-k"}, {"lxc-destroy"}} {
			if r := s.Run(tool[0], append([]string{"-P", p, "-n", n}, tool[1:]...)...); r.Code != 0 {
				t.Fatalf("cycle %d: %s: %s", i, tool[0], r)
			}
		}
	}
	after := measure(s, p, names)
	if ents, _ := os.ReadDir(p); len(ents) > 0 {
		t.Errorf("the lxcpath still holds %d entries", len(ents))
	}
	report(t, fmt.Sprintf("%d create/start/stop/destroy cycles", createCycles), before, after, time.Since(began))
}
