package runtime_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/testutil"
)

// kill -9 of a container's monitor ("[lxc monitor] LXCPATH NAME") at
// points of a start, while the container runs and while it stops: the
// next lxc-start, lxc-stop or lxc-destroy of the container removes
// everything the monitor left (processes, cgroups in every hierarchy, the
// directories of lxc.cgroup.dir, the boot record), lxc-info says STOPPED
// right after the kill, and a same-named container of another lxcpath is
// never touched.

// runBounded runs a tool and fails the test if it does not exit within a
// minute (a hang is a failure, not a stuck test run).
func runBounded(t *testing.T, name string, args ...string) testutil.Result {
	t.Helper()
	return runBoundedEnv(t, nil, name, args...)
}

// runBoundedEnv is runBounded with extra environment.
func runBoundedEnv(t *testing.T, env []string, name string, args ...string) testutil.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testutil.Bin(t, name), args...)
	cmd.Env = append(os.Environ(), env...)
	r := testutil.RunCmd(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within a minute", name, strings.Join(args, " "))
	}
	return r
}

// monitorOf returns the pid of the monitor of lxcpath p, container n (0
// when there is none).
func monitorOf(p, n string) int {
	for _, pid := range testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.HasPrefix(string(b), "[lxc monitor] "+p+" "+n+"\x00") {
			return pid
		}
	}
	return 0
}

// killMonitor SIGKILLs pid and waits (bounded) until it has exited: its
// descriptors, command socket and locks are gone then, even while it
// waits to be reaped.
func killMonitor(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		// kill(0) or kill(-1) would hit the test itself.
		t.Fatalf("no monitor to kill (pid %d)", pid)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X') {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("monitor %d survived SIGKILL", pid)
}

// waitFor polls cond (bounded) and reports whether it became true.
func waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// monitorKinds are the two monitors a daemonized container can have: the
// C monitor (the default where it fits: no stop hooks, no network
// devices, ...) and the Go monitor.
var monitorKinds = []struct {
	name string
	env  []string
}{{"C monitor", nil}, {"Go monitor", []string{"GOLXC_CMONITOR=off"}}}

// killScenario is one container whose monitor the test kills.
type killScenario struct {
	t      *testing.T
	p, n   string
	env    []string // for lxc-start: which monitor
	hooks  []string // hook types the container has
	cgdir  string   // top directory of lxc.cgroup.dir, "" without one
	marker string   // hooks write <marker>.<type> when they run
	sleep  string   // the blocking hooks' sleep argument, unique to the test
	extra  []string
}

func newKillScenario(t *testing.T, p string, env, hooks []string, extra ...string) *killScenario {
	s := &killScenario{t: t, p: p, n: testutil.UniqueName("mk"), env: env, hooks: hooks, extra: extra}
	s.marker = filepath.Join(t.TempDir(), "reached")
	s.sleep = strconv.Itoa(500000 + int(time.Now().UnixNano()%400000))
	for _, l := range extra {
		if v, ok := strings.CutPrefix(l, "lxc.cgroup.dir = "); ok {
			s.cgdir = strings.Split(v, "/")[0]
		}
	}
	s.define()
	return s
}

// define (re)creates the container, with a hook script that blocks when
// the file <marker>.block.<type> exists.
func (s *killScenario) define() {
	hook := filepath.Join(filepath.Dir(s.marker), "hook.sh")
	testutil.WriteFile(s.t, hook, `#!/bin/sh
touch "`+s.marker+`.$3"
[ -e "`+s.marker+`.block.$3" ] && exec sleep `+s.sleep+`
exit 0
`, 0o755)
	lines := append([]string{}, s.extra...)
	for _, h := range s.hooks {
		lines = append(lines, "lxc.hook."+h+" = "+hook)
	}
	testutil.BusyboxContainer(s.t, s.p, s.n, lines...)
}

// sleepers are the processes of this test's blocking hooks.
func (s *killScenario) sleepers() []int {
	var out []int
	for _, pid := range testutil.ProcessesMentioning(s.sleep) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && string(b) == "sleep\x00"+s.sleep+"\x00" {
			out = append(out, pid)
		}
	}
	return out
}

// reached reports when the hook of type typ ran, and, when it blocks,
// once it is blocked (its sleep exec'd).
func (s *killScenario) reached(typ string) func() bool {
	return func() bool {
		if _, err := os.Stat(s.marker + "." + typ); err != nil {
			return false
		}
		if _, err := os.Stat(s.marker + ".block." + typ); err == nil {
			return len(s.sleepers()) > 0
		}
		return true
	}
}

