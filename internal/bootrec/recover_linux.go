package bootrec

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
)

// Result counts what a recovery found and removed.
type Result struct {
	// Found: a record of a dead monitor was there.
	Found bool
	// Running: the container's init still ran without its monitor
	// (lxc.monitor.signal.pdeath = 0, or a kill between the start of
	// init and the death signal's set-up) and was killed now.
	Running bool
	// Processes killed (the container's, or a stage-2 that had not joined
	// its cgroup yet).
	Processes int
	Cgroups   int // cgroup directories removed, in every hierarchy
	Links     int // host network state removed or put back
	PidFile   bool
}

func (r Result) String() string {
	var parts []string
	if r.Processes > 0 {
		parts = append(parts, plural(r.Processes, "process", "processes"))
	}
	if r.Cgroups > 0 {
		parts = append(parts, plural(r.Cgroups, "cgroup", "cgroups"))
	}
	if r.Links > 0 {
		parts = append(parts, plural(r.Links, "network setting", "network settings"))
	}
	if r.PidFile {
		parts = append(parts, "the pid file")
	}
	if len(parts) == 0 {
		return "nothing was left"
	}
	return "removed " + strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// waitGone bounds the wait for killed processes to leave their cgroups.
const waitGone = 10 * time.Second

// Recover removes what the dead monitor of lxcpath dir, container name,
// left, if a record says it made anything. It does nothing while the
// record's monitor lives (its lock is held) and when there is no record.
// A recovery that could not remove everything keeps the record, so the
// next operation tries again.
func Recover(dir, name string) (Result, error) {
	p := Path(dir, name)
	f, err := os.OpenFile(p, os.O_RDWR|unix.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Result{}, nil
		}
		return Result{}, fmt.Errorf("boot record: %w", err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return Result{}, nil // its monitor runs (or another tool recovers it)
	}
	if !samePath(f, p) {
		return Result{}, nil
	}
	res, err := undo(readEntries(f))
	if err != nil {
		return res, err
	}
	removeRecord(p)
	return res, nil
}

// undo kills and removes what entries list, each only if it is still the
// thing the record names.
func undo(entries []Entry) (Result, error) {
	res := Result{Found: true}
	if len(entries) == 0 || entries[0].Kind != KindBoot {
		return res, nil
	}
	boot := entries[0]
	if boot.BootID != bootID() {
		// Recorded before the host last booted: nothing of it exists.
		return res, nil
	}
	var errs []error
	// A reboot of a monitor that was handed the container by exec (the C
	// monitor becoming the Go one): that boot was ours, its pid file
	// still names us.
	self, selfStart := os.Getpid(), StartTime(os.Getpid())
	ownBoot := boot.PID == self && boot.Start == selfStart
	for _, e := range entries {
		if e.Kind == KindMonitor && e.PID == self && e.Start == selfStart {
			ownBoot = true
		}
	}
	// Processes first: a stage-2 that never joined its cgroup, then
	// everything in the container's cgroups.
	for _, e := range entries {
		if e.Kind == KindProc && e.Start != 0 && StartTime(e.PID) == e.Start && !exited(e.PID) {
			res.Running = true
			if syscall.Kill(e.PID, syscall.SIGKILL) == nil {
				res.Processes++
			}
		}
	}
	var leaves, intents, parents []string
	confirmed := map[string]bool{}
	for _, e := range entries {
		if e.Kind == KindCgroup && e.Ino != 0 {
			confirmed[e.Path] = true
		}
	}
	for _, e := range entries {
		if e.Kind != KindCgroup {
			continue
		}
		switch {
		case e.Ino == 0:
			if !confirmed[e.Path] {
				intents = append(intents, e.Path)
			}
		case cgroup.Ino(e.Path) != e.Ino:
			// Gone, or someone else's since.
		case e.Parent:
			parents = append(parents, e.Path)
		default:
			leaves = append(leaves, e.Path)
		}
	}
	if len(leaves) > 0 {
		h, err := cgroup.Detect()
		if err != nil {
			return res, err
		}
		// One cgroup per hierarchy at a time (payload and monitor share
		// the hierarchies).
		for _, group := range byHierarchy(h, leaves) {
			cg := h.At(group)
			procs := cg.Procs()
			if len(procs) > 0 {
				cg.Kill()
				res.Processes += len(procs)
				deadline := time.Now().Add(waitGone)
				for len(cg.Procs()) > 0 && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
			}
			if err := cg.Remove(); err != nil {
				errs = append(errs, err)
			}
			for _, p := range group {
				if cgroup.Ino(p) == 0 {
					res.Cgroups++
				}
			}
		}
	}
	// A directory noted but not confirmed: the monitor died between
	// mkdir and the next line, or the mkdir failed because the name was
	// taken (directories are only noted when they did not exist). Either
	// way only an empty directory is removed (rmdir of a cgroup with
	// tasks or children fails), nothing is killed; innermost first.
	for i := len(intents) - 1; i >= 0; i-- {
		if unix.Rmdir(intents[i]) == nil {
			res.Cgroups++
		}
	}
	for i := len(parents) - 1; i >= 0; i-- {
		if unix.Rmdir(parents[i]) == nil {
			res.Cgroups++
		}
	}
	if netns, _ := os.Readlink("/proc/self/ns/net"); boot.NetNS != "" && netns == boot.NetNS {
		n, err := undoNetwork(entries)
		res.Links += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, e := range entries {
		if e.Kind == KindPidFile && e.Path != "" && !ownBoot {
			pid := e.PID
			if pid == 0 {
				pid = boot.PID
			}
			if b, err := os.ReadFile(e.Path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
				if os.Remove(e.Path) == nil {
					res.PidFile = true
				}
			}
		}
	}
	return res, errors.Join(errs...)
}

// exited reports whether pid is dead or dying: a zombie, or a process a
// SIGKILL is pending for (its monitor's death signal, delivered a moment
// before we look).
func exited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if strings.HasPrefix(v, "Z") || strings.HasPrefix(v, "X") {
				return true
			}
		case "SigPnd", "ShdPnd":
			if m, err := strconv.ParseUint(v, 16, 64); err == nil && m&(1<<(9-1)) != 0 {
				return true
			}
		}
	}
	return false
}

