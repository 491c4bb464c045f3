// Package network configures a container's lxc.net.N devices from the
// host side: the monitor opens the container's network namespace and
// configures it through a netlink handle bound to that namespace, never by
// switching its own threads (architecture study §5).
//
// The order follows LXC 5.0.2 (src/lxc/network.c): every device is first
// made on the host side in config order (lxc_create_network_priv, with
// script.up), physical devices are then moved in, and finally the devices
// are configured inside the container in two passes, those with a fixed
// lxc.net.N.name first and the kernel-named (eth%d) ones after, so a
// kernel-chosen name never takes a name the config asks for.
package network

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/bootrec"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/log"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/revert"
)

// Context is what Setup needs from the monitor.
type Context struct {
	Name    string
	LXCPath string
	Config  *config.Container
	InitPID int
	Log     *log.Logger
	HookEnv *hooks.Env
	// Record, when set, is told about host-side state before it is made
	// (and again with its identity once made), so that what a killed
	// monitor leaves can be found and removed (package bootrec).
	Record func(bootrec.Entry)
}

// Devices records what Setup created, for Teardown and for lxc-info.
type Devices struct {
	ctx *Context
	log *log.Logger

	ns     netns.NsHandle // the container's namespace, held open until Teardown
	hostNS netns.NsHandle // ours, where physical devices go back to
	host   *netlink.Handle
	cont   *netlink.Handle
	// inside configures devices in the container: cont as root, a
	// socket from the container's stage-2 for a user's container.
	inside insideOps

	nics    []*nic
	devs    []ctl.NetDev
	closers revert.Reverter
}

// nic is one lxc.net.N device being set up.
type nic struct {
	cfg *config.Net
	typ string

	mtu    int              // lxc.net.N.mtu, 0 when unset
	mac    net.HardwareAddr // MAC to give the device, nil to keep the kernel's
	macSet bool             // the MAC went into the create request
	gw4    net.IP
	gw6    net.IP
	gw4dev bool
	gw6dev bool

	hostName  string // host-side veth, or the link
	transient string // the device's name in the container before the rename
	named     bool   // it already has its final name (lxc-user-nic gave it)
	index     int    // ifindex in the container
	name      string // final name in the container

	phys *physState

	// undoSteps take the host-side setup back, last first; they are added
	// only once a step of the setup completed, so a failure midway is
	// undone by the setup function itself.
	undoSteps []undoStep
	// upRan: script.up ran, so script.down runs when the device goes.
	upRan bool
}

// physState remembers what a physical device looked like on the host.
type physState struct {
	origName    string
	origMTU     int
	origMAC     net.HardwareAddr
	hostIndex   int
	inContainer bool
}

// SharesHostNetwork reports whether the container uses the host's network
// namespace: LXC (lxc_requests_empty_network) shares it only when every
// configured device is of type none; a none device next to others is
// skipped and the container gets its own namespace.
func SharesHostNetwork(c *config.Container) bool {
	if len(c.Net) == 0 {
		return false
	}
	for _, n := range c.Net {
		if n.Type != "none" {
			return false
		}
	}
	return true
}

// Setup configures the container's network namespace (the one of
// ctx.InitPID), which is still empty: nothing runs in it yet. On error
// everything already created is removed before Setup returns.
func Setup(ctx *Context) (_ *Devices, err error) {
	d := &Devices{ctx: ctx, log: ctx.Log, ns: -1, hostNS: -1}
	if d.log == nil {
		d.log = log.Discard()
	}
	defer func() {
		if err != nil {
			d.Teardown()
		}
	}()
	if err := d.open(); err != nil {
		return nil, err
	}
	for _, c := range ctx.Config.Net {
		if c.EffectiveType() == "none" {
			continue
		}
		n, err := d.prepare(c)
		if err != nil {
			return nil, fmt.Errorf("lxc.net.%d: %w", c.Index, err)
		}
		d.nics = append(d.nics, n)
	}
	for _, n := range d.nics {
		if err := d.setupHost(n); err != nil {
			return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
		}
	}
	for _, n := range d.nics {
		if n.phys != nil {
			if err := d.movePhysIn(n); err != nil {
				return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
			}
		}
	}
	for pass := 0; pass < 2; pass++ {
		for _, n := range d.nics {
			if kernelNamed(n) != (pass == 1) {
				continue
			}
			if err := d.setupInside(n); err != nil {
				return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
			}
		}
	}
	d.devs = d.describe()
	return d, nil
}

