package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func parseBool(v string) (bool, error) {
	switch v {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("invalid boolean %q (want 0 or 1)", v)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func parseUint(v string, bits int) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("invalid unsigned number %q", v)
	}
	return n, nil
}

func parseInt(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", v)
	}
	return int(n), nil
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

// ParseSignal parses LXC's signal syntax: a decimal number, SIG<NAME>
// (case-insensitive), SIGRTMIN+N or SIGRTMAX-N.
func ParseSignal(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n > sigRTMax {
			return 0, fmt.Errorf("invalid signal number %d", n)
		}
		return n, nil
	}
	u := strings.ToUpper(v)
	if !strings.HasPrefix(u, "SIG") {
		return 0, fmt.Errorf("invalid signal %q (names need the SIG prefix)", v)
	}
	u = u[3:]
	switch {
	case u == "RTMIN":
		return sigRTMin, nil
	case u == "RTMAX":
		return sigRTMax, nil
	case strings.HasPrefix(u, "RTMIN+"):
		n, err := strconv.Atoi(u[6:])
		if err != nil || n < 0 || sigRTMin+n > sigRTMax {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		return sigRTMin + n, nil
	case strings.HasPrefix(u, "RTMAX-"):
		n, err := strconv.Atoi(u[6:])
		if err != nil || n < 0 || sigRTMax-n < sigRTMin {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		return sigRTMax - n, nil
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

// CapNumber returns the number of a capability name ("sys_admin", or a
// decimal number as LXC also accepts), or -1.
func CapNumber(name string) int {
	n := strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "cap_"))
	if v, ok := capNames[n]; ok {
		return v
	}
	if v, err := strconv.Atoi(name); err == nil && v >= 0 && v < 64 {
		return v
	}
	return -1
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
// last token, as LXC does.
type MountAuto struct {
	Proc         string // "", "mixed", "rw"
	Sys          string // "", "mixed", "ro", "rw"
	Cgroup       string // "", "mixed", "ro", "rw", "nomode" (plain "cgroup": rw with CAP_SYS_ADMIN else mixed)
	CgroupFull   bool
	CgroupForce  bool
	Cgroup2      string // "", "rw", "ro"
	Cgroup2Force bool
	Shmounts     string // HOSTPATH[:CONTPATH]
}

// Empty reports whether nothing is automounted.
func (m MountAuto) Empty() bool { return m == MountAuto{} }

func (m *MountAuto) add(tok string) error {
	switch tok {
	case "proc", "proc:mixed":
		m.Proc = "mixed"
	case "proc:rw":
		m.Proc = "rw"
	case "sys", "sys:mixed":
		m.Sys = "mixed"
	case "sys:ro":
		m.Sys = "ro"
	case "sys:rw":
		m.Sys = "rw"
	case "cgroup2", "cgroup2:force":
		m.Cgroup2, m.Cgroup2Force = "rw", tok == "cgroup2:force"
	case "cgroup2:ro", "cgroup2:ro:force":
		m.Cgroup2, m.Cgroup2Force = "ro", tok == "cgroup2:ro:force"
	default:
		if strings.HasPrefix(tok, "shmounts:") {
			if len(tok) == len("shmounts:") {
				return fmt.Errorf("invalid lxc.mount.auto token %q: shmounts needs a host path", tok)
			}
			m.Shmounts = tok[len("shmounts:"):]
			return nil
		}
		full := false
		rest := ""
		switch {
		case tok == "cgroup" || strings.HasPrefix(tok, "cgroup:"):
			rest = strings.TrimPrefix(tok, "cgroup")
		case tok == "cgroup-full" || strings.HasPrefix(tok, "cgroup-full:"):
			full = true
			rest = strings.TrimPrefix(tok, "cgroup-full")
		default:
			return fmt.Errorf("invalid filesystem to automount %q", tok)
		}
		mode, force := "nomode", false
		parts := strings.Split(strings.TrimPrefix(rest, ":"), ":")
		if rest == "" {
			parts = nil
		}
		for i, p := range parts {
			switch {
			case p == "force" && i == len(parts)-1:
				force = true
			case (p == "mixed" || p == "ro" || p == "rw") && i == 0:
				mode = p
			default:
				return fmt.Errorf("invalid filesystem to automount %q", tok)
			}
		}
		m.Cgroup, m.CgroupFull, m.CgroupForce = mode, full, force
	}
	return nil
}

// String renders the canonical form LXC's getter prints.
func (m MountAuto) String() string {
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
	var n [3]uint64
	for i := 0; i < 3; i++ {
		x, err := strconv.ParseUint(f[i+1], 10, 32)
		if err != nil {
			return IDMap{}, fmt.Errorf("invalid idmap %q: %q is not a number", v, f[i+1])
		}
		n[i] = x
	}
	if n[2] == 0 {
		return IDMap{}, fmt.Errorf("invalid idmap %q: range must be positive", v)
	}
	return IDMap{Kind: f[0][0], NSID: uint32(n[0]), HostID: uint32(n[1]), Range: uint32(n[2])}, nil
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

func parseRlimitValue(s string) (uint64, error) {
	if s == "unlimited" {
		return Unlimited, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid limit %q", s)
	}
	return n, nil
}

func parsePrlimit(name, v string) (Prlimit, error) {
	if _, ok := RlimitResources[name]; !ok {
		return Prlimit{}, fmt.Errorf("unknown resource limit %q", name)
	}
	p := Prlimit{Name: name, Raw: v}
	soft, hard, two := strings.Cut(v, ":")
	var err error
	if p.Soft, err = parseRlimitValue(strings.TrimSpace(soft)); err != nil {
		return p, err
	}
	p.Hard = p.Soft
	if two {
		if p.Hard, err = parseRlimitValue(strings.TrimSpace(hard)); err != nil {
			return p, err
		}
	}
	return p, nil
}

// parseSize parses lxc.console.size / buffer.size values: "auto", a number,
// or a number with KB/MB/GB (case-insensitive, powers of 1024).
func parseSize(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	if v == "auto" {
		return 128 * 1024, nil
	}
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := uint64(1)
	for _, u := range []struct {
		suf string
		m   uint64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", v)
	}
	return n * mult, nil
}

// NamespaceNames are the /proc/PID/ns names LXC accepts in lxc.namespace.*.
var NamespaceNames = []string{"user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"}

// NamespaceFlags maps proc names to CLONE_NEW* flags.
var NamespaceFlags = map[string]uintptr{
	"user": unix.CLONE_NEWUSER, "mnt": unix.CLONE_NEWNS, "pid": unix.CLONE_NEWPID,
	"uts": unix.CLONE_NEWUTS, "ipc": unix.CLONE_NEWIPC, "net": unix.CLONE_NEWNET,
	"cgroup": unix.CLONE_NEWCGROUP, "time": unix.CLONE_NEWTIME,
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
