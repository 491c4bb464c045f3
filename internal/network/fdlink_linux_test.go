package network

import (
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// TestFDLinks configures a device in a namespace of the test through a
// netlink socket made inside it, as a user's monitor configures its
// container: rename, MAC, address, up, default route; netlink.Handle
// then sees exactly that.
func TestFDLinks(t *testing.T) {
	testutil.Integration(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	ns, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	h, herr := netlink.NewHandle()
	if err := netns.Set(orig); err != nil {
		t.Fatal(err)
	}
	if err != nil || herr != nil {
		t.Fatal(err, herr)
	}
	defer h.Close()
	sock := os.NewFile(uintptr(fd), "netlink")
	defer sock.Close()
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "d0"}, PeerName: "d1"}); err != nil {
		t.Fatal(err)
	}
	x, err := newFDLinks(sock)
	if err != nil {
		t.Fatal(err)
	}
	l, err := x.LinkByName("d0")
	if err != nil {
		t.Fatal(err)
	}
	if err := x.LinkSetName(l, "eth7"); err != nil {
		t.Fatal(err)
	}
	if l, err = x.LinkByIndex(l.Attrs().Index); err != nil || l.Attrs().Name != "eth7" {
		t.Fatalf("after rename: %v %v", l, err)
	}
	mac, _ := net.ParseMAC("00:16:3e:01:02:03")
	if err := x.LinkSetHardwareAddr(l, mac); err != nil {
		t.Fatal(err)
	}
	if err := x.AddrAdd(l, &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP("10.9.8.7").To4(), Mask: net.CIDRMask(24, 32)}}); err != nil {
		t.Fatal(err)
	}
	if err := x.AddrAdd(l, &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP("fd00::7"), Mask: net.CIDRMask(64, 128)}}); err != nil {
		t.Fatal(err)
	}
	if err := x.LinkSetUp(l); err != nil {
		t.Fatal(err)
	}
	if err := x.RouteAdd(&netlink.Route{LinkIndex: l.Attrs().Index, Gw: net.ParseIP("10.9.8.1"), Family: netlink.FAMILY_V4,
		Table: unix.RT_TABLE_MAIN, Protocol: unix.RTPROT_BOOT, Type: unix.RTN_UNICAST, Scope: netlink.SCOPE_UNIVERSE}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.LinkByName("nosuch0"); err == nil {
		t.Error("a missing link was found")
	}
	got, err := h.LinkByName("eth7")
	if err != nil {
		t.Fatal(err)
	}
	if got.Attrs().HardwareAddr.String() != mac.String() || got.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("eth7: %+v", got.Attrs())
	}
	addrs, _ := h.AddrList(got, netlink.FAMILY_ALL)
	var s []string
	for _, a := range addrs {
		s = append(s, a.IPNet.String()+" brd "+a.Broadcast.String())
	}
	if j := strings.Join(s, ","); !strings.Contains(j, "10.9.8.7/24 brd 10.9.8.255") || !strings.Contains(j, "fd00::7/64") {
		t.Errorf("addresses: %s", j)
	}
	routes, _ := h.RouteList(got, netlink.FAMILY_V4)
	found := false
	for _, r := range routes {
		if (r.Dst == nil || r.Dst.String() == "0.0.0.0/0") && r.Gw.Equal(net.ParseIP("10.9.8.1")) {
			found = true
		}
	}
	if !found {
		t.Errorf("no default route via 10.9.8.1: %v", routes)
	}
}
