// Package netaddr reads the interfaces and addresses of a process's
// network namespace, for lxc-info and lxc-ls: through a netlink socket
// opened in that namespace (NewHandleAt), so no process is spawned and no
// thread of ours changes namespace.
package netaddr

import (
	"fmt"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
)

// Namespace is what Read finds, in the kernel's order.
type Namespace struct {
	Links []string // every interface, lo included
	// IPv4 and IPv6 addresses as LXC's get_ips lists them: none of lo,
	// IPv6 only of global scope and not link-local.
	IPv4, IPv6 []string
}

// Read lists the interfaces and addresses of pid's network namespace.
// timeout bounds each netlink answer (0: none).
func Read(pid int, timeout time.Duration) (*Namespace, error) {
	ns, err := netns.GetFromPath(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return nil, fmt.Errorf("open network namespace of %d: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		// A user's own container: its namespace cannot be entered
		// (netlink does not wrap the errno), /proc/PID/net can be read.
		if links, v4, v6, perr := readProc(pid); perr == nil {
			return &Namespace{Links: links, IPv4: v4, IPv6: v6}, nil
		}
		return nil, fmt.Errorf("netlink in namespace of %d: %w", pid, err)
	}
	defer h.Close()
	if timeout > 0 {
		h.SetSocketTimeout(timeout)
	}
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	out := &Namespace{}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
		out.Links = append(out.Links, l.Attrs().Name)
	}
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		addrs, err := h.AddrList(nil, fam)
		if err != nil {
			return out, fmt.Errorf("list addresses: %w", err)
		}
		for _, a := range addrs {
			if a.IP == nil || names[a.LinkIndex] == "lo" {
				continue
			}
			if fam == netlink.FAMILY_V4 {
				out.IPv4 = append(out.IPv4, a.IP.To4().String())
			} else if a.Scope == unix.RT_SCOPE_UNIVERSE && !a.IP.IsLinkLocalUnicast() {
				out.IPv6 = append(out.IPv6, config.InetNtop(a.IP.To16()))
			}
		}
	}
	return out, nil
}
