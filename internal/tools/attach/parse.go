package attachtool

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/quote"
)

// Privileges -e can keep (LXC's LXC_ATTACH_MOVE_TO_CGROUP,
// LXC_ATTACH_DROP_CAPABILITIES and LXC_ATTACH_LSM).
const (
	elevCgroup = 1 << iota
	elevCap
	elevLSM
	elevEverything = elevCgroup | elevCap | elevLSM
)

// parseElevated ORs the -e values: a bare -e means everything, otherwise
// each value is a |-separated list of CAP, CGROUP and LSM (exact case, as
// LXC's lxc_fill_elevated_privileges; empty tokens are skipped).
func parseElevated(all bool, tokens []string) (int, error) {
	if all {
		return elevEverything, nil
	}
	elev := 0
	for _, t := range tokens {
		for _, tok := range strings.Split(t, "|") {
			switch tok {
			case "":
			case "CGROUP":
				elev |= elevCgroup
			case "CAP":
				elev |= elevCap
			case "LSM":
				elev |= elevLSM
			default:
				return 0, fmt.Errorf("unknown privilege %s", quote.Short(tok))
			}
		}
	}
	return elev, nil
}

// invalidID is LXC's LXC_INVALID_UID/GID: (uid_t)-1 means "not given".
const invalidID = 1<<32 - 1

// parseID parses -u/-g like LXC's lxc_safe_uint: leading blanks skipped,
// no sign but '+', strtoul base 0 (0x hex, leading-0 octal), at most
// UINT_MAX. It returns -1 for UINT_MAX, which LXC treats as unset.
func parseID(s string) (int, error) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("negative id")
	}
	s = strings.TrimPrefix(s, "+")
	base := 10
	digits := s
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return 0, fmt.Errorf("invalid id %s", quote.Short(s))
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid id %s", quote.Short(s))
	}
	if v == invalidID {
		return -1, nil
	}
	return int(v), nil
}

// Linux personalities (sys/personality.h).
const (
	perLinux   = 0x0000
	perLinux32 = 0x0008
)

// archPersonality maps an lxc.arch / -a name to its personality.
func archPersonality(name string) (int, error) {
	is64, ok := config.ArchIs64(name)
	if !ok {
		return 0, fmt.Errorf("invalid architecture %s", quote.Short(name))
	}
	if is64 {
		return perLinux, nil
	}
	return perLinux32, nil
}

// Default PATH with --clear-env when PATH is not kept (LXC's).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// envList is an ordered environment where setting a name again replaces
// it in place, like setenv/putenv on environ.
type envList []string

// A NAME without '=' removes NAME, as glibc's putenv does.
func (e *envList) set(kv string) {
	name, _, hasValue := strings.Cut(kv, "=")
	for i, old := range *e {
		if strings.HasPrefix(old, name+"=") {
			if !hasValue {
				*e = append((*e)[:i], (*e)[i+1:]...)
				return
			}
			(*e)[i] = kv
			return
		}
	}
	if hasValue {
		*e = append(*e, kv)
	}
}

func lookupEnv(env []string, name string) (string, bool) {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// buildEnv computes the attached process's environment as LXC's
// lxc_attach_set_environment does: the caller's environment (--keep-env,
// the default) or only the --keep-var names plus a default PATH
// (--clear-env); then container=lxc, the container's lxc.environment and
// the -v variables, each overriding what came before. Variables of golxc's
// own internal protocol never pass.
func buildEnv(policy int, caller, keepVars, containerEnv, setVars []string) []string {
	var env envList
	if policy == clearEnv {
		pathKept := false
		for _, name := range keepVars {
			if v, ok := lookupEnv(caller, name); ok {
				env.set(name + "=" + v)
				if name == "PATH" {
					pathKept = true
				}
			}
		}
		if !pathKept {
			env.set("PATH=" + defaultPath)
		}
	} else {
		for _, kv := range caller {
			if !internalVar(kv) {
				env.set(kv)
			}
		}
	}
	env.set("container=lxc")
	for _, kv := range containerEnv {
		env.set(kv)
	}
	for _, kv := range setVars {
		env.set(kv)
	}
	return env
}

// internalVar reports golxc's private stage variables.
func internalVar(kv string) bool {
	return strings.HasPrefix(kv, "_GOLXC_")
}
