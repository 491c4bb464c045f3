//go:build linux && cgo

package usernic

import (
	"bytes"
	"strings"
	"testing"
)

func TestValidIfname(t *testing.T) {
	for _, c := range []struct {
		s      string
		format bool
		ok     bool
	}{
		{"eth0", false, true}, {"veth1000_aB3z", false, true}, {strings.Repeat("a", 15), false, true},
		{"", false, false}, {strings.Repeat("a", 16), false, false}, {".", false, false}, {"..", false, false},
		{"a/b", false, false}, {"a:b", false, false}, {"a b", false, false}, {"a\tb", false, false},
		{"a\nb", false, false}, {"a\x00b", false, false}, {"a\x7f", false, false},
		{"eth%d", true, true}, {"eth%d", false, false}, {"e%d%d", true, false}, {"e%s", true, false}, {"e%", true, false},
	} {
		if got := ValidIfname([]byte(c.s), c.format); got != c.ok {
			t.Errorf("ValidIfname(%q, %v) = %v", c.s, c.format, got)
		}
	}
}

func TestParseUsernet(t *testing.T) {
	for _, c := range []struct {
		line string
		want UsernetEntry
		ok   bool
	}{
		{"alice veth br0 2", UsernetEntry{"alice", "veth", "br0", 2}, true},
		{"@lxc\tveth\tlxcbr0\t10\n", UsernetEntry{"@lxc", "veth", "lxcbr0", 10}, true},
		{"alice  veth   br0   +3", UsernetEntry{"alice", "veth", "br0", 3}, true},
		{"alice veth br0 5 trailing words", UsernetEntry{"alice", "veth", "br0", 5}, true},
		{"alice veth br0 5abc", UsernetEntry{"alice", "veth", "br0", 5}, true},
		{" alice veth br0 2", UsernetEntry{}, false},
		{"#alice veth br0 2", UsernetEntry{}, false},
		{"alice veth br0", UsernetEntry{}, false},
		{"alice veth br0 x", UsernetEntry{}, false},
		{"alice veth br0 -1", UsernetEntry{}, false},
		{"alice veth br0 99999999999", UsernetEntry{}, false},
		{strings.Repeat("a", 100) + " veth br0 1", UsernetEntry{}, false},
		{"", UsernetEntry{}, false},
	} {
		got, ok := ParseUsernet([]byte(c.line))
		if ok != c.ok || got != c.want {
			t.Errorf("ParseUsernet(%q) = %+v, %v", c.line, got, ok)
		}
	}
}

func TestParseDB(t *testing.T) {
	for _, c := range []struct {
		line string
		want DBLine
		ok   bool
	}{
		{"alice veth br0 veth1000_abcd", DBLine{"alice", "veth", "br0", "veth1000_abcd"}, true},
		{"  @lxc veth br0 vethABCDEF", DBLine{"@lxc", "veth", "br0", "vethABCDEF"}, true},
		{"#alice veth br0 veth0", DBLine{}, false},
		{"alice veth br0", DBLine{}, false},
		{"alice veth br0 averyveryverylongname", DBLine{}, false},
		{"", DBLine{}, false},
	} {
		got, ok := ParseDB([]byte(c.line))
		if ok != c.ok || got != c.want {
			t.Errorf("ParseDB(%q) = %+v, %v", c.line, got, ok)
		}
	}
}

func TestPasswdName(t *testing.T) {
	line := []byte("alice:x:1000:1000::/home/alice:/bin/sh")
	if n, ok := PasswdName(line, 1000); !ok || n != "alice" {
		t.Errorf("uid 1000: %q %v", n, ok)
	}
	for _, c := range []struct {
		line string
		id   uint32
	}{
		{"alice:x:1000:1000::/home/alice:/bin/sh", 1001}, {"+::::::", 0}, {"alice:x:abc:1", 0},
		{":x:0:0", 0}, {"#root:x:0:0", 0}, {"root", 0}, {"root:x", 0},
	} {
		if n, ok := PasswdName([]byte(c.line), c.id); ok {
			t.Errorf("PasswdName(%q, %d) = %q", c.line, c.id, n)
		}
	}
}

func TestHostNICName(t *testing.T) {
	rnd := []byte{0, 1, 2, 3, 4, 5, 6, 7}
	for _, c := range []struct {
		uid  uint32
		want string
	}{
		{1000, "veth1000_abcd"}, {1, "veth1_abcd"}, {65536, "veth65536_abcd"}, {0, "vethabcdef"}, {65537, "vethabcdef"},
	} {
		if got := HostNICName(c.uid, rnd); got != c.want {
			t.Errorf("HostNICName(%d) = %q, want %q", c.uid, got, c.want)
		}
	}
}

// FuzzParsers feeds the same bytes to every parser of lxc-user-nic and
// checks what each promises about its output.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{
		"alice veth br0 2", "@lxc\tveth\tlxcbr0\t10\n", "alice veth br0 veth1000_abcd",
		"root:x:0:0:root:/root:/bin/sh", "eth%d", "4294967295", "", "\x00\x00", "a b c d e f",
	} {
		f.Add([]byte(s), uint32(1000))
	}
	f.Fuzz(func(t *testing.T, data []byte, id uint32) {
		if ValidIfname(data, true) {
			if len(data) == 0 || len(data) > 15 || bytes.ContainsAny(data, "/: \t\n\x00") || bytes.Equal(data, []byte(".")) || bytes.Equal(data, []byte("..")) {
				t.Fatalf("ValidIfname accepted %q", data)
			}
			if bytes.Count(data, []byte("%")) > 1 {
				t.Fatalf("ValidIfname accepted several formats in %q", data)
			}
		}
		if e, ok := ParseUsernet(data); ok {
			for _, s := range []string{e.Name, e.Type, e.Link} {
				if s == "" || len(s) >= 100 || strings.ContainsAny(s, " \t\n\x00") {
					t.Fatalf("ParseUsernet(%q): bad field %q", data, s)
				}
			}
			if e.Count < 0 || !bytes.HasPrefix(data, []byte(e.Name)) {
				t.Fatalf("ParseUsernet(%q) = %+v", data, e)
			}
		}
		if d, ok := ParseDB(data); ok {
			if !ValidIfname([]byte(d.NIC), false) {
				t.Fatalf("ParseDB(%q): invalid NIC %q", data, d.NIC)
			}
			for _, s := range []string{d.Owner, d.Type, d.Link} {
				if s == "" || strings.ContainsAny(s, " \t\n\x00") {
					t.Fatalf("ParseDB(%q): bad field %q", data, s)
				}
			}
		}
		if n, ok := PasswdName(data, id); ok && (n == "" || strings.ContainsAny(n, ":\n\x00")) {
			t.Fatalf("PasswdName(%q) = %q", data, n)
		}
		if v, ok := ParseUint(data, 1<<31-1); ok && (v > 1<<31-1 || len(data) == 0) {
			t.Fatalf("ParseUint(%q) = %d", data, v)
		}
		if n := HostNICName(id, data); !ValidIfname([]byte(n), false) {
			t.Fatalf("HostNICName(%d, %q) = %q, not an interface name", id, data, n)
		}
	})
}
