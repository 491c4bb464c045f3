package bootrec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/testutil"
)

// sleeper starts a process that runs until killed, and reaps it at the end.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	return cmd
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil && bootrec.StartTime(pid) != 0
}

// TestRecoverRemovesOnlyWhatIsStillItsOwn: a record left by a dead
// "monitor" (this test, which releases the record without removing it)
// is recovered: the process and the cgroup it names are gone; a cgroup
// made again at the same path since (another inode) and a process whose
// start time differs are not touched.
func TestRecoverRemovesOnlyWhatIsStillItsOwn(t *testing.T) {
	testutil.Integration(t)
	p := t.TempDir()
	h, err := cgroup.Detect()
	if err != nil {
		t.Fatal(err)
	}
	h = h.Rooted()
	name := testutil.UniqueName("br")
	rec, err := bootrec.Begin(p, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	note := func(m cgroup.Note) {
		rec.Add(bootrec.Entry{Kind: bootrec.KindCgroup, Path: m.Path, Ino: m.Ino, Parent: m.Parent})
	}
	ours, err := h.CreateNoted("", "lxc.payload."+name, note)
	if err != nil {
		t.Fatal(err)
	}
	theirsOld, err := h.CreateNoted("", "lxc.monitor."+name, note)
	if err != nil {
		t.Fatal(err)
	}
	inCg := sleeper(t)
	if err := ours.AddProc(inCg.Process.Pid); err != nil {
		t.Fatal(err)
	}
	loose := sleeper(t)
	rec.Add(bootrec.Entry{Kind: bootrec.KindProc, PID: loose.Process.Pid, Start: bootrec.StartTime(loose.Process.Pid)})
	other := sleeper(t)
	rec.Add(bootrec.Entry{Kind: bootrec.KindProc, PID: other.Process.Pid, Start: bootrec.StartTime(other.Process.Pid) + 1})
	// The monitor cgroup is removed and made again by someone else.
	theirsOld.Remove()
	theirs, err := h.Create("", "lxc.monitor."+name)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Remove()

	// While the record is held, Recover does nothing.
	if res, err := bootrec.Recover(p, name); err != nil || res.Found {
		t.Fatalf("Recover of a live record: %v, %v", res, err)
	}
	rec.Release()
	res, err := bootrec.Recover(p, name)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || !res.Running || res.Processes < 2 || res.Cgroups != len(h.Hierarchies) {
		t.Errorf("result %+v (%s), want 2 processes and %d cgroups", res, res, len(h.Hierarchies))
	}
	deadline := time.Now().Add(5 * time.Second)
	for (alive(inCg.Process.Pid) || alive(loose.Process.Pid)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, pid := range []int{inCg.Process.Pid, loose.Process.Pid} {
		if zombieOrAlive(pid) == 'R' {
			t.Errorf("process %d survived", pid)
		}
	}
	if !alive(other.Process.Pid) {
		t.Errorf("a process with another start time was killed")
	}
	for _, d := range ours.Paths {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left", d)
		}
	}
	for _, d := range theirs.Paths {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("someone else's %s was removed", d)
		}
	}
	if _, err := os.Stat(bootrec.Path(p, name)); !os.IsNotExist(err) {
		t.Errorf("the record is left: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(bootrec.Path(p, name))); !os.IsNotExist(err) {
		t.Errorf("the record's empty directory is left: %v", err)
	}
}

// zombieOrAlive returns 'R' for a live process, 'Z' for a zombie or a
// process that is gone.
func zombieOrAlive(pid int) byte {
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return 'Z'
	}
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == ')' && i+2 < len(b) {
			if b[i+2] == 'Z' || b[i+2] == 'X' {
				return 'Z'
			}
			return 'R'
		}
	}
	return 'R'
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestBeginRecoversAndReplaces: a new boot's Begin recovers what the
// last record lists and starts a fresh record; a record from another
// host boot is dropped without acting on it.
func TestBeginRecoversAndReplaces(t *testing.T) {
	testutil.Integration(t)
	p := t.TempDir()
	name := testutil.UniqueName("br")
	victim := sleeper(t)
	old := `{"kind":"boot","pid":1,"boot_id":"not-this-boot"}
{"kind":"proc","pid":` + itoa(victim.Process.Pid) + `,"start":` + itoa(int(bootrec.StartTime(victim.Process.Pid))) + `}
`
	testutil.WriteFile(t, bootrec.Path(p, name), old, 0o600)
	var got bootrec.Result
	rec, err := bootrec.Begin(p, name, func(r bootrec.Result, err error) { got = r })
	if err != nil {
		t.Fatal(err)
	}
	if !got.Found || got.Processes != 0 || !alive(victim.Process.Pid) {
		t.Errorf("a record of another boot was acted on: %+v", got)
	}
	rec.Add(bootrec.Entry{Kind: bootrec.KindProc, PID: victim.Process.Pid, Start: bootrec.StartTime(victim.Process.Pid)})
	rec.Release()
	rec, err = bootrec.Begin(p, name, func(r bootrec.Result, err error) { got = r })
	if err != nil {
		t.Fatal(err)
	}
	if !got.Found || got.Processes != 1 {
		t.Errorf("Begin after a dead boot: %+v", got)
	}
	rec.Done()
	if _, err := os.Stat(bootrec.Path(p, name)); !os.IsNotExist(err) {
		t.Errorf("Done left the record: %v", err)
	}
}
