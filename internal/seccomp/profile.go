// Package seccomp reads LXC seccomp profiles (lxc.seccomp.profile,
// versions 1 and 2, as LXC's common.seccomp) and compiles them to a
// classic-BPF filter without libseccomp, so every tool stays a static
// binary without C libraries.
//
// Version 2 syntax (lxc.container.conf(5)):
//
//	2
//	denylist [DEFAULT-ACTION]     (or allowlist; blacklist/whitelist accepted)
//	reject_force_umount           # umount2(…, MNT_FORCE) fails with EACCES
//	[all]                         # section: all, x86_64/amd64, x86/i386, x32, arm64 …
//	kexec_load errno 1
//	mount kill [2,4096,SCMP_CMP_MASKED_EQ,4096]
//
// A denylist allows what it does not name and applies "kill" to named
// syscalls without an action; an allowlist kills what it does not name.
package seccomp

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/quote"
)

// Action is a seccomp return action.
type Action uint32

// Seccomp return values (linux/seccomp.h).
const (
	ActKillThread  Action = 0x00000000
	ActKillProcess Action = 0x80000000
	ActTrap        Action = 0x00030000
	ActErrno       Action = 0x00050000
	ActTrace       Action = 0x7ff00000
	ActLog         Action = 0x7ffc0000
	ActAllow       Action = 0x7fff0000
	ActNotify      Action = 0x7fc00000
)

// Op compares a syscall argument.
type Op int

// Comparison operators, as libseccomp names them.
const (
	OpNE Op = iota
	OpLT
	OpLE
	OpEQ
	OpGE
	OpGT
	OpMaskedEQ
)

// ArgCmp is one [index,value,op(,mask)] condition.
type ArgCmp struct {
	Index uint
	Op    Op
	Value uint64
	Mask  uint64 // for OpMaskedEQ: (arg & Mask) == Value
}

// Rule applies Action to syscall Name when all Args hold.
type Rule struct {
	Name   string
	Action Action
	Args   []ArgCmp
	// Arches limits the rule: "" = all of the host's, else "native", "compat", "x32".
	Arch string
	Line int
}

// Profile is a parsed seccomp profile.
type Profile struct {
	Version       int
	Denylist      bool
	DefaultAction Action // for syscalls no rule names
	Rules         []Rule
}

