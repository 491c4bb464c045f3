// Package quote quotes user input for error messages: escaped, and cut
// to a short prefix, so that a 10 MB value or a key with control
// characters gives one readable line instead of echoing itself whole.
package quote

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxShown is how many bytes of a value an error message shows.
const MaxShown = 64

// Short returns s as a Go-quoted string (control characters and
// invalid UTF-8 escaped). A value longer than MaxShown bytes is cut at a
// character boundary and followed by how long it was:
// "aaaa..."... (10485760 bytes).
func Short(s string) string {
	if len(s) <= MaxShown {
		return strconv.Quote(s)
	}
	cut := MaxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Inner is s unchanged when it is short and has no control characters;
// else its escaped, cut form without the surrounding quotes (for messages
// that quote with their own characters, as LXC's 'VALUE').
func Inner(s string) string {
	if len(s) <= MaxShown && !hasControl(s) {
		return s
	}
	if len(s) <= MaxShown {
		q := strconv.Quote(s)
		return q[1 : len(q)-1]
	}
	cut := MaxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	q := strconv.Quote(s[:cut])
	return q[1:len(q)-1] + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Bare is Short without the surrounding quotes when s needs no escaping
// and is short, for messages that name things the way LXC does (a file,
// a key) unquoted.
func Bare(s string) string {
	q := Short(s)
	if len(s) <= MaxShown && q == `"`+s+`"` {
		return s
	}
	return q
}

// MaxLine bounds one message line: error text that is longer quotes some
// input whole somewhere (a safety net behind Short).
const MaxLine = 4096

// Line returns msg unchanged unless it is longer than MaxLine bytes; then
// its head and tail, with how much was cut between them. Newlines and
// other control characters inside are escaped so the message stays one
// line.
func Line(msg string) string {
	msg = Cap(msg)
	if !hasControl(msg) {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c < 0x20 || c == 0x7f {
			q := strconv.QuoteRune(rune(c))
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Cap returns msg unchanged unless it is longer than MaxLine bytes; then
// its head and tail, with how much was cut between them.
func Cap(msg string) string {
	if len(msg) <= MaxLine {
		return msg
	}
	head, tail := MaxLine*3/4, MaxLine/8
	for head > 0 && !utf8.RuneStart(msg[head]) {
		head--
	}
	start := len(msg) - tail
	for start < len(msg) && !utf8.RuneStart(msg[start]) {
		start++
	}
	return msg[:head] + " ... (" + strconv.Itoa(start-head) + " bytes not shown) ... " + msg[start:]
}

// LongWords cuts every run of non-blank bytes longer than max in msg to
// its first MaxShown bytes and its length, for messages made by code that
// could not quote its input short (the C stage-2's, which quote paths
// and options whole).
func LongWords(msg string, max int) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		j := i
		for j < len(msg) && msg[j] != ' ' && msg[j] != '\t' {
			j++
		}
		if w := msg[i:j]; len(w) > max {
			cut := MaxShown
			for cut > 0 && !utf8.RuneStart(w[cut]) {
				cut--
			}
			b.WriteString(w[:cut] + "...(" + strconv.Itoa(len(w)) + " bytes)")
		} else {
			b.WriteString(w)
		}
		k := j
		for k < len(msg) && (msg[k] == ' ' || msg[k] == '\t') {
			k++
		}
		b.WriteString(msg[j:k])
		i = k
	}
	return b.String()
}
