package quote

import (
	"strings"
	"testing"
)

func TestShort(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"a\nb", `"a\nb"`},
		{"\x1b[2J", `"\x1b[2J"`},
		{strings.Repeat("x", 64), `"` + strings.Repeat("x", 64) + `"`},
		{strings.Repeat("x", 10<<20), `"` + strings.Repeat("x", 64) + `"... (10485760 bytes)`},
		// A multi-byte character is never split.
		{strings.Repeat("x", 63) + "é" + "y", `"` + strings.Repeat("x", 63) + `"... (66 bytes)`},
	} {
		if got := Short(c.in); got != c.want {
			t.Errorf("Short(%.20q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := Bare("lxc.foo"); got != "lxc.foo" {
		t.Errorf("Bare = %s", got)
	}
	if got := Bare("lxc.f\noo"); got != `"lxc.f\noo"` {
		t.Errorf("Bare = %s", got)
	}
}
