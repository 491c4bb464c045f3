package network_test

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/golxc/golxc/internal/testutil"
)

// Two containers on one bridge reach each other by their configured IPv4
// and IPv6 addresses; the host ends look as LXC makes them.
func TestVethBridgePing(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	br := bridge(t, "192.0.2.1/24", "2001:db8::1/64")
	mk := func(i string) *ctr {
		return newCtr(t, p,
			"lxc.net.0.type = veth",
			"lxc.net.0.link = "+br,
			"lxc.net.0.name = eth0",
			"lxc.net.0.flags = up",
			"lxc.net.0.ipv4.address = 192.0.2.1"+i+"/24",
			"lxc.net.0.ipv4.gateway = auto",
			"lxc.net.0.ipv6.address = 2001:db8::1"+i+"/64",
		)
	}
	a, b := mk("1"), mk("2")
	a.start()
	b.start()
	a.waitDAD()
	b.waitDAD()
	a.ping("192.0.2.12")
	b.ping("192.0.2.11")
	a.ping("2001:db8::12")
	b.ping("2001:db8::11")
	a.ping("192.0.2.1")

	// Inside: eth0 with our addresses and the gateway found on the bridge.
	h := a.handle()
	eth0 := a.linkIn("eth0")
	got := strings.Join(addrsOf(t, h, eth0), " ")
	for _, want := range []string{"192.0.2.11/24", "2001:db8::11/64"} {
		if !strings.Contains(got, want) {
			t.Errorf("eth0 addresses %q lack %s", got, want)
		}
	}
	routes, _ := h.RouteList(eth0, netlink.FAMILY_V4)
	gw := false
	for _, r := range routes {
		if isDefault(r) && r.Gw.Equal(net.ParseIP("192.0.2.1")) {
			gw = true
		}
	}
	if !gw {
		t.Errorf("no default route via 192.0.2.1 (gateway = auto): %v", routes)
	}
	if !strings.HasPrefix(eth0.Attrs().HardwareAddr.String(), "00:16:3e:") {
		t.Errorf("container MAC %s not in 00:16:3e", eth0.Attrs().HardwareAddr)
	}

	// Host side: what Info reports, attached to the bridge, 0xfe MAC,
	// IPv6 off, the bridge's MTU.
	info := a.info()
	if len(info) != 1 || info[0].Type != "veth" || info[0].Name != "eth0" || info[0].Link != br || !strings.HasPrefix(info[0].HostName, "veth") {
		t.Fatalf("Info() = %+v", info)
	}
	host := link(t, info[0].HostName)
	if host.Attrs().MasterIndex != link(t, br).Attrs().Index {
		t.Errorf("%s is not on bridge %s", info[0].HostName, br)
	}
	if host.Attrs().HardwareAddr[0] != 0xfe {
		t.Errorf("host end MAC %s does not start with fe", host.Attrs().HardwareAddr)
	}
	if b, _ := os.ReadFile("/proc/sys/net/ipv6/conf/" + info[0].HostName + "/disable_ipv6"); strings.TrimSpace(string(b)) != "1" {
		t.Errorf("disable_ipv6 on %s = %q, want 1", info[0].HostName, b)
	}
	if host.Attrs().MTU != link(t, br).Attrs().MTU || eth0.Attrs().MTU != host.Attrs().MTU {
		t.Errorf("mtu: host %d container %d bridge %d", host.Attrs().MTU, eth0.Attrs().MTU, link(t, br).Attrs().MTU)
	}
	a.stop()
	if _, err := netlink.LinkByName(info[0].HostName); err == nil {
		t.Errorf("%s still exists after stop", info[0].HostName)
	}
}

// A macvlan container reaches a peer on its parent's wire.
func TestMacvlan(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	parent, peer := vethPair(t)
	addAddr(t, peer, "192.0.2.1/24")
	addAddr(t, peer, "2001:db8::1/64")
	up(t, parent)
	up(t, peer)
	c := newCtr(t, p,
		"lxc.net.0.type = macvlan",
		"lxc.net.0.macvlan.mode = bridge",
		"lxc.net.0.link = "+parent,
		"lxc.net.0.flags = up",
		"lxc.net.0.mtu = 1400",
		"lxc.net.0.hwaddr = 00:16:3e:00:00:20",
		"lxc.net.0.ipv4.address = 192.0.2.20/24",
		"lxc.net.0.ipv6.address = 2001:db8::20/64",
	)
	c.start()
	c.waitDAD()
	c.ping("192.0.2.1")
	c.ping("2001:db8::1")
	eth0 := c.linkIn("eth0")
	mv, ok := eth0.(*netlink.Macvlan)
	if !ok || mv.Mode != netlink.MACVLAN_MODE_BRIDGE {
		t.Errorf("eth0 is %T %+v, want a bridge-mode macvlan", eth0, eth0)
	}
	if eth0.Attrs().MTU != 1400 || eth0.Attrs().HardwareAddr.String() != "00:16:3e:00:00:20" {
		t.Errorf("eth0 mtu %d MAC %s", eth0.Attrs().MTU, eth0.Attrs().HardwareAddr)
	}
	if info := c.info(); len(info) != 1 || info[0].HostName != parent || info[0].Name != "eth0" {
		t.Errorf("Info() = %+v", info)
	}
	c.stop()
}

