package netaddr

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/config"
)

// readProc reads the interfaces and addresses of pid's network namespace
// from /proc/PID/net, for callers who may not enter that namespace (a
// user's own container: entering needs CAP_SYS_ADMIN in the caller's
// user namespace). Interfaces come from net/dev (lo included), IPv4
// addresses from the local routes of fib_trie (127/8, loopback's, left
// out), IPv6 addresses of global scope from if_inet6 (lo's left out);
// each list sorted.
func readProc(pid int) (ifaces, v4, v6 []string, err error) {
	base := fmt.Sprintf("/proc/%d/net/", pid)
	dev, err := os.Open(base + "dev")
	if err != nil {
		return nil, nil, nil, err
	}
	defer dev.Close()
	sc := bufio.NewScanner(dev)
	for sc.Scan() {
		if name, _, ok := strings.Cut(sc.Text(), ":"); ok {
			if n := strings.TrimSpace(name); n != "" && !strings.Contains(n, "|") {
				ifaces = append(ifaces, n)
			}
		}
	}
	v4 = localV4(base + "fib_trie")
	if f, err := os.Open(base + "if_inet6"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 6 || fl[5] == "lo" || fl[3] != "00" || len(fl[0]) != 32 {
				continue
			}
			ip := make(net.IP, 16)
			for i := 0; i < 16; i++ {
				b, _ := strconv.ParseUint(fl[0][2*i:2*i+2], 16, 8)
				ip[i] = byte(b)
			}
			if !ip.IsLinkLocalUnicast() {
				v6 = append(v6, config.InetNtop(ip))
			}
		}
	}
	sort.Strings(ifaces)
	sort.Strings(v4)
	sort.Strings(v6)
	return ifaces, v4, v6, nil
}

// localV4 returns the addresses fib_trie's Local table marks "/32 host
// LOCAL" (the namespace's own IPv4 addresses), without loopback's.
func localV4(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	lines := strings.Split(string(b), "\n")
	seen := map[string]bool{}
	var out []string
	inLocal := false
	for i, l := range lines {
		if l != "" && l[0] != ' ' {
			inLocal = strings.HasPrefix(l, "Local:")
			continue
		}
		t := strings.TrimSpace(l)
		if !inLocal || !strings.HasPrefix(t, "|-- ") || i+1 >= len(lines) {
			continue
		}
		if !strings.Contains(lines[i+1], "/32 host LOCAL") {
			continue
		}
		ip := net.ParseIP(strings.TrimPrefix(t, "|-- ")).To4()
		if ip == nil || ip[0] == 127 || seen[ip.String()] {
			continue
		}
		seen[ip.String()] = true
		out = append(out, ip.String())
	}
	return out
}
