// Package quote quotes user input for error messages: escaped, and cut
// to a short prefix, so that a 10 MB value or a key with control
// characters gives one readable line instead of echoing itself whole.
package quote

import (
	"strconv"
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
