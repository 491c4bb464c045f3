package ctl

import (
	"bufio"
	"os"
	"sort"
	"strings"
)

// ActiveNames returns the names of containers of lxcpathDir whose command
// socket is bound, found in /proc/net/unix as LXC's lxc-ls --active does.
// Hashed socket names (very long paths) cannot be mapped back and are missed,
// as in LXC.
func ActiveNames(lxcpathDir string) []string {
	return ActiveNamesIn("/proc/net/unix", lxcpathDir)
}

// ActiveNamesIn is ActiveNames reading another network namespace's
// /proc/net/unix (lxc-ls --nesting looks into containers).
func ActiveNamesIn(unixFile, lxcpathDir string) []string {
	f, err := os.Open(unixFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	prefix := "@" + lxcpathDir + "/"
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 {
			continue
		}
		p := fields[len(fields)-1]
		if !strings.HasPrefix(p, prefix) || !strings.HasSuffix(p, "/command") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/command")
		if name != "" && !strings.Contains(name, "/") {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
