package network

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/log"
)

// What a device's host-side setup made is kept as the steps that take it
// back: data rather than closures, so that a monitor taking a running
// container over from the process that set its network up (by execve,
// internal/runner) can run them at the stop (State, Restore).
type undoStep struct {
	Op    string `json:"op"`
	Index int    `json:"index,omitempty"` // link index (host, or container for undoContLink)
	Name  string `json:"name,omitempty"`
	Link  string `json:"link,omitempty"`
	IP    string `json:"ip,omitempty"` // an address, or a route's destination CIDR
}

const (
	undoHostLink = "host-link" // remove host link Index, if it is still named Name
	undoContLink = "cont-link" // remove container link Index (a Name device)
	undoOVSPort  = "ovs-port"  // ovs-vsctl del-port Link Name
	undoNeigh    = "neigh"     // remove the proxy ARP/NDP entry IP on host link Index (Link)
	undoRoute    = "route"     // remove the host route to IP on link Index
	undoPhysMTU  = "phys-mtu"  // give a physical device back its MTU (once it is home)
	undoPhysOut  = "phys-out"  // move a physical device back to the host
)

// undo runs steps of device n, last first.
func (d *Devices) undo(n *nic, steps []undoStep) {
	for i := len(steps) - 1; i >= 0; i-- {
		if err := d.undoOne(n, steps[i]); err != nil {
			d.log.Warnf("lxc.net.%d: %v", n.cfg.Index, err)
		}
	}
}

func (d *Devices) undoOne(n *nic, s undoStep) error {
	switch s.Op {
	case undoHostLink:
		l, err := d.host.LinkByIndex(s.Index)
		if err != nil || l.Attrs().Name != s.Name {
			return nil // gone with the container's namespace
		}
		if err := d.host.LinkDel(l); err != nil {
			return fmt.Errorf("remove veth %s: %w", s.Name, err)
		}
	case undoContLink:
		if d.cont == nil {
			return nil
		}
		if err := d.cont.LinkDel(&netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: s.Index}}); err != nil && !errors.Is(err, unix.ENODEV) {
			return fmt.Errorf("remove %s device: %w", s.Name, err)
		}
	case undoOVSPort:
		return ovs("del-port", s.Link, s.Name)
	case undoNeigh:
		if err := d.neighProxy(s.Index, net.ParseIP(s.IP), true); err != nil {
			return fmt.Errorf("remove l2proxy entry for %s on %s: %w", s.IP, s.Link, err)
		}
	case undoRoute:
		if _, dst, err := net.ParseCIDR(s.IP); err == nil {
			d.host.RouteDel(&netlink.Route{LinkIndex: s.Index, Dst: dst, Scope: netlink.SCOPE_LINK, Table: unix.RT_TABLE_MAIN})
		}
	case undoPhysMTU:
		// After undoPhysOut (hostIndex is where the device came back).
		ps := n.phys
		hl, err := d.host.LinkByIndex(ps.hostIndex)
		if err == nil {
			err = d.host.LinkSetMTU(hl, ps.origMTU)
		}
		if err != nil {
			return fmt.Errorf("restore mtu %d of %s: %w", ps.origMTU, ps.origName, err)
		}
	case undoPhysOut:
		d.movePhysOut(n)
	}
	return nil
}

// State is what Teardown needs of a container's devices, as data.
type State struct {
	NICs []NICState   `json:"nics,omitempty"`
	Devs []ctl.NetDev `json:"devs,omitempty"`
	// Unprivileged: the devices came from lxc-user-nic
	// (SetupUnprivileged); nothing on the host is ours to undo.
	Unprivileged bool `json:"unprivileged,omitempty"`
}

