package cgroup

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/quote"
)

// DeviceRule is one devices.allow / devices.deny line.
type DeviceRule struct {
	Allow  bool
	Type   byte   // 'a', 'b' or 'c'
	Major  int64  // -1 = '*'
	Minor  int64  // -1 = '*'
	Access string // subset of "rwm"
}

func (r DeviceRule) String() string {
	if r.Type == 'a' {
		return "a"
	}
	num := func(n int64) string {
		if n < 0 {
			return "*"
		}
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)
}

// ParseDeviceRule parses "a", "c 1:3 rwm", "b *:* m", "c 136:* rwm".
func ParseDeviceRule(allow bool, s string) (DeviceRule, error) {
	f := strings.Fields(s)
	r := DeviceRule{Allow: allow, Major: -1, Minor: -1, Access: "rwm"}
	if len(f) == 0 || len(f[0]) != 1 || !strings.Contains("abc", f[0]) {
		return r, fmt.Errorf("invalid device rule %s", quote.Short(s))
	}
	r.Type = f[0][0]
	if r.Type == 'a' {
		if len(f) > 1 && f[1] != "*:*" {
			return r, fmt.Errorf("invalid device rule %s", quote.Short(s))
		}
		if len(f) > 2 {
			r.Access = f[2]
		}
		return r, nil
	}
	if len(f) < 2 || len(f) > 3 {
		return r, fmt.Errorf("invalid device rule %s", quote.Short(s))
	}
	maj, min, ok := strings.Cut(f[1], ":")
	if !ok {
		return r, fmt.Errorf("invalid device rule %s: want MAJOR:MINOR", quote.Short(s))
	}
	var err error
	if r.Major, err = parseDevNum(maj); err != nil {
		return r, fmt.Errorf("invalid device rule %s: %v", quote.Short(s), err)
	}
	if r.Minor, err = parseDevNum(min); err != nil {
		return r, fmt.Errorf("invalid device rule %s: %v", quote.Short(s), err)
	}
	if len(f) == 3 {
		r.Access = f[2]
	}
	if r.Access == "" || strings.Trim(r.Access, "rwm") != "" {
		return r, fmt.Errorf("invalid device rule %s: access must be a subset of rwm", quote.Short(s))
	}
	return r, nil
}

func parseDevNum(s string) (int64, error) {
	if s == "*" {
		return -1, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad device number %s", quote.Short(s))
	}
	return int64(n), nil
}

// DeviceRulesFrom extracts device rules from raw cgroup items ("devices.allow",
// "devices.deny" keys), in order.
func DeviceRulesFrom(items [][2]string) ([]DeviceRule, error) {
	var out []DeviceRule
	for _, kv := range items {
		var allow bool
		switch kv[0] {
		case "devices.allow":
			allow = true
		case "devices.deny":
		default:
			continue
		}
		r, err := ParseDeviceRule(allow, kv[1])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// IsDeviceKey reports whether a raw cgroup key is a device rule.
func IsDeviceKey(k string) bool { return k == "devices.allow" || k == "devices.deny" }
