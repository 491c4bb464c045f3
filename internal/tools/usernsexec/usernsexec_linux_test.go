package usernsexectool

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/sysx"
	"github.com/golxc/golxc/internal/testutil"
)

func TestParseArgs(t *testing.T) {
	o, err := parseArgs("p", []string{"-m", "b:0:100000:65536", "-s", "-mu:1:2:3", "-u", "5", "-g6", "--", "id", "-u"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []idMap{{'u', 0, 100000, 65536}, {'g', 0, 100000, 65536}, {'u', 1, 2, 3}}
	if !reflect.DeepEqual(o.maps, want) || !o.mapSelf || o.uid != 5 || o.gid != 6 || !reflect.DeepEqual(o.argv, []string{"id", "-u"}) {
		t.Errorf("parsed %+v", o)
	}
	// getopt permutes: options may follow the command until "--".
	o, err = parseArgs("p", []string{"sh", "-s", "x"}, io.Discard)
	if err != nil || !o.mapSelf || !reflect.DeepEqual(o.argv, []string{"sh", "x"}) {
		t.Errorf("permutation: %+v %v", o, err)
	}
	var errb bytes.Buffer
	for _, args := range [][]string{{"-x"}, {"-m"}, {"-m", "x:0:1:2"}, {"-m", "u:0:1"}, {"-m", "u:a:1:2"}, {"-u", "-1"}} {
		errb.Reset()
		if _, err := parseArgs("p", args, &errb); err != errUsage {
			t.Errorf("%q accepted", args)
		}
	}
	parseArgs("p", []string{"-x"}, &errb)
	if errb.String() != "p: invalid option -- 'x'\n" {
		t.Errorf("getopt message %q", errb.String())
	}
}

func TestMapSelf(t *testing.T) {
	got := mapSelf([]idMap{{'u', 0, 100000, 65536}, {'g', 0, 100000, 65536}}, 1000, 1001)
	want := []idMap{{'u', 0, 100000, 65536}, {'g', 0, 100000, 65536}, {'g', 65536, 1001, 1}, {'u', 65536, 1000, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mapSelf = %v, want %v", got, want)
	}
}

func TestDefaultMap(t *testing.T) {
	f := filepath.Join(t.TempDir(), "subuid")
	os.WriteFile(f, []byte("other:1:2\nalice:100000:65536\nalice:300000:10\n"), 0o644)
	m, err := defaultMap(f, "alice", 'u')
	if err != nil || m != (idMap{'u', 0, 100000, 65536}) {
		t.Errorf("defaultMap = %v, %v", m, err)
	}
	if _, err := defaultMap(f, "bob", 'u'); err == nil {
		t.Error("no entry for bob, but a map")
	}
	// Without any -m and without an allocation: LXC's message, then
	// what is missing.
	defer func(u, g string) { subuidFile, subgidFile = u, g }(subuidFile, subgidFile)
	subuidFile, subgidFile = f, f
	var out, errb bytes.Buffer
	if code := cli.Run(Tool, []string{"--", "true"}, &out, &errb); code != 1 || !strings.HasPrefix(errb.String(), "Failed to find subuid or subgid allocation: no entry for root in "+f+"; ") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("no allocation: exit %d, %q", code, errb.String())
	}
}

func TestHelpAndBadOption(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Run(Tool, []string{"-h"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "[-h] [-m <uid-maps>] [-s] -- [command [arg ..]]") {
		t.Errorf("-h: exit %d, stdout %q", code, out.String())
	}
	out.Reset()
	if code := cli.Run(Tool, []string{"-x"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "invalid option -- 'x'") || out.String() != "" {
		t.Errorf("-x: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

func usernsexec(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	testutil.Integration(t)
	return testutil.Run(t, "lxc-usernsexec", args...)
}

func TestRootMapsAndStatus(t *testing.T) {
	r := usernsexec(t, "-m", "b:0:100000:65536", "--", "sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; exit 3")
	if r.Code != 3 || r.Stdout != "0\n0\n         0     100000      65536\n         0     100000      65536\n" {
		t.Errorf("-m b:0:100000:65536: %s", r)
	}
	r = usernsexec(t, "-m", "b:0:100000:65536", "-s", "--", "cat", "/proc/self/uid_map")
	if r.Code != 0 || !strings.Contains(r.Stdout, "     65536          0          1") {
		t.Errorf("-s: %s", r)
	}
	r = usernsexec(t, "-m", "b:0:100000:65536", "-u", "5", "-g", "6", "--", "sh", "-c", "id -u; id -g; grep CapEff /proc/self/status")
	if r.Code != 0 || r.Stdout != "5\n6\nCapEff:\t0000000000000000\n" {
		t.Errorf("-u 5 -g 6: %s", r)
	}
	for _, c := range []struct {
		cmd  []string
		code int
	}{
		{[]string{"sh", "-c", "kill -9 $$"}, 137},
		{[]string{"/nonexistent"}, 127},
	} {
		if r := usernsexec(t, append([]string{"-m", "b:0:100000:65536", "--"}, c.cmd...)...); r.Code != c.code {
			t.Errorf("%q: %s, want exit %d", c.cmd, r, c.code)
		}
	}
	// Only a uid map: switching to gid 0 fails, with a message.
	r = usernsexec(t, "-m", "u:0:100000:65536", "--", "true")
	if r.Code != 1 || !strings.Contains(r.Stderr, "Failed to switch to gid 0") {
		t.Errorf("uid map only: %s", r)
	}
}

func TestFileOwnershipIsMapped(t *testing.T) {
	testutil.Integration(t)
	dir := t.TempDir()
	// The mapped root (host uid 100000) must reach and write the directory.
	os.Chmod(filepath.Dir(dir), 0o711)
	os.Chmod(dir, 0o777)
	f := filepath.Join(dir, "f")
	r := usernsexec(t, "-m", "b:0:100000:65536", "--", "sh", "-c", "touch "+f+" && chown 7:8 "+f+" && stat -c %u:%g "+f)
	if r.Code != 0 || r.Stdout != "7:8\n" {
		t.Fatalf("inside: %s", r)
	}
	st, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if sys.Uid != 100007 || sys.Gid != 100008 {
		t.Errorf("outside: owner %d:%d, want 100007:100008", sys.Uid, sys.Gid)
	}
}

// TestUnprivilegedUsesNewuidmap runs as uid 1000, where only shadow's
// setuid helpers may write the maps (a self map needs no subuid entry).
func TestUnprivilegedUsesNewuidmap(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "setpriv", "newuidmap", "newgidmap")
	bin := testutil.Bin(t, "lxc-usernsexec")
	cmd := exec.Command("setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups",
		bin, "-m", "u:0:1000:1", "-m", "g:0:1000:1", "--", "sh", "-c", "id -u; cat /proc/self/uid_map")
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "0\n         0       1000          1\n" {
		t.Errorf("as uid 1000: %v %q", err, out)
	}
}

// TestKeepsCallersDescriptors: the caller's descriptors 3 and up reach the
// command at their numbers (LXC passes them, and scripts write through
// "5>file"), while nothing of ours does: the command sees 0, 1, 2, the
// caller's 5 and its own directory handle only.
func TestKeepsCallersDescriptors(t *testing.T) {
	testutil.Integration(t)
	bin := testutil.Bin(t, "lxc-usernsexec")
	f := filepath.Join(t.TempDir(), "out")
	script := bin + ` -m b:0:100000:65536 -- sh -c 'echo x >&5; ls /proc/self/fd' 5>` + f
	r := testutil.RunCmd(t, exec.Command("sh", "-c", script))
	// What the test binary itself inherited reaches sh, and so the command.
	want := map[string]bool{"0": true, "1": true, "2": true, "3": true, "5": true}
	for _, fd := range sysx.InheritedFDs() {
		want[strconv.Itoa(fd)] = true
	}
	got := map[string]bool{}
	for _, fd := range strings.Fields(r.Stdout) {
		got[fd] = true
	}
	if r.Code != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("descriptors of the command: %s (want %v: stdio, ls's directory, the caller's 5)", r, want)
	}
	if b, err := os.ReadFile(f); err != nil || string(b) != "x\n" {
		t.Errorf("write through the caller's fd 5: %q %v", b, err)
	}
}
