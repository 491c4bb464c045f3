package unsharetool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/testutil"
)

func TestParseNamespaces(t *testing.T) {
	for in, want := range map[string][]string{
		"MOUNT":          {"mnt"},
		"PID|MOUNT|IPC":  {"mnt", "pid", "ipc"},
		"UTSNAME|":       {"uts"},
		"uts":            {"uts"},
		"NETWORK|USER":   {"user", "net"},
		"CGROUP|Time":    {"cgroup", "time"},
		"mount":          nil,
		"MOUNTX":         nil,
		"MOUNT,PID":      nil,
		"":               nil,
		"NETWORK|bogus":  nil,
		"|PID||UTSNAME|": {"pid", "uts"},
	} {
		got, err := config.ParseNamespaceOption(in)
		if want == nil {
			if err == nil {
				t.Errorf("parseNamespaces(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseNamespaces(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// TestOptionChecks runs the tool in-process: every case fails before
// anything is started, with LXC's messages.
func TestOptionChecks(t *testing.T) {
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{nil, "lxc-unshare: A command to execute in the new namespace is required\n"},
		{[]string{"-s", "PID"}, "lxc-unshare: A command to execute in the new namespace is required\n"},
		{[]string{"--", "true"}, "lxc-unshare: A namespace to execute command is required\n"},
		{[]string{"-s", "bogus", "--", "true"}, "lxc-unshare: could not parse command line\n"},
		{[]string{"-s", "USER", "-u", "no-such-user-here", "--", "true"}, "lxc-unshare: could not parse command line\n"},
		{[]string{"-s", "UTSNAME", "-i", "eth0", "--", "true"}, "lxc-unshare: -i <interfacename> needs -s NETWORK option\n"},
		{[]string{"-s", "PID", "-H", "foo", "--", "true"}, "lxc-unshare: -H <hostname> needs -s UTSNAME option\n"},
		{[]string{"-s", "PID", "-M", "--", "true"}, "lxc-unshare: -M needs -s MOUNT option\n"},
		{[]string{"-s", "PID", "-u", "0", "--", "true"}, "lxc-unshare: Failed to map uid: -u needs -s USER\n"},
	} {
		var out, errb bytes.Buffer
		code := cli.Run(Tool, c.args, &out, &errb)
		if code != 1 || errb.String() != c.stderr {
			t.Errorf("%q: exit %d, stderr %q; want 1, %q", c.args, code, errb.String(), c.stderr)
		}
	}
}

func unshare(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	testutil.Integration(t)
	return testutil.Run(t, "lxc-unshare", args...)
}

func TestExitStatusIsTheCommands(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		code int
	}{
		{"exit 0", 0}, {"exit 3", 3}, {"kill -9 $$", 137}, {"exec /nonexistent", 127},
	} {
		r := unshare(t, "-s", "UTSNAME|IPC", "--", "sh", "-c", c.cmd)
		if r.Code != c.code {
			t.Errorf("%q: %s; want exit %d", c.cmd, r, c.code)
		}
	}
	r := unshare(t, "-s", "UTSNAME", "--", "/nonexistent")
	if r.Code != 127 || !strings.Contains(r.Stderr, "No such file or directory - Failed to exec: '/nonexistent'") {
		t.Errorf("missing command: %s", r)
	}
}

func TestPidOneAndHostname(t *testing.T) {
	host, _ := os.Hostname()
	r := unshare(t, "-s", "PID|UTSNAME", "-H", "gx-unshare-test", "--", "sh", "-c", "echo $$; hostname")
	if r.Code != 0 || r.Stdout != "1\ngx-unshare-test\n" {
		t.Errorf("pid 1 and -H: %s", r)
	}
	if now, _ := os.Hostname(); now != host {
		t.Errorf("host name changed to %q", now)
	}
}

func mountinfo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRemountAndPrivateMounts(t *testing.T) {
	before := mountinfo(t)
	dir := t.TempDir()
	// -M: /proc of the new pid namespace, fresh /dev/shm and /dev/mqueue;
	// a mount made inside never shows up on the host.
	r := unshare(t, "-s", "MOUNT|PID", "-M", "--", "sh", "-c",
		"mount -t tmpfs gxtest "+dir+" && cat /proc/1/comm; test -e /proc/"+strconv.Itoa(os.Getpid())+" || echo host-pid-hidden; grep -c ' /dev/mqueue .* mqueue ' /proc/self/mountinfo; grep ' /dev/shm ' /proc/self/mountinfo | tail -1 | grep -c shmfs")
	if r.Code != 0 || r.Stdout != "sh\nhost-pid-hidden\n1\n1\n" {
		t.Errorf("-M inside MOUNT|PID: %s", r)
	}
	if m := testutil.MountsUnder(dir); len(m) > 0 {
		t.Errorf("a mount made in the new namespace reached the host: %v", m)
	}
	if after := mountinfo(t); after != before {
		t.Errorf("the host's mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Errorf("the host's /proc is gone: %v", err)
	}
}

func TestMoveInterface(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "ip")
	a, b := testutil.UniqueName("gxu"), testutil.UniqueName("gxu")
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a}, PeerName: b}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatalf("create veth: %v", err)
	}
	t.Cleanup(func() {
		// The end moved away dies with its namespace, taking the peer
		// along; that happens asynchronously.
		for i := 0; i < 50; i++ {
			_, errA := netlink.LinkByName(a)
			_, errB := netlink.LinkByName(b)
			if errA != nil && errB != nil {
				return
			}
			if l, err := netlink.LinkByName(b); err == nil {
				netlink.LinkDel(l)
			}
			if l, err := netlink.LinkByName(a); err == nil {
				netlink.LinkDel(l)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("veth %s/%s left behind", a, b)
	})
	r := unshare(t, "-s", "NETWORK", "-i", a, "--", "ip", "-o", "link")
	if r.Code != 0 || !strings.Contains(r.Stdout, " "+a+"@") || strings.Contains(r.Stdout, " "+b+"@") {
		t.Errorf("-i %s: %s", a, r)
	}
	if _, err := netlink.LinkByName(a); err == nil {
		// Either already destroyed with the namespace or on its way.
		time.Sleep(200 * time.Millisecond)
	}
	r = unshare(t, "-s", "NETWORK", "-i", "gx-no-such-if", "--", "true")
	if r.Code != 0 || !strings.Contains(r.Stderr, "Could not move interface gx-no-such-if") {
		t.Errorf("missing interface: %s", r)
	}
}

func TestUserNamespace(t *testing.T) {
	r := unshare(t, "-s", "USER", "-u", "1000", "--", "sh", "-c", "id -u; cat /proc/self/uid_map")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "1000\n") || !strings.Contains(r.Stdout, "1000          0          1") {
		t.Errorf("-s USER -u 1000: %s", r)
	}
	r = unshare(t, "-s", "USER", "--", "id", "-u")
	if r.Code != 0 || r.Stdout != "65534\n" {
		t.Errorf("-s USER: %s", r)
	}
}

func TestStdioEnvAndDescriptors(t *testing.T) {
	testutil.Integration(t)
	dir, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	cmd := exec.Command(testutil.Bin(t, "lxc-unshare"), "-s", "UTSNAME|IPC", "--", "sh", "-c",
		"cat; echo \"$GX_VAR\"; echo err >&2; ls /proc/self/fd | tr '\\n' ' '")
	cmd.Env = append(os.Environ(), "GX_VAR=passed")
	cmd.Stdin = strings.NewReader("in\n")
	cmd.ExtraFiles = []*os.File{dir}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if out.String() != "in\npassed\n0 1 2 3 " || errb.String() != "err\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
	}
}

func TestDaemon(t *testing.T) {
	testutil.Integration(t)
	flag := filepath.Join(t.TempDir(), "done")
	start := time.Now()
	// No output pipes: the command inherits our stdio, and a pipe would
	// make us wait for it rather than for lxc-unshare.
	cmd := exec.Command(testutil.Bin(t, "lxc-unshare"), "-d", "-s", "UTSNAME", "--", "sh", "-c", "sleep 1; echo ok > "+flag)
	if err := cmd.Run(); err != nil || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("-d waited for the command: %v after %v", err, time.Since(start))
	}
	for i := 0; i < 100; i++ {
		if b, err := os.ReadFile(flag); err == nil && string(b) == "ok\n" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Error("the daemonized command did not run")
}
