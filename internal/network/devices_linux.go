package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/revert"
)

// setupVeth makes a veth pair whose container end is born inside the
// container's namespace, with its MAC and MTU in the same request (LXC's
// netdev_configure_server_veth, with incus' atomic MAC), then attaches the
// host end to the bridge or sets up router mode.
func (d *Devices) setupVeth(n *nic) (err error) {
	c := n.cfg
	router := c.VethMode == "router"
	bridged := c.Link != "" && !router
	vlan := c.VethVlanID != "" || len(c.VethVlanTagged) > 0
	if vlan && !bridged {
		return errors.New("veth.vlan.id and veth.vlan.tagged.id need veth.mode = bridge and a bridge in link")
	}
	for _, t := range c.VethVlanTagged {
		if t == c.VethVlanID {
			return fmt.Errorf("veth.vlan.id %s is also in veth.vlan.tagged.id", t)
		}
	}
	var br netlink.Link
	if bridged {
		if br, err = d.host.LinkByName(c.Link); err != nil {
			return fmt.Errorf("bridge %s does not exist (create it, start lxc-net, or use lxc.net.%d.type = empty)", c.Link, c.Index)
		}
	}
	// LXC: lxc.net.N.mtu, else the link's, else 1500.
	mtu := n.mtu
	if mtu == 0 && c.Link != "" {
		if l, err := d.host.LinkByName(c.Link); err == nil {
			mtu = l.Attrs().MTU
		}
	}
	if mtu == 0 {
		mtu = 1500
	}
	veth1 := c.VethPair
	if veth1 == "" {
		veth1 = randomName("vethXXXXXX", d.hostHas)
	}
	veth2 := randomName("vethXXXXXX", func(s string) bool { return d.hostHas(s) || d.contHas(s) })

	la := netlink.NewLinkAttrs()
	la.Name = veth1
	la.MTU = mtu
	la.HardwareAddr = hostSideMAC()
	v := &netlink.Veth{
		LinkAttrs:        la,
		PeerName:         veth2,
		PeerHardwareAddr: n.mac,
		PeerNamespace:    netlink.NsFd(int(d.ns)),
		PeerMTU:          uint32(mtu),
		PeerTxQLen:       -1,
		PeerNumRxQueues:  uint32(c.VethRxQueues),
		PeerNumTxQueues:  uint32(c.VethTxQueues),
	}
	// What the container receives the host end sends: LXC gives the host
	// end the container's counts swapped. netlink copies a host count to
	// the peer when the peer's is unset, so an unset peer count is spelled
	// out as the kernel's default.
	v.NumTxQueues, v.NumRxQueues = c.VethRxQueues, c.VethTxQueues
	if c.VethRxQueues > 0 && c.VethTxQueues == 0 {
		v.PeerNumTxQueues = uint32(defaultQueues())
	}
	if c.VethTxQueues > 0 && c.VethRxQueues == 0 {
		v.PeerNumRxQueues = uint32(defaultQueues())
	}
	d.note(bootrec.Entry{Kind: bootrec.KindVeth, Name: veth1})
	if err := d.host.LinkAdd(v); err != nil {
		return kernelFeature("veth", fmt.Errorf("create veth pair %s/%s: %w", veth1, veth2, err))
	}
	host1, err := d.host.LinkByName(veth1)
	if err != nil {
		// Deleting the host end by name also removes the peer.
		d.host.LinkDel(&netlink.Veth{LinkAttrs: la})
		return fmt.Errorf("find new veth %s: %w", veth1, err)
	}
	d.note(bootrec.Entry{Kind: bootrec.KindVeth, Name: veth1, Index: host1.Attrs().Index})
	var steps []undoStep
	r := revert.New()
	defer r.Fail()
	r.Add(func() { d.undo(n, steps) })
	steps = append(steps, undoStep{Op: undoHostLink, Index: host1.Attrs().Index, Name: veth1})
	n.hostName, n.transient, n.macSet = veth1, veth2, true

	if bridged {
		if err := disableIPv6(veth1); err != nil {
			return err
		}
		if err := d.attach(n, br, host1, &steps); err != nil {
			return err
		}
	}
	if err := d.host.LinkSetUp(host1); err != nil {
		return fmt.Errorf("bring %s up: %w", veth1, err)
	}
	idx := host1.Attrs().Index
	for _, r := range append(append([]string{}, c.VethIPv4Route...), c.VethIPv6Route...) {
		dst, err := parseCIDRKeepHost(r)
		if err != nil {
			return err
		}
		if err := d.addHostRoute(idx, dst); err != nil {
			return fmt.Errorf("add route %s via %s: %w", r, veth1, err)
		}
	}
	if router {
		if err := d.setupRouter(n, host1); err != nil {
			return err
		}
	}
	if c.ScriptUp != "" {
		if err := d.runScript(n, "up"); err != nil {
			return err
		}
		n.upRan = true
	}
	d.log.Infof("lxc.net.%d: veth %s (host) <-> %s (container), mtu %d", c.Index, veth1, veth2, mtu)
	n.undoSteps = append(n.undoSteps, steps...)
	r.Success()
	return nil
}

