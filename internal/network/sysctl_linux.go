package network

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// procSysNet is where the per-namespace network sysctls live; /proc/sys/net
// shows the namespace of the thread that opens the file, and every monitor
// thread stays in the host's namespace, so these are the host's values.
var procSysNet = "/proc/sys/net"

func sysctlPath(family, ifname, key string) string {
	return filepath.Join(procSysNet, family, "conf", ifname, key)
}

func writeSysctl(family, ifname, key, value string) error {
	p := sysctlPath(family, ifname, key)
	if err := os.WriteFile(p, []byte(value), 0); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// sysctlIs reports whether the sysctl reads as want.
func sysctlIs(family, ifname, key, want string) bool {
	b, err := os.ReadFile(sysctlPath(family, ifname, key))
	return err == nil && strings.TrimSpace(string(b)) == want
}

// disableIPv6 turns IPv6 off on a bridged host-side veth (as incus does):
// the port only forwards frames, and without this it would get a
// link-local address and answer router advertisements on the host. A host
// without IPv6 has no such file, which is fine.
func disableIPv6(ifname string) error {
	p := sysctlPath("ipv6", ifname, "disable_ipv6")
	if _, err := os.Stat(p); err != nil {
		return nil
	}
	return writeSysctl("ipv6", ifname, "disable_ipv6", "1")
}
