package lstool

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Entry is one container as lxc-ls shows it.
type Entry struct {
	Name         string   `json:"name"`
	Parent       string   `json:"parent,omitempty"` // nesting: the enclosing container's name path
	NestLevel    int      `json:"nesting_level"`
	State        string   `json:"state"`
	Running      bool     `json:"running"`
	PID          int      `json:"pid"` // -1 when not running
	RAM          float64  `json:"ram_mib"`
	Swap         float64  `json:"swap_mib"`
	Autostart    bool     `json:"autostart"`
	Groups       []string `json:"groups"`
	Interfaces   []string `json:"interfaces"`
	IPv4         []string `json:"ipv4"`
	IPv6         []string `json:"ipv6"`
	Unprivileged bool     `json:"unprivileged"`
	// fancy is set when the fancy fields were gathered (LXC leaves them
	// unset otherwise, and prints "-").
	fancy bool
}

func joinOrNil(v []string) *string {
	if len(v) == 0 {
		return nil
	}
	s := strings.Join(v, ", ")
	return &s
}

// widths are LXC's column widths (struct lengths), starting from the
// header lengths.
type widths struct {
	name, state, groups, iface, ipv4, ipv6, pid, ram, swap, autostart, unpriv int
}

// column is the width of column c's cells: RAM and SWAP numbers are
// followed by "MB".
func (w widths) column(c string) int {
	switch c {
	case "NAME":
		return w.name
	case "STATE":
		return w.state
	case "PID":
		return w.pid
	case "RAM":
		return w.ram + 2
	case "SWAP":
		return w.swap + 2
	case "AUTOSTART":
		return w.autostart
	case "GROUPS":
		return w.groups
	case "INTERFACE":
		return w.iface
	case "IPV4":
		return w.ipv4
	case "IPV6":
		return w.ipv6
	case "UNPRIVILEGED":
		return w.unpriv
	}
	return 0
}

func fieldWidths(es []Entry) widths {
	w := widths{name: 4, state: 5, groups: 6, iface: 9, ipv4: 4, ipv6: 4, pid: 3, ram: 3, swap: 4, autostart: 9, unpriv: 12}
	max := func(p *int, n int) {
		if n > *p {
			*p = n
		}
	}
	for _, e := range es {
		max(&w.name, len(e.Name)+e.NestLevel)
		if e.fancy {
			max(&w.state, len(e.State))
		}
		if s := joinOrNil(e.Interfaces); s != nil {
			max(&w.iface, len(*s))
		}
		if s := joinOrNil(e.Groups); s != nil {
			max(&w.groups, len(*s))
		}
		if s := joinOrNil(e.IPv4); s != nil {
			max(&w.ipv4, len(*s))
		}
		if s := joinOrNil(e.IPv6); s != nil {
			max(&w.ipv6, len(*s))
		}
		max(&w.ram, len(fmt.Sprintf("%.2f", e.RAM)))
		max(&w.swap, len(fmt.Sprintf("%.2f", e.Swap)))
		if e.PID != -1 {
			max(&w.pid, len(fmt.Sprintf("%d", e.PID)))
		}
	}
	return w
}

func dash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// printNames is the plain output: names padded to the widest (minimum 4),
// wrapped at the terminal width; width 0 (not a terminal) puts each padded
// name on its own line. line (-1) prints bare names.
func printNames(w io.Writer, es []Entry, termWidth int, line bool) {
	if len(es) == 0 {
		return
	}
	wd := fieldWidths(es)
	n := 0
	for _, e := range es {
		if line {
			fmt.Fprintf(w, "%s\n", e.Name)
			continue
		}
		fmt.Fprintf(w, "%-*s", wd.name, e.Name)
		n += wd.name
		if n+wd.name >= termWidth {
			fmt.Fprint(w, "\n")
			n = 0
		} else {
			fmt.Fprint(w, " ")
			n++
		}
	}
	if n > 0 {
		fmt.Fprint(w, "\n")
	}
}