// note records host-side state in the boot record, if there is one.
func (d *Devices) note(e bootrec.Entry) {
	if d.ctx.Record != nil {
		d.ctx.Record(e)
	}
}

// open gets the namespaces and the two netlink handles.
func (d *Devices) open() error {
	// InitPID is our own child, blocked until we release it and not yet
	// reaped, so the pid cannot have been reused: /proc/PID/ns/net is the
	// container's namespace.
	ns, err := netns.GetFromPid(d.ctx.InitPID)
	if err != nil {
		return fmt.Errorf("open network namespace of pid %d: %w", d.ctx.InitPID, err)
	}
	d.ns = ns
	d.closers.Add(func() { ns.Close() })
	// Every monitor thread is in the host's namespace, so the calling
	// thread's namespace is the one physical devices return to.
	host, err := netns.Get()
	if err != nil {
		return fmt.Errorf("open our network namespace: %w", err)
	}
	d.hostNS = host
	d.closers.Add(func() { host.Close() })
	// The last guard of the host's network: whatever the caller decided,
	// devices are never made, moved or configured when the container's
	// namespace is the one we run in.
	if ns.Equal(host) {
		return errors.New("refusing to configure network devices: the container's network namespace is the host's")
	}
	if d.host, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
		return fmt.Errorf("netlink handle: %w", err)
	}
	d.closers.Add(d.host.Close)
	if d.cont, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE); err != nil {
		return fmt.Errorf("netlink handle in the container's namespace: %w", err)
	}
	d.closers.Add(d.cont.Close)
	d.inside = d.cont
	return nil
}

// prepare parses and resolves everything about a device that can fail
// before anything is changed on the system.
func (d *Devices) prepare(c *config.Net) (*nic, error) {
	n := &nic{cfg: c, typ: c.EffectiveType()}
	switch n.typ {
	case "veth", "macvlan", "ipvlan", "vlan", "phys", "empty":
	default:
		return nil, fmt.Errorf("unknown network type %s", quote.Short(c.Type))
	}
	if n.typ == "empty" {
		return n, nil
	}
	var err error
	if c.MTU != "" {
		if n.mtu, err = parseMTU(c.MTU); err != nil {
			return nil, err
		}
	}
	if c.HWAddr != "" {
		if n.mac, err = parseMAC(c.HWAddr); err != nil {
			return nil, err
		}
	} else if n.typ == "veth" || n.typ == "macvlan" {
		// LXC leaves these to the kernel's random MAC; we give them one
		// from LXC's own 00:16:3e range in the create request, so it is
		// set atomically with the device (see incus' reason in §5).
		n.mac = randomMAC()
	}
	if n.gw4, n.gw4dev, err = d.gateway(c, c.IPv4Gateway, netlink.FAMILY_V4); err != nil {
		return nil, err
	}
	if n.gw6, n.gw6dev, err = d.gateway(c, c.IPv6Gateway, netlink.FAMILY_V6); err != nil {
		return nil, err
	}
	return n, nil
}

