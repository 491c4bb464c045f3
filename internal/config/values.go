package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// parseBool is kept for callers that want a strict 0/1 (empty = false).
func parseBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return parseBoolLXC(v)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Signal names accepted after "SIG" (case-insensitive), as LXC's table.
var signalNames = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
	"KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
	"STKFLT": 16, "CLD": 17, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22,
	"URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29,
	"PWR": 30, "SYS": 31,
}

const sigRTMin, sigRTMax = 34, 64

// maxSignal is the highest signal number of Linux (SIGRTMAX).
const maxSignal = sigRTMax

// ParseSignal parses LXC's signal syntax (sig_parse): a number (any
// base-0 spelling), SIG<NAME> (case-insensitive), SIGRTMIN+N or
// SIGRTMAX-N within the real-time range. An empty value or 0 is 0 (the
// key's default). Unlike LXC, a number that is no signal (above 64) is
// refused here, not when the signal is sent: a container whose stop
// signal cannot be sent could not be stopped.
func ParseSignal(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := safeInt(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid signal number %q", v)
		}
		if n > maxSignal {
			return 0, fmt.Errorf("%q is not a signal number (want 1-%d, SIGNAME, SIGRTMIN+N or SIGRTMAX-N)", v, maxSignal)
		}
		return n, nil
	}
	if len(v) < 3 || !strings.EqualFold(v[:3], "SIG") {
		return 0, fmt.Errorf("invalid signal %q (names need the SIG prefix)", v)
	}
	u := strings.ToUpper(v[3:])
	rt := func(off string, sign int, base int) (int, error) {
		n, err := safeInt(off)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		s := base + sign*n
		if s < sigRTMin || s > sigRTMax {
			return 0, fmt.Errorf("invalid signal %q: out of the real-time range", v)
		}
		return s, nil
	}
	switch {
	case strings.HasPrefix(u, "RTMIN+"):
		return rt(v[9:], 1, sigRTMin)
	case strings.HasPrefix(u, "RTMAX-"):
		return rt(v[9:], -1, sigRTMax)
	}
	if n, ok := signalNames[u]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("invalid signal %q", v)
}

// capNames lists capability names LXC accepts (lower case, no CAP_ prefix).
var capNames = map[string]int{
	"chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3, "fsetid": 4, "kill": 5,
	"setgid": 6, "setuid": 7, "setpcap": 8, "linux_immutable": 9, "net_bind_service": 10,
	"net_broadcast": 11, "net_admin": 12, "net_raw": 13, "ipc_lock": 14, "ipc_owner": 15,
	"sys_module": 16, "sys_rawio": 17, "sys_chroot": 18, "sys_ptrace": 19, "sys_pacct": 20,
	"sys_admin": 21, "sys_boot": 22, "sys_nice": 23, "sys_resource": 24, "sys_time": 25,
	"sys_tty_config": 26, "mknod": 27, "lease": 28, "audit_write": 29, "audit_control": 30,
	"setfcap": 31, "mac_override": 32, "mac_admin": 33, "syslog": 34, "wake_alarm": 35,
	"block_suspend": 36, "audit_read": 37, "perfmon": 38, "bpf": 39, "checkpoint_restore": 40,
}

// lastCap is the highest capability of the running kernel
// (/proc/sys/kernel/cap_last_cap), which bounds numeric capabilities.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return n
		}
	}
	return 40
}

// CapNumber returns the number of a capability as lxc.cap.drop/keep
// accept it: a lower-case name without CAP_ ("sys_admin") or a number up to
// the kernel's last capability; -1 otherwise. The legacy "CAP_" prefix and
// upper case are accepted too for callers outside the config parser.
func CapNumber(name string) int {
	if n, ok := capNumberStrict(name); ok {
		return n
	}
	n := strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "cap_"))
	if v, ok := capNames[n]; ok {
		return v
	}
	return -1
}

// capNumberStrict is LXC's parse_cap: exact lower-case names, or numbers.
func capNumberStrict(name string) (int, bool) {
	if v, ok := capNames[name]; ok {
		return v, true
	}
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		n, err := safeInt(name)
		if err == nil && n >= 0 && n <= lastCap() {
			return n, true
		}
	}
	return -1, false
}

// CapName returns the lower-case name of capability n.
func CapName(n int) string {
	for k, v := range capNames {
		if v == n {
			return k
		}
	}
	return strconv.Itoa(n)
}

