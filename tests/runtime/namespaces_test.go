package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// nsLink is the namespace of kind a process is in ("net:[4026...]").
func nsLink(t *testing.T, pid int, kind string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// inNS runs a host command in the UTS, IPC and network namespaces of pid
// and returns its output.
func inNS(t *testing.T, pid int, cmd ...string) string {
	t.Helper()
	out, err := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(pid), "-u", "-i", "-n", "--"}, cmd...)...).Output()
	if err != nil {
		t.Fatalf("%v in the namespaces of %d: %v", cmd, pid, err)
	}
	return strings.TrimSpace(string(out))
}

// scratchStart starts a container through the scratch namespaces.
func scratchStart(t *testing.T, s *testutil.ScratchNS, p, n string, args ...string) testutil.Result {
	t.Helper()
	r := s.Run("lxc-start", append([]string{"-P", p, "-n", n}, args...)...)
	t.Cleanup(func() { s.Run("lxc-stop", "-P", p, "-n", n, "-k") })
	return r
}

func scratchInitPID(t *testing.T, s *testutil.ScratchNS, p, n string) int {
	t.Helper()
	r := s.Run("lxc-info", "-P", p, "-n", n, "-pH")
	pid, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
	if err != nil || pid < 2 {
		t.Fatalf("lxc-info -pH %s: %s", n, r)
	}
	return pid
}

// TestNetworkNeverInHostNamespace: network devices with a network
// namespace the container does not make (lxc.namespace.keep = net,
// lxc.namespace.clone without net) are refused before anything is made:
// exit 1, one line naming both keys, no device anywhere. Every start runs
// in a scratch network namespace, so even a regression could only build
// its veth there.
func TestNetworkNeverInHostNamespace(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		tool  []string
		want  string
	}{
		{"keep", []string{"lxc.namespace.keep = net"}, []string{"lxc-start"}, "lxc.namespace.keep = net keeps the host's"},
		{"keep-user-net", []string{"lxc.namespace.keep = user net"}, []string{"lxc-start", "-F"}, "lxc.namespace.keep = user net keeps the host's"},
		{"clone", []string{"lxc.namespace.clone = mnt pid uts ipc"}, []string{"lxc-start"}, "lxc.namespace.clone = mnt pid uts ipc does not include net"},
		{"execute", []string{"lxc.namespace.keep = net"}, []string{"lxc-execute"}, "lxc.namespace.keep = net keeps the host's"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := testutil.NewScratchNS(t)
			p, n := container(t, append(c.lines, "lxc.net.0.type = veth", "lxc.net.0.name = eth0", "lxc.init.cmd = /bin/udhcpc -n -q -t 1 -T 1 -i eth0")...)
			args := append(c.tool[1:], "-P", p, "-n", n)
			if c.tool[0] == "lxc-execute" {
				args = append(args, "--", "/bin/true")
			}
			r := s.Run(c.tool[0], args...)
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if r.Code != 1 || len(lines) != 1 || !strings.Contains(r.Stderr, "lxc.net.0.type = veth") || !strings.Contains(r.Stderr, c.want) {
				t.Errorf("%s: %s\nwant exit 1 and one line naming lxc.net.0.type and %q", c.tool[0], r, c.want)
			}
			if !strings.Contains(r.Stderr, filepath.Join(p, n, "config")+":") {
				t.Errorf("the line does not name the config file and line: %q", r.Stderr)
			}
			if links := s.Links(); strings.Join(links, " ") != "lo" {
				t.Errorf("network devices made although refused: %v", links)
			}
			if cg := testutil.CgroupsNamed(n); len(cg) > 0 {
				t.Errorf("cgroups made although refused: %v", cg)
			}
		})
	}
	// Type none alone is the host's network on purpose, as in LXC.
	t.Run("none", func(t *testing.T) {
		s := testutil.NewScratchNS(t)
		p, n := container(t, "lxc.net =", "lxc.net.0.type = none", "lxc.namespace.keep = net")
		if r := scratchStart(t, s, p, n); r.Code != 0 {
			t.Fatalf("lxc-start: %s", r)
		}
		if got, want := nsLink(t, scratchInitPID(t, s, p, n), "net"), s.NSLink("net"); got != want {
			t.Errorf("container network namespace %s, want the (scratch) host's %s", got, want)
		}
		// lxc-device has nothing to move into it: the host's interface
		// stays as it is (not taken down, not renamed).
		if r := testutil.RunCmd(t, s.Cmd("ip", "link", "add", "d0", "up", "type", "veth", "peer", "name", "d0p")); r.Code != 0 {
			t.Fatalf("ip link add: %s", r)
		}
		r := s.Run("lxc-device", "-P", p, "-n", n, "add", "d0", "d1")
		if r.Code != 1 || !strings.Contains(r.Stderr, "the container uses the host's network namespace") {
			t.Errorf("lxc-device add into the host's namespace: %s", r)
		}
		if links := strings.Join(s.Links(), " "); links != "lo d0p d0" && links != "lo d0 d0p" {
			t.Errorf("links after lxc-device: %s", links)
		}
		if out, _ := s.Cmd("ip", "-o", "link", "show", "d0").Output(); !strings.Contains(string(out), ",UP") {
			t.Errorf("lxc-device took the host's interface down: %s", out)
		}
	})
}