// defaultQueues is the kernel's queue count for a veth without one
// (veth_get_num_queues: the number of possible CPUs, at most 4096).
func defaultQueues() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 1
	}
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, ok := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(lo)
		z := a
		var err2 error
		if ok {
			z, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && z >= a {
			n += z - a + 1
		}
	}
	return max(1, min(n, 4096))
}

// attach puts the host end on the bridge: a Linux bridge through netlink,
// an Open vSwitch bridge through ovs-vsctl, as LXC does.
func (d *Devices) attach(n *nic, br, veth netlink.Link, steps *[]undoStep) error {
	c := n.cfg
	name := veth.Attrs().Name
	switch br.Type() {
	case "bridge":
		if err := d.host.LinkSetMaster(veth, br); err != nil {
			return fmt.Errorf("attach %s to bridge %s: %w", name, c.Link, err)
		}
		return d.bridgeVlan(n, br.(*netlink.Bridge), veth)
	case "openvswitch":
		if _, err := exec.LookPath("ovs-vsctl"); err != nil {
			return fmt.Errorf("%s is an Open vSwitch bridge but ovs-vsctl is not installed", c.Link)
		}
		d.note(bootrec.Entry{Kind: bootrec.KindOVSPort, Link: c.Link, Name: name})
		if err := ovs("add-port", c.Link, name); err != nil {
			return err
		}
		*steps = append(*steps, undoStep{Op: undoOVSPort, Link: c.Link, Name: name})
		return d.ovsVlan(n, name)
	}
	return fmt.Errorf("link %s is a %s device, not a bridge (use veth.mode = router, or type macvlan or phys)", c.Link, br.Type())
}

