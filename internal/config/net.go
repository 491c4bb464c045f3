package config

import (
	"crypto/rand"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Net is one lxc.net.N device.
type Net struct {
	Index int
	Type  string // veth macvlan ipvlan vlan phys empty none
	Flags string // "up" or ""
	Link  string
	Name  string
	// HWAddr holds the MAC after any "x" template was expanded.
	HWAddr  string
	MTU     string
	L2Proxy bool

	IPv4        []IPv4Addr
	IPv4Gateway string // address, "auto", "dev" or ""
	IPv6        []IPv6Addr
	IPv6Gateway string

	ScriptUp   string
	ScriptDown string

	VethPair       string
	VethMode       string // "bridge" (default) or "router"
	VethIPv4Route  []string
	VethIPv6Route  []string
	VethVlanID     string // "", "none" or a number
	VethVlanTagged []string
	VethRxQueues   int
	VethTxQueues   int

	MacvlanMode     string
	IpvlanMode      string
	IpvlanIsolation string
	VlanID          string
}

// Up reports whether flags ask for the link to be up.
func (n *Net) Up() bool { return n.Flags != "" }

// IPv4Addr is an lxc.net.N.ipv4.address entry.
type IPv4Addr struct {
	IP        net.IP
	Prefix    int
	Broadcast net.IP
}

func (a IPv4Addr) String() string { return fmt.Sprintf("%s/%d", a.IP, a.Prefix) }

// IPv6Addr is an lxc.net.N.ipv6.address entry.
type IPv6Addr struct {
	IP     net.IP
	Prefix int
}

func (a IPv6Addr) String() string { return fmt.Sprintf("%s/%d", a.IP, a.Prefix) }

// NetTypes lists the accepted lxc.net.N.type values.
var NetTypes = []string{"veth", "macvlan", "ipvlan", "vlan", "phys", "empty", "none"}

// parseNetKey splits "lxc.net.N.SUB" into N and SUB.
func parseNetKey(key string) (idx int, sub string, err error) {
	rest := strings.TrimPrefix(key, "lxc.net.")
	num, sub, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || num == "" || (len(num) > 1 && num[0] == '0') {
		return 0, "", fmt.Errorf("invalid network device index in %q", key)
	}
	return n, sub, nil
}

func parseIPv4(v string) (IPv4Addr, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return IPv4Addr{}, fmt.Errorf("invalid IPv4 address %q", v)
	}
	addr, pfx, hasPfx := strings.Cut(f[0], "/")
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return IPv4Addr{}, fmt.Errorf("invalid IPv4 address %q", addr)
	}
	a := IPv4Addr{IP: ip}
	if hasPfx {
		n, err := strconv.Atoi(pfx)
		if err != nil || n < 0 || n > 32 {
			return IPv4Addr{}, fmt.Errorf("invalid IPv4 prefix %q", pfx)
		}
		a.Prefix = n
	} else {
		// LXC applies the classful rule to the network-byte-order value read
		// as a host integer, so on little-endian hosts the last octet decides.
		switch last := ip[3]; {
		case last < 128:
			a.Prefix = 8
		case last < 192:
			a.Prefix = 16
		case last < 224:
			a.Prefix = 24
		default:
			a.Prefix = 0
		}
	}
	if len(f) == 2 {
		b := net.ParseIP(f[1]).To4()
		if b == nil {
			return IPv4Addr{}, fmt.Errorf("invalid IPv4 broadcast %q", f[1])
		}
		a.Broadcast = b
	} else if a.Prefix < 31 {
		mask := net.CIDRMask(a.Prefix, 32)
		b := make(net.IP, 4)
		for i := range b {
			b[i] = ip[i] | ^mask[i]
		}
		a.Broadcast = b
	} else {
		a.Broadcast = net.IPv4zero.To4()
	}
	return a, nil
}

func parseIPv6(v string) (IPv6Addr, error) {
	addr, pfx, hasPfx := strings.Cut(strings.TrimSpace(v), "/")
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() != nil && !strings.Contains(addr, ":") {
		return IPv6Addr{}, fmt.Errorf("invalid IPv6 address %q", addr)
	}
	a := IPv6Addr{IP: ip, Prefix: 64}
	if hasPfx {
		n, err := strconv.Atoi(pfx)
		if err != nil || n < 0 || n > 128 {
			return IPv6Addr{}, fmt.Errorf("invalid IPv6 prefix %q", pfx)
		}
		a.Prefix = n
	}
	return a, nil
}

