package infotool

import (
	"fmt"
	"os/exec"
	"reflect"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// containerIPs reads the addresses of another network namespace (a child
// in a new netns with a veth pair and a few addresses) as LXC's get_ips:
// no lo, IPv4 first, global-scope IPv6 only.
func TestContainerIPsInOtherNetns(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "ip", "sleep")
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ns := fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "eth0", "type", "veth", "peer", "name", "eth1"},
		{"addr", "add", "10.99.0.2/24", "dev", "eth0"},
		{"addr", "add", "10.99.1.2/24", "dev", "eth1"},
		{"-6", "addr", "add", "fd42::2/64", "dev", "eth0", "nodad"},
		{"link", "set", "eth0", "up"},
		{"link", "set", "eth1", "up"},
	} {
		c := exec.Command("nsenter", append([]string{"--net=" + ns, "ip"}, args...)...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	got, err := containerIPs(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// IPv4 addresses come in the kernel's dump order (as getifaddrs
	// returns them), then IPv6.
	if len(got) == 3 && got[0] > got[1] {
		got[0], got[1] = got[1], got[0]
	}
	want := []string{"10.99.0.2", "10.99.1.2", "fd42::2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
