package config

import (
	"errors"
	"math"
	"strings"
)

// This file reproduces the C number parsers liblxc validates values with
// (strtoul/strtol with base 0 behind lxc_safe_uint, lxc_safe_int, ...), so
// golxc accepts and rejects exactly the numbers LXC does: "0x10" is 16,
// "010" is 8, "08" is an error, leading blanks are skipped, trailing
// garbage is an error.

var (
	errNotNumber = errors.New("not a number")
	errRange     = errors.New("number out of range")
	errNegative  = errors.New("negative number not allowed")
)

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// cStrtoull is C's strtoull: it returns the magnitude, whether a '-' sign
// was given, the unparsed rest, whether the value overflowed, and whether
// any digit was read (if not, rest is the whole input, as endptr==nptr).
func cStrtoull(s string, base int) (mag uint64, neg bool, rest string, overflow, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digit := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return int(c - '0')
		case c >= 'a' && c <= 'z':
			return int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			return int(c-'A') + 10
		}
		return 99
	}
	if base == 0 || base == 16 {
		if i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digit(s[i+2]) < 16 {
			i += 2
			base = 16
		} else if base == 0 {
			if i < len(s) && s[i] == '0' {
				base = 8
			} else {
				base = 10
			}
		}
	}
	start := i
	for i < len(s) {
		d := digit(s[i])
		if d >= base {
			break
		}
		if !overflow {
			if mag > (math.MaxUint64-uint64(d))/uint64(base) {
				overflow = true
			} else {
				mag = mag*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, false, s, false, false
	}
	return mag, neg, s[i:], overflow, true
}

// safeUint is lxc_safe_uint: unsigned 32-bit, base 0, no sign.
func safeUint(s string) (uint32, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if strings.HasPrefix(t, "-") {
		return 0, errNegative
	}
	mag, neg, rest, overflow, ok := cStrtoull(t, 0)
	switch {
	case overflow:
		return 0, errRange
	case !ok || rest != "":
		return 0, errNotNumber
	}
	if neg {
		mag = -mag
	}
	if mag > math.MaxUint32 {
		return 0, errRange
	}
	return uint32(mag), nil
}

// safeSigned is lxc_safe_int / lxc_safe_long_long: base 0, within
// [min, max].
func safeSigned(s string, min, max int64) (int64, error) {
	mag, neg, rest, overflow, ok := cStrtoull(s, 0)
	switch {
	case !ok || rest != "":
		return 0, errNotNumber
	case overflow:
		return 0, errRange
	}
	if neg {
		if mag > uint64(math.MaxInt64)+1 {
			return 0, errRange
		}
		v := -int64(mag - 1)
		v--
		if v < min {
			return 0, errRange
		}
		return v, nil
	}
	if mag > uint64(math.MaxInt64) || int64(mag) > max {
		return 0, errRange
	}
	return int64(mag), nil
}

// safeInt is lxc_safe_int.
func safeInt(s string) (int, error) {
	v, err := safeSigned(s, math.MinInt32, math.MaxInt32)
	return int(v), err
}

// parseBoolLXC accepts what LXC's boolean keys accept: an unsigned number
// (any base-0 spelling) that is 0 or 1.
func parseBoolLXC(v string) (bool, error) {
	n, err := safeUint(v)
	if err != nil {
		return false, errors.New("invalid boolean (want 0 or 1)")
	}
	if n > 1 {
		return false, errors.New("invalid boolean (want 0 or 1)")
	}
	return n == 1, nil
}

// Strtoull is C's strtoull(s, &end, base): it returns the value (negated
// values wrap, overflow gives the maximum), the unparsed rest, and whether
// any digit was read (if not, rest is s).
func Strtoull(s string, base int) (val uint64, rest string, ok bool) {
	mag, neg, rest, overflow, ok := cStrtoull(s, base)
	switch {
	case !ok:
		return 0, s, false
	case overflow:
		return math.MaxUint64, rest, true
	case neg:
		return -mag, rest, true
	}
	return mag, rest, true
}
