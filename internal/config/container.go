package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// KV is an ordered key/value pair (cgroup, sysctl and proc settings).
type KV struct {
	Key   string // the part after the family prefix, e.g. "memory.limit_in_bytes"
	Value string
}

// IDMap is one lxc.idmap line.
type IDMap struct {
	Kind   byte // 'u' or 'g'
	NSID   uint32
	HostID uint32
	Range  uint32
}

// Prlimit is one lxc.prlimit.NAME setting. Unlimited is ^uint64(0).
type Prlimit struct {
	Name       string // lower case, without RLIMIT_ (e.g. "nofile")
	Soft, Hard uint64
	Raw        string
}

// Unlimited is the value of an "unlimited" prlimit.
const Unlimited = ^uint64(0)

// Source says where a setting came from.
type Source struct {
	File string
	Line int
}

func (s Source) String() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Item is one applied "key = value" line of the expanded configuration.
type Item struct {
	Key, Value string
	Src        Source
}

// Hook types, in LXC's order.
var HookTypes = []string{"pre-start", "pre-mount", "mount", "autodev", "start-host", "start", "stop", "post-stop", "clone", "destroy"}

// Container is the typed, expanded configuration of one container.
// Zero values mean "unset" unless the field comment says otherwise;
// NewContainer fills LXC's defaults.
type Container struct {
	// ConfigFile is the top-level file loaded (LXC_CONFIG_FILE for hooks).
	ConfigFile string
	// Items holds every applied line in order, includes expanded.
	Items []Item
	// Warnings collects one line per accepted-but-deprecated key.
	Warnings []string

	Arch      string // personality name as written; "" = host
	UTSName   string
	Ephemeral bool
	Groups    []string
	// Environment holds NAME=VALUE entries (bare NAME resolved at load).
	Environment []string
	NoNewPrivs  bool
	SchedCore   bool
	Proc        []KV
	// KeyringSessionDisable mirrors LXC's stored flag for lxc.keyring.session.
	KeyringSessionDisable bool

	InitCmd    string
	ExecuteCmd string
	InitCwd    string
	InitUID    uint32
	InitGID    uint32
	InitGroups []uint32

	// Signals: 0 = default (halt SIGPWR, reboot SIGINT, stop SIGKILL).
	SignalHalt   int
	SignalReboot int
	SignalStop   int

	MonitorUnshare       bool
	MonitorSignalPdeath  int    // default SIGKILL
	monitorPdeathWasSet  bool   // distinguishes an explicit 0
	RootfsPath           string // as written, with any TYPE: prefix
	RootfsMount          string
	RootfsOptions        string
	RootfsManaged        bool // default true
	MountFstab           string
	MountEntries         []string
	MountEntrySrc        []Source
	MountAuto            MountAuto
	Autodev              bool // default true
	AutodevTmpfsSize     int  // default 500000
	TTYMax               int
	TTYDir               string
	PTYMax               int
	ConsolePath          string
	ConsoleLogfile       string
	ConsoleRotate        bool
	ConsoleBufferSize    uint64
	ConsoleBufferSizeRaw string
	ConsoleSize          uint64
	ConsoleSizeRaw       string

	Net []*Net // sorted by Index

	Cgroup                []KV // lxc.cgroup.* (v1), in order
	Cgroup2               []KV // lxc.cgroup2.*, in order
	CgroupDir             string
	CgroupDirContainer    string
	CgroupDirMonitor      string
	CgroupDirMonitorPivot string
	CgroupDirInner        string
	CgroupRelative        bool

	CapDrop []string
	CapKeep []string

	ApparmorProfile         string
	ApparmorAllowIncomplete bool
	ApparmorAllowNesting    bool
	ApparmorRaw             []string
	SELinuxContext          string
	SELinuxContextKeyring   string
	SeccompProfile          string
	SeccompAllowNesting     bool
	SeccompNotifyProxy      string
	SeccompNotifyCookie     string

	IDMaps []IDMap

	NamespaceClone      []string // proc names: user mnt pid uts ipc net cgroup time
	NamespaceKeep       []string
	NamespaceShare      map[string]string // proc name -> container name, path or pid
	TimeOffsetBoot      string
	TimeOffsetMonotonic string

	Prlimits []Prlimit
	Sysctls  []KV

	Hooks       map[string][]string
	HookVersion int

	LogFile   string
	LogLevel  int // -1 = unset (NOTSET); 0..8
	LogSyslog string

	StartAuto  bool
	StartDelay int
	StartOrder int

	// includeDepth guards against include loops.
	includeDepth int
	// legacyNetIndex tracks the device index for unindexed lxc.network.* keys.
	legacyNetIndex int
}

// NewContainer returns a configuration holding LXC's defaults.
func NewContainer() *Container {
	return &Container{
		RootfsManaged:       true,
		Autodev:             true,
		AutodevTmpfsSize:    500000,
		MonitorSignalPdeath: 9,
		LogLevel:            -1,
		Hooks:               map[string][]string{},
		NamespaceShare:      map[string]string{},
		legacyNetIndex:      -1,
	}
}

// LoadOptions tunes Load.
type LoadOptions struct {
	// Strict refuses legacy keys as LXC 3.0+ does instead of mapping them.
	Strict bool
}

// Load reads a container configuration file and the files it includes.
func Load(path string) (*Container, error) {
	c := NewContainer()
	c.ConfigFile = path
	if err := c.LoadFile(path); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadFile applies the file at path on top of c (as lxc.include does).
func (c *Container) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config %s: %w", path, err)
	}
	return c.LoadBytes(path, data)
}

