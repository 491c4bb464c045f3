package runtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// Hostile and unusual input through the real tools: configs that are not
// regular files, huge values and keys, odd names, signal keys that are
// no signals, and valid configs of 40-80 KB. Every refusal is one short
// line naming the cause, in bounded time; the good containers of the
// lxcpath stay usable.

// TestConfigSpecialFiles: a config that is a FIFO, and includes of
// /dev/zero, a FIFO, a directory holding a FIFO and a file over the size
// limit: lxc-info, lxc-start and lxc-execute refuse the container at once
// naming the file and what it is; lxc-ls lists the good container and
// says which one it cannot load, exit 0 as LXC.
func TestConfigSpecialFiles(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	good := testutil.UniqueName("good")
	testutil.BusyboxContainer(t, p, good)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	fifoDir := filepath.Join(dir, "d")
	os.Mkdir(fifoDir, 0o755)
	syscall.Mkfifo(filepath.Join(fifoDir, "50-x.conf"), 0o644)
	big := filepath.Join(dir, "big.conf")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(17 << 20)
	f.Close()
	for i, c := range []struct {
		include string // "" = the config itself is a FIFO
		want    string
	}{
		{"", "a FIFO"},
		{"/dev/zero", "a character device"},
		{fifo, "a FIFO"},
		{fifoDir, "a FIFO"},
		{big, "larger than 16 MiB"},
	} {
		bad := fmt.Sprintf("bad%d%s", i, good[4:])
		cdir := testutil.BusyboxContainer(t, p, bad)
		cfg := filepath.Join(cdir, "config")
		if c.include == "" {
			os.Remove(cfg)
			if err := syscall.Mkfifo(cfg, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			b, _ := os.ReadFile(cfg)
			os.WriteFile(cfg, append(b, []byte("lxc.include = "+c.include+"\n")...), 0o644)
		}
		what := fmt.Sprintf("config %s (%s)", bad, c.want)
		for _, tool := range [][]string{
			{"lxc-info", "-P", p, "-n", bad},
			{"lxc-start", "-P", p, "-n", bad},
			{"lxc-execute", "-P", p, "-n", bad, "--", "true"},
		} {
			r := runBounded(t, tool[0], tool[1:]...)
			if r.Code == 0 || !strings.Contains(r.Stderr, c.want) || len(r.Stderr) > 1000 {
				t.Errorf("%s: %s: %s", what, tool[0], r)
			}
		}
		for _, args := range [][]string{{}, {"-f"}, {"-1"}, {"--format", "json"}} {
			r := runBounded(t, "lxc-ls", append([]string{"-P", p}, args...)...)
			if r.Code != 0 || !strings.Contains(r.Stdout, good) || strings.Contains(r.Stdout, bad) ||
				!strings.Contains(r.Stderr, "Failed to load config for "+bad) || !strings.Contains(r.Stderr, c.want) {
				t.Errorf("%s: lxc-ls %v: %s", what, args, r)
			}
		}
		os.Remove(cfg)
		os.RemoveAll(cdir)
	}
	// The good one is untouched by all of it.
	runBoundedOK(t, "lxc-start", "-P", p, "-n", good)
	runBoundedOK(t, "lxc-stop", "-P", p, "-n", good, "-k")
}

// TestHugeValuesQuotedShort: a 10 MB value and a 100 KB key in a config,
// and long values on the command line: one short error line each.
func TestHugeValuesQuotedShort(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("hv")
	cdir := testutil.BusyboxContainer(t, p, n)
	cfg := filepath.Join(cdir, "config")
	orig, _ := os.ReadFile(cfg)
	for _, line := range []string{
		"lxc.signal.stop = " + strings.Repeat("7", 10<<20),
		"lxc.mount.entry = " + strings.Repeat("/x", 5<<20) + " mnt none bind 0 0",
		"lxc." + strings.Repeat("k", 100<<10) + " = 1",
		"lxc.hook.pre-start = /nonexistent/" + strings.Repeat("h", 100<<10),
	} {
		os.WriteFile(cfg, append(append([]byte{}, orig...), line+"\n"...), 0o644)
		// Mount entries and hooks are only checked when they are used,
		// as by LXC: lxc-info loads the config, lxc-start fails.
		loads := strings.HasPrefix(line, "lxc.mount.entry") || strings.HasPrefix(line, "lxc.hook")
		for _, tool := range []string{"lxc-info", "lxc-start"} {
			r := runBounded(t, tool, "-P", p, "-n", n)
			if (r.Code == 0) != (loads && tool == "lxc-info") || len(r.Stderr) > 1000 || len(r.Stdout) > 1000 {
				t.Errorf("%s with %.40q...: exit %d, %d bytes on stderr: %.200q", tool, line, r.Code, len(r.Stderr), r.Stderr)
			}
		}
	}
	os.WriteFile(cfg, orig, 0o644)
	long := strings.Repeat("v", 100<<10)
	runBoundedOK(t, "lxc-start", "-P", p, "-n", n)
	defer runBounded(t, "lxc-stop", "-P", p, "-n", n, "-k")
	for _, args := range [][]string{
		{"lxc-start", "-P", p, "-n", n + "x", "-s", "lxc.signal.stop=" + long},
		{"lxc-start", "-P", p, "-n", n + "x", "-s", "lxc." + long + "=1"},
		{"lxc-cgroup", "-P", p, "-n", n, "pids.max", long},
		{"lxc-cgroup", "-P", p, "-n", n, long},
		{"lxc-info", "-P", p, "-n", n, "-c", "lxc." + long},
		{"lxc-attach", "-P", p, "-n", n, "-e", "-s", long, "--", "true"},
		{"lxc-attach", "-P", p, "-n", n, "-u", long, "--", "true"},
	} {
		r := runBounded(t, args[0], args[1:]...)
		// lxc-info -c of an unknown key says "KEY invalid" and exits 0,
		// as LXC.
		if (r.Code == 0) != (args[0] == "lxc-info") || len(r.Stderr) > 1000 {
			t.Errorf("%s %s ...: exit %d, %d bytes on stderr: %.200q", args[0], args[1], r.Code, len(r.Stderr), r.Stderr)
		}
	}
}

// TestNameWithNewline: the message is about the newline.
func TestNameWithNewline(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	for _, tool := range []string{"lxc-create", "lxc-info", "lxc-start", "lxc-destroy"} {
		args := []string{"-P", p, "-n", "a\nb"}
		if tool == "lxc-create" {
			args = append(args, "-t", "busybox")
		}
		r := runBounded(t, tool, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "newline") || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%s -n 'a\\nb': %s", tool, r)
		}
	}
	r := runBounded(t, "lxc-info", "-P", p, "-n", strings.Repeat("n", 300))
	if r.Code != 1 || !strings.Contains(r.Stderr, "too long") || len(r.Stderr) > 300 {
		t.Errorf("lxc-info with a 300-byte name: %s", r)
	}
}

