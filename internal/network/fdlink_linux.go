package network

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// insideOps are the netlink operations that configure a device inside the
// container (setupInside, loUp, addGateway). As root they go through a
// netlink.Handle opened in the container's namespace; the monitor of a
// user's container may not enter that namespace (setns needs
// CAP_SYS_ADMIN in our own user namespace), so there a socket that the
// container's stage-2 made inside it, as root of the container's user
// namespace, carries them (fdLinks).
type insideOps interface {
	LinkByName(name string) (netlink.Link, error)
	LinkByIndex(index int) (netlink.Link, error)
	LinkSetName(link netlink.Link, name string) error
	LinkSetHardwareAddr(link netlink.Link, hwaddr net.HardwareAddr) error
	LinkSetUp(link netlink.Link) error
	AddrAdd(link netlink.Link, addr *netlink.Addr) error
	RouteAdd(route *netlink.Route) error
}

// fdLinks sends rtnetlink requests on a NETLINK_ROUTE socket created by
// another process in the namespace to configure. The kernel checks both
// the socket's creator (root of the container's user namespace) and the
// sender (the user who owns that namespace) for CAP_NET_ADMIN over it.
type fdLinks struct {
	f   *os.File
	seq uint32
}

// newFDLinks takes over f, a NETLINK_ROUTE socket; the caller closes it.
func newFDLinks(f *os.File) (*fdLinks, error) {
	fd := int(f.Fd())
	proto, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return nil, fmt.Errorf("netlink socket from the container: %w", err)
	}
	dom, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil || dom != unix.AF_NETLINK || proto != unix.NETLINK_ROUTE {
		return nil, errors.New("the container's stage-2 sent no rtnetlink socket")
	}
	// A stage-2 that stops answering must not hang the start.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("netlink socket timeout: %w", err)
	}
	return &fdLinks{f: f}, nil
}

// do sends req and returns the payloads of the answers of type resType
// (0: none expected), up to the kernel's acknowledgement.
func (x *fdLinks) do(req *nl.NetlinkRequest, resType uint16) ([][]byte, error) {
	x.seq++
	req.Seq = x.seq
	req.Flags |= unix.NLM_F_ACK
	fd := int(x.f.Fd())
	if err := unix.Sendto(fd, req.Serialize(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	var out [][]byte
	buf := make([]byte, 64<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, errors.New("short netlink error message")
				}
				if errno := int32(binary.NativeEndian.Uint32(m.Data[:4])); errno != 0 {
					return nil, syscall.Errno(-errno)
				}
				return out, nil
			case unix.NLMSG_DONE:
				return out, nil
			case resType:
				out = append(out, append([]byte(nil), m.Data...))
			}
		}
	}
}

// link decodes an RTM_NEWLINK answer into the attributes setupInside
// reads (index, name).
func parseLinkMsg(data []byte) (netlink.Link, error) {
	if len(data) < unix.SizeofIfInfomsg {
		return nil, errors.New("short link message")
	}
	msg := nl.DeserializeIfInfomsg(data)
	attrs, err := nl.ParseRouteAttr(data[unix.SizeofIfInfomsg:])
	if err != nil {
		return nil, err
	}
	la := netlink.LinkAttrs{Index: int(msg.Index), Flags: linkFlags(msg.Flags)}
	for _, a := range attrs {
		switch a.Attr.Type {
		case unix.IFLA_IFNAME:
			la.Name = string(a.Value[:len(a.Value)-1])
		case unix.IFLA_ADDRESS:
			la.HardwareAddr = net.HardwareAddr(append([]byte(nil), a.Value...))
		case unix.IFLA_MTU:
			la.MTU = int(native.Uint32(a.Value))
		}
	}
	return &netlink.Device{LinkAttrs: la}, nil
}

var native = binary.NativeEndian

func linkFlags(raw uint32) net.Flags {
	var f net.Flags
	if raw&unix.IFF_UP != 0 {
		f |= net.FlagUp
	}
	if raw&unix.IFF_LOOPBACK != 0 {
		f |= net.FlagLoopback
	}
	return f
}

func (x *fdLinks) getLink(index int, name string) (netlink.Link, error) {
	req := nl.NewNetlinkRequest(unix.RTM_GETLINK, 0)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	if name != "" {
		req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	}
	out, err := x.do(req, unix.RTM_NEWLINK)
	if err != nil {
		if err == unix.ENODEV {
			return nil, netlink.LinkNotFoundError{}
		}
		return nil, err
	}
	if len(out) != 1 {
		return nil, netlink.LinkNotFoundError{}
	}
	return parseLinkMsg(out[0])
}

