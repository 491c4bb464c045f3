// Package runner starts and supervises a container: the monitor (host
// side: control socket, cgroups, network, console, hooks, teardown) and the
// stage-2 init (inside the new namespaces: rootfs, /dev, ttys, security,
// then exec of the container's init, or the lxc-execute init).
//
// Process model (architecture study §1.4):
//
//	lxc-start ──exec──▶ monitor ("[lxc monitor] LXCPATH NAME")
//	                     │ exec of a sealed copy of our binary with
//	                     │ CLONE_NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET
//	                     ▼
//	                    stage-2 init ──execve──▶ container init (pid 1)
//
// Monitor and stage-2 talk over one SOCK_SEQPACKET pair:
//
//	monitor                         stage-2
//	   ── setup{spec} ──────────────▶   (after cgroup join and network)
//	                                    rootfs, /dev, devpts, ptys
//	   ◀── ready{ptys} + fds ─────────   (devpts root, console, tty masters)
//	   device rules, start-host hooks
//	   ── go ───────────────────────▶
//	                                    pivot done; caps, uid, env; execve
//	   ◀── EOF (socket is CLOEXEC) ───   or ◀── error{msg}
package runner

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/lsm"
)

// Spec is everything the monitor needs to run a container.
type Spec struct {
	Name    string `json:"name"`
	LXCPath string `json:"lxcpath"`
	// ConfigFile is the top-level config file (LXC_CONFIG_FILE).
	ConfigFile string `json:"config_file"`
	// Config crosses process boundaries as the lines it was built from
	// (MarshalJSON): its typed fields hold state that JSON cannot carry.
	Config *config.Container `json:"-"`
	// Command overrides lxc.init.cmd (lxc-start -- CMD) or is the
	// application of lxc-execute.
	Command []string `json:"command,omitempty"`
	// Execute selects lxc-execute's mode: a small init runs Command as pid 2.
	Execute bool `json:"execute,omitempty"`
	// Foreground: the caller's process is the monitor (lxc-start -F,
	// lxc-execute without -d).
	Foreground bool   `json:"foreground,omitempty"`
	PidFile    string `json:"pidfile,omitempty"`
	LogFile    string `json:"logfile,omitempty"`
	LogLevel   int    `json:"loglevel"`
	Prog       string `json:"prog"` // tool name for log lines
	Quiet      bool   `json:"quiet,omitempty"`
	// PassStdio gives the container init the caller's stdin/stdout/stderr
	// instead of the console pty (lxc-execute).
	PassStdio bool `json:"pass_stdio,omitempty"`
	// ListenFD is an already bound command socket (a monitor taking over
	// from the C monitor for a reboot); 0: bind it.
	ListenFD int `json:"listen_fd,omitempty"`
	// CLIStarted is when the command started the monitor (trace logs).
	CLIStarted string `json:"cli_started,omitempty"`
	// began is when this process's main started (trace logs).
	began time.Time
}

// specWire is Spec on the wire: the configuration as its applied lines.
type specWire struct {
	*specFields
	ConfigItems []config.Item `json:"config_items,omitempty"`
}

type specFields Spec // Spec without its JSON methods

