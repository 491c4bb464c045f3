// Package container holds the operations on a container directory that
// lxc-create, lxc-destroy, lxc-copy and lxc-snapshot share: LXC's way of
// saving a config ("unexpanded" text), the partial-creation marker, the
// snapshot dependency files, destroy and clone.
package container

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/golxc/golxc/internal/config"

	rand "github.com/golxc/golxc/internal/randbytes"
)

// Unexpanded is a config file as LXC keeps and saves it: the lines of the
// file as read (comments and unknown lines included, lines of included
// files not), each ending in "\n". LXC splits a file on '\r' and '\n' and
// drops empty lines, while a line of blanks is kept as an empty line; a
// saved config therefore differs from its source in exactly those ways.
type Unexpanded struct {
	Lines []string // without the terminating "\n"
}

// ReadUnexpanded reads path as LXC's config loader records it, expanding
// the 'x' placeholders of hwaddr lines as LXC does when it loads a config.
func ReadUnexpanded(path string) (*Unexpanded, error) {
	data, err := config.ReadConfigFile(path)
	if err != nil {
		return nil, err
	}
	return ParseUnexpanded(string(data)), nil
}

// ParseUnexpanded splits text with LXC's rules.
func ParseUnexpanded(text string) *Unexpanded {
	u := &Unexpanded{}
	for _, l := range strings.FieldsFunc(text, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if strings.TrimLeft(l, " \t\v\f") == "" {
			l = ""
		} else if IsHWAddrLine(l) {
			l = expandHWAddrLine(l)
		}
		u.Lines = append(u.Lines, l)
	}
	return u
}

// String renders the text LXC writes.
func (u *Unexpanded) String() string {
	var b strings.Builder
	for _, l := range u.Lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Append adds "key = value", as LXC's set_config_item does.
func (u *Unexpanded) Append(key, value string) {
	u.Lines = append(u.Lines, key+" = "+value)
}

// Clear removes the lines setting key: lines that begin (in column 0)
// with key followed by a blank or '=', or with subkeys too.
func (u *Unexpanded) Clear(key string, subkeys bool) {
	out := u.Lines[:0]
	for _, l := range u.Lines {
		if strings.HasPrefix(l, key) {
			if subkeys {
				continue
			}
			rest := l[len(key):]
			if rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '=' {
				continue
			}
		}
		out = append(out, l)
	}
	u.Lines = out
}

// Get returns the value of the last column-0 line setting key.
func (u *Unexpanded) Get(key string) (string, bool) {
	for i := len(u.Lines) - 1; i >= 0; i-- {
		l := u.Lines[i]
		if !strings.HasPrefix(l, key) {
			continue
		}
		rest := strings.TrimLeft(l[len(key):], " \t")
		if strings.HasPrefix(rest, "=") {
			return strings.TrimSpace(rest[1:]), true
		}
	}
	return "", false
}

var hwaddrKey = regexp.MustCompile(`^lxc\.(net|network)(\.[0-9]+)?\.hwaddr`)

// IsHWAddrLine reports a line setting a NIC's MAC (LXC's
// lxc_config_net_is_hwaddr: column 0, lxc.net[.N].hwaddr or the legacy
// lxc.network[.N].hwaddr).
func IsHWAddrLine(l string) bool { return hwaddrKey.MatchString(l) }

// expandHWAddrLine replaces each 'x'/'X' of the MAC with a random hex digit
// (LXC's rand_complete_hwaddr: a random second digit keeps the address
// unicast).
func expandHWAddrLine(l string) string {
	eq := strings.IndexByte(l, '=')
	if eq < 0 || !strings.ContainsAny(l[eq:], "xX") {
		return l
	}
	b := []byte(l)
	var rnd [32]byte
	rand.Read(rnd[:])
	const hex = "0123456789abcdef"
	n := 0
	for i := eq + 1; i < len(b); i++ {
		if b[i] == 'x' || b[i] == 'X' {
			v := rnd[n%len(rnd)] & 0xf
			if isFirstOctetSecondDigit(b, eq+1, i) {
				v &^= 1 // unicast
			}
			b[i] = hex[v]
			n++
		}
	}
	return string(b)
}

func isFirstOctetSecondDigit(b []byte, start, i int) bool {
	for start < len(b) && (b[start] == ' ' || b[start] == '\t') {
		start++
	}
	return i == start+1
}

// NewHWAddrs gives every hwaddr line a new random MAC 00:16:3e:XX:XX:XX
// (LXC's network_new_hwaddrs on clone); lines whose value is not 17
// characters are left alone, as LXC does.
func (u *Unexpanded) NewHWAddrs() {
	for i, l := range u.Lines {
		if !IsHWAddrLine(l) {
			continue
		}
		eq := strings.IndexByte(l, '=')
		if eq < 0 {
			continue
		}
		p := eq + 1
		for p < len(l) && (l[p] == ' ' || l[p] == '\t') {
			p++
		}
		q := p
		for q < len(l) && l[q] != ' ' && l[q] != '\t' {
			q++
		}
		if q-p != 17 {
			continue
		}
		u.Lines[i] = l[:p] + RandomMAC() + l[q:]
	}
}

// RandomMAC returns 00:16:3e followed by three random octets below 255.
func RandomMAC() string {
	var r [3]byte
	rand.Read(r[:])
	for i := range r {
		r[i] %= 255
	}
	return fmt.Sprintf("00:16:3e:%02x:%02x:%02x", r[0], r[1], r[2])
}

// ReplacePrefix rewrites, in the values of lines whose key starts with
// keyPrefix, every occurrence of old with new (clone path rewrites of hooks
// and overlay mount entries).
func (u *Unexpanded) ReplacePrefix(keyPrefix, old, new string, match func(line string) bool) {
	for i, l := range u.Lines {
		if !strings.HasPrefix(l, keyPrefix) || !strings.Contains(l, old) {
			continue
		}
		if match != nil && !match(l) {
			continue
		}
		u.Lines[i] = strings.ReplaceAll(l, old, new)
	}
}
