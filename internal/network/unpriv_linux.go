package network

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/log"
)

// SetupUnprivileged configures the network of a container a non-root user
// starts, as LXC does for one: every veth device comes from lxc-user-nic
// (helper: the setuid-root program that creates the pair within the quota
// of lxc-usernet, puts the host end on the bridge and moves the other end
// into the container's namespace under its name), and is then configured
// inside the container (MAC, MTU, addresses, up, gateways) through
// nlsock, a NETLINK_ROUTE socket the container's stage-2 made in its
// namespace as root of its user namespace; the monitor itself may not
// enter that namespace. Other device types need privileges on the host a
// user does not have and are refused, as LXC refuses them. The devices
// disappear with the container's namespace, so teardown has nothing to
// delete.
func SetupUnprivileged(ctx *Context, helper string, nlsock *os.File) (_ *Devices, err error) {
	d := &Devices{ctx: ctx, log: ctx.Log, ns: -1, hostNS: -1}
	if d.log == nil {
		d.log = log.Discard()
	}
	defer func() {
		if err != nil {
			d.Teardown()
		}
	}()
	links, err := newFDLinks(nlsock)
	if err != nil {
		return nil, err
	}
	d.inside = links
	if d.host, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
		return nil, fmt.Errorf("netlink handle: %w", err)
	}
	d.closers.Add(d.host.Close)
	for _, c := range ctx.Config.Net {
		switch t := c.EffectiveType(); t {
		case "none":
			continue
		case "veth", "empty":
		default:
			return nil, fmt.Errorf("lxc.net.%d: networks of type %s are not supported by unprivileged containers (only veth, through lxc-user-nic)", c.Index, t)
		}
		n, err := d.prepare(c)
		if err != nil {
			return nil, fmt.Errorf("lxc.net.%d: %w", c.Index, err)
		}
		d.nics = append(d.nics, n)
	}
	// Devices with a fixed name first: a kernel-chosen eth%d must not
	// take a name another device asks for.
	for pass := 0; pass < 2; pass++ {
		for _, n := range d.nics {
			if n.typ != "veth" || kernelNamed(n) != (pass == 1) {
				continue
			}
			if err := d.userNIC(helper, n); err != nil {
				return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
			}
		}
	}
	for _, n := range d.nics {
		if n.cfg.ScriptUp != "" {
			if err := d.runScript(n, "up"); err != nil {
				return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
			}
			n.upRan = true
		}
	}
	for _, n := range d.nics {
		if n.typ == "veth" && n.mtu > 0 {
			l, err := links.LinkByName(n.transient)
			if err == nil {
				err = links.setLink(l, 0, 0, nl.NewRtAttr(unix.IFLA_MTU, nl.Uint32Attr(uint32(n.mtu))))
			}
			if err != nil {
				return nil, fmt.Errorf("lxc.net.%d: set MTU %d in the container: %w", n.cfg.Index, n.mtu, err)
			}
		}
		if err := d.setupInside(n); err != nil {
			return nil, fmt.Errorf("lxc.net.%d: %w", n.cfg.Index, err)
		}
	}
	d.devs = d.describe()
	return d, nil
}

// userNIC runs "lxc-user-nic create LXCPATH NAME PID veth LINK [NICNAME]"
// and records the names and index it reports
// ("NICNAME:IFINDEX:HOSTNIC:HOSTIFINDEX").
func (d *Devices) userNIC(helper string, n *nic) error {
	link := n.cfg.Link
	if link == "" {
		link = "none"
	}
	args := []string{"create", d.ctx.LXCPath, d.ctx.Name, strconv.Itoa(d.ctx.InitPID), "veth", link}
	if name := n.cfg.Name; name != "" {
		args = append(args, name)
	}
	if _, err := os.Stat(helper); err != nil {
		return fmt.Errorf("unprivileged containers get their veth devices from lxc-user-nic, and %s is missing: install golxc's (make install puts it there, setuid root) or set GOLXC_USER_NIC", helper)
	}
	cmd := exec.Command(helper, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	d.log.Infof("running %s %s", helper, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		msg = strings.TrimPrefix(msg, "lxc-user-nic: ")
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("lxc-user-nic failed to configure requested network: %s", msg)
	}
	f := strings.Split(strings.TrimSpace(out.String()), ":")
	if len(f) != 4 {
		return fmt.Errorf("unexpected output of lxc-user-nic: %q", out.String())
	}
	idx, err1 := strconv.Atoi(f[1])
	if err1 != nil || f[0] == "" || f[2] == "" {
		return fmt.Errorf("unexpected output of lxc-user-nic: %q", out.String())
	}
	n.transient, n.index, n.hostName, n.named = f[0], idx, f[2], true
	d.log.Infof("lxc.net.%d: lxc-user-nic made %s (container) and %s (host, on %s)", n.cfg.Index, f[0], f[2], link)
	return nil
}