// blockAt makes the hook of type typ block ("" for none).
func (s *killScenario) blockAt(typ string) {
	old, _ := filepath.Glob(s.marker + ".*")
	for _, f := range old {
		os.Remove(f)
	}
	if typ != "" {
		testutil.WriteFile(s.t, s.marker+".block."+typ, "", 0o644)
	}
}

// clean fails unless nothing of the container is left on the host and
// lxc-info says STOPPED.
func (s *killScenario) clean(what string) {
	t := s.t
	t.Helper()
	if cgs := testutil.CgroupsNamed(s.n); len(cgs) > 0 {
		t.Errorf("%s: cgroups left: %v", what, cgs)
	}
	if s.cgdir != "" {
		if d := cgroupDirsNamed(s.cgdir); len(d) > 0 {
			t.Errorf("%s: lxc.cgroup.dir directories left: %v", what, d)
		}
	}
	if pids := s.sleepers(); len(pids) > 0 {
		t.Errorf("%s: hook processes left: %v", what, pids)
	}
	if _, err := os.Lstat(bootrec.Path(s.p, s.n)); err == nil {
		t.Errorf("%s: the boot record is left", what)
	}
	if st := ctl.State(s.p, s.n); st != ctl.Stopped {
		t.Errorf("%s: state %s", what, st)
	}
}

// next runs the operation that must clean up after a killed monitor and
// checks it did.
func (s *killScenario) next(op, what string) {
	t := s.t
	t.Helper()
	s.blockAt("")
	switch op {
	case "lxc-start":
		if r := runBoundedEnv(t, s.env, "lxc-start", "-P", s.p, "-n", s.n); r.Code != 0 {
			t.Fatalf("%s: lxc-start: %s", what, r)
		}
		if r := runBounded(t, "lxc-stop", "-P", s.p, "-n", s.n, "-k"); r.Code != 0 {
			t.Errorf("%s: lxc-stop -k after the new start: %s", what, r)
		}
	case "lxc-stop":
		if r := runBounded(t, "lxc-stop", "-P", s.p, "-n", s.n, "-k"); r.Code != 0 && r.Code != 2 {
			t.Errorf("%s: lxc-stop: %s", what, r)
		}
	case "lxc-destroy":
		if r := runBounded(t, "lxc-destroy", "-P", s.p, "-n", s.n); r.Code != 0 {
			t.Errorf("%s: lxc-destroy: %s", what, r)
		}
		if _, err := os.Lstat(filepath.Join(s.p, s.n)); err == nil {
			t.Errorf("%s: lxc-destroy left the container directory", what)
		}
	}
	s.clean(what + ", then " + op)
	if op == "lxc-destroy" {
		s.define()
	}
}

// TestMonitorKilledDuringStart kills the monitor at each point of a start
// a hook can hold it at, and after short delays from the spawn, then
// lets lxc-start, lxc-stop and lxc-destroy in turn clean up.
func TestMonitorKilledDuringStart(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	ops := []string{"lxc-start", "lxc-stop", "lxc-destroy"}
	for _, mon := range monitorKinds {
		for _, layout := range [][]string{
			nil,
			{"lxc.cgroup.dir = " + testutil.UniqueName("gx") + "/inner"},
			{"lxc.monitor.signal.pdeath = 0"},
		} {
			killDuringStart(t, p, mon.env, ops, append(layout, "# "+mon.name))
		}
	}
}