// gateway resolves an ipv4/ipv6.gateway value. "auto" is the first
// address of that family on the link, as LXC's lxc_find_gateway_addresses
// (veth and macvlan only).
func (d *Devices) gateway(c *config.Net, v string, family int) (net.IP, bool, error) {
	fam := "ipv4"
	if family == netlink.FAMILY_V6 {
		fam = "ipv6"
	}
	switch v {
	case "":
		return nil, false, nil
	case "dev":
		return nil, true, nil
	case "auto":
		t := c.EffectiveType()
		if t != "veth" && t != "macvlan" {
			return nil, false, fmt.Errorf("%s.gateway = auto is only supported for veth and macvlan", fam)
		}
		if c.Link == "" {
			return nil, false, fmt.Errorf("%s.gateway = auto needs lxc.net.%d.link", fam, c.Index)
		}
		l, err := d.host.LinkByName(c.Link)
		if err != nil {
			return nil, false, fmt.Errorf("%s.gateway = auto: link %s: %w", fam, c.Link, err)
		}
		addrs, err := d.host.AddrList(l, family)
		if err != nil || len(addrs) == 0 {
			return nil, false, fmt.Errorf("%s.gateway = auto: %s has no %s address", fam, c.Link, fam)
		}
		return addrs[0].IP, false, nil
	}
	ip := net.ParseIP(v)
	if ip == nil {
		return nil, false, fmt.Errorf("invalid %s.gateway %s", fam, quote.Short(v))
	}
	return ip, false, nil
}

// setupHost makes the device on the host side (LXC's
// netdev_configure_server_*), preceded by the l2proxy entries.
func (d *Devices) setupHost(n *nic) error {
	c := n.cfg
	if c.L2Proxy && c.Link != "" {
		if err := d.setupL2Proxy(n); err != nil {
			return err
		}
	}
	switch n.typ {
	case "veth":
		return d.setupVeth(n)
	case "macvlan", "ipvlan", "vlan":
		return d.setupLower(n)
	case "phys":
		return d.setupPhys(n)
	case "empty":
		// LXC runs script.up for an empty device but never script.down
		// (it only tears down devices with an ifindex): upRan stays false.
		if c.ScriptUp != "" {
			if err := d.runScript(n, "up"); err != nil {
				return err
			}
		}
	}
	return nil
}

// scriptArgs are LXC's arguments after "NAME net up|down".
func (d *Devices) scriptArgs(n *nic) []string {
	switch n.typ {
	case "veth":
		return []string{"veth", n.cfg.Link, n.hostName}
	case "empty":
		return []string{"empty"}
	}
	return []string{n.typ, n.cfg.Link}
}

// runScript runs script.up or script.down with LXC's arguments and, for
// lxc.hook.version = 1, its LXC_NET_* environment.
func (d *Devices) runScript(n *nic, action string) error {
	cmd := n.cfg.ScriptUp
	if action == "down" {
		cmd = n.cfg.ScriptDown
	}
	env := d.ctx.HookEnv
	if env == nil {
		env = &hooks.Env{Name: d.ctx.Name}
	}
	args := d.scriptArgs(n)
	var extra []string
	if env.Version == 1 {
		extra = append(extra, "LXC_NET_TYPE="+args[0])
		switch args[0] {
		case "macvlan", "phys":
			extra = append(extra, "LXC_NET_PARENT="+args[1])
		case "veth":
			extra = append(extra, "LXC_NET_PEER="+args[2], "LXC_NET_PARENT="+args[1])
		}
	}
	if action == "down" && d.ns >= 0 {
		// LXC exposes the namespaces it still holds to down scripts.
		extra = append(extra, fmt.Sprintf("LXC_NET_NS=/proc/%d/fd/%d", os.Getpid(), int(d.ns)))
	}
	if err := hooks.RunNet(cmd, action, env, args, extra); err != nil {
		return fmt.Errorf("script.%s: %w", action, err)
	}
	return nil
}

// kernelNamed reports a device configured in the second pass.
func kernelNamed(n *nic) bool {
	name := n.cfg.Name
	if name == "" && n.typ == "phys" {
		return false // keeps its host name
	}
	return name == "" || name == "eth%d"
}