// ExpandHWAddr replaces each 'x'/'X' of a MAC template with a random hex
// digit, keeping the address unicast as LXC does (rand_complete_hwaddr).
func ExpandHWAddr(tmpl string) (string, error) {
	if !strings.ContainsAny(tmpl, "xX") {
		if _, err := net.ParseMAC(tmpl); err != nil {
			return "", fmt.Errorf("invalid MAC address %q", tmpl)
		}
		return tmpl, nil
	}
	const hex = "0123456789abcdef"
	b := []byte(tmpl)
	var rnd [32]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	for i := range b {
		if b[i] == 'x' || b[i] == 'X' {
			d := rnd[i%len(rnd)] & 0xf
			if i == 1 {
				d &= 0xe // second nibble even: unicast
			}
			b[i] = hex[d]
		}
	}
	s := string(b)
	if _, err := net.ParseMAC(s); err != nil {
		return "", fmt.Errorf("invalid MAC address template %q", tmpl)
	}
	return s, nil
}

// setNet applies one lxc.net.N.SUB key.
func (c *Container) setNet(key, value string) error {
	idx, sub, err := parseNetKey(key)
	if err != nil {
		return err
	}
	if sub == "" {
		if value != "" {
			return fmt.Errorf("%s must not have a value", key)
		}
		out := c.Net[:0]
		for _, d := range c.Net {
			if d.Index != idx {
				out = append(out, d)
			}
		}
		c.Net = out
		return nil
	}
	d := c.NetByIndex(idx, true)
	needType := func(types ...string) error {
		for _, t := range types {
			if d.Type == t {
				return nil
			}
		}
		return fmt.Errorf("%s needs lxc.net.%d.type = %s set first", key, idx, strings.Join(types, " or "))
	}
	switch sub {
	case "type":
		if value == "" {
			d.Type = ""
			return nil
		}
		for _, t := range NetTypes {
			if value == t {
				d.Type = t
				return nil
			}
		}
		return fmt.Errorf("invalid network type %q (want one of %s)", value, strings.Join(NetTypes, ", "))
	case "flags":
		if value != "" && value != "up" {
			return fmt.Errorf("invalid network flags %q (want \"up\")", value)
		}
		d.Flags = value
	case "link":
		d.Link = value
	case "name":
		if len(value) >= 16 {
			return fmt.Errorf("interface name %q is too long", value)
		}
		d.Name = value
	case "hwaddr":
		if value == "" {
			d.HWAddr = ""
			return nil
		}
		mac, err := ExpandHWAddr(value)
		if err != nil {
			return err
		}
		d.HWAddr = mac
	case "mtu":
		if value != "" {
			if n, err := strconv.Atoi(value); err != nil || n <= 0 {
				return fmt.Errorf("invalid MTU %q", value)
			}
		}
		d.MTU = value
	case "l2proxy":
		b, err := parseBool(value)
		if err != nil {
			return err
		}
		d.L2Proxy = b
	case "ipv4.address":
		if value == "" {
			d.IPv4 = nil
			return nil
		}
		a, err := parseIPv4(value)
		if err != nil {
			return err
		}
		d.IPv4 = append(d.IPv4, a)
	case "ipv4.gateway":
		if value != "" && value != "auto" && value != "dev" && net.ParseIP(value).To4() == nil {
			return fmt.Errorf("invalid IPv4 gateway %q", value)
		}
		d.IPv4Gateway = value
	case "ipv6.address":
		if value == "" {
			d.IPv6 = nil
			return nil
		}
		a, err := parseIPv6(value)
		if err != nil {
			return err
		}
		d.IPv6 = append(d.IPv6, a)
	case "ipv6.gateway":
		if value != "" && value != "auto" && value != "dev" && net.ParseIP(value) == nil {
			return fmt.Errorf("invalid IPv6 gateway %q", value)
		}
		d.IPv6Gateway = value
	case "script.up":
		d.ScriptUp = value
	case "script.down":
		d.ScriptDown = value
	case "veth.pair":
		if err := needType("veth"); err != nil {
			return err
		}
		if len(value) >= 16 {
			return fmt.Errorf("interface name %q is too long", value)
		}
		d.VethPair = value
	case "veth.mode":
		if err := needType("veth"); err != nil {
			return err
		}
		if value != "" && value != "bridge" && value != "router" {
			return fmt.Errorf("invalid veth mode %q (want bridge or router)", value)
		}
		d.VethMode = value
	case "veth.ipv4.route", "veth.ipv6.route":
		if err := needType("veth"); err != nil {
			return err
		}
		if value == "" {
			if sub == "veth.ipv4.route" {
				d.VethIPv4Route = nil
			} else {
				d.VethIPv6Route = nil
			}
			return nil
		}
		if !strings.Contains(value, "/") {
			return fmt.Errorf("invalid route %q: prefix required", value)
		}
		ip, _, err := net.ParseCIDR(value)
		if err != nil || (sub == "veth.ipv4.route") != (ip.To4() != nil) {
			return fmt.Errorf("invalid route %q", value)
		}
		if sub == "veth.ipv4.route" {
			d.VethIPv4Route = append(d.VethIPv4Route, value)
		} else {
			d.VethIPv6Route = append(d.VethIPv6Route, value)
		}
	case "veth.vlan.id":
		if err := needType("veth"); err != nil {
			return err
		}
		if value != "" && value != "none" {
			if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 4094 {
				return fmt.Errorf("invalid VLAN id %q", value)
			}
		}
		d.VethVlanID = value
	case "veth.vlan.tagged.id":
		if err := needType("veth"); err != nil {
			return err
		}
		if value == "" {
			d.VethVlanTagged = nil
			return nil
		}
		if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 4094 {
			return fmt.Errorf("invalid VLAN id %q", value)
		}
		d.VethVlanTagged = append(d.VethVlanTagged, value)
	case "veth.n_rxqueues", "veth.n_txqueues":
		if err := needType("veth"); err != nil {
			return err
		}
		n := 0
		if value != "" {
			if n, err = strconv.Atoi(value); err != nil || n <= 0 {
				return fmt.Errorf("invalid queue count %q", value)
			}
		}
		if sub == "veth.n_rxqueues" {
			d.VethRxQueues = n
		} else {
			d.VethTxQueues = n
		}
	case "macvlan.mode":
		if err := needType("macvlan"); err != nil {
			return err
		}
		switch value {
		case "", "private", "vepa", "bridge", "passthru":
		default:
			return fmt.Errorf("invalid macvlan mode %q", value)
		}
		d.MacvlanMode = value
	case "ipvlan.mode":
		if err := needType("ipvlan"); err != nil {
			return err
		}
		switch value {
		case "", "l3", "l3s", "l2":
		default:
			return fmt.Errorf("invalid ipvlan mode %q", value)
		}
		d.IpvlanMode = value
	case "ipvlan.isolation":
		if err := needType("ipvlan"); err != nil {
			return err
		}
		switch value {
		case "", "bridge", "private", "vepa":
		default:
			return fmt.Errorf("invalid ipvlan isolation %q", value)
		}
		d.IpvlanIsolation = value
	case "vlan.id":
		if err := needType("vlan"); err != nil {
			return err
		}
		if value != "" {
			if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 65535 {
				return fmt.Errorf("invalid VLAN id %q", value)
			}
		}
		d.VlanID = value
	default:
		return fmt.Errorf("unknown network configuration key %q: %w", sub, errUnknownKey)
	}
	return nil
}