// MarshalJSON sends the configuration as the lines it was built from
// (includes expanded, command-line settings among them), in order.
func (s *Spec) MarshalJSON() ([]byte, error) {
	w := specWire{specFields: (*specFields)(s)}
	if s.Config != nil {
		w.ConfigItems = s.Config.Items
		if w.ConfigItems == nil {
			w.ConfigItems = []config.Item{}
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON rebuilds the configuration by applying its lines again.
func (s *Spec) UnmarshalJSON(b []byte) error {
	w := specWire{specFields: (*specFields)(s)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	s.Config = nil
	if w.ConfigItems == nil {
		return nil
	}
	c := config.NewContainer()
	c.ConfigFile = s.ConfigFile
	for _, it := range w.ConfigItems {
		if err := c.Set(it.Key, it.Value, it.Src); err != nil {
			return fmt.Errorf("rebuild the configuration: %w", err)
		}
	}
	s.Config = c
	return nil
}

// Sync message kinds between monitor and stage-2.
const (
	msgSetup = "setup"
	// msgMapped (monitor) and msgNetlink (stage-2, with the socket) are
	// the sync point of a user's container, before setup
	// (unpriv_linux.go).
	msgMapped  = "mapped"
	msgNetlink = "netlink"
	msgReady   = "ready"
	msgGo      = "go"
	msgError   = "error"
)

type syncMsg struct {
	Kind  string `json:"kind"`
	Spec  *Spec  `json:"spec,omitempty"`
	Error string `json:"error,omitempty"`
	// ready: which descriptors follow, in order: devpts root, console
	// master (if Console >= 0), then one master per tty.
	Console int   `json:"console"`
	TTYs    []int `json:"ttys,omitempty"`
	// CgroupNS tells stage-2 to unshare its cgroup namespace (after the
	// monitor placed it in the payload cgroup).
	CgroupNS bool `json:"cgroupns,omitempty"`
	// HostCgroups lists the v1 hierarchies (controller lists) and whether a
	// cgroup2 hierarchy exists, for cgroup automounts.
	HostCgroups [][]string `json:"host_cgroups,omitempty"`
	HasUnified  bool       `json:"has_unified,omitempty"`
	Unified     bool       `json:"unified,omitempty"`
	// BlockRootfs: the setup message carries one descriptor, the
	// container's block-backed filesystem as a detached mount (open_tree
	// clone) that stage-2 attaches at the rootfs mount point.
	BlockRootfs bool `json:"block_rootfs,omitempty"`

	// What the monitor decided about namespaces (namespaces_linux.go);
	// stage-2 only carries it out, and changes nothing in a namespace the
	// container does not own.
	//
	// Join lists the shared namespaces to enter, in this order; one
	// descriptor each follows the setup message.
	Join []string `json:"join,omitempty"`
	// Hostname is set in the container's own UTS namespace ("": none).
	Hostname string `json:"hostname,omitempty"`
	// Sysctls are the lxc.sysctl.* settings to write (those of shared or
	// kept namespaces are left out).
	Sysctls [][2]string `json:"sysctls,omitempty"`
	// SharedMnt: the mount namespace is another container's; nothing is
	// mounted in it (no rootfs, no pivot).
	SharedMnt bool `json:"shared_mnt,omitempty"`
	// IDMapped lists the idmapped binds the monitor made (idmapKey), one
	// descriptor each after those of Join.
	IDMapped []string `json:"idmapped,omitempty"`
	// NoSeccomp: lxc.seccomp.profile is not loaded (useSeccomp).
	NoSeccomp bool `json:"no_seccomp,omitempty"`
	// NewKeyring asks for a session keyring of the container's own.
	NewKeyring bool `json:"new_keyring,omitempty"`
	// LSMKeyring and LSMExec are the attr writes of the LSM plan
	// (lsm_linux.go): before the keyring is made, before the start hooks.
	LSMKeyring *lsm.AttrWrite  `json:"lsm_keyring,omitempty"`
	LSMExec    []lsm.AttrWrite `json:"lsm_exec,omitempty"`
	// HookBase is the monitor's environment, which hooks run by stage-2
	// inherit (as LXC's inherit the monitor's).
	HookBase []string `json:"hook_base,omitempty"`
	// Pdeathsig is lxc.monitor.signal.pdeath for stage-2 to set itself
	// (when it was not set at fork).
	Pdeathsig int `json:"pdeathsig,omitempty"`
	// TimeNS asks for a time namespace, with TimeOffsets written to
	// /proc/self/timens_offsets (timeOffsetsText).
	TimeNS      bool   `json:"timens,omitempty"`
	TimeOffsets string `json:"time_offsets,omitempty"`
}
