package network_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/golxc/golxc/internal/testutil"
)

// TestMonitorKilledNetwork: the monitor of a container with a bridged
// veth and l2proxy entries is killed while the container runs on without
// it (lxc.monitor.signal.pdeath = 0, so its network namespace lives); the
// next lxc-stop kills the container and removes the host end of the veth
// and the proxy entries. With the default death signal the container
// dies with its monitor and lxc-start cleans up.
func TestMonitorKilledNetwork(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	br := bridge(t, "192.0.2.1/24")
	sysctl(t, "ipv4/conf/"+br+"/forwarding", "1")
	for _, pdeath := range []string{"0", "SIGKILL"} {
		c := newCtr(t, p,
			"lxc.monitor.signal.pdeath = "+pdeath,
			"lxc.net.0.type = veth",
			"lxc.net.0.link = "+br,
			"lxc.net.0.flags = up",
			"lxc.net.0.ipv4.address = 192.0.2.61/24",
			"lxc.net.1.type = macvlan",
			"lxc.net.1.link = "+br,
			"lxc.net.1.l2proxy = 1",
			"lxc.net.1.ipv4.address = 192.0.2.62/24",
		)
		before := linkNames(t)
		c.start()
		host := c.info()[0].HostName
		if !strings.HasPrefix(host, "veth") {
			t.Fatalf("host end %q", host)
		}
		if got := proxies(nil); !strings.Contains(got, "192.0.2.62") {
			t.Fatalf("no l2proxy entry: %q", got)
		}
		init := c.pid()
		mon := monitorPID(t, p, c.name)
		syscall.Kill(mon, syscall.SIGKILL)
		waitExit(t, mon)
		op := "lxc-stop"
		if pdeath == "0" {
			if _, err := netlink.LinkByName(host); err != nil {
				t.Fatalf("pdeath 0: the veth went with the monitor: %v", err)
			}
			if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", c.name, "-k"); r.Code != 0 {
				t.Errorf("lxc-stop of a container without monitor: %s", r)
			}
		} else {
			op = "lxc-start"
			testutil.MustRun(t, "lxc-start", "-P", p, "-n", c.name)
			testutil.MustRun(t, "lxc-stop", "-P", p, "-n", c.name, "-k")
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/ns", init)); err == nil && !zombie(init) {
			t.Errorf("pdeath %s, %s: init %d survived", pdeath, op, init)
		}
		// The namespace of a killed container goes asynchronously.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := netlink.LinkByName(host)
			if err != nil || time.Now().After(deadline) {
				if err == nil {
					t.Errorf("pdeath %s, %s: veth %s left", pdeath, op, host)
				}
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := proxies(nil); strings.Contains(got, "192.0.2.62") {
			t.Errorf("pdeath %s, %s: l2proxy entry left: %q", pdeath, op, got)
		}
		if l := leftovers(t, before); l != "" {
			t.Errorf("pdeath %s, %s: interfaces changed:\n%s", pdeath, op, l)
		}
	}
}

func monitorPID(t *testing.T, p, n string) int {
	t.Helper()
	pids := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n)
	if len(pids) != 1 {
		t.Fatalf("monitor of %s: %v", n, pids)
	}
	return pids[0]
}

func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// waitExit waits (bounded) until pid has exited.
func waitExit(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !zombie(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not exit", pid)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
