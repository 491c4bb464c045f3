package network_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/testutil"
)

// netTest marks an integration test and makes sure it runs in the
// namespace TestMain made; it also fails the test if any interface it did
// not start with is still there at the end (run last: it is registered
// first), and removes it.
func netTest(t *testing.T) {
	t.Helper()
	testutil.Integration(t)
	if os.Getenv(innerEnv) == "" {
		t.Fatal("network integration tests must run in the namespace TestMain makes")
	}
	before := linkNames(t)
	t.Cleanup(func() {
		for _, n := range linkNames(t) {
			if !contains(before, n) {
				t.Errorf("interface %s left behind", n)
				if l, err := netlink.LinkByName(n); err == nil {
					netlink.LinkDel(l)
				}
			}
		}
	})
}

func linkNames(t *testing.T) []string {
	t.Helper()
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatalf("list links: %v", err)
	}
	var out []string
	for _, l := range links {
		out = append(out, l.Attrs().Name)
	}
	sort.Strings(out)
	return out
}

// uniq returns a short interface name with the tests' prefix.
func uniq(tag string) string {
	return testPrefix + tag + testutil.UniqueName("")[:4]
}

// bridge makes an up Linux bridge with the given addresses, removed at
// the end of the test.
func bridge(t *testing.T, addrs ...string) string {
	t.Helper()
	name := uniq("br")
	la := netlink.NewLinkAttrs()
	la.Name = name
	br := &netlink.Bridge{LinkAttrs: la}
	if err := netlink.LinkAdd(br); err != nil {
		t.Fatalf("create bridge %s: %v", name, err)
	}
	t.Cleanup(func() { netlink.LinkDel(br) })
	for _, a := range addrs {
		addAddr(t, name, a)
	}
	up(t, name)
	return name
}

// vethPair makes a veth pair in the test namespace, removed at the end.
func vethPair(t *testing.T) (string, string) {
	t.Helper()
	a, b := uniq("a"), uniq("b")
	la := netlink.NewLinkAttrs()
	la.Name = a
	v := &netlink.Veth{LinkAttrs: la, PeerName: b, PeerTxQLen: -1}
	if err := netlink.LinkAdd(v); err != nil {
		t.Fatalf("create veth %s/%s: %v", a, b, err)
	}
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(a); err == nil {
			netlink.LinkDel(l)
		} else if l, err := netlink.LinkByName(b); err == nil {
			netlink.LinkDel(l)
		}
	})
	return a, b
}

func link(t *testing.T, name string) netlink.Link {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatalf("link %s: %v", name, err)
	}
	return l
}

func up(t *testing.T, name string) {
	t.Helper()
	if err := netlink.LinkSetUp(link(t, name)); err != nil {
		t.Fatalf("set %s up: %v", name, err)
	}
}

func addAddr(t *testing.T, name, cidr string) {
	t.Helper()
	a, err := netlink.ParseAddr(cidr)
	if err != nil {
		t.Fatal(err)
	}
	if a.IP.To4() == nil {
		a.Flags = 0x02 // IFA_F_NODAD: the host end is ready at once
	}
	if err := netlink.AddrAdd(link(t, name), a); err != nil {
		t.Fatalf("add %s to %s: %v", cidr, name, err)
	}
}

func sysctl(t *testing.T, path, value string) {
	t.Helper()
	if err := os.WriteFile("/proc/sys/net/"+path, []byte(value), 0); err != nil {
		t.Fatal(err)
	}
}

// ctr is one busybox container of a test.
type ctr struct {
	t    *testing.T
	path string
	name string
}

// newCtr defines a busybox container whose network config is exactly
// lines (the helper's default lxc.net.0 = empty is cleared).
func newCtr(t *testing.T, lxcpath string, lines ...string) *ctr {
	t.Helper()
	c := &ctr{t: t, path: lxcpath, name: testutil.UniqueName("n")}
	testutil.BusyboxContainer(t, lxcpath, c.name, append([]string{"lxc.net ="}, lines...)...)
	return c
}

