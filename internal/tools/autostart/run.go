package autostarttool

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/launch"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/runner"
)

var opts struct {
	kill, list, reboot, shutdown, all, ignoreAuto bool
	groups                                        []string
	timeout                                       string
}

func flags(f *pflag.FlagSet) {
	f.BoolVarP(&opts.kill, "kill", "k", false, "kill the containers instead of starting them")
	f.BoolVarP(&opts.list, "list", "L", false, "list all affected containers and wait delay")
	f.BoolVarP(&opts.reboot, "reboot", "r", false, "reboot the containers instead of starting them")
	f.BoolVarP(&opts.shutdown, "shutdown", "s", false, "shutdown the containers instead of starting them")
	f.BoolVarP(&opts.all, "all", "a", false, "list all auto-started containers (ignore groups)")
	f.BoolVarP(&opts.ignoreAuto, "ignore-auto", "A", false, "ignore lxc.start.auto and select all matching containers")
	f.StringArrayVarP(&opts.groups, "groups", "g", nil, "list of groups (comma separated) to select")
	f.StringVarP(&opts.timeout, "timeout", "t", "60", "wait T seconds before hard-stopping")
}

type entry struct {
	name string
	cfg  *config.Container
}

// inGroup reports whether c belongs to group g ("" = the NULL group:
// containers without lxc.group).
func inGroup(c *config.Container, g string) bool {
	if g == "" {
		return len(c.Groups) == 0
	}
	for _, x := range c.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// run starts, stops, reboots or lists the containers selected by
// lxc.start.auto and lxc.group, in lxc.start.order (descending to stop).
// Exit: 0 all fine, 1 every processed container failed, 2 some did.
func run(x *cli.Ctx) error {
	timeout, err := strconv.Atoi(opts.timeout)
	if err != nil || timeout < -1 {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	if opts.all && len(opts.groups) > 0 {
		x.Log.Errorf("Specifying -a (all) with -g (groups) doesn't make sense. All option overrides.")
	}
	names, _ := lxcpath.List(x.LXCPath)
	var all []entry
	for _, n := range names {
		c, err := config.Load(lxcpath.ConfigPath(x.LXCPath, n))
		if err != nil {
			x.Log.Debugf("skipping %s: %v", n, err)
			continue
		}
		if !opts.ignoreAuto && !c.StartAuto {
			continue
		}
		all = append(all, entry{n, c})
	}
	stopping := opts.shutdown || opts.kill
	order := func(list []entry) {
		sort.SliceStable(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.cfg.StartOrder != b.cfg.StartOrder {
				if stopping {
					return a.cfg.StartOrder > b.cfg.StartOrder
				}
				return a.cfg.StartOrder < b.cfg.StartOrder
			}
			if stopping {
				return a.name > b.name
			}
			return a.name < b.name
		})
	}
	// The selection: every group in order (each processed once), or all.
	var selected []entry
	if opts.all {
		selected = all
		order(selected)
	} else {
		groups := []string{""}
		if len(opts.groups) > 0 {
			groups = nil
			for _, g := range opts.groups {
				groups = append(groups, strings.Split(g, ",")...)
			}
		}
		done := map[string]bool{}
		for _, g := range groups {
			var part []entry
			for _, e := range all {
				if !done[e.name] && inGroup(e.cfg, g) {
					part = append(part, e)
					done[e.name] = true
				}
			}
			order(part)
			selected = append(selected, part...)
		}
	}
	processed, failed := 0, 0
	for _, e := range selected {
		running := ctl.IsRunning(x.LXCPath, e.name)
		if opts.list {
			switch {
			case stopping && running:
				fmt.Fprintln(x.Stdout, e.name)
			case opts.reboot && running:
				fmt.Fprintf(x.Stdout, "%s %d\n", e.name, e.cfg.StartDelay)
			case !stopping && !opts.reboot && !running:
				fmt.Fprintf(x.Stdout, "%s %d\n", e.name, e.cfg.StartDelay)
			}
			continue
		}
		var err error
		switch {
		case opts.kill:
			if !running {
				continue
			}
			err = ctl.Kill(x.LXCPath, e.name)
		case opts.shutdown:
			if !running {
				continue
			}
			err = ctl.Shutdown(x.LXCPath, e.name, time.Duration(timeout)*time.Second, false)
		case opts.reboot:
			if !running {
				continue
			}
			err = ctl.Reboot(x.LXCPath, e.name, time.Duration(timeout)*time.Second)
			sleep(e.cfg.StartDelay)
		default:
			if running {
				continue
			}
			err = start(x, e.name)
			if err == nil {
				sleep(e.cfg.StartDelay)
			}
		}
		processed++
		if err != nil {
			failed++
			x.Log.Errorf("%s: %v", e.name, err)
		}
	}
	switch {
	case failed > 0 && failed == processed:
		return cli.Exit(1)
	case failed > 0:
		return cli.Exit(2)
	}
	return nil
}

func sleep(s int) {
	if s > 0 {
		time.Sleep(time.Duration(s) * time.Second)
	}
}

func start(x *cli.Ctx, name string) error {
	cx := *x
	cx.Name = name
	// What lxc-start refuses (a container being made or destroyed, one
	// LXC's own monitor runs), a boot must not start either.
	if err := container.Startable(container.Ref{LXCPath: x.LXCPath, Name: name}, func(m string) { x.Warnf("%s", m) }); err != nil {
		return err
	}
	spec, err := launch.Prepare(&cx, launch.Options{})
	if err != nil {
		return err
	}
	return runner.StartDaemon(spec, nil)
}
