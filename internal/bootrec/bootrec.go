// Package bootrec is the durable record of what one boot of a container
// made on the host, so that whatever a killed monitor leaves behind is
// removed by the next lxc-start, lxc-stop or lxc-destroy of that
// container.
//
// The record is a file in the runtime directory keyed by lxcpath and name
// (never found by name pattern alone: a same-named container of another
// lxcpath has its own). The monitor creates it and holds an exclusive
// flock on it for as long as it lives, and appends one JSON line before
// it makes anything (cgroup directories, host-side network state, the
// pid file) and, where the thing has an identity the kernel never reuses
// while the host runs (a cgroup's inode, a process's start time, a link's
// index), one more line once it exists. A monitor that stops normally
// removes the record after its teardown.
//
// A lock that can be taken means its monitor is gone: Recover then kills
// what is left of the container's processes and removes what the record
// lists, checking each identity first so that nothing made since by
// anyone else is touched.
package bootrec

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/lxcpath"
)

// Entry kinds.
const (
	KindBoot    = "boot"    // the first line: who made the record, on which host boot
	KindProc    = "proc"    // a process of the container outside its cgroup (stage-2): PID, Start
	KindCgroup  = "cgroup"  // a cgroup directory (Parent: one between root and leaf)
	KindVeth    = "veth"    // host end of a veth pair: Name, Index
	KindOVSPort = "ovsport" // an Open vSwitch port: Link (bridge), Name (port)
	KindNeigh   = "neigh"   // a proxy ARP/NDP entry: Index (link), IP
	KindRoute   = "route"   // a host route: Index (link), IP (destination CIDR)
	KindPhys    = "phys"    // a host device moved in: Name, Index, MTU, MAC as on the host
	KindPidFile = "pidfile" // lxc-start -p FILE: Path, PID (the monitor's, as written there)
	KindMonitor = "monitor" // a monitor process that holds the record (the C monitor): PID, Start
)

// Entry is one line of a record. Which fields are set depends on Kind;
// Ino, Start and Index are 0 in the line written before the thing is made.
type Entry struct {
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"`
	Ino    uint64 `json:"ino,omitempty"`
	Parent bool   `json:"parent,omitempty"`
	PID    int    `json:"pid,omitempty"`
	Start  uint64 `json:"start,omitempty"`
	Name   string `json:"name,omitempty"`
	Link   string `json:"link,omitempty"`
	Index  int    `json:"index,omitempty"`
	IP     string `json:"ip,omitempty"`
	MTU    int    `json:"mtu,omitempty"`
	MAC    string `json:"mac,omitempty"`
	// Boot line: the host boot (/proc/sys/kernel/random/boot_id) and the
	// monitor's network namespace (network entries are only undone from
	// the same namespace).
	BootID string `json:"boot_id,omitempty"`
	NetNS  string `json:"netns,omitempty"`
}

// Path returns the record file of container name in lxcpath dir:
// <rundir>/lxc/golxc/boot/<lxcpath>/<name>.
func Path(dir, name string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(root(), dir, name)
}

// Root is the directory of every record.
func Root() string {
	return root()
}

// root is the directory of every record.
func root() string {
	return filepath.Join(lxcpath.RunDir(), "lxc", "golxc", "boot")
}

// List returns the names of the containers of lxcpath dir that have a
// record (running, or whose monitor died).
func List(dir string) []string {
	ents, _ := os.ReadDir(Path(dir, ""))
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out
}

// removeRecord removes a record file and the directories above it that
// are left empty.
func removeRecord(p string) {
	os.Remove(p)
	top := root()
	for d := filepath.Dir(p); strings.HasPrefix(d, top+"/"); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
}