func (c *ctr) start() {
	c.t.Helper()
	testutil.MustRun(c.t, "lxc-start", "-P", c.path, "-n", c.name)
	c.t.Cleanup(func() { testutil.Run(c.t, "lxc-stop", "-P", c.path, "-n", c.name, "-k") })
}

// startFails starts the container, expects it to fail and returns stderr.
func (c *ctr) startFails() string {
	c.t.Helper()
	r := testutil.Run(c.t, "lxc-start", "-P", c.path, "-n", c.name)
	if r.Code == 0 {
		testutil.Run(c.t, "lxc-stop", "-P", c.path, "-n", c.name, "-k")
		c.t.Fatalf("lxc-start succeeded, want a failure")
	}
	return r.Stderr
}

func (c *ctr) stop() {
	c.t.Helper()
	testutil.MustRun(c.t, "lxc-stop", "-P", c.path, "-n", c.name, "-k")
}

func (c *ctr) pid() int {
	c.t.Helper()
	pid, err := ctl.InitPID(c.path, c.name)
	if err != nil {
		c.t.Fatalf("init pid of %s: %v", c.name, err)
	}
	return pid
}

// info is what the monitor reports for lxc-info / lxc-ls.
func (c *ctr) info() []ctl.NetDev {
	c.t.Helper()
	r, err := ctl.Simple(c.path, c.name, ctl.Request{Cmd: ctl.CmdNetInfo})
	if err != nil {
		c.t.Fatalf("net info of %s: %v", c.name, err)
	}
	return r.Net
}

// handle opens a netlink handle in the container's network namespace.
func (c *ctr) handle() *netlink.Handle {
	c.t.Helper()
	return handleOf(c.t, c.pid())
}

func handleOf(t *testing.T, pid int) *netlink.Handle {
	t.Helper()
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		t.Fatalf("netns of %d: %v", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatalf("netlink handle in netns of %d: %v", pid, err)
	}
	t.Cleanup(h.Close)
	return h
}

// exec runs a command inside the container (all its namespaces and root).
func (c *ctr) exec(args ...string) (string, error) {
	c.t.Helper()
	full := append([]string{"-t", fmt.Sprint(c.pid()), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--"}, args...)
	out, err := exec.Command("nsenter", full...).CombinedOutput()
	return string(out), err
}

// ping pings addr from inside the container.
func (c *ctr) ping(addr string) {
	c.t.Helper()
	fam := "-4"
	if strings.Contains(addr, ":") {
		fam = "-6"
	}
	out, err := c.exec("/bin/busybox", "ping", fam, "-c", "2", "-W", "5", addr)
	if err != nil {
		c.t.Errorf("ping %s from %s: %v\n%s", addr, c.name, err, out)
	}
}

// waitDAD waits until no address of the container is tentative, so IPv6
// traffic can use them.
func (c *ctr) waitDAD() {
	c.t.Helper()
	h := c.handle()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		addrs, err := h.AddrList(nil, netlink.FAMILY_V6)
		if err != nil {
			c.t.Fatal(err)
		}
		tentative := false
		for _, a := range addrs {
			if a.Flags&0x40 != 0 { // IFA_F_TENTATIVE
				tentative = true
			}
		}
		if !tentative {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("addresses of %s still tentative", c.name)
}

// linkIn finds a device in the container.
func (c *ctr) linkIn(name string) netlink.Link {
	c.t.Helper()
	l, err := c.handle().LinkByName(name)
	if err != nil {
		c.t.Fatalf("%s in container %s: %v", name, c.name, err)
	}
	return l
}

// addrsOf lists "ADDR/PREFIX" of a device (handle nil: test namespace).
func addrsOf(t *testing.T, h *netlink.Handle, l netlink.Link) []string {
	t.Helper()
	if h == nil {
		h = &netlink.Handle{}
	}
	as, err := h.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.IPNet.String())
	}
	return out
}

func mustCIDR(s string) *net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

// execOut runs a host command and returns its standard output.
func execOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}

// isDefault reports a default route (netlink shows it with a nil or a
// zero-length Dst depending on the version).
func isDefault(r netlink.Route) bool {
	if r.Dst == nil {
		return true
	}
	ones, _ := r.Dst.Mask.Size()
	return ones == 0
}