// getNet renders an lxc.net.N.SUB value as LXC's getter does.
func (c *Container) getNet(key string) (string, error) {
	idx, sub, err := parseNetKey(key)
	if err != nil {
		return "", err
	}
	d := c.NetByIndex(idx, false)
	if d == nil {
		return "", errUnknownKey
	}
	lines := func(v []string) string {
		return strings.Join(v, "\n")
	}
	switch sub {
	case "type":
		return d.Type, nil
	case "flags":
		return d.Flags, nil
	case "link":
		return d.Link, nil
	case "name":
		return d.Name, nil
	case "hwaddr":
		return d.HWAddr, nil
	case "mtu":
		return d.MTU, nil
	case "l2proxy":
		return boolStr(d.L2Proxy), nil
	case "ipv4.address":
		var v []string
		for _, a := range d.IPv4 {
			v = append(v, a.String())
		}
		return lines(v), nil
	case "ipv4.gateway":
		return d.IPv4Gateway, nil
	case "ipv6.address":
		var v []string
		for _, a := range d.IPv6 {
			v = append(v, a.String())
		}
		return lines(v), nil
	case "ipv6.gateway":
		return d.IPv6Gateway, nil
	case "script.up":
		return d.ScriptUp, nil
	case "script.down":
		return d.ScriptDown, nil
	case "veth.pair":
		return d.VethPair, nil
	case "veth.mode":
		if d.VethMode == "" && d.Type == "veth" {
			return "bridge", nil
		}
		return d.VethMode, nil
	case "veth.ipv4.route":
		return lines(d.VethIPv4Route), nil
	case "veth.ipv6.route":
		return lines(d.VethIPv6Route), nil
	case "veth.vlan.id":
		return d.VethVlanID, nil
	case "veth.vlan.tagged.id":
		return lines(d.VethVlanTagged), nil
	case "veth.n_rxqueues":
		return strconv.Itoa(d.VethRxQueues), nil
	case "veth.n_txqueues":
		return strconv.Itoa(d.VethTxQueues), nil
	case "macvlan.mode":
		return d.MacvlanMode, nil
	case "ipvlan.mode":
		return d.IpvlanMode, nil
	case "ipvlan.isolation":
		return d.IpvlanIsolation, nil
	case "vlan.id":
		return d.VlanID, nil
	}
	return "", errUnknownKey
}
