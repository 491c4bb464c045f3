package kconfig

import (
	"bytes"
	"compress/gzip"
	"testing"
)

const sample = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.18.44 Kernel Configuration
#
CONFIG_NAMESPACES=y
CONFIG_VETH=m
# CONFIG_USER_NS is not set
CONFIG_X_PID_NS=y
CONFIG_HZ=250
`

func TestParse(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(sample))
	zw.Close()
	for name, data := range map[string][]byte{"plain": []byte(sample), "gzip": gz.Bytes()} {
		c, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Known || c.Major != 6 || c.Minor != 18 || !c.Numeric {
			t.Errorf("%s: version %+v", name, c)
		}
		for opt, want := range map[string]bool{
			"CONFIG_NAMESPACES": true, "CONFIG_VETH": true, "CONFIG_USER_NS": false,
			// grep semantics: a substring of another option counts.
			"CONFIG_PID_NS": false, "PID_NS": true, "CONFIG_HZ": false,
		} {
			if got := c.IsSet(opt); got != want {
				t.Errorf("%s: IsSet(%s) = %v", name, opt, got)
			}
		}
		if v, ok := c.Value("CONFIG_HZ"); !ok || v != "250" {
			t.Errorf("Value: %q %v", v, ok)
		}
	}
}

func TestVersionQuirks(t *testing.T) {
	c, _ := Parse("x", []byte("CONFIG_A=y\n"))
	if c.Known || c.Major != 100 || c.Minor != 0 {
		t.Errorf("no header: %+v", c)
	}
	c, _ = Parse("x", []byte("# Linux/arm 2.6.32 Kernel Configuration\n"))
	if c.Major != 2 || c.Minor != 32 {
		t.Errorf("2.6: %+v", c)
	}
	// A two-digit major does not match the script's sed: not a number.
	c, _ = Parse("x", []byte("# Linux/x86 10.1.2 Kernel Configuration\n"))
	if c.MajorOK || !c.Known {
		t.Errorf("10.x: %+v", c)
	}
}