func ovs(args ...string) error {
	out, err := exec.Command("ovs-vsctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ovs-vsctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// bridgeVlan applies veth.vlan.id / veth.vlan.tagged.id on a Linux bridge
// port (LXC's setup_veth_native_bridge_vlan).
func (d *Devices) bridgeVlan(n *nic, br *netlink.Bridge, veth netlink.Link) error {
	c := n.cfg
	if c.VethVlanID == "" && len(c.VethVlanTagged) == 0 {
		return nil
	}
	// The kernel reports the default PVID only when built with bridge
	// VLAN filtering (vlan_filtering itself is reported either way).
	if br.VlanDefaultPVID == nil {
		return fmt.Errorf("veth.vlan.id needs VLAN filtering on bridge %s, and this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not enabled)", c.Link)
	}
	if br.VlanFiltering == nil || !*br.VlanFiltering {
		return fmt.Errorf("veth.vlan.id needs vlan_filtering enabled on bridge %s (ip link set %s type bridge vlan_filtering 1)", c.Link, c.Link)
	}
	if c.VethVlanID != "" {
		vid := 0
		if c.VethVlanID != "none" {
			vid, _ = strconv.Atoi(c.VethVlanID)
		}
		pvid := int(*br.VlanDefaultPVID)
		if pvid != vid && pvid != 0 {
			if err := d.host.BridgeVlanDel(veth, uint16(pvid), true, true, false, true); err != nil {
				return fmt.Errorf("remove default untagged vlan %d from %s: %w", pvid, veth.Attrs().Name, err)
			}
		}
		if vid > 0 {
			if err := d.host.BridgeVlanAdd(veth, uint16(vid), true, true, false, true); err != nil {
				return fmt.Errorf("add untagged vlan %d to %s: %w", vid, veth.Attrs().Name, err)
			}
		}
	}
	for _, t := range c.VethVlanTagged {
		vid, _ := strconv.Atoi(t)
		if err := d.host.BridgeVlanAdd(veth, uint16(vid), false, false, false, true); err != nil {
			return fmt.Errorf("add tagged vlan %d to %s: %w", vid, veth.Attrs().Name, err)
		}
	}
	return nil
}

// ovsVlan applies the VLAN keys on an Open vSwitch port (LXC's
// setup_veth_ovs_bridge_vlan).
func (d *Devices) ovsVlan(n *nic, port string) error {
	c := n.cfg
	if c.VethVlanID == "" && len(c.VethVlanTagged) == 0 {
		return nil
	}
	vid := 0
	if c.VethVlanID != "" && c.VethVlanID != "none" {
		vid, _ = strconv.Atoi(c.VethVlanID)
	}
	if c.VethVlanID != "" && vid == 0 && len(c.VethVlanTagged) == 0 {
		return errors.New("veth.vlan.id = none needs veth.vlan.tagged.id with an Open vSwitch bridge")
	}
	args := []string{"set", "port", port}
	switch {
	case len(c.VethVlanTagged) > 0 && vid > 0:
		args = append(args, "vlan_mode=native-untagged", fmt.Sprintf("tag=%d", vid))
	case len(c.VethVlanTagged) > 0:
		args = append(args, "vlan_mode=trunk")
	default:
		args = append(args, "vlan_mode=access", fmt.Sprintf("tag=%d", vid))
	}
	if len(c.VethVlanTagged) > 0 {
		args = append(args, "trunks="+strings.Join(c.VethVlanTagged, ","))
	}
	return ovs(args...)
}

// setupRouter is veth.mode = router: the host end answers ARP/NDP for the
// container's gateway and routes the container's addresses to it (LXC).
func (d *Devices) setupRouter(n *nic, veth netlink.Link) error {
	c := n.cfg
	name, idx := veth.Attrs().Name, veth.Attrs().Index
	if n.gw4 != nil {
		if err := writeSysctl("ipv4", name, "forwarding", "1"); err != nil {
			return err
		}
		if err := d.neighProxy(idx, n.gw4, false); err != nil {
			return fmt.Errorf("proxy ARP for gateway %s on %s: %w", n.gw4, name, err)
		}
	}
	if n.gw6 != nil {
		if !sysctlIs("ipv6", "all", "forwarding", "1") {
			return errors.New("veth.mode = router with an ipv6 gateway needs sysctl net.ipv6.conf.all.forwarding=1")
		}
		if err := writeSysctl("ipv6", name, "forwarding", "1"); err != nil {
			return err
		}
		if err := writeSysctl("ipv6", name, "proxy_ndp", "1"); err != nil {
			return err
		}
		if err := d.neighProxy(idx, n.gw6, false); err != nil {
			return fmt.Errorf("proxy NDP for gateway %s on %s: %w", n.gw6, name, err)
		}
	}
	for _, a := range c.IPv4 {
		if err := d.addHostRoute(idx, &net.IPNet{IP: a.IP.To4(), Mask: net.CIDRMask(32, 32)}); err != nil {
			return fmt.Errorf("add route to %s via %s: %w", a.IP, name, err)
		}
	}
	for _, a := range c.IPv6 {
		if err := d.addHostRoute(idx, &net.IPNet{IP: a.IP.To16(), Mask: net.CIDRMask(128, 128)}); err != nil {
			return fmt.Errorf("add route to %s via %s: %w", a.IP, name, err)
		}
	}
	return nil
}

// addHostRoute adds a device route on the host as LXC does (scope link,
// protocol boot).
func (d *Devices) addHostRoute(idx int, dst *net.IPNet) error {
	d.note(bootrec.Entry{Kind: bootrec.KindRoute, Index: idx, Link: d.linkName(idx), IP: dst.String()})
	return d.host.RouteAdd(&netlink.Route{
		LinkIndex: idx,
		Dst:       dst,
		Scope:     netlink.SCOPE_LINK,
		Protocol:  unix.RTPROT_BOOT,
		Table:     unix.RT_TABLE_MAIN,
		Type:      unix.RTN_UNICAST,
	})
}

// neighProxy adds (or with del removes) a proxy ARP/NDP entry.
func (d *Devices) neighProxy(idx int, ip net.IP, del bool) error {
	fam := netlink.FAMILY_V6
	if ip.To4() != nil {
		fam, ip = netlink.FAMILY_V4, ip.To4()
	}
	ne := &netlink.Neigh{LinkIndex: idx, Family: fam, Flags: netlink.NTF_PROXY, IP: ip}
	if del {
		return d.host.NeighDel(ne)
	}
	d.note(bootrec.Entry{Kind: bootrec.KindNeigh, Index: idx, Link: d.linkName(idx), IP: ip.String()})
	return d.host.NeighAdd(ne)
}

// linkName is the name of host link idx, for the boot record.
func (d *Devices) linkName(idx int) string {
	if l, err := d.host.LinkByIndex(idx); err == nil {
		return l.Attrs().Name
	}
	return ""
}

// parseCIDRKeepHost parses ADDR/PREFIX keeping ADDR as written, as LXC
// hands it to the kernel.
func parseCIDRKeepHost(s string) (*net.IPNet, error) {
	ip, ipn, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("invalid route %s: %w", quote.Short(s), err)
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	return &net.IPNet{IP: ip, Mask: ipn.Mask}, nil
}

// setupL2Proxy publishes the container's addresses on the link with proxy
// ARP/NDP entries (lxc.net.N.l2proxy, LXC's lxc_setup_l2proxy).
func (d *Devices) setupL2Proxy(n *nic) error {
	c := n.cfg
	link, err := d.host.LinkByName(c.Link)
	if err != nil {
		return fmt.Errorf("l2proxy: link %s: %w", c.Link, err)
	}
	if len(c.IPv4) > 0 && !sysctlIs("ipv4", c.Link, "forwarding", "1") {
		return fmt.Errorf("l2proxy needs sysctl net.ipv4.conf.%s.forwarding=1", c.Link)
	}
	if len(c.IPv6) > 0 {
		if !sysctlIs("ipv6", c.Link, "proxy_ndp", "1") {
			return fmt.Errorf("l2proxy needs sysctl net.ipv6.conf.%s.proxy_ndp=1", c.Link)
		}
		if !sysctlIs("ipv6", c.Link, "forwarding", "1") {
			return fmt.Errorf("l2proxy needs sysctl net.ipv6.conf.%s.forwarding=1", c.Link)
		}
	}
	var lo netlink.Link
	if n.typ == "ipvlan" {
		if c.IpvlanMode != "l3s" {
			return fmt.Errorf("l2proxy needs ipvlan.mode = l3s on %s", c.Link)
		}
		if lo, err = d.host.LinkByName("lo"); err != nil {
			return fmt.Errorf("l2proxy: find lo: %w", err)
		}
	}
	var ips []net.IP
	for _, a := range c.IPv4 {
		ips = append(ips, a.IP.To4())
	}
	for _, a := range c.IPv6 {
		ips = append(ips, a.IP.To16())
	}
	idx := link.Attrs().Index
	for _, ip := range ips {
		if err := d.neighProxy(idx, ip, false); err != nil {
			return fmt.Errorf("l2proxy entry for %s on %s: %w", ip, c.Link, err)
		}
		n.undoSteps = append(n.undoSteps, undoStep{Op: undoNeigh, Index: idx, Link: c.Link, IP: ip.String()})
		if lo != nil {
			// An ipvlan l3s device is reached through a local route.
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			dst := &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
			if err := d.addHostRoute(lo.Attrs().Index, dst); err != nil {
				return fmt.Errorf("l2proxy route for %s on lo: %w", ip, err)
			}
			n.undoSteps = append(n.undoSteps, undoStep{Op: undoRoute, Index: lo.Attrs().Index, IP: dst.String()})
		}
	}
	return nil
}

// setupLower makes a macvlan, ipvlan or vlan device on the link, created
// directly in the container's namespace under a transient name.
func (d *Devices) setupLower(n *nic) error {
	c := n.cfg
	if c.Link == "" {
		return fmt.Errorf("%s needs lxc.net.%d.link (the host interface it sits on)", n.typ, c.Index)
	}
	parent, err := d.host.LinkByName(c.Link)
	if err != nil {
		return fmt.Errorf("link %s of the %s device does not exist", c.Link, n.typ)
	}
	la := netlink.NewLinkAttrs()
	la.ParentIndex = parent.Attrs().Index
	la.Namespace = netlink.NsFd(int(d.ns))
	la.MTU = n.mtu
	var l netlink.Link
	switch n.typ {
	case "macvlan":
		la.Name = randomName("macvXXXXXX", d.contHas)
		la.HardwareAddr = n.mac
		n.macSet = true
		l = &netlink.Macvlan{LinkAttrs: la, Mode: macvlanMode(c.MacvlanMode)}
	case "ipvlan":
		la.Name = randomName("ipvlXXXXXX", d.contHas)
		mode, flag := ipvlanMode(c.IpvlanMode, c.IpvlanIsolation)
		l = &netlink.IPVlan{LinkAttrs: la, Mode: mode, Flag: flag}
	case "vlan":
		la.Name = randomName("vlanXXXXXX", d.contHas)
		vid, err := strconv.Atoi(c.VlanID)
		if err != nil {
			return fmt.Errorf("vlan needs lxc.net.%d.vlan.id", c.Index)
		}
		l = &netlink.Vlan{LinkAttrs: la, VlanId: vid}
	}
	if err := d.host.LinkAdd(l); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("cannot create the %s device on %s: %w", n.typ, c.Link, kernelFeature(n.typ, err))
		}
		return fmt.Errorf("create %s device on %s: %w", n.typ, c.Link, err)
	}
	in, err := d.cont.LinkByName(la.Name)
	if err != nil {
		return fmt.Errorf("find new %s device %s in the container: %w", n.typ, la.Name, err)
	}
	steps := []undoStep{{Op: undoContLink, Index: in.Attrs().Index, Name: n.typ}}
	r := revert.New()
	defer r.Fail()
	r.Add(func() { d.undo(n, steps) })
	n.transient, n.hostName = la.Name, c.Link
	if c.ScriptUp != "" {
		if err := d.runScript(n, "up"); err != nil {
			return err
		}
		n.upRan = true
	}
	d.log.Infof("lxc.net.%d: %s on %s", c.Index, n.typ, c.Link)
	n.undoSteps = append(n.undoSteps, steps...)
	r.Success()
	return nil
}

