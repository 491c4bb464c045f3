package lstool

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/netaddr"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/storage"
)

// query is what lxc-ls was asked for.
type query struct {
	active, running, frozen, stopped, defined bool
	fancy                                     bool
	nesting                                   int
	groups                                    []string
	filter                                    *regexp.Regexp
	filterBad                                 bool // an invalid regex: nothing matches
	warn                                      func(string)
}

// source says where one level of containers lives: the host, or inside a
// container (its rootfs when stopped, /proc/PID/root when running).
type source struct {
	root      string // prefix of the lxcpath ("" on the host)
	lxcpath   string
	parent    string // name path of the enclosing container
	level     int
	activeSrc string // /proc/net/unix of the level's network namespace
}

// gather lists the containers of one level (and, with --nesting, the ones
// nested in them), LXC's ls_get. Containers are examined in parallel: each
// needs a config parse and, when running, a few socket round trips.
func gather(q *query, src source) []Entry {
	if src.level > q.nesting {
		return nil
	}
	dir := src.root + src.lxcpath
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	active := activeNames(src.activeSrc, src.lxcpath)
	var names []string
	if q.active || q.frozen {
		names = active
	} else {
		defined, _ := lxcpath.List(dir)
		names = mergeSorted(defined, active)
	}
	if q.filterBad {
		return nil
	}
	var cand []string
	for _, n := range names {
		if q.filter == nil || q.filter.MatchString(n) {
			cand = append(cand, n)
		}
	}
	results := make([]*result, len(cand))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, n := range cand {
		wg.Add(1)
		go func(i int, n string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = examine(q, src, n, contains(active, n))
		}(i, n)
	}
	wg.Wait()
	var out []Entry
	for _, r := range results {
		if r == nil {
			continue
		}
		if r.warn != "" && q.warn != nil {
			q.warn(r.warn)
		}
		if !r.ok {
			continue
		}
		out = append(out, r.entry)
		if q.nesting > 0 && r.nested.lxcpath != "" {
			out = append(out, gather(q, r.nested)...)
		}
	}
	return out
}