func killDuringStart(t *testing.T, p string, env []string, ops []string, layout []string) {
	{
		s := newKillScenario(t, p, env, []string{"pre-start", "start-host"}, layout...)
		i := 0
		// Held by a hook: before anything exists (pre-start), with
		// cgroups and stage-2 ready (start-host).
		// Held by a hook: before anything exists (pre-start), with
		// cgroups and stage-2 ready (start-host). The process killed is
		// the monitor, or the lxc-start doing the start's work: with the
		// C monitor lxc-start makes the cgroups (and runs pre-start
		// before the monitor exists); a killed lxc-start must not leave
		// them either.
		victims := []string{"monitor", "lxc-start"}
		if len(env) > 0 {
			// The Go monitor does the whole start itself.
			victims = victims[:1]
		}
		for _, hook := range []string{"pre-start", "start-host"} {
			for _, victim := range victims {
				s.blockAt(hook)
				cmd := exec.Command(testutil.Bin(t, "lxc-start"), "-P", p, "-n", s.n)
				cmd.Env = append(os.Environ(), env...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				if !waitFor(s.reached(hook), 20*time.Second) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("%v: the %s hook never ran", layout, hook)
				}
				pid := monitorOf(p, s.n)
				if victim == "lxc-start" || pid == 0 {
					victim, pid = "lxc-start", cmd.Process.Pid
				}
				killMonitor(t, pid)
				// A hook runs in the process that does the start's work
				// (with the C monitor, lxc-start): with the monitor gone
				// it is released, as a hook that ends would be.
				for _, h := range s.sleepers() {
					syscall.Kill(h, syscall.SIGKILL)
				}
				cmd.Wait()
				what := fmt.Sprintf("%v: %s killed in the %s hook", layout, victim, hook)
				if st := ctl.State(p, s.n); st != ctl.Stopped {
					t.Errorf("%s: state %s right after", what, st)
				}
				s.blockAt("")
				s.next(ops[i%len(ops)], what)
				i++
			}
		}
		// After short delays from the spawn: wherever the start is.
		for _, delay := range []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
			cmd := exec.Command(testutil.Bin(t, "lxc-start"), "-P", p, "-n", s.n)
			cmd.Env = append(os.Environ(), env...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var mon int
			waitFor(func() bool { mon = monitorOf(p, s.n); return mon != 0 }, 10*time.Second)
			time.Sleep(delay)
			if mon != 0 {
				killMonitor(t, mon)
			}
			cmd.Wait()
			s.next(ops[i%len(ops)], fmt.Sprintf("%v: monitor killed %v after its spawn", layout, delay))
			i++
		}
	}
}

// TestMonitorKilledWhileRunningOrStopping kills the monitor (C and Go) of
// a running container, and the Go monitor of one held in its stop and
// post-stop hooks (a container with those hooks has the Go monitor).
func TestMonitorKilledWhileRunningOrStopping(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	layouts := func() [][]string {
		return [][]string{nil, {"lxc.cgroup.dir = " + testutil.UniqueName("gx")}, {"lxc.monitor.signal.pdeath = 0"}}
	}
	for _, mon := range monitorKinds {
		for _, layout := range layouts() {
			s := newKillScenario(t, p, mon.env, nil, layout...)
			alive := len(layout) > 0 && strings.Contains(layout[0], "pdeath")
			for _, op := range []string{"lxc-start", "lxc-stop", "lxc-destroy"} {
				r := runBoundedEnv(t, mon.env, "lxc-start", "-P", p, "-n", s.n)
				if r.Code != 0 {
					t.Fatalf("%s %v: lxc-start: %s", mon.name, layout, r)
				}
				init, _ := ctl.InitPID(p, s.n)
				killMonitor(t, monitorOf(p, s.n))
				what := fmt.Sprintf("%s %v: monitor of a running container killed", mon.name, layout)
				if st := ctl.State(p, s.n); st != ctl.Stopped {
					t.Errorf("%s: state %s right after", what, st)
				}
				r = runBounded(t, "lxc-info", "-P", p, "-n", s.n, "-s", "-H")
				if strings.TrimSpace(r.Stdout) != "STOPPED" {
					t.Errorf("%s: lxc-info: %s", what, r)
				}
				if op == "lxc-stop" {
					// With lxc.monitor.signal.pdeath = 0 the container
					// runs on: lxc-stop kills it and says so by exit 0.
					r := runBounded(t, "lxc-stop", "-P", p, "-n", s.n, "-k")
					if alive && r.Code != 0 || !alive && r.Code != 2 {
						t.Errorf("%s: lxc-stop (container alive: %v): %s", what, alive, r)
					}
					s.clean(what + ", then lxc-stop")
				} else {
					s.next(op, what)
				}
				if init > 0 && !waitFor(func() bool { return zombieOrGone(init) }, 10*time.Second) {
					t.Errorf("%s: init %d survived %s", what, init, op)
				}
			}
		}
	}
	for _, layout := range layouts() {
		s := newKillScenario(t, p, nil, []string{"stop", "post-stop"}, layout...)
		for i, op := range []string{"lxc-start", "lxc-stop", "lxc-destroy"} {
			hook := []string{"stop", "post-stop", "stop"}[i]
			runBoundedOK(t, "lxc-start", "-P", p, "-n", s.n)
			s.blockAt(hook)
			stop := exec.Command(testutil.Bin(t, "lxc-stop"), "-P", p, "-n", s.n, "-k")
			if err := stop.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitFor(s.reached(hook), 20*time.Second) {
				t.Fatalf("%v: the %s hook never ran", layout, hook)
			}
			killMonitor(t, monitorOf(p, s.n))
			stop.Wait()
			s.next(op, fmt.Sprintf("Go monitor %v: killed in the %s hook", layout, hook))
		}
	}
}

