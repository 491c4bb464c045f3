package updateconfigtool

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/config"
)

// This file reproduces LXC 5.0.2's lxc-update-config shell script
// (/usr/bin/lxc-update-config): its sed expressions are translated from
// GNU BRE to POSIX ERE and run with leftmost-longest matching, line by
// line, in the script's order, so the output is byte for byte what the
// script writes. Where the script's output is wrong, Fixes (on by default
// in the tool) changes it; each fix is named below.

// rule is one sed s/RE/REPL/ (global when g) or /RE/d (when del).
type rule struct {
	re   *regexp.Regexp
	repl string
	g    bool
	del  bool
}

func sub(re, repl string) rule { return rule{re: regexp.MustCompilePOSIX(re), repl: repl, g: true} }
func del(re string) rule       { return rule{re: regexp.MustCompilePOSIX(re), del: true} }

// expand builds sed's replacement: \N is group N, everything else literal.
func expand(repl, s string, m []int) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c == '\\' && i+1 < len(repl) {
			i++
			if d := repl[i]; d >= '0' && d <= '9' {
				n := int(d - '0')
				if 2*n+1 < len(m) && m[2*n] >= 0 {
					b.WriteString(s[m[2*n]:m[2*n+1]])
				}
				continue
			}
			b.WriteByte(repl[i])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// apply runs one s command on a line; changed reports whether any
// substitution happened.
func (r rule) apply(line string) (string, bool) {
	var ms [][]int
	if r.g {
		ms = r.re.FindAllStringSubmatchIndex(line, -1)
	} else if m := r.re.FindStringSubmatchIndex(line); m != nil {
		ms = [][]int{m}
	}
	if len(ms) == 0 {
		return line, false
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(line[last:m[0]])
		b.WriteString(expand(r.repl, line, m))
		last = m[1]
	}
	b.WriteString(line[last:])
	return b.String(), true
}

// The script's building blocks: a key may be preceded by one blank or '*'
// or by any number of '#' (so commented lines are converted too), and is
// followed by one blank, '*' or '='.
const (
	pre  = `([[:blank:]*]|#*)`
	post = `([[:blank:]*]|=)`
)

var driverRule = rule{re: regexp.MustCompilePOSIX(`([[:blank:]]*|#*)(lxc\.rootfs\.backend)([[:blank:]]*|)(=[[:blank:]]*|)([[:alnum:]]*)([[:space:]]*)`), repl: `\5`}

func rootfsRule(driver string) rule {
	return sub(pre+`(lxc\.rootfs)([[:blank:]*]|)(=[[:blank:]]*)(.*)`, `\1lxc.rootfs.path\3\4`+sedEscape(driver)+`:\5`)
}

// sedEscape protects a value substituted into a replacement.
func sedEscape(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

var renames = [][2]string{
	{`lxc\.id_map`, `lxc.idmap`},
	{`lxc\.pts`, `lxc.pty.max`},
	{`lxc\.tty`, `lxc.tty.max`},
	{`lxc\.devttydir`, `lxc.tty.dir`},
	{`lxc\.aa_profile`, `lxc.apparmor.profile`},
	{`lxc\.aa_allow_incomplete`, `lxc.apparmor.allow_incomplete`},
	{`lxc\.se_context`, `lxc.selinux.context`},
	{`lxc\.mount`, `lxc.mount.fstab`},
	{`lxc\.utsname`, `lxc.uts.name`},
	{`lxc\.seccomp`, `lxc.seccomp.profile`},
	{`lxc\.console`, `lxc.console.path`},
	{`lxc\.haltsignal`, `lxc.signal.halt`},
	{`lxc\.rebootsignal`, `lxc.signal.reboot`},
	{`lxc\.stopsignal`, `lxc.signal.stop`},
	{`lxc\.syslog`, `lxc.log.syslog`},
	{`lxc\.loglevel`, `lxc.log.level`},
	{`lxc\.logfile`, `lxc.log.file`},
	{`lxc\.init_cmd`, `lxc.init.cmd`},
	{`lxc\.init_uid`, `lxc.init.uid`},
	{`lxc\.init_gid`, `lxc.init.gid`},
	{`lxc\.limit`, `lxc.prlimit`},
}

// mainRules is the script's second sed invocation, in its order.
var mainRules = func() []rule {
	var rs []rule
	for _, r := range renames {
		rs = append(rs, sub(pre+`(`+r[0]+`)`+post, `\1`+r[1]+`\3`))
	}
	rs = append(rs,
		sub(pre+`(lxc\.network)(\.[[:digit:]*])(\.ipv4)`, `\1lxc.net\3\4`),
		sub(pre+`(lxc\.network)(\.[[:digit:]*])`, `\1lxc.net\3`),
		sub(pre+`(lxc\.network)`+post, `\1lxc.net\3`),
		del(pre+`(lxc\.rootfs\.backend)`+post),
		del(pre+`(lxc\.pivotdir)`+post),
		del(pre+`(lxc\.kmsg)`+post),
	)
	return rs
}()

// Fixes for the script's wrong output, applied after its own rules.
var (
	// Fix 1: the script renames only "lxc.limit" followed by a blank or
	// '=', leaving every real "lxc.limit.NAME" line unconverted (3.x
	// rejects it); convert it to lxc.prlimit.NAME.
	fixLimit = sub(pre+`(lxc\.limit)(\.)`, `\1lxc.prlimit\3`)
	// Fix 2: indexed lxc.network.N.ipv4 / ipv6 become lxc.net.N.ipv4,
	// which 3.x rejects; they are addresses: lxc.net.N.ipv4.address.
	fixIndexedAddr = sub(pre+`(lxc\.net\.[[:digit:]]+\.ipv[46])([[:blank:]]*=)`, `\1\2.address\3`)
)

var networkTypeRE = regexp.MustCompilePOSIX(`lxc.network.type`)

func networkRules(idx int) []rule {
	i := strconv.Itoa(idx)
	return []rule{
		sub(pre+`(lxc\.network)(\.ipv[[:digit:]])([[:blank:]]*)=(.*)`, `\1lxc.net.`+i+`\3.address\4=\5`),
		sub(pre+`(lxc\.network)\.([^[:digit:]*])`, `\1lxc.net.`+i+`.\3`),
	}
}

// shellRead returns what `while read -r LINE` iterates over: every
// newline-terminated line (a last line without newline is not read).
func shellRead(lines []string, lastHasNL bool) []string {
	if lastHasNL {
		return lines
	}
	return lines[:len(lines)-1]
}

// echoWords is `echo $LINE` after `read -r LINE`: blanks collapse to single
// spaces (pathname expansion of the words is not reproduced).
func echoWords(line string) string { return strings.Join(strings.Fields(line), " ") }

// Convert rewrites a pre-3.0 config as lxc-update-config does. With fixes
// the script's known mistakes are corrected (see Fix 1-3).
func Convert(data []byte, fixes bool) []byte {
	text := string(data)
	if text == "" {
		return data
	}
	lastHasNL := strings.HasSuffix(text, "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")

	// The script re-assigns DRIVER for every line, so only a backend on
	// the very last line survives and everything else gets "dir".
	driver := ""
	for _, l := range shellRead(lines, lastHasNL) {
		out, ok := driverRule.apply(echoWords(l))
		driver = ""
		if ok {
			driver = strings.TrimRight(out, "\n")
		}
	}
	if fixes {
		// Fix 3: use the value of the (last) lxc.rootfs.backend line,
		// wherever it is, as the script meant to.
		driver = ""
		for _, l := range lines {
			if kind, k, v, err := config.SplitLine(l); err == nil && kind == config.KeyLine && k == "lxc.rootfs.backend" {
				driver = v
			}
		}
	}
	if driver == "" {
		driver = "dir"
	}
	rr := rootfsRule(driver)
	for i, l := range lines {
		lines[i], _ = rr.apply(l)
	}

	rules := mainRules
	if fixes {
		rules = append(append([]rule{}, mainRules...), fixLimit, fixIndexedAddr)
	}
	var kept []string
	lastDeleted := false
	for i, l := range lines {
		deleted := false
		for _, r := range rules {
			if r.del {
				if r.re.MatchString(l) {
					deleted = true
					break
				}
				continue
			}
			l, _ = r.apply(l)
		}
		if !deleted {
			kept = append(kept, l)
		}
		lastDeleted = deleted && i == len(lines)-1
	}
	if len(kept) == 0 {
		return nil
	}
	lines = kept
	// sed keeps an unterminated last line unterminated; if that line was
	// deleted, the output ends with the newline of the line before.
	unterminated := !lastHasNL && !lastDeleted

	// Unindexed network keys: every line mentioning lxc.network.type
	// (regex dots: any character) starts a new device; IDX starts at -1.
	idx := -1
	for n := range shellRead(lines, !unterminated) {
		if networkTypeRE.MatchString(lines[n]) {
			idx++
		}
		for _, r := range networkRules(idx) {
			lines[n], _ = r.apply(lines[n])
		}
	}
	out := strings.Join(lines, "\n")
	if !unterminated {
		out += "\n"
	}
	return []byte(out)
}
