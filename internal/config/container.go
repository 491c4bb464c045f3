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
	// CapKeepSet is true once lxc.cap.keep was used: with an empty CapKeep
	// ("lxc.cap.keep = none") every capability is dropped.
	CapKeepSet bool

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

	NamespaceClone      []string // proc names in LXC's order: user mnt pid uts ipc net cgroup time
	NamespaceKeep       []string
	NamespaceShare      map[string]string // proc name -> container name, path or pid
	TimeOffsetBoot      string            // as written
	TimeOffsetMonotonic string            // as written
	// Parsed time namespace offsets, as LXC stores them: a value in h/m/s
	// sets the seconds part, ms/us/ns the nanoseconds part.
	TimeOffsetBootSec, TimeOffsetBootNsec           int64
	TimeOffsetMonotonicSec, TimeOffsetMonotonicNsec int64

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

	// File is the top-level config file as written (the "unexpanded"
	// config LXC saves back), with lxc.net.N.hwaddr templates already
	// expanded so a save persists the generated MACs.
	File *File

	// Options used by Load.
	Options LoadOptions

	// Values LXC's getters print that differ from the effective ones.
	monitorUnshare  uint32
	rootfsMountSet  bool
	autodevTmpfsRaw int
	capList         []string
	includeDepth    int   // guards against include loops
	bytesRead       int64 // by this Load, includes followed (MaxTotalSize)
	legacyNetIndex  int   // device index for unindexed lxc.network.* keys
	inInclude       int   // >0 while applying an included file
	// legacyRootfsBackend is the value of a legacy lxc.rootfs.backend,
	// used as the TYPE: prefix of a legacy lxc.rootfs, as lxc-update-config does.
	legacyRootfsBackend string
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
	// Strict refuses legacy (pre-3.0) keys as LXC 3.0+ does instead of
	// mapping them with a warning.
	Strict bool
}

// Load reads a container configuration file and the files it includes.
// Legacy keys are accepted with a warning (see Container.Warnings).
func Load(path string) (*Container, error) {
	return LoadWith(path, LoadOptions{})
}

// LoadWith is Load with options.
func LoadWith(path string, opts LoadOptions) (*Container, error) {
	c := NewContainer()
	c.Options = opts
	c.ConfigFile = path
	data, err := c.read(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseFile(path, data)
	if err != nil {
		return nil, err
	}
	c.File = f
	if err := c.ApplyFile(f); err != nil {
		return nil, err
	}
	// A legacy lxc.rootfs.backend names the storage type of a legacy
	// lxc.rootfs wherever it appears in the file.
	if b := c.legacyRootfsBackend; b != "" && c.RootfsPath != "" && !strings.Contains(c.RootfsPath, ":") {
		c.RootfsPath = b + ":" + c.RootfsPath
		c.Items = append(c.Items, Item{Key: "lxc.rootfs.path", Value: c.RootfsPath, Src: Source{File: path}})
	}
	return c, nil
}

// read reads one configuration file of this Load (ReadConfigFile),
// keeping the total under MaxTotalSize.
func (c *Container) read(path string) ([]byte, error) {
	data, err := ReadConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	c.bytesRead += int64(len(data))
	if c.bytesRead > MaxTotalSize {
		return nil, fmt.Errorf("read config %s: the configuration and its includes are larger than %d MiB", path, MaxTotalSize>>20)
	}
	return data, nil
}

// LoadFile applies the file at path on top of c, as lxc.include does.
func (c *Container) LoadFile(path string) error {
	data, err := c.read(path)
	if err != nil {
		return err
	}
	c.inInclude++
	defer func() { c.inInclude-- }()
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

// ApplyFile applies every key line of f in order. For a top-level file
// (not an include) MAC templates of lxc.net.N.hwaddr lines are expanded in
// f itself first, as LXC does in its unexpanded config, so that writing f
// back keeps the MAC the container got.
func (c *Container) ApplyFile(f *File) error {
	for _, l := range f.Lines {
		if l.Kind != KeyLine {
			continue
		}
		if c.inInclude == 0 && isHWAddrKey(l.Key) && strings.ContainsAny(l.Value, "xX") {
			mac, err := ExpandHWAddr(l.Value)
			if err != nil {
				return err
			}
			if eq := strings.IndexByte(l.Raw, '='); eq >= 0 {
				l.Raw = l.Raw[:eq+1] + strings.Replace(l.Raw[eq+1:], l.Value, mac, 1)
			}
			l.Value = mac
		}
		if err := c.Set(l.Key, l.Value, Source{File: f.Path, Line: l.No}); err != nil {
			return err
		}
	}
	return nil
}

// isHWAddrKey matches lxc.net.N.hwaddr (and the legacy spellings).
func isHWAddrKey(k string) bool {
	if !strings.HasSuffix(k, ".hwaddr") {
		return false
	}
	return strings.HasPrefix(k, "lxc.net.") || strings.HasPrefix(k, "lxc.network.")
}

// Define applies a "-s KEY=VALUE" style definition with the same trimming
// and quote rules as a config line.
func (c *Container) Define(def string) error {
	kind, key, value, err := SplitLine(def)
	if err != nil || kind != KeyLine {
		return &ParseError{File: "command line", Key: strings.TrimSpace(def), Err: errors.New("invalid definition (want lxc.KEY=VALUE)")}
	}
	return c.Set(key, value, Source{File: "command line"})
}

// Set applies one key: an empty value clears list keys as LXC does.
// Errors are *ParseError naming the source, line and key.
func (c *Container) Set(key, value string, src Source) error {
	if err := c.set(key, value, src); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return err
		}
		return &ParseError{File: src.File, Line: src.Line, Key: key, Err: err, Value: value}
	}
	return nil
}

