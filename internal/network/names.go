package network

import (
	"fmt"
	"net"
	"strconv"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/quote"
	rand "github.com/golxc/golxc/internal/randbytes"
)

// ifNameChars are the characters LXC fills an interface name template with
// (lxc_ifname_alnum_case_sensitive).
const ifNameChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomName replaces every 'X' of template with a random letter or digit,
// as LXC does for "vethXXXXXX"; exists reports names already taken, which
// are skipped.
func randomName(template string, exists func(string) bool) string {
	for {
		b := []byte(template)
		rnd := make([]byte, len(b))
		rand.Read(rnd)
		for i := range b {
			if b[i] == 'X' {
				b[i] = ifNameChars[int(rnd[i])%len(ifNameChars)]
			}
		}
		if exists == nil || !exists(string(b)) {
			return string(b)
		}
	}
}

// defaultMACPrefix is the Xensource OUI LXC 5 writes into new configs
// (00:16:3e:xx:xx:xx in default.conf and on clone).
var defaultMACPrefix = [3]byte{0x00, 0x16, 0x3e}

// randomMAC returns 00:16:3e:XX:XX:XX: a unicast, globally administered
// address in LXC's default range, used for a device without lxc.net.N.hwaddr
// so the MAC is set in the create request (and no udev policy rewrites it).
func randomMAC() net.HardwareAddr {
	m := make(net.HardwareAddr, 6)
	copy(m, defaultMACPrefix[:])
	rand.Read(m[3:])
	return m
}

// hostSideMAC returns a random MAC whose first byte is 0xfe, LXC's
// setup_private_host_hw_addr: a Linux bridge takes the lowest MAC of its
// ports, and 0xfe keeps a container's host-side veth from ever being that
// lowest one, so the bridge's address does not change as containers come
// and go.
func hostSideMAC() net.HardwareAddr {
	m := make(net.HardwareAddr, 6)
	rand.Read(m)
	m[0] = 0xfe
	return m
}

// parseMAC parses an lxc.net.N.hwaddr value (already expanded from any
// xx template by the config package).
func parseMAC(s string) (net.HardwareAddr, error) {
	m, err := net.ParseMAC(s)
	if err != nil || len(m) != 6 {
		return nil, fmt.Errorf("invalid MAC address %s", quote.Short(s))
	}
	return m, nil
}

// parseMTU parses lxc.net.N.mtu (LXC's lxc_safe_uint).
func parseMTU(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, fmt.Errorf("invalid mtu %s", quote.Short(s))
	}
	return int(n), nil
}

// broadcast4 returns the broadcast address to put on an IPv4 address;
// 0.0.0.0 means none (netlink leaves IFA_BROADCAST out for it).
//
// An explicit broadcast from the config is used as written. A computed
// one (the config package fills in ADDR | hostmask when none was given) is
// recomputed here as the real subnet broadcast, with none for /31 and /32
// (RFC 3021 point-to-point and host routes). LXC 5.0.2 puts only the host
// mask there (192.0.2.10/24 gets "brd 0.0.0.255"), which breaks subnet
// broadcast inside the container; we deliberately do not copy that.
func broadcast4(a config.IPv4Addr) net.IP {
	ip := a.IP.To4()
	if ip == nil {
		return net.IPv4zero
	}
	computed := hostBits(ip, min(a.Prefix, 31))
	if a.Broadcast != nil && !a.Broadcast.To4().Equal(computed) {
		return a.Broadcast.To4()
	}
	if a.Prefix >= 31 {
		return net.IPv4zero
	}
	return hostBits(ip, a.Prefix)
}

// hostBits returns ip with its host part (32-prefix low bits) all ones.
func hostBits(ip net.IP, prefix int) net.IP {
	m := uint32(0xffffffff) >> uint(prefix)
	if prefix >= 32 {
		m = 0
	}
	b := make(net.IP, 4)
	for i := range b {
		b[i] = ip[i] | byte(m>>(24-8*i))
	}
	return b
}