func (x *fdLinks) LinkByName(name string) (netlink.Link, error) { return x.getLink(0, name) }

func (x *fdLinks) LinkByIndex(index int) (netlink.Link, error) { return x.getLink(index, "") }

// setLink changes one device: attrs and, when change != 0, flags.
func (x *fdLinks) setLink(link netlink.Link, flags, change uint32, attrs ...*nl.RtAttr) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, 0)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(link.Attrs().Index)
	msg.Flags, msg.Change = flags, change
	req.AddData(msg)
	for _, a := range attrs {
		req.AddData(a)
	}
	_, err := x.do(req, 0)
	return err
}

func (x *fdLinks) LinkSetName(link netlink.Link, name string) error {
	return x.setLink(link, 0, 0, nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
}

func (x *fdLinks) LinkSetHardwareAddr(link netlink.Link, hwaddr net.HardwareAddr) error {
	return x.setLink(link, 0, 0, nl.NewRtAttr(unix.IFLA_ADDRESS, []byte(hwaddr)))
}

func (x *fdLinks) LinkSetUp(link netlink.Link) error {
	return x.setLink(link, unix.IFF_UP, unix.IFF_UP)
}

// AddrAdd adds addr as netlink.Handle.AddrAdd does: IFA_LOCAL and
// IFA_ADDRESS, and for IPv4 the broadcast (computed for /30 and larger
// when unset).
func (x *fdLinks) AddrAdd(link netlink.Link, addr *netlink.Addr) error {
	family := nl.GetIPFamily(addr.IP)
	req := nl.NewNetlinkRequest(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	msg := nl.NewIfAddrmsg(family)
	msg.Index = uint32(link.Attrs().Index)
	prefix, bits := addr.Mask.Size()
	msg.Prefixlen = uint8(prefix)
	req.AddData(msg)
	ip := addr.IP.To16()
	if family == netlink.FAMILY_V4 {
		ip = addr.IP.To4()
	}
	req.AddData(nl.NewRtAttr(unix.IFA_LOCAL, ip))
	req.AddData(nl.NewRtAttr(unix.IFA_ADDRESS, ip))
	if family == netlink.FAMILY_V4 {
		brd := addr.Broadcast
		if brd == nil && prefix < 31 {
			brd = make(net.IP, bits/8)
			for i := range ip {
				brd[i] = ip[i] | ^addr.Mask[i]
			}
		}
		if brd != nil && !brd.Equal(net.IPv4zero) {
			req.AddData(nl.NewRtAttr(unix.IFA_BROADCAST, brd.To4()))
		}
	}
	_, err := x.do(req, 0)
	return err
}

// RouteAdd adds route with the fields addGateway sets: destination,
// gateway, output device, table, protocol, scope and type.
func (x *fdLinks) RouteAdd(route *netlink.Route) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	family := route.Family
	if route.Gw != nil {
		family = nl.GetIPFamily(route.Gw)
	} else if route.Dst != nil {
		family = nl.GetIPFamily(route.Dst.IP)
	}
	msg := nl.NewRtMsg()
	msg.Family = uint8(family)
	msg.Table = uint8(route.Table)
	msg.Protocol = uint8(route.Protocol)
	msg.Scope = uint8(route.Scope)
	msg.Type = uint8(route.Type)
	ipOf := func(ip net.IP) []byte {
		if family == netlink.FAMILY_V4 {
			return ip.To4()
		}
		return ip.To16()
	}
	var attrs []*nl.RtAttr
	if route.Dst != nil {
		ones, _ := route.Dst.Mask.Size()
		msg.Dst_len = uint8(ones)
		attrs = append(attrs, nl.NewRtAttr(unix.RTA_DST, ipOf(route.Dst.IP)))
	}
	if route.Gw != nil {
		attrs = append(attrs, nl.NewRtAttr(unix.RTA_GATEWAY, ipOf(route.Gw)))
	}
	if route.LinkIndex > 0 {
		b := make([]byte, 4)
		native.PutUint32(b, uint32(route.LinkIndex))
		attrs = append(attrs, nl.NewRtAttr(unix.RTA_OIF, b))
	}
	req.AddData(msg)
	for _, a := range attrs {
		req.AddData(a)
	}
	_, err := x.do(req, 0)
	return err
}
