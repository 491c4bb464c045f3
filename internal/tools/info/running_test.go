package infotool

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// A running busybox container: state, pid, stats layout and -H rules.
func TestRunningContainer(t *testing.T) {
	testutil.Integration(t)
	lxcpath := testutil.LXCPath(t)
	name := testutil.UniqueName("info")
	testutil.BusyboxContainer(t, lxcpath, name)
	testutil.MustRun(t, "lxc-start", "-P", lxcpath, "-n", name)
	defer testutil.Run(t, "lxc-stop", "-P", lxcpath, "-n", name, "-k")

	r := testutil.MustRun(t, "lxc-info", "-P", lxcpath, "-n", name)
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) < 3 || lines[0] != "Name:           "+name || lines[1] != "State:          RUNNING" || !strings.HasPrefix(lines[2], "PID:            ") {
		t.Fatalf("default output:\n%s", r.Stdout)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(lines[2], "PID:")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		t.Fatalf("pid %d: %v", pid, err)
	}
	human := regexp.MustCompile(`^[0-9]+(\.[0-9]{2} [KMG]iB| bytes)$`)
	for _, l := range lines[3:] {
		label, value := l[:15], l[16:]
		switch strings.TrimSpace(label) {
		case "CPU use:":
			if !regexp.MustCompile(`^[0-9]+\.[0-9]{2} seconds$`).MatchString(value) {
				t.Errorf("CPU line %q", l)
			}
		case "BlkIO use:", "Memory use:", "KMem use:":
			if !human.MatchString(value) {
				t.Errorf("size line %q", l)
			}
		case "IP:":
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if r := testutil.MustRun(t, "lxc-info", "-P", lxcpath, "-n", name, "-pH"); strings.TrimSpace(r.Stdout) != strconv.Itoa(pid) {
		t.Errorf("-pH: %q", r.Stdout)
	}
	if r := testutil.MustRun(t, "lxc-info", "-P", lxcpath, "-n", name, "-s", "-H"); r.Stdout != "RUNNING\n" {
		t.Errorf("-sH: %q", r.Stdout)
	}
	r = testutil.MustRun(t, "lxc-info", "-P", lxcpath, "-n", name, "-S", "-H")
	for _, l := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
		if !regexp.MustCompile(`^[A-Za-z ]+:\s+[0-9]+$`).MatchString(l) {
			t.Errorf("-S -H keeps labels and prints raw numbers: %q", l)
		}
	}
}
