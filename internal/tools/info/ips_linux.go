package infotool

import (
	"github.com/golxc/golxc/internal/netaddr"
)

// containerIPs lists the addresses inside the network namespace of pid as
// LXC's get_ips does: every interface except "lo", IPv4 first, then IPv6
// addresses of global scope, in kernel order.
func containerIPs(pid int) ([]string, error) {
	ns, err := netaddr.Read(pid, 0)
	if ns == nil {
		return nil, err
	}
	return append(ns.IPv4, ns.IPv6...), err
}