// NICState is one device of State.
type NICState struct {
	Index     int        `json:"index"` // lxc.net.N
	HostName  string     `json:"host_name,omitempty"`
	Transient string     `json:"transient,omitempty"`
	IfIndex   int        `json:"ifindex,omitempty"` // in the container
	Name      string     `json:"name,omitempty"`
	SetMAC    bool       `json:"set_mac,omitempty"` // we gave it a MAC (phys: restore the host's)
	UpRan     bool       `json:"up_ran,omitempty"`
	Phys      *PhysState `json:"phys,omitempty"`
	Undo      []undoStep `json:"undo,omitempty"`
}

// PhysState is a physical device's host identity.
type PhysState struct {
	Name        string `json:"name"`
	MTU         int    `json:"mtu"`
	MAC         string `json:"mac,omitempty"`
	HostIndex   int    `json:"host_index"`
	InContainer bool   `json:"in_container"`
}

// State returns what Teardown would undo now.
func (d *Devices) State() State {
	if d == nil {
		return State{}
	}
	st := State{Devs: d.devs, Unprivileged: d.cont == nil && d.inside != nil}
	for _, n := range d.nics {
		ns := NICState{Index: n.cfg.Index, HostName: n.hostName, Transient: n.transient, IfIndex: n.index, Name: n.name,
			SetMAC: n.mac != nil, UpRan: n.upRan, Undo: n.undoSteps}
		if p := n.phys; p != nil {
			ns.Phys = &PhysState{Name: p.origName, MTU: p.origMTU, MAC: p.origMAC.String(), HostIndex: p.hostIndex, InContainer: p.inContainer}
		}
		st.NICs = append(st.NICs, ns)
	}
	return st
}

// Restore rebuilds, in another process, the devices st describes, for
// Info and Teardown. netNS is the container's network namespace, held
// since the start (nil if none is held: what needs it is skipped); the
// caller keeps its own descriptor.
func Restore(ctx *Context, st State, netNS *os.File) (_ *Devices, err error) {
	d := &Devices{ctx: ctx, log: ctx.Log, ns: -1, hostNS: -1, devs: st.Devs}
	if d.log == nil {
		d.log = log.Discard()
	}
	defer func() {
		if err != nil {
			d.closers.Fail()
		}
	}()
	if d.host, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
		return nil, fmt.Errorf("netlink handle: %w", err)
	}
	d.closers.Add(d.host.Close)
	if netNS != nil && !st.Unprivileged {
		fd, err := unix.FcntlInt(netNS.Fd(), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			return nil, fmt.Errorf("hold the container's network namespace: %w", err)
		}
		ns := netns.NsHandle(fd)
		d.ns = ns
		d.closers.Add(func() { ns.Close() })
		host, err := netns.Get()
		if err != nil {
			return nil, fmt.Errorf("open our network namespace: %w", err)
		}
		d.hostNS = host
		d.closers.Add(func() { host.Close() })
		if ns.Equal(host) {
			return nil, errors.New("refusing to undo network devices: the container's network namespace is the host's")
		}
		if d.cont, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE); err != nil {
			return nil, fmt.Errorf("netlink handle in the container's namespace: %w", err)
		}
		d.closers.Add(d.cont.Close)
		d.inside = d.cont
	}
	byIndex := map[int]int{}
	for i, c := range ctx.Config.Net {
		byIndex[c.Index] = i
	}
	for _, s := range st.NICs {
		i, ok := byIndex[s.Index]
		if !ok {
			return nil, fmt.Errorf("lxc.net.%d is no longer in the configuration", s.Index)
		}
		c := ctx.Config.Net[i]
		n := &nic{cfg: c, typ: c.EffectiveType(), hostName: s.HostName, transient: s.Transient, index: s.IfIndex,
			name: s.Name, upRan: s.UpRan, undoSteps: s.Undo}
		if s.SetMAC {
			n.mac = net.HardwareAddr{0} // only its presence counts from now on
		}
		if p := s.Phys; p != nil {
			mac, _ := net.ParseMAC(p.MAC)
			n.phys = &physState{origName: p.Name, origMTU: p.MTU, origMAC: mac, hostIndex: p.HostIndex, inContainer: p.InContainer}
		}
		d.nics = append(d.nics, n)
	}
	return d, nil
}