type result struct {
	ok     bool
	entry  Entry
	warn   string
	nested source
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

func mergeSorted(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{a, b} {
		for _, n := range l {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// examine is the per-container body of LXC's ls_get.
func examine(q *query, src source, name string, isActive bool) *result {
	dir := src.root + src.lxcpath
	r := &result{}
	defined := lxcpath.Defined(dir, name)
	if defined && !isActive && src.root == "" {
		// An ephemeral container whose monitor died is destroyed now, as
		// its stop would have done, instead of being listed.
		if gone, _ := container.ReapStaleEphemeral(container.Ref{LXCPath: dir, Name: name}, nil); gone {
			return r
		}
	}
	if q.defined && !defined {
		return r
	}
	var cfg *config.Container
	if defined {
		cdir := filepath.Join(dir, name)
		// A creation in progress or one that died is not a container yet.
		if container.CheckPartial(cdir) != container.NoPartial {
			return r
		}
		var err error
		cfg, err = config.Load(filepath.Join(cdir, lxcpath.ConfigName))
		if err != nil {
			// LXC's line, after one naming the reason (a config that
			// cannot be read, such as a FIFO, is refused at once: the
			// other containers are still listed).
			r.warn = fmt.Sprintf("lxc-ls: %v\nFailed to load config for %s", quote.Line(err.Error()), name)
			return r
		}
	} else {
		cfg = config.NewContainer()
	}
	state := ctl.Stopped
	if isActive {
		if src.root == "" {
			state = ctl.State(src.lxcpath, name)
		} else {
			// A nested container's socket lives in its parent's network
			// namespace, which we do not enter: it is at least running.
			state = ctl.Running
		}
	}
	running := state != ctl.Stopped
	if q.running && !running {
		return r
	}
	if q.frozen && !q.active && state != ctl.Frozen {
		return r
	}
	if q.stopped && state != ctl.Stopped {
		return r
	}
	if !hasAll(cfg.Groups, q.groups) {
		return r
	}
	e := Entry{Name: name, NestLevel: src.level, Parent: src.parent, Running: running, PID: -1,
		Groups: cfg.Groups, State: state}
	if src.parent != "" && !q.fancy {
		e.Name = src.parent + "/" + name
	}
	if q.fancy {
		e.fancy = true
		e.Autostart = cfg.StartAuto
		e.Unprivileged = len(cfg.IDMaps) > 0
		if running && src.root == "" {
			pid, err := ctl.InitPID(src.lxcpath, name)
			if err != nil || pid <= 0 {
				return r
			}
			e.PID = pid
			e.Interfaces, e.IPv4, e.IPv6 = netInfo(pid)
			e.RAM, e.Swap = memory(src.lxcpath, name)
		}
	}
	r.ok = true
	r.entry = e
	if q.nesting > 0 {
		r.nested = nestedSource(q, src, name, cfg, running)
	}
	return r
}

func hasAll(has, must []string) bool {
	for _, m := range must {
		found := false
		for _, h := range has {
			if h == m {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// nestedSource says where the containers nested in name live: below the
// init's root when it runs, below its rootfs directory when it does not.
func nestedSource(q *query, src source, name string, cfg *config.Container, running bool) source {
	parent := name
	if src.parent != "" {
		parent = src.parent + "/" + name
	}
	ns := source{lxcpath: src.lxcpath, parent: parent, level: src.level + 1}
	if running && src.root == "" {
		pid, err := ctl.InitPID(src.lxcpath, name)
		if err != nil || pid <= 0 {
			return source{}
		}
		ns.root = fmt.Sprintf("/proc/%d/root", pid)
		ns.activeSrc = fmt.Sprintf("/proc/%d/net/unix", pid)
		return ns
	}
	s := storage.Parse(cfg.RootfsPath)
	if s.Type != storage.Dir && s.Type != storage.Btrfs {
		return source{}
	}
	ns.root = src.root + s.Path
	ns.activeSrc = "-" // a stopped container runs nothing
	return ns
}

// activeNames lists containers of lxcpath whose command socket is bound in
// the network namespace whose /proc/net/unix is given ("" = ours).
func activeNames(unixFile, lxcpath string) []string {
	switch unixFile {
	case "":
		return ctl.ActiveNames(lxcpath)
	case "-":
		return nil
	}
	return ctl.ActiveNamesIn(unixFile, lxcpath)
}

// netInfo lists the container's interfaces (lo included) and addresses
// (netaddr: as LXC, none of lo, IPv6 only of global scope), each list
// sorted.
func netInfo(pid int) (ifaces, v4, v6 []string) {
	ns, _ := netaddr.Read(pid, 2*time.Second) // what it could read
	if ns == nil {
		return nil, nil, nil
	}
	sort.Strings(ns.Links)
	sort.Strings(ns.IPv4)
	sort.Strings(ns.IPv6)
	return dedup(ns.Links), ns.IPv4, ns.IPv6
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// memory returns RAM and swap use in MiB from the container's memory
// cgroup: memory.usage_in_bytes and the "swap" line of memory.stat (v1,
// as LXC reads them), or memory.current and memory.swap.current (v2, where
// LXC 5.0 shows 0.00).
func memory(lxcpathDir, name string) (ram, swap float64) {
	resp, err := ctl.Simple(lxcpathDir, name, ctl.Request{Cmd: ctl.CmdCgroupPaths})
	if err != nil || resp == nil {
		return 0, 0
	}
	mib := func(s string) float64 {
		n, _ := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		return float64(n / 1024 / 1024)
	}
	if dir, ok := resp.Paths["memory"]; ok {
		if b, err := os.ReadFile(filepath.Join(dir, "memory.usage_in_bytes")); err == nil {
			ram = float64(uint64(mustUint(string(b)))) / 1024 / 1024
		}
		if b, err := os.ReadFile(filepath.Join(dir, "memory.stat")); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) == 2 && f[0] == "swap" {
					swap = mib(f[1])
				}
			}
		}
		return ram, swap
	}
	if dir, ok := resp.Paths["unified"]; ok {
		if b, err := os.ReadFile(filepath.Join(dir, "memory.current")); err == nil {
			ram = float64(mustUint(string(b))) / 1024 / 1024
		}
		if b, err := os.ReadFile(filepath.Join(dir, "memory.swap.current")); err == nil {
			swap = mib(string(b))
		}
	}
	return ram, swap
}

func mustUint(s string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return n
}