// TestShareNeverChangesTheSharedNamespace: a container joining another's
// UTS, IPC or network namespace (by name through -P, by pid, by
// lxcpath/name and through the config key) changes nothing in it: the
// other keeps its host name, its IPC and network sysctls, its network
// devices. The configuration's own settings for these namespaces are not
// applied, and the ones LXC would apply silently are named in a warning.
func TestShareNeverChangesTheSharedNamespace(t *testing.T) {
	s := testutil.NewScratchNS(t)
	p, a := container(t)
	if r := scratchStart(t, s, p, a); r.Code != 0 {
		t.Fatalf("start %s: %s", a, r)
	}
	apid := scratchInitPID(t, s, p, a)
	// Namespaced sysctls read through /proc show the reader's namespace:
	// read them from inside a's.
	sysctl := func(key string) string { return inNS(t, apid, "cat", "/proc/sys/"+strings.ReplaceAll(key, ".", "/")) }
	shmmax, fwd := sysctl("kernel.shmmax"), sysctl("net.ipv4.ip_forward")
	aLinks := inNS(t, apid, "ip", "-o", "link", "show")

	p2 := testutil.LXCPath(t)
	for _, c := range []struct {
		name, path string
		args       []string
	}{
		{"by-name", p, []string{"--share-uts=" + a, "--share-ipc=" + a, "--share-net=" + a}},
		{"by-pid", p, []string{"--share-uts=" + strconv.Itoa(apid), "--share-ipc=" + strconv.Itoa(apid), "--share-net=" + strconv.Itoa(apid)}},
		{"lxcpath/name", p2, []string{"--share-uts=" + p + "/" + a, "--share-ipc=" + p + "/" + a, "--share-net=" + p + "/" + a}},
		{"config", p2, []string{"-s", "lxc.namespace.share.uts=" + p + "/" + a, "-s", "lxc.namespace.share.ipc=" + p + "/" + a, "-s", "lxc.namespace.share.net=" + p + "/" + a}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := testutil.UniqueName("rt")
			testutil.BusyboxContainer(t, c.path, b, "lxc.net.0.type = veth", "lxc.sysctl.kernel.shmmax = 12345678", "lxc.sysctl.net.ipv4.ip_forward = 1")
			r := scratchStart(t, s, c.path, b, c.args...)
			if r.Code != 0 {
				t.Fatalf("start %s sharing with %s: %s", b, a, r)
			}
			for _, w := range []string{"lxc.net.0 (veth) is not set up", "lxc.sysctl.kernel.shmmax is not applied", "lxc.sysctl.net.ipv4.ip_forward is not applied"} {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("no warning %q: %s", w, r)
				}
			}
			bpid := scratchInitPID(t, s, c.path, b)
			for _, ns := range []string{"uts", "ipc", "net"} {
				if nsLink(t, bpid, ns) != nsLink(t, apid, ns) {
					t.Errorf("%s does not share the %s namespace of %s", b, ns, a)
				}
			}
			for _, ns := range []string{"mnt", "pid"} {
				if nsLink(t, bpid, ns) == nsLink(t, apid, ns) {
					t.Errorf("%s shares the %s namespace of %s unasked", b, ns, a)
				}
			}
			if h := sysctl("kernel.hostname"); h != a {
				t.Errorf("host name of %s became %q", a, h)
			}
			if v := sysctl("kernel.shmmax"); v != shmmax {
				t.Errorf("kernel.shmmax of %s changed from %s to %s", a, shmmax, v)
			}
			if v := sysctl("net.ipv4.ip_forward"); v != fwd {
				t.Errorf("net.ipv4.ip_forward of %s changed from %s to %s", a, fwd, v)
			}
			if l := inNS(t, apid, "ip", "-o", "link", "show"); l != aLinks {
				t.Errorf("network devices of %s changed:\n%s\nwas\n%s", a, l, aLinks)
			}
			if r := s.Run("lxc-stop", "-P", c.path, "-n", b, "-k"); r.Code != 0 {
				t.Errorf("stop %s: %s", b, r)
			}
			if r := s.Run("lxc-info", "-P", p, "-n", a, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
				t.Errorf("%s after %s stopped: %s", a, b, r)
			}
		})
	}
	t.Run("not-running", func(t *testing.T) {
		b := testutil.UniqueName("rt")
		testutil.BusyboxContainer(t, p2, b)
		r := scratchStart(t, s, p2, b, "--share-uts="+a)
		if r.Code != 1 || !strings.Contains(r.Stderr, `container "`+a+`" is not running (lxcpath `+p2+`)`) {
			t.Errorf("share with a container of another lxcpath named without it: %s", r)
		}
	})
}

