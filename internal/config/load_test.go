package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadShippedConfigs(t *testing.T) {
	files, _ := filepath.Glob("/usr/share/lxc/config/*.conf")
	if len(files) == 0 {
		t.Fatal("no /usr/share/lxc/config/*.conf: install Debian's lxc package (make test-deps)")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSplitLine(t *testing.T) {
	cases := []struct {
		in, key, val string
		kind         LineKind
	}{
		{"lxc.uts.name = \"bb\"", "lxc.uts.name", "bb", KeyLine},
		{"  lxc.x = a # b  ", "lxc.x", "a # b", KeyLine},
		{"# c", "", "", Comment},
		{"foo = bar", "", "", Martian},
		{"", "", "", Blank},
	}
	for _, c := range cases {
		k, key, val, err := SplitLine(c.in)
		if err != nil || k != c.kind || key != c.key || val != c.val {
			t.Errorf("%q: got %v %q %q %v", c.in, k, key, val, err)
		}
	}
}

func TestRoundTripPreserves(t *testing.T) {
	in := "# head\n\nlxc.uts.name=a\n  lxc.tty.max   =  4  # x\nfoo\r\n"
	f, err := ParseFile("x", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Bytes()); !strings.Contains(got, "lxc.tty.max   =  4  # x") || !strings.HasPrefix(got, "# head\n\n") {
		t.Fatalf("round trip changed file: %q", got)
	}
	f.Set("lxc.uts.name", "b")
	if v, _ := f.Get("lxc.uts.name"); v != "b" {
		t.Fatal(v)
	}
}