func (c *Container) set(key, value string, src Source) error {
	if key == "lxc.include" {
		return c.include(value)
	}
	if IsLegacyKey(key) {
		newKey, note, ok := legacyKey(c, key, value)
		if ok {
			if c.Options.Strict {
				if newKey == "" {
					return fmt.Errorf("%w: legacy key removed in LXC 3.0 (delete the line)", errUnknownKey)
				}
				return fmt.Errorf("%w: legacy key, use %q (lxc-update-config -c FILE converts it)", errUnknownKey, newKey)
			}
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
	}
	h, sub := lookupKey(key)
	if h == nil {
		return errUnknownKey
	}
	if err := h.set(c, key, sub, value); err != nil {
		return err
	}
	if isHWAddrKey(key) && strings.ContainsAny(value, "xX") {
		// Record the MAC the template expanded to, so the items
		// describe this configuration exactly.
		value, _ = c.GetItem(key)
	}
	c.Items = append(c.Items, Item{Key: key, Value: value, Src: src})
	if key == "lxc.mount.entry" && value != "" {
		c.MountEntrySrc = append(c.MountEntrySrc, src)
	}
	return nil
}

var errUnknownKey = errors.New("unsupported config key")

// IsUnknownKey reports whether err comes from a key LXC does not know.
func IsUnknownKey(err error) bool { return errors.Is(err, errUnknownKey) }

func (c *Container) include(path string) error {
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
		if !st.Mode().IsRegular() {
			return fmt.Errorf("include %s: not a regular file or directory (%s)", path, fileKind(st.Mode()))
		}
		return c.LoadFile(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("include %s: %w", path, err)
	}
	// LXC reads a directory in readdir order; golxc sorts the names so the
	// result never depends on the filesystem's hash order (a documented
	// difference; with the usual NN-name.conf files the order is the same).
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		// Whatever the type: LoadFile refuses all but regular files.
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

// Expanded renders the expanded configuration (includes followed, legacy
// keys under their current names, MAC templates resolved) as config
// lines that load back to the same configuration.
func (c *Container) Expanded() []byte {
	var b strings.Builder
	for _, it := range c.Items {
		v := it.Value
		// The parser trims blanks and strips one pair of matching quotes:
		// protect values that start and end with the same quote character
		// or with blanks (which only survive inside quotes).
		if len(v) > 1 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] || strings.Trim(v, " \t") != v {
			v = `"` + v + `"`
		}
		if v == "" {
			fmt.Fprintf(&b, "%s =\n", it.Key)
		} else {
			fmt.Fprintf(&b, "%s = %s\n", it.Key, v)
		}
	}
	return []byte(b.String())
}