// setupInside configures a device inside the container: final name, MAC,
// addresses, up, gateways (LXC's lxc_network_setup_in_child_namespaces_common).
func (d *Devices) setupInside(n *nic) error {
	c := n.cfg
	if n.typ == "empty" {
		if c.Up() {
			return d.loUp()
		}
		return nil
	}
	l, err := d.inside.LinkByName(n.transient)
	if err != nil {
		return fmt.Errorf("find %s in the container: %w", n.transient, err)
	}
	n.index = l.Attrs().Index
	target := c.Name
	if target == "" {
		target = "eth%d"
		if n.typ == "phys" {
			target = c.Link
		}
	}
	if target != n.transient && !n.named {
		if err := d.inside.LinkSetName(l, target); err != nil {
			return fmt.Errorf("rename %s to %s in the container: %w", n.transient, target, err)
		}
		if l, err = d.inside.LinkByIndex(n.index); err != nil {
			return fmt.Errorf("find renamed %s in the container: %w", target, err)
		}
	}
	n.name = l.Attrs().Name
	if n.mac != nil && !n.macSet {
		if err := d.inside.LinkSetHardwareAddr(l, n.mac); err != nil {
			return fmt.Errorf("set MAC address %s on %s: %w", n.mac, n.name, err)
		}
	}
	for _, a := range c.IPv4 {
		addr := &netlink.Addr{
			IPNet:     &net.IPNet{IP: a.IP.To4(), Mask: net.CIDRMask(a.Prefix, 32)},
			Broadcast: broadcast4(a),
		}
		if err := d.inside.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("add address %s to %s: %w", a, n.name, err)
		}
	}
	for _, a := range c.IPv6 {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: a.IP.To16(), Mask: net.CIDRMask(a.Prefix, 128)}}
		if err := d.inside.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("add address %s to %s: %w", a, n.name, err)
		}
	}
	if c.Up() {
		if err := d.inside.LinkSetUp(l); err != nil {
			return fmt.Errorf("bring %s up: %w", n.name, err)
		}
		if err := d.loUp(); err != nil {
			return err
		}
	}
	if n.gw4 != nil || n.gw4dev {
		if !c.Up() {
			return fmt.Errorf("cannot add the ipv4 gateway of %s: lxc.net.%d.flags is not up", n.name, c.Index)
		}
		if len(c.IPv4) == 0 {
			return fmt.Errorf("cannot add the ipv4 gateway of %s: it has no ipv4 address", n.name)
		}
		if err := d.addGateway(n, n.gw4, n.gw4dev, netlink.FAMILY_V4); err != nil {
			return err
		}
	}
	if n.gw6 != nil || n.gw6dev {
		if !c.Up() {
			return fmt.Errorf("cannot add the ipv6 gateway of %s: lxc.net.%d.flags is not up", n.name, c.Index)
		}
		if len(c.IPv6) == 0 && !(n.gw6 != nil && n.gw6.IsLinkLocalUnicast()) {
			return fmt.Errorf("cannot add the ipv6 gateway of %s: it has no ipv6 address", n.name)
		}
		if err := d.addGateway(n, n.gw6, n.gw6dev, netlink.FAMILY_V6); err != nil {
			return err
		}
	}
	d.log.Infof("lxc.net.%d: %s is %s in the container", c.Index, n.typ, n.name)
	return nil
}

func (d *Devices) loUp() error {
	lo, err := d.inside.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find loopback: %w", err)
	}
	if err := d.inside.LinkSetUp(lo); err != nil {
		return fmt.Errorf("bring loopback up: %w", err)
	}
	return nil
}

// addGateway adds the default route. As LXC does, a gateway the kernel
// refuses (typically one outside the device's subnets) gets a device route
// to it first, and the default route is tried again.
func (d *Devices) addGateway(n *nic, gw net.IP, dev bool, family int) error {
	all := net.IPv4zero
	bits := 32
	if family == netlink.FAMILY_V6 {
		all, bits = net.IPv6zero, 128
	}
	r := &netlink.Route{
		LinkIndex: n.index,
		Family:    family,
		Protocol:  unix.RTPROT_BOOT,
		Table:     unix.RT_TABLE_MAIN,
		Type:      unix.RTN_UNICAST,
		Scope:     netlink.SCOPE_UNIVERSE,
	}
	if dev {
		r.Dst = &net.IPNet{IP: all, Mask: net.CIDRMask(0, bits)}
		if err := d.inside.RouteAdd(r); err != nil {
			return fmt.Errorf("add default device route on %s: %w", n.name, err)
		}
		return nil
	}
	r.Gw = gw
	if err := d.inside.RouteAdd(r); err == nil {
		return nil
	}
	host := &netlink.Route{
		LinkIndex: n.index,
		Dst:       &net.IPNet{IP: gw, Mask: net.CIDRMask(bits, bits)},
		Protocol:  unix.RTPROT_BOOT,
		Table:     unix.RT_TABLE_MAIN,
		Type:      unix.RTN_UNICAST,
		Scope:     netlink.SCOPE_LINK,
	}
	if err := d.inside.RouteAdd(host); err != nil {
		return fmt.Errorf("add route to gateway %s on %s: %w", gw, n.name, err)
	}
	if err := d.inside.RouteAdd(r); err != nil {
		return fmt.Errorf("add default route via %s on %s: %w", gw, n.name, err)
	}
	return nil
}

