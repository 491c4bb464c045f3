package config

import (
	"errors"
	"fmt"
)

// IDMapLine is one effective lxc.idmap entry and the line that set it.
type IDMapLine struct {
	Map IDMap
	Src Source
}

// IDMapLines returns the effective lxc.idmap entries with their sources
// (an empty lxc.idmap clears the ones before it, as at load).
func (c *Container) IDMapLines() []IDMapLine {
	var out []IDMapLine
	for _, it := range c.Items {
		if it.Key != "lxc.idmap" {
			continue
		}
		if it.Value == "" {
			out = nil
			continue
		}
		if m, err := parseIDMap(it.Value); err == nil {
			out = append(out, IDMapLine{Map: m, Src: it.Src})
		}
	}
	return out
}

// CheckIDMaps refuses id maps the kernel would refuse when the container
// starts (with an error that does not say why): a range of 0, a range
// that runs past 2^32, two ranges of one kind that overlap, and maps
// without the container's root. Each error names the file, line and key.
// LXC loads such lines (lxc-info shows them); they fail only the start.
func (c *Container) CheckIDMaps() error {
	lines := c.IDMapLines()
	if len(lines) == 0 {
		return nil
	}
	bad := func(l IDMapLine, format string, args ...any) error {
		return &ParseError{File: l.Src.File, Line: l.Src.Line, Key: "lxc.idmap", Err: fmt.Errorf(format, args...), Value: l.Map.String()}
	}
	const top = uint64(1) << 32
	root := map[byte]bool{}
	for i, l := range lines {
		m := l.Map
		switch {
		case m.Range == 0:
			return bad(l, "%q maps no id: the range (last number) is 0", m.String())
		case uint64(m.NSID)+uint64(m.Range) > top:
			return bad(l, "%q: container ids %d + %d run past 4294967295", m.String(), m.NSID, m.Range)
		case uint64(m.HostID)+uint64(m.Range) > top:
			return bad(l, "%q: host ids %d + %d run past 4294967295", m.String(), m.HostID, m.Range)
		}
		for _, o := range lines[:i] {
			if o.Map.Kind != m.Kind {
				continue
			}
			if overlaps(o.Map.NSID, o.Map.Range, m.NSID, m.Range) {
				return bad(l, "%q: its container ids overlap those of %q (%s)", m.String(), o.Map.String(), o.Src)
			}
			if overlaps(o.Map.HostID, o.Map.Range, m.HostID, m.Range) {
				return bad(l, "%q: its host ids overlap those of %q (%s)", m.String(), o.Map.String(), o.Src)
			}
		}
		if m.NSID == 0 {
			root[m.Kind] = true
		}
	}
	for _, k := range []byte{'u', 'g'} {
		if !root[k] {
			what := map[byte]string{'u': "uid", 'g': "gid"}[k]
			return &ParseError{File: lines[0].Src.File, Line: lines[0].Src.Line, Key: "lxc.idmap",
				Err: errors.New("no entry maps the container's root " + what + " 0 (add lxc.idmap = " + string(k) + " 0 HOSTID RANGE)")}
		}
	}
	return nil
}

func overlaps(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}
