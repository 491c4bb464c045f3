package runtime_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// kill -9 of lxc-copy, lxc-destroy, lxc-snapshot and lxc-create at
// several points: whatever the point, the half-made (or half-removed)
// container is either invisible and removed by the next operation on its
// name, or listed and destroyable; the name can be used again at once;
// nothing is left behind.

// bigContainer defines a busybox container with about 100 MB of data in
// 400 files (so a copy or removal takes a while).
func bigContainer(t *testing.T, p, n string) {
	t.Helper()
	cdir := testutil.BusyboxContainer(t, p, n)
	data := filepath.Join(cdir, "rootfs", "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("golxc-kill-test "), 256<<10/16)
	for i := 0; i < 400; i++ {
		if err := os.WriteFile(filepath.Join(data, fmt.Sprintf("f%03d", i)), chunk, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startTool starts a golxc tool and returns its process.
func startTool(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testutil.Bin(t, name), args...)
	cmd.Env = append(os.Environ(), templateEnv...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// killWhen waits (bounded) for cond, then delay, then SIGKILLs cmd and
// reaps it. It reports whether the tool was still running when killed.
func killWhen(t *testing.T, cmd *exec.Cmd, cond func() bool, delay time.Duration) bool {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		select {
		case <-done:
			return false
		default:
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(delay)
	select {
	case <-done:
		return false
	default:
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	return true
}

func exists(p string) func() bool {
	return func() bool { _, err := os.Lstat(p); return err == nil }
}

// listed reports whether lxc-ls lists n.
func listed(t *testing.T, p, n string) bool {
	t.Helper()
	r := testutil.Run(t, "lxc-ls", "-P", p, "-1")
	if r.Code != 0 {
		t.Fatalf("lxc-ls: %s", r)
	}
	for _, l := range strings.Split(r.Stdout, "\n") {
		if l == n {
			return true
		}
	}
	return false
}

// gone fails unless nothing of container n is left in lxcpath p.
func gone(t *testing.T, p, n, after string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(p, n)); !os.IsNotExist(err) {
		ents, _ := os.ReadDir(filepath.Join(p, n))
		t.Errorf("%s: %s is left (%v)", after, n, ents)
	}
}

func TestKilledCopyIsReaped(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	src := testutil.UniqueName("kc")
	bigContainer(t, p, src)
	for i, point := range []struct {
		args  []string
		cond  string // what must exist before the delay
		delay time.Duration
	}{
		{nil, "", 0},
		{nil, "rootfs", 0},
		{nil, "rootfs/data", 10 * time.Millisecond},
		{nil, "rootfs/data", 40 * time.Millisecond},
		{[]string{"-B", "loop", "-L", "200M"}, "rootdev", 30 * time.Millisecond},
		{[]string{"-s"}, "", 0},
	} {
		dst := fmt.Sprintf("%s%d", src, i)
		cmd := startTool(t, "lxc-copy", append([]string{"-P", p, "-n", src, "-N", dst}, point.args...)...)
		killed := killWhen(t, cmd, exists(filepath.Join(p, dst, point.cond)), point.delay)
		what := fmt.Sprintf("lxc-copy %v killed after %s+%v (killed=%v)", point.args, point.cond, point.delay, killed)
		// Listed only when complete; then it is a normal container.
		if listed(t, p, dst) {
			if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", dst); r.Code != 0 {
				t.Errorf("%s: listed but not destroyable: %s", what, r)
			}
			gone(t, p, dst, what)
			continue
		}
		// Invisible: the next copy to the name works and is complete.
		if r := testutil.Run(t, "lxc-copy", append([]string{"-P", p, "-n", src, "-N", dst}, point.args...)...); r.Code != 0 {
			t.Errorf("%s: the name cannot be used again: %s", what, r)
			continue
		}
		if b, err := os.ReadFile(filepath.Join(p, dst, "config")); err != nil || !strings.Contains(string(b), "lxc.uts.name = "+dst) {
			t.Errorf("%s: the new copy's config: %v", what, err)
		}
		if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", dst); r.Code != 0 {
			t.Errorf("%s: destroy of the new copy: %s", what, r)
		}
		gone(t, p, dst, what)
	}
	// A killed copy of each kind, then lxc-destroy of the (invisible)
	// name: it removes the remains.
	dst := src + "x"
	cmd := startTool(t, "lxc-copy", "-P", p, "-n", src, "-N", dst)
	killWhen(t, cmd, exists(filepath.Join(p, dst, "rootfs", "data")), 5*time.Millisecond)
	if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", dst); r.Code != 0 && !listed(t, p, dst) {
		if _, err := os.Lstat(filepath.Join(p, dst)); err == nil {
			t.Errorf("lxc-destroy of a killed copy: %s", r)
		}
	}
	gone(t, p, dst, "lxc-destroy after a killed copy")
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", src)
	noLoopDevices(t, p)
}

func TestKilledDestroyIsResumed(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	src := testutil.UniqueName("kd")
	bigContainer(t, p, src)
	for i, delay := range []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
		n := fmt.Sprintf("%s%d", src, i)
		testutil.MustRun(t, "lxc-copy", "-P", p, "-n", src, "-N", n)
		cmd := startTool(t, "lxc-destroy", "-P", p, "-n", n)
		killed := killWhen(t, cmd, func() bool { return true }, delay)
		what := fmt.Sprintf("lxc-destroy killed after %v (killed=%v)", delay, killed)
		if listed(t, p, n) {
			if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", n); r.Code != 0 {
				t.Errorf("%s: still listed and not destroyable: %s", what, r)
			}
		} else if _, err := os.Lstat(filepath.Join(p, n)); err == nil {
			// Invisible remains: the name can be created again at once.
			if r := testutil.RunIn(t, templateEnv, "", "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-f", netEmpty(t)); r.Code != 0 {
				t.Errorf("%s: the name cannot be created again: %s", what, r)
			}
			testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", n)
		}
		gone(t, p, n, what)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", src)
}

func TestKilledSnapshotLeavesDestroyable(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("ks")
	bigContainer(t, p, n)
	snaps := filepath.Join(p, n, "snaps")
	for _, delay := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond} {
		cmd := startTool(t, "lxc-snapshot", "-P", p, "-n", n)
		killWhen(t, cmd, exists(filepath.Join(snaps)), delay)
	}
	// Every snapshot lxc-snapshot -L lists is whole; a new snapshot works.
	testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", n)
	r := testutil.MustRun(t, "lxc-snapshot", "-P", p, "-n", n, "-L")
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if _, err := os.Stat(filepath.Join(snaps, f[0], "config")); err != nil {
			t.Errorf("lxc-snapshot -L lists %s, which has no config", f[0])
		}
	}
	if r := testutil.Run(t, "lxc-destroy", "-P", p, "-n", n, "-s"); r.Code != 0 {
		t.Errorf("lxc-destroy -s after killed snapshots: %s", r)
	}
	gone(t, p, n, "lxc-destroy -s")
}

