package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	rand "github.com/golxc/golxc/internal/randbytes"
)

// Net is one lxc.net.N device.
type Net struct {
	Index int
	Type  string // veth macvlan ipvlan vlan phys empty none; "" = never set (LXC treats it as empty)
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
	VethMode       string // "bridge" (set with the type) or "router"; "" after an explicit clear
	VethIPv4Route  []string
	VethIPv6Route  []string
	VethVlanID     string // "", "none" or a number
	VethVlanTagged []string
	VethRxQueues   int
	VethTxQueues   int

	MacvlanMode     string // "private" (set with the type), "vepa", "bridge", "passthru"
	IpvlanMode      string // "l2" (LXC's effective default), "l3", "l3s"
	IpvlanIsolation string // "bridge" (default), "private", "vepa"
	VlanID          string

	// typeCleared records "lxc.net.N.type =": LXC then prints the type as
	// "(null)" and refuses type-specific keys until a type is set again.
	typeCleared bool
}

// Up reports whether flags ask for the link to be up.
func (n *Net) Up() bool { return n.Flags != "" }

// EffectiveType is the type LXC acts on ("empty" when none was set).
func (n *Net) EffectiveType() string {
	if n.Type == "" {
		return "empty"
	}
	return n.Type
}

func (n *Net) typeName(cleared string) string {
	if n.typeCleared {
		return cleared
	}
	return n.EffectiveType()
}

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

func (a IPv6Addr) String() string { return fmt.Sprintf("%s/%d", InetNtop(a.IP), a.Prefix) }

// NetTypes lists the accepted lxc.net.N.type values.
var NetTypes = []string{"veth", "macvlan", "ipvlan", "vlan", "phys", "empty", "none"}

// parseNetKey splits "lxc.net.N.SUB" into N and SUB as LXC does: N is a
// base-10 number (leading zeros allowed), SUB follows a '.'.
func parseNetKey(key string) (idx int, sub string, err error) {
	rest := strings.TrimPrefix(key, "lxc.net.")
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return 0, "", fmt.Errorf("invalid network device index in %q", key)
	}
	mag, _, tail, overflow, _ := cStrtoull(rest, 10)
	if overflow || mag >= 1<<31-1 {
		return 0, "", fmt.Errorf("network device index in %q is too large", key)
	}
	if tail == "" {
		return int(mag), "", nil
	}
	if tail[0] != '.' {
		return 0, "", fmt.Errorf("invalid network configuration key %q", key)
	}
	return int(mag), tail[1:], nil
}

// parseInet4 is inet_pton(AF_INET): strict dotted quad.
func parseInet4(s string) (net.IP, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return nil, false
	}
	b := a.As4()
	return net.IP(b[:]), true
}

// parseInet6 is inet_pton(AF_INET6): no zones, IPv4-mapped forms allowed.
func parseInet6(s string) (net.IP, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return nil, false
	}
	b := a.As16()
	return net.IP(b[:]), true
}