// TestKeptNamespacesUntouched: with the host's UTS and IPC namespaces kept
// (lxc.namespace.keep), lxc.uts.name and IPC sysctls are not applied to
// the host, and a warning names them. The scratch namespaces stand for the
// host.
func TestKeptNamespacesUntouched(t *testing.T) {
	s := testutil.NewScratchNS(t)
	before := s.Hostname()
	p, n := container(t, "lxc.namespace.keep = uts ipc", "lxc.sysctl.kernel.msgmax = 4242")
	r := scratchStart(t, s, p, n)
	if r.Code != 0 {
		t.Fatalf("lxc-start: %s", r)
	}
	for _, w := range []string{"lxc.uts.name = " + n + " is not applied", "lxc.sysctl.kernel.msgmax is not applied"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("no warning %q: %s", w, r)
		}
	}
	if h := s.Hostname(); h != before {
		t.Errorf("the (scratch) host's name changed from %q to %q", before, h)
	}
	out, err := s.Cmd("cat", "/proc/sys/kernel/msgmax").Output()
	if err != nil || strings.TrimSpace(string(out)) == "4242" {
		t.Errorf("the (scratch) host's kernel.msgmax was set: %q %v", out, err)
	}
}

// TestSharePID: --share-pid and lxc.namespace.share.pid create the
// container's init in the other's PID namespace (not as its pid 1); it is
// stopped alone.
func TestSharePID(t *testing.T) {
	p, a := container(t)
	start(t, p, a)
	apid := initPID(t, p, a)
	for _, args := range [][]string{{"--share-pid=" + a}, {"-s", "lxc.namespace.share.pid=" + a}} {
		b := testutil.UniqueName("rt")
		testutil.BusyboxContainer(t, p, b)
		start(t, p, b, args...)
		bpid := initPID(t, p, b)
		if nsLink(t, bpid, "pid") != nsLink(t, apid, "pid") {
			t.Fatalf("%s is not in the PID namespace of %s", b, a)
		}
		st := readProc(t, bpid, "status")
		if strings.Contains(st, "NSpid:\t"+strconv.Itoa(bpid)+"\t1\n") {
			t.Errorf("%s's init is pid 1 of the shared namespace:\n%s", b, st)
		}
		ps := testutil.MustRun(t, "lxc-attach", "-P", p, "-n", a, "--", "ps", "-o", "pid,args")
		if strings.Count(ps.Stdout, "/bin/sleep 100000") != 2 {
			t.Errorf("%s does not see %s's init:\n%s", a, b, ps.Stdout)
		}
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", b, "-k")
		if r := testutil.Run(t, "lxc-info", "-P", p, "-n", a, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
			t.Errorf("%s after %s stopped: %s", a, b, r)
		}
	}
}

