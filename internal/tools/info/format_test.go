package infotool

import (
	"bytes"
	"testing"
)

func TestHumanSize(t *testing.T) {
	for v, want := range map[uint64]string{
		0: "0 bytes", 1024: "1024 bytes", 1025: "1.00 KiB", 1536: "1.50 KiB", 2047: "2.00 KiB",
		1 << 20: "1024.00 KiB", 1<<20 + 1: "1.00 MiB", 10 * 1 << 20: "10.00 MiB",
		1 << 30: "1024.00 MiB", 1<<30 + 1: "1.00 GiB", 5*1<<30 + 1<<29: "5.49 GiB",
	} {
		if got := HumanSize(v); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestSizeHumanize(t *testing.T) {
	cases := []struct {
		in       string
		humanize bool
		out      string
		val      uint64
	}{
		{"2048", true, "2.00 KiB", 2048},
		{"2048", false, "2048", 2048},
		{"0x800", true, "2.00 KiB", 2048}, // strtoull base 0, as LXC
		{"12 junk", true, "", 12},
		{"junk", true, "", 0}, // no digits: not a number, printed empty
	}
	for _, c := range cases {
		out, val := sizeHumanize(c.in, c.humanize)
		if out != c.out || val != c.val {
			t.Errorf("sizeHumanize(%q,%v) = %q,%d", c.in, c.humanize, out, val)
		}
	}
}

func TestPrinterLabels(t *testing.T) {
	var b bytes.Buffer
	printer{w: &b, humanize: true, filterCount: 1}.msg("State:", "RUNNING")
	printer{w: &b, humanize: false, filterCount: 1}.msg("PID:", "42")
	printer{w: &b, humanize: false, filterCount: 5}.msg("IP:", "10.0.3.5")
	want := "State:          RUNNING\n42\nIP:             10.0.3.5\n"
	if b.String() != want {
		t.Fatalf("%q", b.String())
	}
	if got := strtof("1234567890123"); got != float64(float32(1234567890123)) {
		t.Fatalf("strtof %v", got)
	}
}