// ParseFile reads a profile.
func ParseFile(path string) (*Profile, error) {
	data, err := config.ReadConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	p, err := parse(bufio.NewScanner(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a profile from text.
func Parse(text string) (*Profile, error) {
	return parse(bufio.NewScanner(strings.NewReader(text)))
}

func parse(sc *bufio.Scanner) (*Profile, error) {
	p := &Profile{}
	lineNo := 0
	next := func() (string, bool) {
		for sc.Scan() {
			lineNo++
			return sc.Text(), true
		}
		return "", false
	}
	first, ok := next()
	if !ok {
		return nil, fmt.Errorf("empty profile")
	}
	v, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || (v != 1 && v != 2) {
		return nil, fmt.Errorf("line 1: unsupported profile version %s (want 1 or 2)", quote.Short(strings.TrimSpace(first)))
	}
	p.Version = v
	second, ok := next()
	if !ok {
		return nil, fmt.Errorf("line 2: missing policy type")
	}
	if v == 1 {
		// Version 1: "allowlist" (or whitelist) then one syscall number per line.
		if !strings.HasPrefix(strings.TrimSpace(second), "allowlist") && !strings.HasPrefix(strings.TrimSpace(second), "whitelist") {
			return nil, fmt.Errorf("line 2: version 1 profiles must be allowlists")
		}
		p.DefaultAction = ActKillThread
		for {
			l, ok := next()
			if !ok {
				break
			}
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			n, err := strconv.ParseUint(l, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s is not a syscall number", lineNo, quote.Short(l))
			}
			p.Rules = append(p.Rules, Rule{Name: "#" + strconv.FormatUint(n, 10), Action: ActAllow, Arch: "native", Line: lineNo})
		}
		return p, nil
	}
	policy := strings.Fields(stripComment(second))
	if len(policy) == 0 {
		return nil, fmt.Errorf("line 2: missing policy type")
	}
	var ruleDefault Action
	switch {
	case strings.HasPrefix(policy[0], "denylist") || strings.HasPrefix(policy[0], "blacklist"):
		p.Denylist = true
		p.DefaultAction, ruleDefault = ActAllow, ActKillThread
	case strings.HasPrefix(policy[0], "allowlist") || strings.HasPrefix(policy[0], "whitelist"):
		p.DefaultAction, ruleDefault = ActKillThread, ActAllow
	default:
		return nil, fmt.Errorf("line 2: bad seccomp policy style %q", policy[0])
	}
	if len(policy) > 1 {
		a, rest, err := parseAction(policy[1:])
		if err != nil {
			return nil, fmt.Errorf("line 2: %w", err)
		}
		if len(rest) > 0 {
			return nil, fmt.Errorf("line 2: unexpected %q", strings.Join(rest, " "))
		}
		p.DefaultAction = a
	}
	arch := ""
	for {
		l, ok := next()
		if !ok {
			break
		}
		l = strings.TrimSpace(stripComment(l))
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") && !strings.Contains(l, ",") {
			sec := strings.ToLower(strings.Trim(l, "[]"))
			switch sec {
			case "all", "all-x86":
				arch = ""
			case "x86_64", "amd64", "arm64", "aarch64", "native":
				arch = "native"
			case "x86", "i386", "i686", "arm", "armhf", "armel":
				arch = "compat"
			case "x32":
				arch = "x32"
			default:
				arch = "skip:" + sec // another architecture: not for this host
			}
			continue
		}
		if strings.HasPrefix(arch, "skip:") {
			continue
		}
		f := strings.Fields(l)
		r := Rule{Name: f[0], Action: ruleDefault, Arch: arch, Line: lineNo}
		if r.Name == "reject_force_umount" {
			const mntForce = 1
			p.Rules = append(p.Rules, Rule{Name: "umount2", Action: ActErrno | 13, Arch: arch, Line: lineNo,
				Args: []ArgCmp{{Index: 1, Op: OpMaskedEQ, Mask: mntForce, Value: mntForce}}})
			continue
		}
		rest := f[1:]
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "[") {
			a, more, err := parseAction(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			r.Action, rest = a, more
		}
		for _, a := range rest {
			c, err := parseArg(a)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			r.Args = append(r.Args, c)
		}
		if len(r.Args) > 6 {
			return nil, fmt.Errorf("line %d: at most 6 argument conditions", lineNo)
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

func stripComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// parseAction reads an action word (and its number) from the front of f.
func parseAction(f []string) (Action, []string, error) {
	switch f[0] {
	case "kill":
		return ActKillThread, f[1:], nil
	case "allow":
		return ActAllow, f[1:], nil
	case "trap":
		return ActTrap, f[1:], nil
	case "log":
		return ActLog, f[1:], nil
	case "notify":
		return 0, nil, fmt.Errorf("the notify action needs a seccomp notification proxy, which golxc does not provide")
	case "errno", "trace":
		if len(f) < 2 {
			return 0, nil, fmt.Errorf("%s needs a number", f[0])
		}
		n, err := strconv.ParseUint(f[1], 0, 16)
		if err != nil {
			return 0, nil, fmt.Errorf("bad %s value %q", f[0], f[1])
		}
		base := ActErrno
		if f[0] == "trace" {
			base = ActTrace
		}
		return base | Action(n), f[2:], nil
	}
	if strings.HasPrefix(f[0], "errno") {
		n, err := strconv.ParseUint(strings.TrimPrefix(f[0], "errno"), 0, 16)
		if err == nil {
			return ActErrno | Action(n), f[1:], nil
		}
	}
	return 0, nil, fmt.Errorf("unrecognized seccomp action %q", f[0])
}

var opNames = map[string]Op{
	"SCMP_CMP_NE": OpNE, "!=": OpNE, "SCMP_CMP_LT": OpLT, "<": OpLT, "SCMP_CMP_LE": OpLE, "<=": OpLE,
	"SCMP_CMP_EQ": OpEQ, "==": OpEQ, "SCMP_CMP_GE": OpGE, ">=": OpGE, "SCMP_CMP_GT": OpGT, ">": OpGT,
	"SCMP_CMP_MASKED_EQ": OpMaskedEQ, "&=": OpMaskedEQ,
}

// parseArg reads "[index,value,op]" or "[index,value,op,mask]". As in LXC,
// for the masked comparison the fourth field is the mask.
func parseArg(s string) (ArgCmp, error) {
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return ArgCmp{}, fmt.Errorf("bad argument condition %q", s)
	}
	f := strings.Split(strings.Trim(s, "[]"), ",")
	if len(f) != 3 && len(f) != 4 {
		return ArgCmp{}, fmt.Errorf("bad argument condition %q", s)
	}
	idx, err := strconv.ParseUint(strings.TrimSpace(f[0]), 0, 8)
	if err != nil || idx >= 6 {
		return ArgCmp{}, fmt.Errorf("bad argument index in %q", s)
	}
	val, err := strconv.ParseUint(strings.TrimSpace(f[1]), 0, 64)
	if err != nil {
		return ArgCmp{}, fmt.Errorf("bad argument value in %q", s)
	}
	op, ok := opNames[strings.TrimSpace(f[2])]
	if !ok {
		return ArgCmp{}, fmt.Errorf("bad argument operator in %q", s)
	}
	c := ArgCmp{Index: uint(idx), Op: op, Value: val}
	if len(f) == 4 {
		m, err := strconv.ParseUint(strings.TrimSpace(f[3]), 0, 64)
		if err != nil {
			return ArgCmp{}, fmt.Errorf("bad argument mask in %q", s)
		}
		c.Mask = m
	}
	// As LXC: the masked comparison tests (arg & mask) == value.
	return c, nil
}
