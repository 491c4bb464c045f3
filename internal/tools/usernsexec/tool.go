// Package usernsexectool implements lxc-usernsexec: run a command as root
// (or -u/-g) of a new user namespace, with its own mount namespace, mapped
// from -m options or the caller's first /etc/subuid and /etc/subgid
// ranges.
package usernsexectool

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/quote"
)

// Tool is lxc-usernsexec. It parses its own arguments, as LXC's does.
var Tool = &cli.Tool{
	Name:   "lxc-usernsexec",
	Short:  "run a command as root of a new user namespace",
	Help:   strings.TrimPrefix(fmt.Sprintf(usageText, "lxc-usernsexec"), "usage: "),
	Custom: true,
	Run:    run,
}

// usageText is LXC 5.0.2's usage (printf'd to stdout, "%s" = argv[0]),
// byte for byte; the -u/-g options of LXC 6.0 are accepted but, as in
// 5.0.2's text, not listed.
const usageText = `usage: %s [-h] [-m <uid-maps>] [-s] -- [command [arg ..]]

  -h            this message

  -m <uid-maps> uid maps to use

  -s:           map self
  uid-maps: [u|g|b]:ns_id:host_id:range
            [u|g|b]: map user id, group id, or both
            ns_id: the base id in the new namespace
            host_id: the base id in the parent namespace
            range: how many ids to map
  Note: This program uses newuidmap(2) and newgidmap(2).
        As such, /etc/subuid and /etc/subgid must grant the
        calling user permission to use the mapped ranges
`

// idMap is one uid or gid range.
type idMap struct {
	kind         byte // 'u' or 'g'
	nsID, hostID int64
	count        int64
}

// options is the parsed command line.
type options struct {
	maps     []idMap
	mapSelf  bool
	uid, gid int
	help     bool
	argv     []string
}

// errUsage makes the caller print the usage and exit 1.
var errUsage = errors.New("usage")

// parseArgs parses like getopt("m:hsu:g:") with GNU permutation: options
// may follow operands until "--". The -u/-g of LXC 6.0 are included.
func parseArgs(prog string, args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.argv = append(o.argv, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			o.argv = append(o.argv, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			switch c {
			case 'h':
				o.help = true
				return o, nil
			case 's':
				o.mapSelf = true
				continue
			case 'm', 'u', 'g':
			default:
				fmt.Fprintf(stderr, "%s: invalid option -- '%c'\n", prog, c)
				return nil, errUsage
			}
			// An option with an argument: the rest of this word or the next.
			val := a[j+1:]
			if val == "" {
				if i+1 >= len(args) {
					fmt.Fprintf(stderr, "%s: option requires an argument -- '%c'\n", prog, c)
					return nil, errUsage
				}
				i++
				val = args[i]
			}
			if err := o.set(c, val); err != nil {
				return nil, errUsage
			}
			break
		}
	}
	return o, nil
}

func (o *options) set(c byte, val string) error {
	switch c {
	case 'm':
		maps, err := parseMap(val)
		if err != nil {
			return err
		}
		o.maps = append(o.maps, maps...)
	case 'u', 'g':
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return err
		}
		if c == 'u' {
			o.uid = int(n)
		} else {
			o.gid = int(n)
		}
	}
	return nil
}

// parseMap reads "[u|g|b]:NSID:HOSTID:RANGE"; b gives a uid and a gid map.
func parseMap(s string) ([]idMap, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 || len(parts[0]) != 1 || !strings.Contains("ugb", parts[0]) {
		return nil, fmt.Errorf("invalid map %s", quote.Short(s))
	}
	var n [3]int64
	for i, p := range parts[1:] {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("invalid map %s", quote.Short(s))
		}
		n[i] = v
	}
	var out []idMap
	for _, k := range []byte{'u', 'g'} {
		if parts[0][0] == k || parts[0][0] == 'b' {
			out = append(out, idMap{kind: k, nsID: n[0], hostID: n[1], count: n[2]})
		}
	}
	return out, nil
}

// defaultMap reads the first range of user in a subuid/subgid file and
// maps it at 0, as LXC's read_default_map.
func defaultMap(path, user string, kind byte) (idMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return idMap{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) != 3 || fields[0] != user {
			continue
		}
		start, err1 := strconv.ParseUint(fields[1], 10, 32)
		count, err2 := strconv.ParseUint(fields[2], 10, 32)
		if err1 != nil || err2 != nil {
			return idMap{}, fmt.Errorf("bad entry for %s in %s", user, path)
		}
		return idMap{kind: kind, nsID: 0, hostID: int64(start), count: int64(count)}, nil
	}
	return idMap{}, fmt.Errorf("no entry for %s in %s", user, path)
}

// mapSelf appends the caller's uid and gid after the ranges that cover
// the lowest ids, as LXC's do_map_self.
func mapSelf(maps []idMap, uid, gid int) []idMap {
	var nsuid, nsgid int64
	for _, m := range maps {
		switch {
		case m.kind == 'u' && nsuid >= m.nsID && nsuid < m.nsID+m.count:
			nsuid += m.count
		case m.kind == 'g' && nsgid >= m.nsID && nsgid < m.nsID+m.count:
			nsgid += m.count
		}
	}
	return append(maps, idMap{kind: 'g', nsID: nsgid, hostID: int64(gid), count: 1},
		idMap{kind: 'u', nsID: nsuid, hostID: int64(uid), count: 1})
}