func parseIPv4(v string) (IPv4Addr, error) {
	addr, bcast, hasBcast := strings.Cut(v, " ")
	addr, pfx, hasPfx := strings.Cut(addr, "/")
	ip, ok := parseInet4(addr)
	if !ok {
		return IPv4Addr{}, fmt.Errorf("invalid ipv4 address %q", v)
	}
	a := IPv4Addr{IP: ip}
	if hasBcast {
		b, ok := parseInet4(bcast)
		if !ok {
			return IPv4Addr{}, fmt.Errorf("invalid ipv4 broadcast address %q", v)
		}
		a.Broadcast = b
	}
	if hasPfx {
		n, err := safeUint(pfx)
		if err != nil || n > 32 {
			return IPv4Addr{}, fmt.Errorf("invalid ipv4 prefix in %q", v)
		}
		a.Prefix = int(n)
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
	if !hasBcast {
		shift := a.Prefix
		if shift > 31 {
			shift = 31
		}
		m := uint32(0xffffffff) >> shift
		b := make(net.IP, 4)
		for i := range b {
			b[i] = ip[i] | byte(m>>(24-8*i))
		}
		a.Broadcast = b
	}
	return a, nil
}

func parseIPv6(v string) (IPv6Addr, error) {
	addr, pfx, hasPfx := strings.Cut(v, "/")
	a := IPv6Addr{Prefix: 64}
	if hasPfx {
		n, err := safeUint(pfx)
		if err != nil {
			return IPv6Addr{}, fmt.Errorf("invalid ipv6 prefix in %q", v)
		}
		a.Prefix = int(n)
	}
	ip, ok := parseInet6(addr)
	if !ok {
		return IPv6Addr{}, fmt.Errorf("invalid ipv6 address %q", addr)
	}
	a.IP = ip
	return a, nil
}

// parseRoute parses a veth route "ADDR/PREFIX" (prefix required).
func parseRoute(v string, v6 bool) (net.IP, int, error) {
	addr, pfx, ok := strings.Cut(v, "/")
	if !ok || pfx == "" {
		return nil, 0, fmt.Errorf("invalid route %q: ADDR/PREFIX required", v)
	}
	n, err := safeUint(pfx)
	max := uint32(32)
	if v6 {
		max = 128
	}
	if err != nil || n > max {
		return nil, 0, fmt.Errorf("invalid route prefix in %q", v)
	}
	var ip net.IP
	if v6 {
		ip, ok = parseInet6(addr)
	} else {
		ip, ok = parseInet4(addr)
	}
	if !ok {
		return nil, 0, fmt.Errorf("invalid route address in %q", v)
	}
	return ip, int(n), nil
}

// InetNtop formats an address as glibc's inet_ntop does (for IPv6: RFC
// 5952 compression, IPv4-mapped and IPv4-compatible tails in dotted form).
func InetNtop(ip net.IP) string {
	if ip4 := ip.To4(); len(ip) == net.IPv4len {
		return ip4.String()
	}
	if len(ip) != net.IPv6len {
		return ip.String()
	}
	var w [8]int
	for i := range w {
		w[i] = int(ip[2*i])<<8 | int(ip[2*i+1])
	}
	// Longest run of zero words (length >= 2), first one on ties.
	best, bestLen, cur, curLen := -1, 0, -1, 0
	for i := 0; i < 8; i++ {
		if w[i] == 0 {
			if cur < 0 {
				cur, curLen = i, 1
			} else {
				curLen++
			}
			if curLen > bestLen {
				best, bestLen = cur, curLen
			}
		} else {
			cur, curLen = -1, 0
		}
	}
	if bestLen < 2 {
		best = -1
	}
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if best >= 0 && i >= best && i < best+bestLen {
			if i == best {
				b.WriteByte(':')
			}
			continue
		}
		if i != 0 {
			b.WriteByte(':')
		}
		if i == 6 && best == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff) {
			fmt.Fprintf(&b, "%d.%d.%d.%d", ip[12], ip[13], ip[14], ip[15])
			break
		}
		fmt.Fprintf(&b, "%x", w[i])
	}
	if best >= 0 && best+bestLen == 8 {
		b.WriteByte(':')
	}
	return b.String()
}

// ExpandHWAddr replaces each 'x'/'X' of a MAC template with a random hex
// digit, keeping the address unicast (LXC's rand_complete_hwaddr). Like
// LXC it does not check that the result is a valid MAC.
func ExpandHWAddr(tmpl string) (string, error) {
	if !strings.ContainsAny(tmpl, "xX") {
		return tmpl, nil
	}
	const hex = "0123456789abcdef"
	b := []byte(tmpl)
	rnd := make([]byte, len(b))
	if _, err := rand.Read(rnd); err != nil {
		return "", err
	}
	for i := range b {
		if b[i] == 'x' || b[i] == 'X' {
			d := rnd[i] & 0xf
			if i == 1 {
				d &= 0xe // second nibble even: unicast
			}
			b[i] = hex[d]
		}
	}
	return string(b), nil
}

// ifname truncates an interface name as LXC does (IFNAMSIZ-1 bytes).
func ifname(v string) string {
	if len(v) > 15 {
		return v[:15]
	}
	return v
}

