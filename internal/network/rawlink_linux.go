package network

import (
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// moveLink moves the device with ifindex index (in our namespace) into the
// namespace nsFd and renames it to name in the same RTM_NEWLINK request,
// as LXC's lxc_netdev_move_by_index does. netlink.LinkSetNsFd cannot
// rename, and renaming first is impossible for a device that is up (the
// kernel takes it down as part of the move) and would show the transient
// name on the host.
func moveLink(index, nsFd int, name string) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(nsFd))))
	if name != "" {
		req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	}
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}