func macvlanMode(m string) netlink.MacvlanMode {
	switch m {
	case "vepa":
		return netlink.MACVLAN_MODE_VEPA
	case "bridge":
		return netlink.MACVLAN_MODE_BRIDGE
	case "passthru":
		return netlink.MACVLAN_MODE_PASSTHRU
	}
	return netlink.MACVLAN_MODE_PRIVATE
}

func ipvlanMode(mode, isolation string) (netlink.IPVlanMode, netlink.IPVlanFlag) {
	m := netlink.IPVLAN_MODE_L2
	switch mode {
	case "l3":
		m = netlink.IPVLAN_MODE_L3
	case "l3s":
		m = netlink.IPVLAN_MODE_L3S
	}
	f := netlink.IPVLAN_FLAG_BRIDGE
	switch isolation {
	case "private":
		f = netlink.IPVLAN_FLAG_PRIVATE
	case "vepa":
		f = netlink.IPVLAN_FLAG_VEPA
	}
	return m, f
}

// setupPhys records a host interface that will be moved into the
// container, and applies lxc.net.N.mtu to it on the host as LXC does.
func (d *Devices) setupPhys(n *nic) error {
	c := n.cfg
	if c.Link == "" {
		return fmt.Errorf("phys needs lxc.net.%d.link (the host interface to move in)", c.Index)
	}
	if _, err := os.Stat("/sys/class/net/" + c.Link + "/phy80211"); err == nil {
		return fmt.Errorf("%s is a wireless interface; moving wireless devices (iw phy set netns) is not supported", c.Link)
	}
	l, err := d.host.LinkByName(c.Link)
	if err != nil {
		return fmt.Errorf("host interface %s does not exist", c.Link)
	}
	a := l.Attrs()
	ps := &physState{origName: a.Name, origMTU: a.MTU, origMAC: append(net.HardwareAddr{}, a.HardwareAddr...), hostIndex: a.Index}
	d.note(bootrec.Entry{Kind: bootrec.KindPhys, Name: a.Name, Index: a.Index, MTU: a.MTU, MAC: a.HardwareAddr.String()})
	n.phys, n.hostName = ps, c.Link
	var steps []undoStep
	r := revert.New()
	defer r.Fail()
	r.Add(func() { d.undo(n, steps) })
	if n.mtu > 0 && n.mtu != a.MTU {
		if err := d.host.LinkSetMTU(l, n.mtu); err != nil {
			return fmt.Errorf("set mtu %d on %s: %w", n.mtu, c.Link, err)
		}
		steps = append(steps, undoStep{Op: undoPhysMTU})
	}
	if c.ScriptUp != "" {
		if err := d.runScript(n, "up"); err != nil {
			return err
		}
		n.upRan = true
	}
	n.undoSteps = append(n.undoSteps, steps...)
	r.Success()
	return nil
}