// Physical devices go in under their configured names (two that swap
// names, which needs LXC's transient names) and come back on stop with
// their own names, MTU and MAC.
func TestPhys(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	a, peer := vethPair(t)
	b, _ := vethPair(t)
	addAddr(t, peer, "192.0.2.1/24")
	up(t, peer)
	up(t, b) // an up device can be moved too
	macA := link(t, a).Attrs().HardwareAddr.String()
	c := newCtr(t, p,
		"lxc.net.0.type = phys",
		"lxc.net.0.link = "+a,
		"lxc.net.0.name = "+b, // a takes b's name ...
		"lxc.net.0.flags = up",
		"lxc.net.0.mtu = 1400",
		"lxc.net.0.hwaddr = 00:16:3e:00:00:30",
		"lxc.net.0.ipv4.address = 192.0.2.30/24",
		"lxc.net.1.type = phys",
		"lxc.net.1.link = "+b,
		"lxc.net.1.name = "+a, // ... and b takes a's
	)
	c.start()
	c.ping("192.0.2.1")
	for _, n := range []string{a, b} {
		if _, err := netlink.LinkByName(n); err == nil {
			t.Errorf("%s is still on the host", n)
		}
	}
	in := c.linkIn(b)
	if in.Attrs().MTU != 1400 || in.Attrs().HardwareAddr.String() != "00:16:3e:00:00:30" {
		t.Errorf("moved device: mtu %d MAC %s", in.Attrs().MTU, in.Attrs().HardwareAddr)
	}
	c.stop()
	back := link(t, a)
	if back.Attrs().MTU != 1500 || back.Attrs().HardwareAddr.String() != macA {
		t.Errorf("%s back with mtu %d MAC %s, want 1500 %s", a, back.Attrs().MTU, back.Attrs().HardwareAddr, macA)
	}
	link(t, b)
}

// veth.mode = router: no bridge; the host routes the container's addresses
// to its veth and answers ARP/NDP for the gateway, so two containers reach
// each other through the host's routing.
func TestVethRouter(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	sysctl(t, "ipv6/conf/all/forwarding", "1")
	t.Cleanup(func() { sysctl(t, "ipv6/conf/all/forwarding", "0") })
	// Proxy ARP answers only for a gateway the host routes elsewhere, as
	// on a real host with an uplink.
	uplink, _ := vethPair(t)
	up(t, uplink)
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link(t, uplink).Attrs().Index, Dst: mustCIDR("192.0.2.1/32")}); err != nil {
		t.Fatal(err)
	}
	mk := func(i string) *ctr {
		return newCtr(t, p,
			"lxc.net.0.type = veth",
			"lxc.net.0.veth.mode = router",
			"lxc.net.0.flags = up",
			"lxc.net.0.ipv4.address = 192.0.2.1"+i+"/32",
			"lxc.net.0.ipv4.gateway = 192.0.2.1",
			"lxc.net.0.ipv6.address = 2001:db8::1"+i+"/128",
			"lxc.net.0.ipv6.gateway = fe80::1",
			"lxc.net.0.veth.ipv4.route = 192.0.2.16"+i+"/32",
		)
	}
	a, b := mk("1"), mk("2")
	a.start()
	b.start()
	a.waitDAD()
	b.waitDAD()
	a.ping("192.0.2.12")
	b.ping("192.0.2.11")
	a.ping("2001:db8::12")
	b.ping("2001:db8::11")

	veth := a.info()[0].HostName
	l := link(t, veth)
	routes, _ := netlink.RouteList(l, netlink.FAMILY_ALL)
	var dsts []string
	for _, r := range routes {
		if r.Dst != nil {
			dsts = append(dsts, r.Dst.String())
		}
	}
	for _, want := range []string{"192.0.2.11/32", "192.0.2.161/32", "2001:db8::11/128"} {
		if !strings.Contains(strings.Join(dsts, " "), want) {
			t.Errorf("host routes via %s = %v, lack %s", veth, dsts, want)
		}
	}
	if l.Attrs().MasterIndex != 0 {
		t.Errorf("router-mode veth %s is enslaved", veth)
	}
	// Off-subnet gateway: a device route to it comes first.
	r4, _ := a.handle().RouteList(a.linkIn("eth0"), netlink.FAMILY_V4)
	if len(r4) != 2 {
		t.Errorf("container routes %v, want the gateway's device route and the default", r4)
	}
	a.stop()
	b.stop()
}