// byHierarchy splits cgroup directories into groups holding at most one
// directory per hierarchy, in record order.
func byHierarchy(h *cgroup.Host, dirs []string) [][]string {
	var groups [][]string
	var used []map[string]bool
	for _, d := range dirs {
		mount := ""
		for _, hy := range h.Hierarchies {
			if strings.HasPrefix(d, hy.Mount+"/") {
				mount = hy.Mount
				break
			}
		}
		if mount == "" {
			continue
		}
		placed := false
		for i := range groups {
			if !used[i][mount] {
				groups[i] = append(groups[i], d)
				used[i][mount] = true
				placed = true
				break
			}
		}
		if !placed {
			groups = append(groups, []string{d})
			used = append(used, map[string]bool{mount: true})
		}
	}
	return groups
}

// undoNetwork removes the host-side network state the entries list:
// veth host ends still there (the container's namespace was kept alive),
// Open vSwitch ports, proxy ARP/NDP entries and routes, and puts physical
// devices back under their own names.
func undoNetwork(entries []Entry) (int, error) {
	n := 0
	var errs []error
	for _, e := range entries {
		switch e.Kind {
		case KindVeth:
			if e.Index == 0 {
				continue // never confirmed: dies with the container's namespace
			}
			l, err := netlink.LinkByIndex(e.Index)
			if err != nil || l.Attrs().Name != e.Name || l.Type() != "veth" {
				continue
			}
			if err := netlink.LinkDel(l); err != nil {
				errs = append(errs, fmt.Errorf("remove veth %s: %w", e.Name, err))
				continue
			}
			n++
		case KindPhys:
			ok, err := restorePhys(e)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				n++
			}
		}
	}
	for _, e := range entries {
		switch e.Kind {
		case KindOVSPort:
			if _, err := exec.LookPath("ovs-vsctl"); err != nil {
				continue
			}
			if _, err := netlink.LinkByName(e.Name); err == nil {
				continue // a device of that name exists again: not ours
			}
			if exec.Command("ovs-vsctl", "--if-exists", "del-port", e.Link, e.Name).Run() == nil {
				n++
			}
		case KindNeigh:
			l, err := netlink.LinkByIndex(e.Index)
			ip := net.ParseIP(e.IP)
			if err != nil || l.Attrs().Name != e.Link || ip == nil {
				continue
			}
			fam := netlink.FAMILY_V6
			if ip.To4() != nil {
				fam, ip = netlink.FAMILY_V4, ip.To4()
			}
			if netlink.NeighDel(&netlink.Neigh{LinkIndex: e.Index, Family: fam, Flags: netlink.NTF_PROXY, IP: ip}) == nil {
				n++
			}
		case KindRoute:
			l, err := netlink.LinkByIndex(e.Index)
			_, dst, perr := net.ParseCIDR(e.IP)
			if err != nil || perr != nil || l.Attrs().Name != e.Link {
				continue
			}
			if netlink.RouteDel(&netlink.Route{LinkIndex: e.Index, Dst: dst, Scope: netlink.SCOPE_LINK, Table: unix.RT_TABLE_MAIN}) == nil {
				n++
			}
		}
	}
	return n, errors.Join(errs...)
}

// restorePhys gives a physical device that came back from a dead
// container's namespace its host name, MTU and MAC again. The kernel
// returns such a device under the name it had inside (or devN).
func restorePhys(e Entry) (bool, error) {
	if e.Index == 0 {
		return false, nil
	}
	// The namespace goes asynchronously after its last process.
	var l netlink.Link
	var err error
	deadline := time.Now().Add(waitGone)
	for {
		if l, err = netlink.LinkByIndex(e.Index); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return false, nil
	}
	a := l.Attrs()
	changed := false
	if a.Name != e.Name {
		if _, err := netlink.LinkByName(e.Name); err == nil {
			return false, fmt.Errorf("put back %s: another device has its name now", e.Name)
		}
		netlink.LinkSetDown(l)
		if err := netlink.LinkSetName(l, e.Name); err != nil {
			return false, fmt.Errorf("rename %s back to %s: %w", a.Name, e.Name, err)
		}
		changed = true
	}
	if e.MTU > 0 && a.MTU != e.MTU {
		if netlink.LinkSetMTU(l, e.MTU) == nil {
			changed = true
		}
	}
	if mac, err := net.ParseMAC(e.MAC); err == nil && a.HardwareAddr.String() != e.MAC {
		if netlink.LinkSetHardwareAddr(l, mac) == nil {
			changed = true
		}
	}
	return changed, nil
}