// movePhysIn moves a host interface into the container and renames it in
// the same request to a transient name (LXC's create_transient_name):
// moving it under its own name could collide with another device being
// renamed to that name.
func (d *Devices) movePhysIn(n *nic) error {
	ps := n.phys
	tmp := randomName("physXXXXXX", d.contHas)
	if err := moveLink(ps.hostIndex, int(d.ns), tmp); err != nil {
		return fmt.Errorf("move %s into the container: %w", ps.origName, err)
	}
	ps.inContainer = true
	n.transient = tmp
	n.undoSteps = append(n.undoSteps, undoStep{Op: undoPhysOut})
	d.log.Infof("lxc.net.%d: moved %s into the container", n.cfg.Index, ps.origName)
	return nil
}

// movePhysOut brings a physical device back to our namespace under its
// original name and MAC. It goes out under a transient name (its name in
// the container may be taken on the host, its host name may be taken in
// the container) and is renamed once home.
func (d *Devices) movePhysOut(n *nic) {
	ps := n.phys
	if !ps.inContainer {
		return
	}
	ps.inContainer = false
	idx := n.index
	var l netlink.Link
	var err error
	if idx != 0 {
		l, err = d.cont.LinkByIndex(idx)
	} else {
		l, err = d.cont.LinkByName(n.transient)
	}
	if err != nil {
		d.log.Errorf("lxc.net.%d: %s is no longer in the container: %v", n.cfg.Index, ps.origName, err)
		return
	}
	tmp := randomName("physXXXXXX", func(s string) bool { return d.hostHas(s) || d.contHas(s) })
	d.cont.LinkSetDown(l)
	if err := d.cont.LinkSetName(l, tmp); err != nil {
		d.log.Warnf("lxc.net.%d: rename %s before moving it out: %v", n.cfg.Index, l.Attrs().Name, err)
		tmp = l.Attrs().Name
	}
	if err := d.cont.LinkSetNsFd(l, int(d.hostNS)); err != nil {
		d.log.Errorf("lxc.net.%d: move %s back to the host: %v", n.cfg.Index, ps.origName, err)
		return
	}
	hl, err := d.host.LinkByName(tmp)
	if err != nil {
		d.log.Errorf("lxc.net.%d: find %s back on the host: %v", n.cfg.Index, tmp, err)
		return
	}
	ps.hostIndex = hl.Attrs().Index
	if err := d.host.LinkSetName(hl, ps.origName); err != nil {
		d.log.Warnf("lxc.net.%d: %s is back on the host as %s: rename: %v", n.cfg.Index, ps.origName, tmp, err)
	}
	if n.mac != nil && len(ps.origMAC) == 6 && hl.Attrs().HardwareAddr.String() != ps.origMAC.String() {
		if err := d.host.LinkSetHardwareAddr(hl, ps.origMAC); err != nil {
			d.log.Warnf("lxc.net.%d: restore MAC of %s: %v", n.cfg.Index, ps.origName, err)
		}
	}
	d.log.Infof("lxc.net.%d: moved %s back to the host", n.cfg.Index, ps.origName)
}