// hwaddr templates are expanded (unicast, in the template's prefix); a
// written MAC is the same after a restart; no hwaddr gives 00:16:3e.
func TestHWAddr(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	c := newCtr(t, p,
		"lxc.net.0.type = veth",
		"lxc.net.0.name = eth0",
		"lxc.net.0.hwaddr = 02:42:xx:xx:xx:xx",
		"lxc.net.1.type = veth",
		"lxc.net.1.name = eth1",
		"lxc.net.1.hwaddr = 00:16:3e:12:34:56",
		"lxc.net.2.type = veth",
		"lxc.net.2.name = eth2",
	)
	c.start()
	mac0 := c.linkIn("eth0").Attrs().HardwareAddr
	if !regexp.MustCompile(`^02:42:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$`).MatchString(mac0.String()) || mac0[0]&1 != 0 {
		t.Errorf("templated MAC %s", mac0)
	}
	if m := c.linkIn("eth1").Attrs().HardwareAddr.String(); m != "00:16:3e:12:34:56" {
		t.Errorf("written MAC came out as %s", m)
	}
	if m := c.linkIn("eth2").Attrs().HardwareAddr; m[0] != 0 || m[1] != 0x16 || m[2] != 0x3e {
		t.Errorf("default MAC %s not in 00:16:3e", m)
	}
	c.stop()
	c.start()
	if m := c.linkIn("eth1").Attrs().HardwareAddr.String(); m != "00:16:3e:12:34:56" {
		t.Errorf("written MAC after restart: %s", m)
	}
	c.stop()
}

// A start that fails midway leaves no device behind: a veth, a phys
// device moved in and a macvlan are undone when a later step fails, in
// the host-side stage (a missing link), in the container stage (a
// gateway on a device that is not up) and in script.up.
func TestFailureMidwayLeavesNothing(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	br := bridge(t, "192.0.2.1/24")
	physDev, _ := vethPair(t)
	parent, _ := vethPair(t)
	hook := filepath.Join(t.TempDir(), "hook")
	testutil.WriteFile(t, hook, "#!/bin/sh\necho \"$@\" >> "+hook+".log\n[ \"$3\" = up ] && [ \"$4\" = empty ] && exit 3\nexit 0\n", 0o755)
	base := []string{
		"lxc.net.0.type = veth",
		"lxc.net.0.link = " + br,
		"lxc.net.0.veth.pair = " + uniq("p"),
		"lxc.net.0.script.up = " + hook,
		"lxc.net.0.script.down = " + hook,
		"lxc.net.1.type = phys",
		"lxc.net.1.link = " + physDev,
		"lxc.net.1.name = eth7",
		"lxc.net.2.type = macvlan",
		"lxc.net.2.link = " + parent,
	}
	cases := map[string][]string{
		"host stage":      {"lxc.net.3.type = macvlan", "lxc.net.3.link = gxtmissing0"},
		"container stage": {"lxc.net.3.type = veth", "lxc.net.3.ipv4.address = 192.0.2.40/24", "lxc.net.3.ipv4.gateway = 192.0.2.1"},
		"script.up":       {"lxc.net.3.type = empty", "lxc.net.3.script.up = " + hook},
	}
	for name, extra := range cases {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			os.Remove(hook + ".log")
			before := linkNames(t)
			c := newCtr(t, p, append(append([]string{}, base...), extra...)...)
			stderr := c.startFails()
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "lxc.net.3") {
				t.Errorf("stderr %q: want one line naming lxc.net.3", stderr)
			}
			if after := linkNames(t); strings.Join(after, " ") != strings.Join(before, " ") {
				t.Errorf("interfaces before %v, after the failed start %v", before, after)
			}
			if l := link(t, physDev); l.Attrs().Name != physDev {
				t.Errorf("phys device not back")
			}
			brLinks := 0
			links, _ := netlink.LinkList()
			for _, l := range links {
				if l.Attrs().MasterIndex == link(t, br).Attrs().Index {
					brLinks++
				}
			}
			if brLinks != 0 {
				t.Errorf("%d ports left on the bridge", brLinks)
			}
			log, _ := os.ReadFile(hook + ".log")
			if !strings.Contains(string(log), "net up veth "+br) || !strings.Contains(string(log), "net down veth "+br) {
				t.Errorf("script.up/down of the veth did not both run: %q", log)
			}
		})
	}
}

