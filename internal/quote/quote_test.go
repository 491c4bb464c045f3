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

func TestLine(t *testing.T) {
	if got := Line(`key "x": bad`); got != `key "x": bad` {
		t.Errorf("Line changed a plain message: %s", got)
	}
	if got := Line("a\nb\x1b"); got != `a\nb\x1b` {
		t.Errorf("Line = %q", got)
	}
	long := "start " + strings.Repeat("v", 10<<20) + " end"
	got := Line(long)
	if len(got) > MaxLine+100 || !strings.HasPrefix(got, "start ") || !strings.HasSuffix(got, " end") || !strings.Contains(got, "bytes not shown") {
		t.Errorf("Line of 10 MB: %d bytes, %.80q ... %.80q", len(got), got, got[len(got)-80:])
	}
}

func TestLongWords(t *testing.T) {
	w := strings.Repeat("/x", 600)
	got := LongWords("mount source "+w+": no such file", 256)
	want := "mount source " + w[:64] + "...(1201 bytes) no such file"
	if got != want {
		t.Errorf("LongWords = %q", got)
	}
	if got := LongWords("a  b\tc", 256); got != "a  b\tc" {
		t.Errorf("LongWords changed short words: %q", got)
	}
}