// describe builds what lxc-info and lxc-ls get.
func (d *Devices) describe() []ctl.NetDev {
	byIndex := map[int]*nic{}
	for _, n := range d.nics {
		byIndex[n.cfg.Index] = n
	}
	var out []ctl.NetDev
	for _, c := range d.ctx.Config.Net {
		dev := ctl.NetDev{Index: c.Index, Type: c.EffectiveType(), Link: c.Link}
		if n := byIndex[c.Index]; n != nil {
			dev.Name, dev.HostName = n.name, n.hostName
		}
		out = append(out, dev)
	}
	return out
}

// Teardown removes what Setup created: physical devices go back to the
// host under their own names first (while the container's namespace is
// still held open), then each device runs its script.down and is removed,
// in config order, as LXC's lxc_delete_network. It is safe to call twice.
func (d *Devices) Teardown() {
	if d == nil {
		return
	}
	for _, n := range d.nics {
		if n.phys != nil {
			d.undo(n, n.undoSteps)
			n.undoSteps = nil
		}
	}
	for _, n := range d.nics {
		if n.upRan && n.cfg.ScriptDown != "" {
			if err := d.runScript(n, "down"); err != nil {
				d.log.Errorf("lxc.net.%d: %v", n.cfg.Index, err)
			}
		}
		d.undo(n, n.undoSteps)
		n.undoSteps = nil
	}
	d.nics = nil
	d.closers.Fail()
	d.ns, d.hostNS = -1, -1
}

// Info describes the devices for lxc-info and lxc-ls: Name is the name in
// the container, HostName the host-side veth (or the link for the other
// types), Link the configured link.
func (d *Devices) Info() []ctl.NetDev {
	if d == nil {
		return nil
	}
	return d.devs
}

// hostHas and contHas report a link name taken on either side.
func (d *Devices) hostHas(name string) bool {
	_, err := d.host.LinkByName(name)
	return err == nil
}

func (d *Devices) contHas(name string) bool {
	_, err := d.inside.LinkByName(name)
	return err == nil
}

// kernelFeatureError says which kernel option a refused device type needs.
type kernelFeatureError struct {
	what, option string
	err          error
}

func (e *kernelFeatureError) Error() string {
	return fmt.Sprintf("this kernel has no %s support (%s is not enabled)", e.what, e.option)
}

func (e *kernelFeatureError) Unwrap() error { return e.err }

// kernelFeature turns EOPNOTSUPP from creating a device of kind into an
// error naming the missing kernel option: the kernel answers that way when
// the link kind is neither built in nor loadable.
func kernelFeature(kind string, err error) error {
	if !errors.Is(err, unix.EOPNOTSUPP) {
		return err
	}
	switch kind {
	case "vlan":
		return &kernelFeatureError{"802.1Q VLAN", "CONFIG_VLAN_8021Q", err}
	case "macvlan":
		return &kernelFeatureError{"macvlan", "CONFIG_MACVLAN", err}
	case "ipvlan":
		return &kernelFeatureError{"ipvlan", "CONFIG_IPVLAN", err}
	case "veth":
		return &kernelFeatureError{"veth", "CONFIG_VETH", err}
	}
	return err
}