// TestTimeNamespaceOffsets: lxc.time.offset.boot and .monotonic give the
// container a time namespace with those offsets (init and lxc-attach see
// the shifted clocks); keeping the host's time namespace with offsets is
// refused, as LXC refuses it.
func TestTimeNamespaceOffsets(t *testing.T) {
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Fatal("the kernel has no time namespaces (CONFIG_TIME_NS)")
	}
	p, n := container(t, "lxc.time.offset.boot = 1000000s", "lxc.time.offset.monotonic = -1500ms")
	start(t, p, n)
	pid := initPID(t, p, n)
	if nsLink(t, pid, "time") == nsLink(t, os.Getpid(), "time") {
		t.Fatal("init is in the host's time namespace")
	}
	got := strings.Fields(readProc(t, pid, "timens_offsets"))
	if want := "monotonic -2 500000000 boottime 1000000 0"; strings.Join(got, " ") != want {
		t.Errorf("timens_offsets %q, want %q", got, want)
	}
	r := testutil.MustRun(t, "lxc-attach", "-P", p, "-n", n, "--", "cat", "/proc/uptime")
	if up, err := strconv.ParseFloat(strings.Fields(r.Stdout + " x")[0], 64); err != nil || up < 1000000 {
		t.Errorf("uptime inside %q, want at least 1000000 s", r.Stdout)
	}
	p2, n2 := container(t, "lxc.time.offset.boot = 1h", "lxc.namespace.keep = time")
	if r := testutil.Run(t, "lxc-start", "-P", p2, "-n", n2); r.Code != 1 || !strings.Contains(r.Stderr, "lxc.namespace.keep = time") {
		t.Errorf("offsets with the host's time namespace kept: %s", r)
	}
}

// TestShareMount: lxc.namespace.share.mnt joins the other container's
// mount namespace and mounts nothing in it (no rootfs, /dev, proc, ttys,
// pivot): its mount table is the same before, during and after; the
// container's console is a pty of the other's devpts.
func TestShareMount(t *testing.T) {
	p, a := container(t)
	start(t, p, a)
	apid := initPID(t, p, a)
	before := readProc(t, apid, "mountinfo")
	b := testutil.UniqueName("rt")
	testutil.BusyboxContainer(t, p, b, "lxc.namespace.share.mnt = "+a)
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", b)
	t.Cleanup(func() { testutil.Run(t, "lxc-stop", "-P", p, "-n", b, "-k") })
	if r.Code != 0 || !strings.Contains(r.Stderr, "lxc.rootfs.path, lxc.mount.*, lxc.tty.max not applied: lxc.namespace.share.mnt = "+a) {
		t.Fatalf("lxc-start sharing the mount namespace: %s", r)
	}
	bpid := initPID(t, p, b)
	if nsLink(t, bpid, "mnt") != nsLink(t, apid, "mnt") {
		t.Fatalf("%s is not in the mount namespace of %s", b, a)
	}
	if got := readProc(t, apid, "mountinfo"); got != before {
		t.Errorf("mount table of %s changed:\n%s\nwas\n%s", a, got, before)
	}
	if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", bpid)); !strings.HasPrefix(l, "/dev/pts/") {
		t.Errorf("init's stdin is %q, want a pty of the shared devpts", l)
	}
	if r := testutil.Run(t, "lxc-attach", "-P", p, "-n", b, "--", "hostname"); r.Code != 0 || strings.TrimSpace(r.Stdout) != b {
		t.Errorf("lxc-attach into %s: %s", b, r)
	}
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", b, "-k")
	if got := readProc(t, apid, "mountinfo"); got != before {
		t.Errorf("mount table of %s changed after %s stopped:\n%s", a, b, got)
	}
}

