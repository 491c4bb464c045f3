package network

import (
	"net"
	"regexp"
	"testing"

	"github.com/golxc/golxc/internal/config"
)

func TestRandomName(t *testing.T) {
	taken := map[string]bool{}
	re := regexp.MustCompile(`^veth[0-9a-zA-Z]{6}$`)
	for i := 0; i < 200; i++ {
		n := randomName("vethXXXXXX", func(s string) bool { return taken[s] })
		if !re.MatchString(n) || taken[n] {
			t.Fatalf("randomName gave %q", n)
		}
		taken[n] = true
	}
}

func TestMACs(t *testing.T) {
	for i := 0; i < 100; i++ {
		m := randomMAC()
		if m[0] != 0x00 || m[1] != 0x16 || m[2] != 0x3e {
			t.Fatalf("randomMAC %s not in 00:16:3e", m)
		}
		h := hostSideMAC()
		if h[0] != 0xfe {
			t.Fatalf("hostSideMAC %s does not start with fe", h)
		}
	}
	if _, err := parseMAC("00:16:3e:zz:00:01"); err == nil {
		t.Error("parseMAC accepted a bad MAC")
	}
	if _, err := parseMTU("15x0"); err == nil {
		t.Error("parseMTU accepted a bad MTU")
	}
}

// broadcast4 gets the config package's computed value (ADDR|hostmask, see
// config.parseIPv4) and must turn it into the real broadcast.
func TestBroadcast4(t *testing.T) {
	cases := []struct{ value, want string }{
		{"192.0.2.10/24", "192.0.2.255"},
		{"192.0.2.20", "192.255.255.255"}, // classful /8 from the last octet, as LXC
		{"192.0.2.17/30", "192.0.2.19"},
		{"192.0.2.12/31", "0.0.0.0"},
		{"192.0.2.10/32", "0.0.0.0"},
		{"192.0.2.21/16 192.0.2.99", "192.0.2.99"},
		{"192.0.2.33/0", "255.255.255.255"},
	}
	for _, c := range cases {
		ct := config.NewContainer()
		if err := ct.Set("lxc.net.0.type", "veth", config.Source{}); err != nil {
			t.Fatal(err)
		}
		if err := ct.Set("lxc.net.0.ipv4.address", c.value, config.Source{}); err != nil {
			t.Fatalf("%s: %v", c.value, err)
		}
		got := broadcast4(ct.Net[0].IPv4[0])
		if !got.Equal(net.ParseIP(c.want)) {
			t.Errorf("broadcast of %s = %s, want %s", c.value, got, c.want)
		}
	}
}