// Columns lxc-ls -F accepts.
var validColumns = []string{"NAME", "STATE", "PID", "RAM", "SWAP", "AUTOSTART", "GROUPS", "INTERFACE", "IPV4", "IPV6", "UNPRIVILEGED"}

// DefaultColumns is the -f table.
var defaultColumns = []string{"NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6", "UNPRIVILEGED"}

// parseColumns splits -F like lxc_string_split_and_trim (',' separated,
// blanks trimmed, empty parts dropped) and checks the names.
func parseColumns(spec string) ([]string, string) {
	var cols []string
	for _, c := range strings.Split(spec, ",") {
		c = strings.Trim(c, " \t\n")
		if c == "" {
			continue
		}
		ok := false
		for _, v := range validColumns {
			if strings.EqualFold(c, v) {
				ok = true
			}
		}
		if !ok {
			return nil, c
		}
		cols = append(cols, strings.ToUpper(c))
	}
	return cols, ""
}

// printTable is -f / -F: every cell left-justified and followed by one
// space (so lines end in a space), RAM/SWAP right-aligned numbers.
func printTable(w io.Writer, es []Entry, cols []string) {
	if len(es) == 0 {
		return
	}
	wd := fieldWidths(es)
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%-*s ", wd.column(c), c)
	}
	b.WriteString("\n")
	for _, e := range es {
		for _, c := range cols {
			switch c {
			case "NAME":
				if e.NestLevel > 0 {
					fmt.Fprintf(&b, "%*s", e.NestLevel, "\\")
					fmt.Fprintf(&b, "%-*s ", wd.name-e.NestLevel, e.Name)
				} else {
					fmt.Fprintf(&b, "%-*s ", wd.name, e.Name)
				}
			case "STATE":
				st := "-"
				if e.fancy {
					st = e.State
				}
				fmt.Fprintf(&b, "%-*s ", wd.state, st)
			case "PID":
				if e.PID > 0 {
					fmt.Fprintf(&b, "%-*d ", wd.pid, e.PID)
				} else {
					fmt.Fprintf(&b, "%-*s ", wd.pid, "-")
				}
			case "RAM":
				if e.RAM >= 0 && e.Running {
					fmt.Fprintf(&b, "%*.2fMB ", wd.ram, e.RAM)
				} else {
					fmt.Fprintf(&b, "%-*s   ", wd.ram, "-")
				}
			case "SWAP":
				if e.Swap >= 0 && e.Running {
					fmt.Fprintf(&b, "%*.2fMB ", wd.swap, e.Swap)
				} else {
					fmt.Fprintf(&b, "%-*s   ", wd.swap, "-")
				}
			case "AUTOSTART":
				a := 0
				if e.Autostart {
					a = 1
				}
				fmt.Fprintf(&b, "%-*d ", wd.autostart, a)
			case "GROUPS":
				fmt.Fprintf(&b, "%-*s ", wd.groups, dash(joinOrNil(e.Groups)))
			case "INTERFACE":
				fmt.Fprintf(&b, "%-*s ", wd.iface, dash(joinOrNil(e.Interfaces)))
			case "IPV4":
				fmt.Fprintf(&b, "%-*s ", wd.ipv4, dash(joinOrNil(e.IPv4)))
			case "IPV6":
				fmt.Fprintf(&b, "%-*s ", wd.ipv6, dash(joinOrNil(e.IPv6)))
			case "UNPRIVILEGED":
				u := "false"
				if e.Unprivileged {
					u = "true"
				}
				fmt.Fprintf(&b, "%-*s ", wd.unpriv, u)
			}
		}
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}

// printJSON is --format json (golxc): one array of objects, every field
// always present (empty lists as [], pid -1 and ram/swap 0 when stopped).
func printJSON(w io.Writer, es []Entry) error {
	out := make([]Entry, len(es))
	for i, e := range es {
		for _, l := range []*[]string{&e.Groups, &e.Interfaces, &e.IPv4, &e.IPv6} {
			if *l == nil {
				*l = []string{}
			}
		}
		out[i] = e
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