// MountAuto is the parsed lxc.mount.auto state. Each family keeps only its
// last token, as LXC does; cgroup, cgroup-full and cgroup2 are one family
// (a later token of any of them replaces an earlier one).
type MountAuto struct {
	Proc         string // "", "mixed", "rw"
	Sys          string // "", "mixed", "ro", "rw"
	Cgroup       string // "", "mixed", "ro", "rw", "nomode" (plain "cgroup": rw with CAP_SYS_ADMIN else mixed)
	CgroupFull   bool
	CgroupForce  bool
	Cgroup2      string // "", "rw", "ro"
	Cgroup2Force bool
	Shmounts     string // HOSTPATH[:CONTPATH] as written
}

// Empty reports whether nothing is automounted.
func (m MountAuto) Empty() bool { return m == MountAuto{} }

// ShmountsPaths returns the host and container paths of shmounts:
// (the container path defaults to /dev/.lxc-mounts).
func (m MountAuto) ShmountsPaths() (host, cont string) {
	host, cont, _ = strings.Cut(m.Shmounts, ":")
	if cont == "" {
		cont = "/dev/.lxc-mounts"
	}
	return host, cont
}

func (m *MountAuto) add(tok string) error {
	switch tok {
	case "proc", "proc:mixed":
		m.Proc = "mixed"
		return nil
	case "proc:rw":
		m.Proc = "rw"
		return nil
	case "sys", "sys:mixed":
		m.Sys = "mixed"
		return nil
	case "sys:ro":
		m.Sys = "ro"
		return nil
	case "sys:rw":
		m.Sys = "rw"
		return nil
	case "cgroup2", "cgroup2:force", "cgroup2:ro", "cgroup2:ro:force":
		m.Cgroup, m.CgroupFull, m.CgroupForce = "", false, false
		m.Cgroup2 = "rw"
		if strings.HasPrefix(tok, "cgroup2:ro") {
			m.Cgroup2 = "ro"
		}
		m.Cgroup2Force = strings.HasSuffix(tok, ":force")
		return nil
	}
	if strings.HasPrefix(tok, "shmounts:") {
		m.Shmounts = tok[len("shmounts:"):]
		return nil
	}
	var rest string
	full := false
	switch {
	case tok == "cgroup" || strings.HasPrefix(tok, "cgroup:"):
		rest = tok[len("cgroup"):]
	case tok == "cgroup-full" || strings.HasPrefix(tok, "cgroup-full:"):
		full, rest = true, tok[len("cgroup-full"):]
	default:
		return fmt.Errorf("invalid filesystem to automount %q", tok)
	}
	mode, force := "nomode", false
	switch rest {
	case "":
	case ":force":
		force = true
	case ":mixed", ":ro", ":rw":
		mode = rest[1:]
	case ":mixed:force", ":ro:force", ":rw:force":
		mode, force = strings.TrimSuffix(rest[1:], ":force"), true
	default:
		return fmt.Errorf("invalid filesystem to automount %q", tok)
	}
	m.Cgroup2, m.Cgroup2Force = "", false
	m.Cgroup, m.CgroupFull, m.CgroupForce = mode, full, force
	return nil
}

