package network_test

// Every integration test of this package runs in a network namespace (and
// mount namespace) of its own: TestMain re-executes the test binary with
// CLONE_NEWNET|CLONE_NEWNS, mounts a sysfs of that namespace on /sys (with
// the host's cgroup hierarchies moved over, so containers still start) and
// runs the tests there. Bridges, veths and everything the containers make
// live and die with that namespace: nothing reaches the host's network even
// when a test fails or the binary is killed. Addresses come only from the
// documentation ranges 192.0.2.0/24 and 2001:db8::/32.

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// innerEnv marks the re-executed test binary running in its namespaces.
const innerEnv = "GOLXC_NETTEST_NETNS"

// testPrefix starts the name of every interface a test makes itself, so
// the outer process can tell if one ever appeared on the host.
const testPrefix = "gxt"

func TestMain(m *testing.M) {
	flag.Parse()
	switch {
	case os.Getenv(innerEnv) != "":
		if err := prepareNamespace(); err != nil {
			fmt.Fprintf(os.Stderr, "network tests: prepare namespace: %v\n", err)
			os.Exit(1)
		}
	case !testing.Short() && os.Geteuid() == 0:
		os.Exit(reexecInNamespace())
	}
	// -short or not root: unit tests run here, integration tests skip or
	// fail through testutil.Integration.
	os.Exit(m.Run())
}

// reexecInNamespace runs this test binary again in new network and mount
// namespaces and returns its exit code. It fails the run if an interface
// named like the tests' own ever shows up in the host's namespace.
func reexecInNamespace() int {
	before := hostLinkNames()
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Env = append(os.Environ(), innerEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNET | unix.CLONE_NEWNS,
		Pdeathsig:  syscall.SIGKILL,
	}
	code := 0
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			if code < 0 {
				code = 1
			}
		} else {
			fmt.Fprintf(os.Stderr, "network tests: run in a network namespace: %v\n", err)
			return 1
		}
	}
	for _, n := range hostLinkNames() {
		if strings.HasPrefix(n, testPrefix) && !contains(before, n) {
			fmt.Fprintf(os.Stderr, "network tests: interface %s leaked into the host's namespace\n", n)
			code = 1
		}
	}
	return code
}

func hostLinkNames() []string {
	ifs, _ := net.Interfaces()
	var out []string
	for _, i := range ifs {
		out = append(out, i.Name)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// prepareNamespace runs in the re-executed binary: mounts made here stay
// here, /sys becomes this namespace's sysfs (bridges made here are then
// visible under /sys/class/net, which real LXC checks), with the host's
// submounts of /sys (the cgroup hierarchies, securityfs...) carried over.
func prepareNamespace() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("make / a slave mount: %w", err)
	}
	subs, err := sysSubmounts()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "golxc-nettest-sys-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	held := map[string]string{}
	for i, s := range subs {
		dir := filepath.Join(tmp, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		if err := unix.Mount(s, dir, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("hold %s: %w", s, err)
		}
		held[s] = dir
	}
	if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount sysfs: %w", err)
	}
	for _, s := range subs {
		if err := unix.Mount(held[s], s, "", unix.MS_MOVE, ""); err != nil {
			// A submount whose directory this sysfs lacks is not needed.
			unix.Unmount(held[s], unix.MNT_DETACH)
			continue
		}
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(lo)
}

// sysSubmounts lists the mount points directly below the /sys mount.
func sysSubmounts() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type ent struct{ id, parent, point string }
	var ents []ent
	sysID := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 5 {
			continue
		}
		e := ent{fl[0], fl[1], fl[4]}
		ents = append(ents, e)
		if e.point == "/sys" {
			sysID = e.id
		}
	}
	var out []string
	for _, e := range ents {
		if sysID != "" && e.parent == sysID && strings.HasPrefix(e.point, "/sys/") {
			out = append(out, e.point)
		}
	}
	sort.Strings(out)
	return out, nil
}
