// Package network configures a container's lxc.net.N devices from the
// host side: the monitor opens the container's network namespace and
// configures it through a netlink handle bound to that namespace, never by
// switching its own threads (architecture study §5).
package network

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/log"
)

// Context is what Setup needs from the monitor.
type Context struct {
	Name    string
	LXCPath string
	Config  *config.Container
	InitPID int
	Log     *log.Logger
	HookEnv *hooks.Env
}

// Devices records what Setup created, for Teardown and for lxc-info.
type Devices struct {
	ctx   *Context
	devs  []ctl.NetDev
	undo  []func()
	netns netns.NsHandle
}

// SharesHostNetwork reports whether the container uses the host's network
// namespace (lxc.net.N.type = none).
func SharesHostNetwork(c *config.Container) bool {
	for _, n := range c.Net {
		if n.Type == "none" {
			return true
		}
	}
	return false
}

// Setup configures the container's network namespace (the one of
// ctx.InitPID): loopback up, then each lxc.net.N device. On error
// everything already created is removed.
func Setup(ctx *Context) (d *Devices, err error) {
	d = &Devices{ctx: ctx}
	ns, err := netns.GetFromPid(ctx.InitPID)
	if err != nil {
		return nil, fmt.Errorf("open network namespace of pid %d: %w", ctx.InitPID, err)
	}
	d.netns = ns
	d.undo = append(d.undo, func() { ns.Close() })
	defer func() {
		if err != nil {
			d.Teardown()
			d = nil
		}
	}()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink handle in container namespace: %w", err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("find loopback: %w", err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return nil, fmt.Errorf("bring loopback up: %w", err)
	}
	for _, n := range ctx.Config.Net {
		switch n.Type {
		case "", "empty", "none":
			d.devs = append(d.devs, ctl.NetDev{Index: n.Index, Type: n.Type})
		default:
			return nil, fmt.Errorf("lxc.net.%d.type = %s is not supported yet", n.Index, n.Type)
		}
	}
	runtime.KeepAlive(h)
	return d, nil
}

// Teardown removes what Setup created, in reverse order.
func (d *Devices) Teardown() {
	if d == nil {
		return
	}
	for i := len(d.undo) - 1; i >= 0; i-- {
		d.undo[i]()
	}
	d.undo = nil
}

// Info describes the devices for lxc-info and lxc-ls.
func (d *Devices) Info() []ctl.NetDev {
	if d == nil {
		return nil
	}
	return d.devs
}