// String renders what LXC's getter prints: proc, sys and the cgroup v1
// family only; forced cgroup mounts, cgroup2 and shmounts are not shown
// (LXC's getter has no case for them).
func (m MountAuto) String() string {
	var out []string
	if m.Proc != "" {
		out = append(out, "proc:"+m.Proc)
	}
	if m.Sys != "" {
		out = append(out, "sys:"+m.Sys)
	}
	if m.Cgroup != "" && !m.CgroupForce {
		s := "cgroup"
		if m.CgroupFull {
			s = "cgroup-full"
		}
		if m.Cgroup != "nomode" {
			s += ":" + m.Cgroup
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// Tokens renders every setting as lxc.mount.auto tokens (a complete,
// re-parsable form, unlike String).
func (m MountAuto) Tokens() string {
	var out []string
	if m.Proc != "" {
		out = append(out, "proc:"+m.Proc)
	}
	if m.Sys != "" {
		out = append(out, "sys:"+m.Sys)
	}
	if m.Cgroup != "" {
		s := "cgroup"
		if m.CgroupFull {
			s = "cgroup-full"
		}
		if m.Cgroup != "nomode" {
			s += ":" + m.Cgroup
		}
		if m.CgroupForce {
			s += ":force"
		}
		out = append(out, s)
	}
	if m.Cgroup2 != "" {
		s := "cgroup2"
		if m.Cgroup2 == "ro" {
			s += ":ro"
		}
		if m.Cgroup2Force {
			s += ":force"
		}
		out = append(out, s)
	}
	if m.Shmounts != "" {
		out = append(out, "shmounts:"+m.Shmounts)
	}
	return strings.Join(out, " ")
}

func parseIDMap(v string) (IDMap, error) {
	f := strings.Fields(v)
	if len(f) != 4 || (f[0] != "u" && f[0] != "g") {
		return IDMap{}, fmt.Errorf("invalid idmap %q (want \"u|g NSID HOSTID RANGE\")", v)
	}
	var n [3]uint32
	for i := 0; i < 3; i++ {
		x, err := safeUint(f[i+1])
		if err != nil {
			return IDMap{}, fmt.Errorf("invalid idmap %q: %q is not an unsigned 32-bit number", v, f[i+1])
		}
		n[i] = x
	}
	return IDMap{Kind: f[0][0], NSID: n[0], HostID: n[1], Range: n[2]}, nil
}

func (m IDMap) String() string {
	return fmt.Sprintf("%c %d %d %d", m.Kind, m.NSID, m.HostID, m.Range)
}

// RlimitResources maps lxc.prlimit names to RLIMIT_* numbers.
var RlimitResources = map[string]int{
	"as": unix.RLIMIT_AS, "core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU, "data": unix.RLIMIT_DATA,
	"fsize": unix.RLIMIT_FSIZE, "locks": 10, "memlock": unix.RLIMIT_MEMLOCK, "msgqueue": 12,
	"nice": 13, "nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "rss": 5,
	"rtprio": 14, "rttime": 15, "sigpending": 11, "stack": unix.RLIMIT_STACK,
}

// parseLimitValue is LXC's parse_limit_value: "unlimited" as a prefix, or
// strtoull base 10 (so "-1" wraps to unlimited). It returns the rest.
func parseLimitValue(s string) (uint64, string, error) {
	if strings.HasPrefix(s, "unlimited") {
		return Unlimited, s[len("unlimited"):], nil
	}
	mag, neg, rest, overflow, ok := cStrtoull(s, 10)
	if overflow {
		return 0, s, fmt.Errorf("limit %q out of range", s)
	}
	if !ok {
		return 0, s, nil // strtoull read nothing: value 0, nothing consumed
	}
	if neg {
		mag = -mag
	}
	return mag, rest, nil
}

func parsePrlimit(name, v string) (Prlimit, error) {
	p := Prlimit{Name: name, Raw: v}
	bad := fmt.Errorf("invalid limit %q (want SOFT[:HARD], numbers or \"unlimited\")", v)
	soft, rest, err := parseLimitValue(v)
	if err != nil {
		return p, err
	}
	p.Soft = soft
	rest = strings.TrimLeft(rest, " \t\n\v\f\r")
	if strings.HasPrefix(rest, ":") {
		rest = rest[1:]
	} else if rest != "" {
		return p, bad
	}
	rest = strings.TrimLeft(rest, " \t\n\v\f\r")
	if rest == "" {
		p.Hard = p.Soft
		return p, nil
	}
	hard, rest, err := parseLimitValue(rest)
	if err != nil {
		return p, err
	}
	if strings.TrimLeft(rest, " \t\n\v\f\r") != "" {
		return p, bad
	}
	p.Hard = hard
	return p, nil
}

// String renders a limit as LXC's getter does: SOFT, or SOFT:HARD when they
// differ, with "unlimited" for RLIM_INFINITY.
func (p Prlimit) String() string {
	f := func(v uint64) string {
		if v == Unlimited {
			return "unlimited"
		}
		return strconv.FormatUint(v, 10)
	}
	if p.Soft == p.Hard {
		return f(p.Soft)
	}
	return f(p.Soft) + ":" + f(p.Hard)
}

// parseByteSize is LXC's parse_byte_size_string: a base-0 number, with an
// optional two-letter KB/MB/GB suffix (case-insensitive, powers of 1024);
// a single trailing letter is ignored, as in LXC.
func parseByteSize(v string) (int64, error) {
	bad := fmt.Errorf("invalid size %q", v)
	if v == "" || len(v) > 20 {
		return 0, bad
	}
	isAlpha := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	last := v[len(v)-1]
	suffix := 0
	switch {
	case isDigit(last):
	case isAlpha(last):
		suffix = 1
	default:
		return 0, bad
	}
	if suffix > 0 && len(v) == 2 && !isDigit(v[0]) {
		return 0, bad
	}
	if suffix > 0 && len(v) >= 2 && isAlpha(v[len(v)-2]) {
		suffix = 2
	}
	num := strings.TrimRight(v[:len(v)-suffix], " \t\n")
	n, err := safeSigned(num, math.MinInt64, math.MaxInt64)
	if err != nil {
		return 0, bad
	}
	if suffix != 2 {
		return n, nil
	}
	var mult int64
	switch strings.ToUpper(v[len(v)-2:]) {
	case "KB":
		mult = 1 << 10
	case "MB":
		mult = 1 << 20
	case "GB":
		mult = 1 << 30
	default:
		return 0, bad
	}
	if n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("size %q out of range", v)
	}
	return n * mult, nil
}

// parseConsoleSize parses lxc.console.size / lxc.console.buffer.size as
// LXC stores them: "auto" is 128 KiB; other sizes are raised to at least a
// page and to the next power of two.
func parseConsoleSize(v string) (uint64, error) {
	if v == "auto" {
		return 1 << 17, nil
	}
	n, err := parseByteSize(v)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("invalid size %q: negative", v)
	}
	size := uint64(n)
	if pg := uint64(os.Getpagesize()); size < pg {
		size = pg
	}
	p := uint64(1)
	for p < size {
		if p > math.MaxUint64/2 {
			return 0, fmt.Errorf("size %q out of range", v)
		}
		p <<= 1
	}
	return p, nil
}

// parseSize is kept for callers that want the plain byte value.
func parseSize(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	return parseConsoleSize(v)
}

// NamespaceNames are the /proc/PID/ns names LXC accepts in lxc.namespace.*,
// in LXC's order (the order its getters print).
var NamespaceNames = []string{"user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"}

// NamespaceFlags maps proc names to CLONE_NEW* flags.
var NamespaceFlags = map[string]uintptr{
	"user": unix.CLONE_NEWUSER, "mnt": unix.CLONE_NEWNS, "pid": unix.CLONE_NEWPID,
	"uts": unix.CLONE_NEWUTS, "ipc": unix.CLONE_NEWIPC, "net": unix.CLONE_NEWNET,
	"cgroup": unix.CLONE_NEWCGROUP, "time": unix.CLONE_NEWTIME,
}

// ParseNamespaceOption reads the -s value of lxc-attach and lxc-unshare as
// LXC does (lxc_fill_namespace_flags): MOUNT, NETWORK and UTSNAME are
// rewritten to mnt, net and uts wherever they occur, then the |-separated
// tokens (empty ones skipped) are matched case-insensitively against the
// proc names. It returns the proc names in LXC's order.
func ParseNamespaceOption(s string) ([]string, error) {
	s = strings.NewReplacer("MOUNT", "mnt", "NETWORK", "net", "UTSNAME", "uts").Replace(s)
	want := map[string]bool{}
	for _, tok := range strings.Split(s, "|") {
		if tok == "" {
			continue
		}
		found := false
		for _, n := range NamespaceNames {
			if strings.EqualFold(tok, n) {
				want[n], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown namespace %q", tok)
		}
	}
	if len(want) == 0 {
		return nil, errors.New("no namespace given")
	}
	var out []string
	for _, n := range NamespaceNames {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func parseNamespaces(v string) ([]string, error) {
	var out []string
	for _, tok := range strings.Fields(v) {
		t := strings.ToLower(tok)
		if _, ok := NamespaceFlags[t]; !ok {
			return nil, fmt.Errorf("unknown namespace %q (want one of %s)", tok, strings.Join(NamespaceNames, " "))
		}
		out = append(out, t)
	}
	return out, nil
}

// mergeNamespaces adds add to cur, keeping LXC's canonical order and no
// duplicates (LXC stores a flag mask).
func mergeNamespaces(cur, add []string) []string {
	set := map[string]bool{}
	for _, n := range cur {
		set[n] = true
	}
	for _, n := range add {
		set[n] = true
	}
	var out []string
	for _, n := range NamespaceNames {
		if set[n] {
			out = append(out, n)
		}
	}
	return out
}

var personalities = map[string]bool{
	"arm": false, "armel": false, "armhf": false, "armv7l": false, "athlon": false, "i386": false,
	"i486": false, "i586": false, "i686": false, "linux32": false, "mips": false, "mipsel": false,
	"ppc": false, "powerpc": false, "x86": false,
	"aarch64": true, "amd64": true, "arm64": true, "linux64": true, "mips64": true, "mips64el": true,
	"ppc64": true, "ppc64el": true, "ppc64le": true, "powerpc64": true, "riscv64": true,
	"s390x": true, "x86_64": true,
}

// ArchIs64 reports whether a valid lxc.arch name is a 64-bit personality.
func ArchIs64(a string) (is64, ok bool) {
	is64, ok = personalities[a]
	return
}

var errEmptyNotAllowed = errors.New("must not be empty")

// multiarch is Debian's multiarch triplet of the build architecture, which
// LXC's Debian build uses in its compiled-in paths.
func multiarch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	case "386":
		return "i386-linux-gnu"
	case "arm":
		return "arm-linux-gnueabihf"
	case "ppc64le":
		return "powerpc64le-linux-gnu"
	case "s390x":
		return "s390x-linux-gnu"
	case "riscv64":
		return "riscv64-linux-gnu"
	}
	return runtime.GOARCH + "-linux-gnu"
}

// DefaultRootfsMount is the host mount point LXC uses for the rootfs when
// lxc.rootfs.mount is unset (<libdir>/lxc/rootfs of Debian's build), and
// what `lxc-info -c lxc.rootfs.mount` prints then.
var DefaultRootfsMount = "/usr/lib/" + multiarch() + "/lxc/rootfs"

var logLevelNames = []string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL"}

// parseLogLevel accepts a number 0..8 (base-0 spelling, as LXC) or a level
// name (case-insensitive).
func parseLogLevel(v string) (int, bool) {
	if v[0] >= '0' && v[0] <= '9' {
		n, err := safeInt(v)
		return n, err == nil && n >= 0 && n <= 8
	}
	for i, n := range logLevelNames {
		if strings.EqualFold(n, v) {
			return i, true
		}
	}
	return 0, false
}

func logLevelName(n int) string {
	if n < 0 || n >= len(logLevelNames) {
		return "NOTSET"
	}
	return logLevelNames[n]
}

// parseTimeOffset is LXC's time offset syntax: a base-10 signed number
// followed by a unit (h, m, s, ms, us, ns; blanks allowed before it). It
// returns seconds for h/m/s and nanoseconds for the others.
func parseTimeOffset(v string) (sec, nsec int64, isSec bool, err error) {
	bad := fmt.Errorf("invalid time offset %q (want a number with unit h, m, s, ms, us or ns)", v)
	mag, neg, rest, overflow, ok := cStrtoull(v, 10)
	if !ok || overflow || mag > math.MaxInt64 || len(rest) > 2 {
		return 0, 0, false, bad
	}
	n := int64(mag)
	if neg {
		n = -n
	}
	mul := func(f int64) (int64, error) {
		if n != 0 && (n > math.MaxInt64/f || n < math.MinInt64/f) {
			return 0, fmt.Errorf("time offset %q out of range", v)
		}
		return n * f, nil
	}
	var r int64
	switch strings.Trim(rest, " \t\n\v\f\r") {
	case "h":
		r, err = mul(3600)
		return r, 0, true, err
	case "m":
		r, err = mul(60)
		return r, 0, true, err
	case "s":
		return n, 0, true, nil
	case "ms":
		r, err = mul(1000000)
		return 0, r, false, err
	case "us":
		r, err = mul(1000)
		return 0, r, false, err
	case "ns":
		return 0, n, false, nil
	}
	return 0, 0, false, bad
}

// Resource returns the RLIMIT_* number of the limit's name. LXC accepts any
// name when loading a config and fails only when the container starts, so
// the runtime must check ok (an unknown name must not become RLIMIT_CPU).
func (p Prlimit) Resource() (int, bool) {
	r, ok := RlimitResources[p.Name]
	return r, ok
}
