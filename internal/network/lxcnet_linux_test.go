package network_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/golxc/golxc/internal/testutil"
)

// lxcNet runs the lxc-net script with settings in a private directory.
func lxcNet(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("lxcnet/lxc-net")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(),
		"GOLXC_LXCNET_DEFAULTS="+dir,
		"GOLXC_LXCNET_RUNDIR="+filepath.Join(dir, "run"),
		"GOLXC_LXCNET_LIBDIR="+filepath.Join(dir, "lib"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// lxc-net makes the bridge with NAT and a DHCP server that a container on
// it gets a lease from, and removes all of it on stop; it does nothing
// unless USE_LXC_BRIDGE is true.
func TestLXCNet(t *testing.T) {
	netTest(t)
	testutil.Need(t, "dnsmasq", "nft", "ip")
	dir := t.TempDir()
	br := uniq("lxc")

	// Off by default.
	if out, err := lxcNet(t, dir, "start"); err != nil {
		t.Fatalf("start while disabled: %v\n%s", err, out)
	}
	if _, err := netlink.LinkByName("lxcbr0"); err == nil {
		t.Fatal("lxc-net made lxcbr0 although USE_LXC_BRIDGE is not true")
	}

	testutil.WriteFile(t, filepath.Join(dir, "lxc-net"), strings.Join([]string{
		`USE_LXC_BRIDGE="true"`,
		`LXC_BRIDGE="` + br + `"`,
		`LXC_ADDR="192.0.2.1"`,
		`LXC_NETMASK="255.255.255.0"`,
		`LXC_NETWORK="192.0.2.0/24"`,
		`LXC_DHCP_RANGE="192.0.2.100,192.0.2.150"`,
		`LXC_DHCP_MAX="50"`,
		`LXC_DHCP_PING="false"`,
	}, "\n")+"\n", 0o644)
	pidFile := filepath.Join(dir, "run", "dnsmasq.pid")
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		lxcNet(t, dir, "stop")
	})
	if out, err := lxcNet(t, dir, "start"); err != nil {
		t.Fatalf("lxc-net start: %v\n%s", err, out)
	}
	if out, err := lxcNet(t, dir, "status"); err != nil || !strings.Contains(out, "running: "+br+" 192.0.2.1/24") {
		t.Errorf("status: %v %q", err, out)
	}
	l := link(t, br)
	if l.Attrs().HardwareAddr.String() != "00:16:3e:00:00:00" || !strings.Contains(strings.Join(addrsOf(t, nil, l), " "), "192.0.2.1/24") {
		t.Errorf("bridge %s: MAC %s addresses %v", br, l.Attrs().HardwareAddr, addrsOf(t, nil, l))
	}
	if out, _ := execOut("nft", "list", "table", "ip", "lxc"); !strings.Contains(out, "masquerade") {
		t.Errorf("no NAT rule: %s", out)
	}

	p := testutil.LXCPath(t)
	c := newCtr(t, p, "lxc.net.0.type = veth", "lxc.net.0.link = "+br, "lxc.net.0.flags = up")
	c.start()
	out, err := c.exec("/bin/busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-s", "/bin/true")
	if err != nil || !strings.Contains(out, "lease of 192.0.2.1") {
		t.Errorf("DHCP from lxc-net's dnsmasq: %v\n%s", err, out)
	}
	c.stop()

	if out, err := lxcNet(t, dir, "stop"); err != nil {
		t.Fatalf("lxc-net stop: %v\n%s", err, out)
	}
	if _, err := netlink.LinkByName(br); err == nil {
		t.Errorf("bridge %s left after stop", br)
	}
	if _, err := os.Stat(pidFile); err == nil {
		t.Errorf("dnsmasq pid file left")
	}
	if out, _ := execOut("nft", "list", "tables"); strings.Contains(out, "lxc") {
		t.Errorf("nft tables left: %s", out)
	}
}