// nsOwner is the user namespace owning pid's namespace of kind.
func nsOwner(t *testing.T, pid int, kind string) string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_USERNS)
	if err != nil {
		t.Fatalf("NS_GET_USERNS of %s of %d: %v", kind, pid, err)
	}
	defer unix.Close(fd)
	l, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	return l
}

// idmappedContainer makes a busybox container with the usual test
// mapping, its rootfs owned by the mapped root.
func idmappedContainer(t *testing.T, p, n string, extra ...string) {
	t.Helper()
	testutil.BusyboxContainer(t, p, n, append([]string{"lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536"}, extra...)...)
	os.Chmod(p, 0o711)
	os.Chmod(filepath.Join(p, n), 0o711)
	filepath.Walk(filepath.Join(p, n, "rootfs"), func(path string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(path, 100000, 100000)
		}
		return nil
	})
}

// TestShareUser: lxc.namespace.share.user = A starts the container in A's
// user namespace, as LXC does: every namespace it makes belongs to A's
// user namespace (so its root has privilege over them), init is the
// namespace's root, nothing is written to A's id maps, and A runs on
// after it stops. With pid and net shared too, the other namespaces
// still come from inside A's user namespace.
func TestShareUser(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	a := testutil.UniqueName("rt")
	idmappedContainer(t, p, a)
	start(t, p, a)
	apid := initPID(t, p, a)
	auser := nsLink(t, apid, "user")
	amap := readProc(t, apid, "uid_map")
	for _, c := range []struct {
		extra  []string
		shared []string
	}{
		{[]string{"lxc.namespace.share.user = " + a}, []string{"user"}},
		{[]string{"lxc.namespace.share.user = " + a, "lxc.namespace.share.pid = " + a, "lxc.namespace.share.net = " + a}, []string{"user", "pid", "net"}},
	} {
		b := testutil.UniqueName("rt")
		idmappedContainer(t, p, b, c.extra...)
		start(t, p, b)
		bpid := initPID(t, p, b)
		for _, k := range []string{"user", "pid", "net", "mnt", "uts", "ipc"} {
			shared := strings.Contains(strings.Join(c.shared, " "), k)
			if same := nsLink(t, bpid, k) == nsLink(t, apid, k); same != shared {
				t.Errorf("%v: %s namespace shared with %s: %v, want %v", c.extra, k, a, same, shared)
			}
			if k != "user" && !shared {
				if o := nsOwner(t, bpid, k); o != auser {
					t.Errorf("%v: %s's %s namespace belongs to %s, want %s (%s's)", c.extra, b, k, o, auser, a)
				}
			}
		}
		if st := readProc(t, bpid, "status"); !strings.Contains(st, "Uid:\t100000\t100000\t100000\t100000") {
			t.Errorf("%v: init does not run as the namespace's root:\n%s", c.extra, st)
		}
		r := testutil.MustRun(t, "lxc-attach", "-P", p, "-n", b, "--", "/bin/sh", "-c", "id -u; grep -c ' /proc proc ' /proc/mounts; hostname")
		if got := strings.Fields(r.Stdout); len(got) != 3 || got[0] != "0" || got[1] != "1" || got[2] != b {
			t.Errorf("%v: in %s: id -u, proc mounts, hostname = %q", c.extra, b, r.Stdout)
		}
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", b, "-k")
		if r := testutil.Run(t, "lxc-info", "-P", p, "-n", a, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
			t.Errorf("%s after %s stopped: %s", a, b, r)
		}
		if m := readProc(t, apid, "uid_map"); m != amap {
			t.Errorf("%s's uid_map changed: %q, was %q", a, m, amap)
		}
	}
}
