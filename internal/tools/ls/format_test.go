package lstool

import (
	"bytes"
	"strings"
	"testing"
)

// The expected strings below are what LXC 5.0.2's ls_print_table and
// ls_print_fancy_format produce for the same data (widths from struct
// lengths, "%*.2fMB " for running RAM/SWAP, "%-*s   " for "-").
func TestTableRunning(t *testing.T) {
	es := []Entry{
		{Name: "c1", State: "RUNNING", Running: true, PID: 12345, RAM: 12.5, Swap: 0, Autostart: true,
			Groups: []string{"web", "db"}, Interfaces: []string{"eth0", "lo"}, IPv4: []string{"10.0.3.15"},
			IPv6: []string{"fd42::15"}, fancy: true},
		{Name: "stopped", State: "STOPPED", PID: -1, fancy: true},
		{Name: "nested", NestLevel: 1, State: "FROZEN", Running: true, PID: 7, RAM: 1024.25, Swap: 3, fancy: true},
	}
	var b bytes.Buffer
	printTable(&b, es, []string{"NAME", "STATE", "PID", "RAM", "SWAP", "AUTOSTART", "GROUPS", "INTERFACE", "IPV4", "IPV6", "UNPRIVILEGED"})
	want := strings.Join([]string{
		"NAME    STATE   PID   RAM       SWAP   AUTOSTART GROUPS  INTERFACE IPV4      IPV6     UNPRIVILEGED ",
		"c1      RUNNING 12345   12.50MB 0.00MB 1         web, db eth0, lo  10.0.3.15 fd42::15 false        ",
		"stopped STOPPED -     -         -      0         -       -         -         -        false        ",
		"\\nested FROZEN  7     1024.25MB 3.00MB 0         -       -         -         -        false        ",
		""}, "\n")
	if b.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestNamesWrap(t *testing.T) {
	es := []Entry{{Name: "a"}, {Name: "bb"}, {Name: "ccc"}, {Name: "dddddd"}, {Name: "e"}}
	var b bytes.Buffer
	printNames(&b, es, 20, false)
	// Column width 6; after each name LXC breaks the line when the next
	// name would reach the terminal width (len + 6 >= 20), else adds a space.
	want := "a      bb     ccc   \ndddddd e      \n"
	if b.String() != want {
		t.Errorf("got %q want %q", b.String(), want)
	}
	b.Reset()
	printNames(&b, es[:2], 0, false)
	if b.String() != "a   \nbb  \n" {
		t.Errorf("width 0: %q", b.String())
	}
}

func TestParseColumns(t *testing.T) {
	cols, bad := parseColumns(" name,,Ipv4 ,pid")
	if bad != "" || strings.Join(cols, ",") != "NAME,IPV4,PID" {
		t.Errorf("%v %q", cols, bad)
	}
	if _, bad := parseColumns("name,foo"); bad != "foo" {
		t.Errorf("bad = %q", bad)
	}
}