// TestKilledCreateStopsTemplate: lxc-create killed while its template
// writes: the template stops writing at once, and the name can be created
// again right away.
func TestKilledCreateStopsTemplate(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("kt")
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "lxc-writer")
	out := filepath.Join(dir, "written")
	testutil.WriteFile(t, tmpl, `#!/bin/sh
for a; do case "$a" in --rootfs=*) rootfs=${a#--rootfs=};; esac; done
mkdir -p "$rootfs/bin"
( while :; do echo x >> `+out+`; done ) &
while :; do echo y >> "$rootfs/bin/growing"; done
`, 0o755)
	for _, delay := range []time.Duration{0, 50 * time.Millisecond} {
		cmd := startTool(t, "lxc-create", "-P", p, "-n", n, "-t", tmpl, "-f", netEmpty(t))
		killWhen(t, cmd, exists(out), delay)
		size := func() int64 {
			fi, err := os.Stat(out)
			if err != nil {
				return -1
			}
			return fi.Size()
		}
		// The template's process tree dies with lxc-create (the kernel
		// kills its PID namespace when the namespace's init dies, a moment
		// after lxc-create): then the file stops growing.
		deadline := time.Now().Add(5 * time.Second)
		for len(testutil.ProcessesMentioning(tmpl)) > 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if pids := testutil.ProcessesMentioning(tmpl); len(pids) > 0 {
			t.Errorf("template processes left: %v", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		s1 := size()
		time.Sleep(200 * time.Millisecond)
		if s2 := size(); s2 != s1 {
			t.Errorf("the template of a killed lxc-create still writes (%d -> %d bytes)", s1, s2)
		}
		if r := testutil.RunIn(t, templateEnv, "", "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-f", netEmpty(t)); r.Code != 0 {
			t.Fatalf("create again right after a killed create: %s", r)
		}
		testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", n)
		os.Remove(out)
	}
	gone(t, p, n, "killed creates")
}