func runBoundedOK(t *testing.T, name string, args ...string) {
	t.Helper()
	if r := runBounded(t, name, args...); r.Code != 0 {
		t.Fatalf("%s %s: %s", name, strings.Join(args, " "), r)
	}
}

func zombieOrGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// TestMonitorKilledOtherLXCPathUntouched: two containers of one name in
// two lxcpaths. Whatever is done to clean up after the killed monitor of
// one never touches the other, in either order of starts.
func TestMonitorKilledOtherLXCPathUntouched(t *testing.T) {
	testutil.Integration(t)
	pa, pb := testutil.LXCPath(t), testutil.LXCPath(t)
	n := testutil.UniqueName("same")
	keep := "lxc.monitor.signal.pdeath = 0" // A's tasks outlive its monitor
	testutil.BusyboxContainer(t, pa, n, keep)
	testutil.BusyboxContainer(t, pb, n)
	intact := func(what string, initB int, cgsB []string) {
		t.Helper()
		if st := ctl.State(pb, n); st != ctl.Running {
			t.Errorf("%s: the other lxcpath's container is %s", what, st)
		}
		if pid, _ := ctl.InitPID(pb, n); pid != initB || zombieOrGone(initB) {
			t.Errorf("%s: the other lxcpath's init %d is gone (now %d)", what, initB, pid)
		}
		for _, cg := range cgsB {
			if _, err := os.Stat(cg); err != nil {
				t.Errorf("%s: the other lxcpath's cgroup %s is gone", what, cg)
			}
		}
	}
	cgroupsOf := func(p string) []string {
		r, err := ctl.Simple(p, n, ctl.Request{Cmd: ctl.CmdCgroupPaths})
		if err != nil {
			t.Fatalf("cgroup paths: %v", err)
		}
		var out []string
		for _, d := range r.Paths {
			out = append(out, d)
		}
		return out
	}
	for _, op := range []string{"lxc-stop", "lxc-start", "lxc-destroy"} {
		// B starts first, then A's monitor dies.
		runBoundedOK(t, "lxc-start", "-P", pb, "-n", n)
		initB, cgsB := initPIDOf(t, pb, n), cgroupsOf(pb)
		runBoundedOK(t, "lxc-start", "-P", pa, "-n", n)
		killMonitor(t, monitorOf(pa, n))
		cleanUpAfter(t, op, pa, n)
		intact("B started first, then "+op+" of A", initB, cgsB)
		runBoundedOK(t, "lxc-stop", "-P", pb, "-n", n, "-k")
		if op == "lxc-destroy" {
			testutil.BusyboxContainer(t, pa, n, keep)
		}
		// A's monitor dies first (its tasks run on), then B starts
		// (beside A's cgroups), then A is cleaned up.
		runBoundedOK(t, "lxc-start", "-P", pa, "-n", n)
		killMonitor(t, monitorOf(pa, n))
		runBoundedOK(t, "lxc-start", "-P", pb, "-n", n)
		initB, cgsB = initPIDOf(t, pb, n), cgroupsOf(pb)
		cleanUpAfter(t, op, pa, n)
		intact("A killed first, then "+op+" of A", initB, cgsB)
		runBoundedOK(t, "lxc-stop", "-P", pb, "-n", n, "-k")
		if op == "lxc-destroy" {
			testutil.BusyboxContainer(t, pa, n, keep)
		}
	}
	if cgs := testutil.CgroupsNamed(n); len(cgs) > 0 {
		t.Errorf("cgroups left: %v", cgs)
	}
}

func initPIDOf(t *testing.T, p, n string) int {
	t.Helper()
	pid, err := ctl.InitPID(p, n)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// cleanUpAfter runs op on a container whose monitor was killed.
func cleanUpAfter(t *testing.T, op, p, n string) {
	t.Helper()
	switch op {
	case "lxc-start":
		runBoundedOK(t, "lxc-start", "-P", p, "-n", n)
		runBoundedOK(t, "lxc-stop", "-P", p, "-n", n, "-k")
	case "lxc-stop":
		runBoundedOK(t, "lxc-stop", "-P", p, "-n", n, "-k")
	case "lxc-destroy":
		runBoundedOK(t, "lxc-destroy", "-P", p, "-n", n)
	}
	if _, err := os.Lstat(bootrec.Path(p, n)); err == nil {
		t.Errorf("%s left the boot record of %s", op, n)
	}
}
