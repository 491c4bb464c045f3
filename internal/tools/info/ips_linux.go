package infotool

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"

	"github.com/golxc/golxc/internal/config"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// containerIPs lists the addresses inside the network namespace of pid as
// LXC's get_ips does: every interface except "lo", IPv4 first, then IPv6
// addresses of global scope, in kernel order. The namespace is entered
// through a netlink socket created in it (NewHandleAt), never by switching
// a thread of this process.
func containerIPs(pid int) ([]string, error) {
	ns, err := netns.GetFromPath(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return nil, fmt.Errorf("open network namespace of %d: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in namespace of %d: %w", pid, err)
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var out []string
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		addrs, err := h.AddrList(nil, fam)
		if err != nil {
			return out, fmt.Errorf("list addresses: %w", err)
		}
		for _, a := range addrs {
			if names[a.LinkIndex] == "lo" || a.IP == nil {
				continue
			}
			if fam == netlink.FAMILY_V6 && (a.Scope != unix.RT_SCOPE_UNIVERSE || a.IP.IsLinkLocalUnicast()) {
				continue
			}
			out = append(out, ipString(a.IP))
		}
	}
	return out, nil
}

func ipString(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil && len(ip) == net.IPv4len {
		return v4.String()
	}
	return config.InetNtop(ip)
}