// LoadBytes applies config text on top of c; name is used in errors.
func (c *Container) LoadBytes(name string, data []byte) error {
	f, err := ParseFile(name, data)
	if err != nil {
		return err
	}
	return c.ApplyFile(f)
}

// ApplyFile applies every key line of f in order.
func (c *Container) ApplyFile(f *File) error {
	for _, l := range f.Lines {
		if l.Kind != KeyLine {
			continue
		}
		if err := c.Set(l.Key, l.Value, Source{File: f.Path, Line: l.No}); err != nil {
			return err
		}
	}
	return nil
}

// Define applies a "-s KEY=VALUE" style definition.
func (c *Container) Define(def string) error {
	eq := strings.IndexByte(def, '=')
	if eq < 0 {
		return &ParseError{File: "command line", Key: def, Err: errors.New("missing '=' in definition")}
	}
	key := strings.TrimSpace(def[:eq])
	return c.Set(key, TrimValue(def[eq+1:]), Source{File: "command line"})
}

// Set applies one key: an empty value clears list keys as LXC does.
// Errors are *ParseError naming the source, line and key.
func (c *Container) Set(key, value string, src Source) error {
	if err := c.set(key, value, src); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return err
		}
		return &ParseError{File: src.File, Line: src.Line, Key: key, Err: err}
	}
	return nil
}

func (c *Container) set(key, value string, src Source) error {
	if key == "lxc.include" {
		return c.include(value, src)
	}
	if newKey, note, ok := legacyKey(c, key, value); ok {
		w := fmt.Sprintf("%s: key %q is deprecated, use %q", src, key, newKey)
		if newKey == "" {
			w = fmt.Sprintf("%s: key %q is obsolete and ignored", src, key)
		}
		if note != "" {
			w += " (" + note + ")"
		}
		c.Warnings = append(c.Warnings, w)
		if newKey == "" {
			return nil
		}
		key = newKey
	}
	h, sub := lookupKey(key)
	if h == nil {
		return errUnknownKey
	}
	if err := h.set(c, key, sub, value); err != nil {
		return err
	}
	c.Items = append(c.Items, Item{Key: key, Value: value, Src: src})
	if key == "lxc.mount.entry" && value != "" {
		c.MountEntrySrc = append(c.MountEntrySrc, src)
	}
	return nil
}

var errUnknownKey = errors.New("unknown key")

// IsUnknownKey reports whether err comes from a key LXC does not know.
func IsUnknownKey(err error) bool { return errors.Is(err, errUnknownKey) }

func (c *Container) include(path string, src Source) error {
	if path == "" {
		return nil
	}
	if c.includeDepth > 32 {
		return fmt.Errorf("include nesting too deep (loop?) at %s", path)
	}
	c.includeDepth++
	defer func() { c.includeDepth-- }()
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) && strings.HasSuffix(path, "/") {
			return nil // LXC accepts a missing include directory
		}
		return fmt.Errorf("include %s: %w", path, err)
	}
	if !st.IsDir() {
		return c.LoadFile(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("include %s: %w", path, err)
	}
	// LXC uses readdir order; we sort so a result never depends on the
	// filesystem's hash order (documented difference).
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n := e.Name(); len(n) >= 6 && strings.HasSuffix(n, ".conf") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := c.LoadFile(filepath.Join(path, n)); err != nil {
			return err
		}
	}
	return nil
}

// RootfsType returns the storage type prefix of lxc.rootfs.path ("dir" when
// none is given) and the path without it.
func (c *Container) RootfsType() (typ, path string) {
	return SplitRootfsPath(c.RootfsPath)
}

// SplitRootfsPath splits "[TYPE:]PATH". A leading '/' means no type.
func SplitRootfsPath(v string) (typ, path string) {
	if v == "" {
		return "", ""
	}
	if strings.HasPrefix(v, "/") {
		return "dir", v
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		return v[:i], v[i+1:]
	}
	return "dir", v
}

// RootfsDir returns the host directory of a dir-backed rootfs.
func (c *Container) RootfsDir() string {
	_, p := c.RootfsType()
	return p
}

// Unprivileged reports whether the container has lxc.idmap entries.
func (c *Container) Unprivileged() bool { return len(c.IDMaps) > 0 }

// NetByIndex returns device N, creating it if create is set.
func (c *Container) NetByIndex(n int, create bool) *Net {
	for _, d := range c.Net {
		if d.Index == n {
			return d
		}
	}
	if !create {
		return nil
	}
	d := &Net{Index: n}
	c.Net = append(c.Net, d)
	sort.Slice(c.Net, func(i, j int) bool { return c.Net[i].Index < c.Net[j].Index })
	return d
}

// HaltSignal returns the configured halt signal or SIGPWR.
func (c *Container) HaltSignal() int {
	if c.SignalHalt != 0 {
		return c.SignalHalt
	}
	return 30 // SIGPWR
}

// RebootSignal returns the configured reboot signal or SIGINT.
func (c *Container) RebootSignal() int {
	if c.SignalReboot != 0 {
		return c.SignalReboot
	}
	return 2
}

// StopSignal returns the configured stop signal or SIGKILL.
func (c *Container) StopSignal() int {
	if c.SignalStop != 0 {
		return c.SignalStop
	}
	return 9
}