// TestStopSignalNotASignal: lxc.signal.stop = 9999 is refused at load
// naming the key; a container with a valid stop signal its init ignores
// is still stopped by lxc-stop -k (killed after the grace period) and
// destroyed by lxc-destroy -f.
func TestStopSignalNotASignal(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("sg")
	testutil.BusyboxContainer(t, p, n, "lxc.signal.stop = 9999")
	r := runBounded(t, "lxc-start", "-P", p, "-n", n)
	if r.Code == 0 || !strings.Contains(r.Stderr, `"lxc.signal.stop"`) || !strings.Contains(r.Stderr, "9999") {
		t.Errorf("lxc-start with lxc.signal.stop = 9999: %s", r)
	}
	// SIGUSR2: busybox's init as pid 1 ignores signals it has no handler
	// for, and sleep as pid 1 does too.
	m := testutil.UniqueName("sg")
	testutil.BusyboxContainer(t, p, m, "lxc.signal.stop = SIGUSR2")
	for _, stop := range [][]string{{"lxc-stop", "-P", p, "-n", m, "-k"}, {"lxc-destroy", "-P", p, "-n", m, "-f"}} {
		runBoundedOK(t, "lxc-start", "-P", p, "-n", m)
		pid := initPIDOf(t, p, m)
		if r := runBounded(t, stop[0], stop[1:]...); r.Code != 0 {
			t.Errorf("%s with an ignored stop signal: %s", stop[0], r)
		}
		if !zombieOrGone(pid) {
			t.Errorf("%s: init %d still runs", stop[0], pid)
		}
	}
	if _, err := os.Stat(filepath.Join(p, m)); !os.IsNotExist(err) {
		t.Errorf("lxc-destroy -f left the container: %v", err)
	}
}

// TestLargeConfigStarts: valid configs of 40-80 KB start (LXC starts
// them): 600 lxc.environment lines and 1000 lxc.mount.entry lines; the
// container sees every variable and mount, and lxc-info -c returns the
// whole list.
func TestLargeConfigStarts(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	var env, mounts []string
	for i := 0; i < 600; i++ {
		env = append(env, fmt.Sprintf("lxc.environment = GOLXC_LARGE_%03d=%s", i, strings.Repeat("e", 80)))
	}
	for i := 0; i < 1000; i++ {
		mounts = append(mounts, fmt.Sprintf("lxc.mount.entry = tmpfs mnt/large/m%04d tmpfs create=dir,size=64k,mode=0755 0 0", i))
	}
	for _, c := range []struct {
		name  string
		lines []string
	}{{"environment", env}, {"mounts", mounts}} {
		n := testutil.UniqueName("lc")
		cdir := testutil.BusyboxContainer(t, p, n, c.lines...)
		if fi, _ := os.Stat(filepath.Join(cdir, "config")); fi.Size() < 40<<10 {
			t.Fatalf("%s: config of %d bytes only", c.name, fi.Size())
		}
		runBoundedOK(t, "lxc-start", "-P", p, "-n", n)
		var r testutil.Result
		if c.name == "environment" {
			r = runBounded(t, "lxc-attach", "-P", p, "-n", n, "--", "sh", "-c", "env | grep -c ^GOLXC_LARGE_")
			info := runBounded(t, "lxc-info", "-P", p, "-n", n, "-c", "lxc.environment")
			if strings.Count(info.Stdout, "GOLXC_LARGE_") != 600 {
				t.Errorf("lxc-info -c lxc.environment: %d entries: %.200s", strings.Count(info.Stdout, "GOLXC_LARGE_"), info)
			}
		} else {
			r = runBounded(t, "lxc-attach", "-P", p, "-n", n, "--", "sh", "-c", "grep -c ' /mnt/large/m' /proc/self/mountinfo")
		}
		want := map[string]int{"environment": 600, "mounts": 1000}[c.name]
		if got, _ := strconv.Atoi(strings.TrimSpace(r.Stdout)); got != want {
			t.Errorf("%s: the container sees %q, want %d: %s", c.name, strings.TrimSpace(r.Stdout), want, r)
		}
		runBoundedOK(t, "lxc-stop", "-P", p, "-n", n, "-k")
	}
}