// The kernel here has no 802.1Q, ipvlan or bridge VLAN filtering: each
// fails the start with one line naming the kernel option, after undoing
// the veth made before it.
func TestMissingKernelFeatures(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	br := bridge(t)
	cases := []struct {
		lines  []string
		option string
	}{
		{[]string{"lxc.net.1.type = vlan", "lxc.net.1.link = " + br, "lxc.net.1.vlan.id = 10"}, "CONFIG_VLAN_8021Q"},
		{[]string{"lxc.net.1.type = ipvlan", "lxc.net.1.link = " + br, "lxc.net.1.ipvlan.mode = l3", "lxc.net.1.ipvlan.isolation = private"}, "CONFIG_IPVLAN"},
		{[]string{"lxc.net.1.type = veth", "lxc.net.1.link = " + br, "lxc.net.1.veth.vlan.id = 10", "lxc.net.1.veth.vlan.tagged.id = 20"}, "CONFIG_BRIDGE_VLAN_FILTERING"},
	}
	for _, tc := range cases {
		t.Run(tc.option, func(t *testing.T) {
			if kernelHas(tc.option) {
				t.Skipf("this kernel has %s", tc.option)
			}
			before := linkNames(t)
			c := newCtr(t, p, append([]string{"lxc.net.0.type = veth", "lxc.net.0.link = " + br}, tc.lines...)...)
			stderr := strings.TrimSpace(c.startFails())
			if strings.Contains(stderr, "\n") || !strings.Contains(stderr, tc.option) {
				t.Errorf("stderr %q: want one line naming %s", stderr, tc.option)
			}
			if after := linkNames(t); strings.Join(after, " ") != strings.Join(before, " ") {
				t.Errorf("interfaces before %v, after %v", before, after)
			}
		})
	}
}

// kernelHas reads /proc/config.gz through zcat when there is one.
func kernelHas(option string) bool {
	out, err := execOut("sh", "-c", "zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r) 2>/dev/null")
	if err != nil || out == "" {
		return false
	}
	return regexp.MustCompile(`(?m)^` + option + `=[ym]$`).MatchString(out)
}

// Scripts get LXC's arguments and, with lxc.hook.version = 1, its
// LXC_NET_* variables; script.down sees LXC_NET_NS.
func TestScripts(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	br := bridge(t)
	dir := t.TempDir()
	hook := filepath.Join(dir, "hook")
	testutil.WriteFile(t, hook, "#!/bin/sh\n{ echo \"ARGS $*\"; env | grep -E '^LXC_(NET_|HOOK_TYPE)' | sed 's|=/proc/.*|=FD|' | sort; } >> "+hook+".log\n", 0o755)
	pair := uniq("p")
	c := newCtr(t, p,
		"lxc.hook.version = 1",
		"lxc.net.0.type = veth",
		"lxc.net.0.link = "+br,
		"lxc.net.0.veth.pair = "+pair,
		"lxc.net.0.script.up = "+hook,
		"lxc.net.0.script.down = "+hook,
	)
	c.start()
	c.stop()
	log, _ := os.ReadFile(hook + ".log")
	want := "ARGS veth " + br + " " + pair + "\n" +
		"LXC_HOOK_TYPE=up\nLXC_NET_PARENT=" + br + "\nLXC_NET_PEER=" + pair + "\nLXC_NET_TYPE=veth\n" +
		"ARGS veth " + br + " " + pair + "\n" +
		"LXC_HOOK_TYPE=down\nLXC_NET_NS=FD\nLXC_NET_PARENT=" + br + "\nLXC_NET_PEER=" + pair + "\nLXC_NET_TYPE=veth\n"
	if string(log) != want {
		t.Errorf("hook saw:\n%s\nwant:\n%s", log, want)
	}
}

// A bridge that does not exist (lxcbr0 without lxc-net) is named in one
// line that says what to do, and nothing is made.
func TestMissingBridge(t *testing.T) {
	netTest(t)
	p := testutil.LXCPath(t)
	c := newCtr(t, p, "lxc.net.0.type = veth", "lxc.net.0.link = gxtnobr0", "lxc.net.0.flags = up")
	stderr := strings.TrimSpace(c.startFails())
	if strings.Contains(stderr, "\n") || !strings.Contains(stderr, "bridge gxtnobr0 does not exist") || !strings.Contains(stderr, "lxc-net") {
		t.Errorf("stderr %q", stderr)
	}
}