// hostInterfaces lists the host's interface names in kernel order (the
// order getifaddrs reports them), for lxc.net.N.link = PREFIX+.
var hostInterfaces = func() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(ifs))
	for _, i := range ifs {
		out = append(out, i.Name)
	}
	return out
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
	if !knownNetSub(sub) {
		return fmt.Errorf("unknown network configuration key %q: %w", key, errUnknownKey)
	}
	// An empty value clears the subkey of an existing device (LXC's clear
	// path never creates a device, and ignores a type mismatch).
	d := c.NetByIndex(idx, value != "")
	if d == nil {
		return fmt.Errorf("network device %d is not defined", idx)
	}
	needType := func(t string) error {
		if d.Type == t && !d.typeCleared {
			return nil
		}
		return fmt.Errorf("%s needs lxc.net.%d.type = %s set before it", key, idx, t)
	}
	if value == "" {
		return d.clear(sub)
	}
	switch sub {
	case "type":
		ok := false
		for _, t := range NetTypes {
			ok = ok || value == t
		}
		if !ok {
			return fmt.Errorf("invalid network type %q (want one of %s)", value, strings.Join(NetTypes, ", "))
		}
		*d = Net{Index: d.Index, Type: value}
		switch value {
		case "veth":
			d.VethMode = "bridge"
		case "macvlan":
			d.MacvlanMode = "private"
		case "ipvlan":
			d.IpvlanMode, d.IpvlanIsolation = "l2", "bridge"
		}
	case "flags":
		d.Flags = "up" // LXC sets IFF_UP for any value
	case "link":
		if strings.HasSuffix(value, "+") && d.Type == "phys" {
			// One host interface per matching name; LXC applies each
			// match to the same device, so the last one wins.
			prefix := value[:len(value)-1]
			for _, n := range hostInterfaces() {
				if strings.HasPrefix(n, prefix) {
					d.Link = n
				}
			}
			return nil
		}
		d.Link = ifname(value)
	case "name":
		d.Name = ifname(value)
	case "hwaddr":
		mac, err := ExpandHWAddr(value)
		if err != nil {
			return err
		}
		d.HWAddr = mac
	case "mtu":
		d.MTU = value
	case "l2proxy":
		b, err := parseBoolLXC(value)
		if err != nil {
			return err
		}
		d.L2Proxy = b
	case "ipv4.address":
		a, err := parseIPv4(value)
		if err != nil {
			return err
		}
		d.IPv4 = append(d.IPv4, a)
	case "ipv4.gateway":
		if value != "auto" && value != "dev" {
			if _, ok := parseInet4(value); !ok {
				return fmt.Errorf("invalid ipv4 gateway address %q", value)
			}
		}
		d.IPv4Gateway = value
	case "ipv6.address":
		a, err := parseIPv6(value)
		if err != nil {
			return err
		}
		d.IPv6 = append(d.IPv6, a)
	case "ipv6.gateway":
		if value != "auto" && value != "dev" {
			if _, ok := parseInet6(value); !ok {
				return fmt.Errorf("invalid ipv6 gateway address %q", value)
			}
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
		d.VethPair = ifname(value)
	case "veth.mode":
		if err := needType("veth"); err != nil {
			return err
		}
		if value != "bridge" && value != "router" {
			return fmt.Errorf("invalid veth mode %q (want bridge or router)", value)
		}
		d.VethMode = value
	case "veth.ipv4.route", "veth.ipv6.route":
		if err := needType("veth"); err != nil {
			return err
		}
		if _, _, err := parseRoute(value, sub == "veth.ipv6.route"); err != nil {
			return err
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
		if value != "none" {
			if n, err := safeUint(value); err != nil || n > 4094 {
				return fmt.Errorf("invalid VLAN id %q (want 0-4094 or none)", value)
			}
		}
		d.VethVlanID = value
	case "veth.vlan.tagged.id":
		if err := needType("veth"); err != nil {
			return err
		}
		if n, err := safeUint(value); err != nil || n > 4094 {
			return fmt.Errorf("invalid VLAN id %q (want 0-4094)", value)
		}
		d.VethVlanTagged = append(d.VethVlanTagged, value)
	case "veth.n_rxqueues", "veth.n_txqueues":
		if err := needType("veth"); err != nil {
			return err
		}
		n, err := safeInt(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("invalid queue count %q (want a number > 0)", value)
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
		case "private", "vepa", "bridge", "passthru":
		default:
			return fmt.Errorf("invalid macvlan mode %q (want private, vepa, bridge or passthru)", value)
		}
		d.MacvlanMode = value
	case "ipvlan.mode":
		if err := needType("ipvlan"); err != nil {
			return err
		}
		switch value {
		case "l3", "l3s", "l2":
		default:
			return fmt.Errorf("invalid ipvlan mode %q (want l3, l3s or l2)", value)
		}
		d.IpvlanMode = value
	case "ipvlan.isolation":
		if err := needType("ipvlan"); err != nil {
			return err
		}
		switch value {
		case "bridge", "private", "vepa":
		default:
			return fmt.Errorf("invalid ipvlan isolation %q (want bridge, private or vepa)", value)
		}
		d.IpvlanIsolation = value
	case "vlan.id":
		if err := needType("vlan"); err != nil {
			return err
		}
		if n, err := safeUint(value); err != nil || n > 65535 {
			return fmt.Errorf("invalid VLAN id %q", value)
		}
		d.VlanID = value
	}
	return nil
}

var netSubs = []string{
	"type", "flags", "link", "name", "hwaddr", "mtu", "l2proxy", "ipv4.address", "ipv4.gateway",
	"ipv6.address", "ipv6.gateway", "script.up", "script.down", "veth.pair", "veth.mode",
	"veth.ipv4.route", "veth.ipv6.route", "veth.vlan.id", "veth.vlan.tagged.id",
	"veth.n_rxqueues", "veth.n_txqueues", "macvlan.mode", "ipvlan.mode", "ipvlan.isolation", "vlan.id",
}

func knownNetSub(s string) bool {
	for _, k := range netSubs {
		if k == s {
			return true
		}
	}
	return false
}

// clear handles an empty value for a subkey (LXC's clr_config_net_*).
func (d *Net) clear(sub string) error {
	isVeth := d.Type == "veth" && !d.typeCleared
	switch sub {
	case "type":
		*d = Net{Index: d.Index, typeCleared: true}
	case "flags":
		d.Flags = ""
	case "link":
		d.Link = ""
	case "name":
		d.Name = ""
	case "hwaddr":
		d.HWAddr = ""
	case "mtu":
		d.MTU = ""
	case "l2proxy":
		d.L2Proxy = false
	case "ipv4.address":
		d.IPv4 = nil
	case "ipv4.gateway":
		d.IPv4Gateway = ""
	case "ipv6.address":
		d.IPv6 = nil
	case "ipv6.gateway":
		d.IPv6Gateway = ""
	case "script.up":
		d.ScriptUp = ""
	case "script.down":
		d.ScriptDown = ""
	case "veth.pair":
		if isVeth {
			d.VethPair = ""
		}
	case "veth.mode":
		if isVeth {
			d.VethMode = ""
		}
	case "veth.ipv4.route":
		if isVeth {
			d.VethIPv4Route = nil
		}
	case "veth.ipv6.route":
		if isVeth {
			d.VethIPv6Route = nil
		}
	case "veth.vlan.id":
		if isVeth {
			d.VethVlanID = ""
		}
	case "veth.vlan.tagged.id":
		if isVeth {
			d.VethVlanTagged = nil
		}
	case "veth.n_rxqueues":
		if isVeth {
			d.VethRxQueues = 0
		}
	case "veth.n_txqueues":
		if isVeth {
			d.VethTxQueues = 0
		}
	case "macvlan.mode":
		if d.Type == "macvlan" {
			d.MacvlanMode = ""
		}
	case "ipvlan.mode":
		if d.Type == "ipvlan" {
			d.IpvlanMode = ""
		}
	case "ipvlan.isolation":
		if d.Type == "ipvlan" {
			d.IpvlanIsolation = ""
		}
	case "vlan.id":
		if d.Type == "vlan" {
			d.VlanID = ""
		}
	}
	return nil
}

var errWrongNetType = errors.New("key does not apply to this network type")

// getNet renders an lxc.net.N.SUB value as LXC's getter does.
func (c *Container) getNet(key string) (string, error) {
	idx, sub, err := parseNetKey(key)
	if err != nil {
		return "", err
	}
	d := c.NetByIndex(idx, false)
	if d == nil || sub == "" || !knownNetSub(sub) {
		return "", errUnknownKey
	}
	typ := d.typeName("")
	need := func(t string) error {
		if typ != t {
			return errWrongNetType
		}
		return nil
	}
	orInvalid := func(s string) string {
		if s == "" {
			return "(invalid)"
		}
		return s
	}
	num := func(s string) string {
		if s == "" {
			return "0"
		}
		n, _ := safeUint(s)
		return strconv.Itoa(int(n))
	}
	routes := func(v []string, v6 bool) string {
		var out []string
		for _, r := range v {
			ip, p, _ := parseRoute(r, v6)
			out = append(out, fmt.Sprintf("%s/%d", InetNtop(ip), p))
		}
		return strings.Join(out, "\n")
	}
	gw := func(s string, v6 bool) string {
		if s == "" || s == "auto" || s == "dev" {
			return s
		}
		var ip net.IP
		if v6 {
			ip, _ = parseInet6(s)
		} else {
			ip, _ = parseInet4(s)
		}
		return InetNtop(ip)
	}
	switch sub {
	case "type":
		return d.typeName("(null)"), nil
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
		return strings.Join(v, "\n"), nil
	case "ipv4.gateway":
		return gw(d.IPv4Gateway, false), nil
	case "ipv6.address":
		var v []string
		for _, a := range d.IPv6 {
			v = append(v, a.String())
		}
		return strings.Join(v, "\n"), nil
	case "ipv6.gateway":
		return gw(d.IPv6Gateway, true), nil
	case "script.up":
		return d.ScriptUp, nil
	case "script.down":
		return d.ScriptDown, nil
	}
	switch {
	case strings.HasPrefix(sub, "veth."):
		if err := need("veth"); err != nil {
			return "", err
		}
	case strings.HasPrefix(sub, "macvlan."):
		if err := need("macvlan"); err != nil {
			return "", err
		}
	case strings.HasPrefix(sub, "ipvlan."):
		if err := need("ipvlan"); err != nil {
			return "", err
		}
	case sub == "vlan.id":
		if err := need("vlan"); err != nil {
			return "", err
		}
	}
	switch sub {
	case "veth.pair":
		return d.VethPair, nil
	case "veth.mode":
		return orInvalid(d.VethMode), nil
	case "veth.ipv4.route":
		return routes(d.VethIPv4Route, false), nil
	case "veth.ipv6.route":
		return routes(d.VethIPv6Route, true), nil
	case "veth.vlan.id":
		if d.VethVlanID == "none" {
			return "-1", nil
		}
		return num(d.VethVlanID), nil
	case "veth.vlan.tagged.id":
		var v []string
		for _, t := range d.VethVlanTagged {
			v = append(v, num(t))
		}
		return strings.Join(v, "\n"), nil
	case "veth.n_rxqueues", "veth.n_txqueues":
		n := d.VethRxQueues
		if sub == "veth.n_txqueues" {
			n = d.VethTxQueues
		}
		if n == 0 {
			return "", nil
		}
		return strconv.Itoa(n), nil
	case "macvlan.mode":
		return orInvalid(d.MacvlanMode), nil
	case "ipvlan.mode":
		return orInvalid(d.IpvlanMode), nil
	case "ipvlan.isolation":
		return orInvalid(d.IpvlanIsolation), nil
	case "vlan.id":
		return num(d.VlanID), nil
	}
	return "", errUnknownKey
}
