package devicetool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/spf13/pflag"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
)

func flags(f *pflag.FlagSet) {}

// run adds or removes a host device in a running container: a network
// interface is moved into (or out of) the container's network namespace,
// any other device node is recreated inside its /dev (and allowed in the
// v1 devices cgroup), as LXC's lxc-device does.
func run(x *cli.Ctx) error {
	if os.Geteuid() != 0 {
		return x.Errorf("lxc-device must be run as root")
	}
	if len(x.Args) < 1 {
		return x.Errorf("Error: no command given (Please see --help output)")
	}
	action := x.Args[0]
	if len(x.Args) < 2 {
		return x.Errorf("Error: no command given (Please see --help output)")
	}
	dev := x.Args[1]
	dst := dev
	if len(x.Args) > 2 {
		dst = x.Args[2]
	}
	add := strings.HasPrefix("add", action)
	del := strings.HasPrefix("del", action)
	if action == "" || (!add && !del) {
		return x.Errorf("Error: Please use add or del (Please see --help output)")
	}
	if !ctl.IsRunning(x.LXCPath, x.Name) {
		return x.Errorf("Container %s is not running", x.Name)
	}
	pid, err := ctl.InitPID(x.LXCPath, x.Name)
	if err != nil {
		return x.Errorf("Container %s is not running", x.Name)
	}
	if isNetDev(dev, add, pid) {
		err = moveNetDev(dev, dst, pid, add)
	} else {
		err = nodeDev(x, dev, dst, pid, add)
	}
	if err != nil {
		verb := "add"
		prep := "to"
		if del {
			verb, prep = "del", "from"
		}
		x.Log.Debugf("%v", err)
		return x.Errorf("Failed to %s %s %s %s: %v", verb, dev, prep, x.Name, err)
	}
	return nil
}

func isNetDev(name string, add bool, pid int) bool {
	if add {
		_, err := netlink.LinkByName(name)
		return err == nil
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return false
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return false
	}
	defer h.Close()
	_, err = h.LinkByName(name)
	return err == nil
}

// moveNetDev moves a link between the host and the container namespace,
// renaming it to dst on the way in, back to its name on the way out.
func moveNetDev(src, dst string, pid int, add bool) error {
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("open network namespace: %w", err)
	}
	defer ns.Close()
	// A container in our own network namespace (lxc.net type none,
	// lxc.namespace.keep = net) has nothing to move into: "moving" would
	// only take the host's interface down and rename it.
	if own, err := netns.Get(); err == nil {
		same := own.Equal(ns)
		own.Close()
		if same {
			return errors.New("the container uses the host's network namespace")
		}
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	if add {
		l, err := netlink.LinkByName(src)
		if err != nil {
			return err
		}
		netlink.LinkSetDown(l)
		if err := netlink.LinkSetNsFd(l, int(ns)); err != nil {
			return fmt.Errorf("move %s into the container: %w", src, err)
		}
		l, err = h.LinkByName(src)
		if err != nil {
			return err
		}
		if dst != src {
			if err := h.LinkSetName(l, dst); err != nil {
				return fmt.Errorf("rename %s to %s: %w", src, dst, err)
			}
		}
		return h.LinkSetUp(l)
	}
	l, err := h.LinkByName(src)
	if err != nil {
		return err
	}
	h.LinkSetDown(l)
	if dst != src {
		if err := h.LinkSetName(l, dst); err != nil {
			return err
		}
	}
	host, err := netns.GetFromPid(1)
	if err != nil {
		return err
	}
	defer host.Close()
	return h.LinkSetNsFd(l, int(host))
}

// nodeDev creates (or removes) a copy of the host node dev at dst inside the
// container, resolved in the container's root so a symlink there cannot
// redirect it to the host.
func nodeDev(x *cli.Ctx, dev, dst string, pid int, add bool) error {
	if !strings.HasPrefix(dst, "/") {
		dst = "/dev/" + dst
	}
	root, err := os.OpenFile(fmt.Sprintf("/proc/%d/root", pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	dir, err := pathrs.MkdirAllHandle(root, filepath.Dir(dst), 0o755)
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	defer dir.Close()
	if !add {
		return unix.Unlinkat(int(dir.Fd()), filepath.Base(dst), 0)
	}
	var st unix.Stat_t
	if err := unix.Stat(dev, &st); err != nil {
		return err
	}
	kind := st.Mode & unix.S_IFMT
	if kind != unix.S_IFCHR && kind != unix.S_IFBLK {
		return fmt.Errorf("%s is neither a device node nor a network interface", dev)
	}
	// Allow it in the v1 devices cgroup (on cgroup2 the container's device
	// program cannot be widened; LXC has the same limit on hybrid hosts).
	if resp, err := ctl.Simple(x.LXCPath, x.Name, ctl.Request{Cmd: ctl.CmdCgroupPaths}); err == nil {
		if p := resp.Paths["devices"]; p != "" {
			t := "c"
			if kind == unix.S_IFBLK {
				t = "b"
			}
			rule := fmt.Sprintf("%s %d:%d rwm", t, unix.Major(st.Rdev), unix.Minor(st.Rdev))
			if err := os.WriteFile(filepath.Join(p, "devices.allow"), []byte(rule), 0); err != nil {
				return fmt.Errorf("allow %s in the devices cgroup: %w", rule, err)
			}
		}
	}
	old := unix.Umask(0)
	defer unix.Umask(old)
	if err := unix.Mknodat(int(dir.Fd()), filepath.Base(dst), st.Mode, int(st.Rdev)); err != nil {
		return fmt.Errorf("mknod %s: %w", dst, err)
	}
	return nil
}
