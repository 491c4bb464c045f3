package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/testutil"
)

// isCMonitor reports whether the container's monitor runs the C
// supervisor (from its sealed memfd) rather than golxc's Go binary.
func isCMonitor(t *testing.T, p, n string) bool {
	t.Helper()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", monitorPID(t, p, n)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(exe, "memfd:golxc-supervisor")
}

// lxcWaitBg starts lxc-wait for state in the background.
func lxcWaitBg(t *testing.T, p, n, state string) chan error {
	t.Helper()
	cmd := exec.Command(filepath.Join(testutil.BinDir(t), "lxc-wait"), "-P", p, "-n", n, "-s", state, "-t", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Connected and waiting before anything happens.
	time.Sleep(200 * time.Millisecond)
	return done
}

func waited(t *testing.T, done chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("lxc-wait %s: %v", what, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("lxc-wait %s did not return", what)
	}
}

// TestTakeoverAtStop: a container whose stop needs Go (stop and
// post-stop hooks) still gets the C monitor, which becomes the Go monitor
// at the stop: the hooks run with the namespaces the C monitor held
// (LXC_NET_NS and the others), in LXC's order, a client waiting for
// STOPPED across the handover is answered, and nothing is left.
func TestTakeoverAtStop(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hooks")
	p, n := container(t,
		"lxc.hook.stop = /bin/sh -c 'echo stop $LXC_TARGET $LXC_PID $LXC_NET_NS $LXC_MNT_NS >> "+out+"'",
		"lxc.hook.post-stop = /bin/sh -c 'echo post-stop $LXC_TARGET >> "+out+"'")
	start(t, p, n)
	if !isCMonitor(t, p, n) {
		t.Fatal("the container with stop hooks did not get the C monitor")
	}
	pid := initPID(t, p, n)
	done := lxcWaitBg(t, p, n, "STOPPED")
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	waited(t, done, "STOPPED")
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("hooks wrote %q", b)
	}
	f := strings.Fields(lines[0])
	if len(f) != 5 || f[1] != "stop" || f[2] != fmt.Sprint(pid) || !strings.HasPrefix(f[3], "/proc/") || !strings.HasPrefix(f[4], "/proc/") {
		t.Errorf("stop hook saw %q, want target, init pid %d and the held namespaces", lines[0], pid)
	}
	if lines[1] != "post-stop stop" {
		t.Errorf("post-stop hook saw %q", lines[1])
	}
	if testutil.ProcessesMentioning("[lxc monitor] "+p+" "+n) != nil {
		t.Error("the monitor outlived the stop")
	}
}

// TestTakeoverForCommand: a command only the Go monitor answers makes the
// C monitor become it, in place: the answer comes, the container runs on
// under the Go monitor, a client waiting across the handover and a
// console client keep their connections, and the stop is clean.
func TestTakeoverForCommand(t *testing.T) {
	p, n := container(t, "lxc.tty.max = 1")
	start(t, p, n)
	mon := monitorPID(t, p, n)
	if !isCMonitor(t, p, n) {
		t.Fatal("no C monitor")
	}
	done := lxcWaitBg(t, p, n, "STOPPED")
	// A tty held through the handover.
	c, err := ctl.Dial(p, n)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, files, err := c.Call(ctl.Request{Cmd: ctl.CmdConsole, TTY: 1})
	if err != nil || resp.TTY != 1 || len(files) != 1 {
		t.Fatalf("lend tty 1: %v %+v", err, resp)
	}
	files[0].Close()
	r, err := ctl.Simple(p, n, ctl.Request{Cmd: ctl.CmdConfigItem, Key: "lxc.tty.max"})
	if err != nil || r.Value != "1" {
		t.Fatalf("config-item lxc.tty.max: %v %+v", err, r)
	}
	if monitorPID(t, p, n) != mon || isCMonitor(t, p, n) {
		t.Fatal("the monitor did not become the Go monitor in place")
	}
	if st := ctl.State(p, n); st != ctl.Running {
		t.Fatalf("state after the handover: %s", st)
	}
	if _, err := ctl.Simple(p, n, ctl.Request{Cmd: ctl.CmdConsole, TTY: 1}); err == nil || !strings.Contains(err.Error(), "tty 1 is in use") {
		t.Errorf("tty 1 lent before the handover: %v", err)
	}
	c.Close()
	select {
	case err := <-done:
		t.Fatalf("lxc-wait STOPPED returned while running: %v", err)
	default:
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	waited(t, done, "STOPPED")
}
