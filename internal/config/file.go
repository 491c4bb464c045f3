// Package config reads and writes LXC container configuration files
// (lxc.container.conf(5)) and the system configuration (lxc.system.conf(5)).
//
// Two views are kept: File, the lines of one file exactly as written (so a
// parse/modify/write cycle keeps comments, order and spacing), and Container,
// the typed, expanded configuration (includes followed, legacy keys mapped)
// that the runtime uses.
package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golxc/golxc/internal/quote"
)

// LineKind says what a line of a config file holds.
type LineKind int

// Line kinds.
const (
	Blank   LineKind = iota // empty or only blanks
	Comment                 // first non-blank character is '#'
	KeyLine                 // lxc.KEY = VALUE
	Martian                 // any other text; LXC ignores it silently
)

// Line is one line of a config file. Raw is the verbatim text without the
// line terminator; Key and Value are set for KeyLine.
type Line struct {
	Raw   string
	Kind  LineKind
	Key   string
	Value string
	No    int // 1-based line number in the file it came from
	// EOL is the line's own terminator ("\n", "\r\n", "\r" or "" for a
	// last line without one), so writes reproduce the file byte for byte.
	EOL string
}

// File is one config file as written, line by line.
type File struct {
	Path  string
	Lines []*Line
	// crlf records that the file used CRLF terminators, so new lines match.
	crlf bool
}

// ParseError is a syntax or value error tied to a file position.
type ParseError struct {
	File string
	Line int
	Key  string
	Err  error
	// Value is the value the error is about: the message shows at most a
	// short, escaped prefix of it (and of the key), however the reason
	// quotes it.
	Value string
}

func (e *ParseError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "<config>"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	reason := shortenQuoted(fmt.Sprint(e.Err), e.Key, e.Value)
	if e.Key != "" {
		return fmt.Sprintf("%s: key %s: %s", loc, quote.Short(e.Key), reason)
	}
	return fmt.Sprintf("%s: %s", loc, reason)
}

// shortenQuoted replaces a long key or value quoted (or written as is) in
// an error message by its short, escaped form.
func shortenQuoted(msg string, ss ...string) string {
	for _, s := range ss {
		if s == "" {
			continue
		}
		short := quote.Short(s)
		if q := strconv.Quote(s); q != short {
			msg = strings.ReplaceAll(msg, q, short)
		}
		if len(s) > quote.MaxShown {
			msg = strings.ReplaceAll(msg, s, short)
		}
	}
	return msg
}

func (e *ParseError) Unwrap() error { return e.Err }

// SplitLine parses one config line with LXC's rules: leading blanks
// ignored, '#' starts a comment only in the first column after blanks, a
// line not starting with "lxc." is ignored, the key is the text before the
// first '=' with trailing blanks removed, the value is trimmed and one pair of
// matching surrounding quotes is removed. ok is false for lines that carry no
// key; err is set for an "lxc." line without '='.
func SplitLine(raw string) (kind LineKind, key, value string, err error) {
	s := strings.TrimLeft(raw, " \t")
	switch {
	case s == "" || strings.TrimSpace(s) == "":
		return Blank, "", "", nil
	case s[0] == '#':
		return Comment, "", "", nil
	case !strings.HasPrefix(s, "lxc."):
		return Martian, "", "", nil
	}
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return KeyLine, strings.TrimRight(s, " \t\r\n"), "", fmt.Errorf("invalid configuration line: missing '='")
	}
	key = strings.TrimRight(s[:eq], " \t")
	value = TrimValue(s[eq+1:])
	return KeyLine, key, value, nil
}

// TrimValue trims blanks and strips one pair of matching surrounding quotes,
// as LXC does for both config files and -s KEY=VALUE defines.
func TrimValue(v string) string {
	v = strings.Trim(v, " \t\r\n")
	if len(v) > 1 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return v
}

// ParseFile splits data into lines. Syntax errors (an "lxc." line without
// '=') are returned as *ParseError; the lines are still returned.
func ParseFile(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	if bytes.Contains(data, []byte("\r\n")) {
		f.crlf = true
	}
	text := string(data)
	var firstErr error
	no := 0
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		var raw, eol string
		if i < 0 {
			raw, text = text, ""
		} else {
			raw = text[:i]
			if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				eol, text = "\r\n", text[i+2:]
			} else {
				eol, text = text[i:i+1], text[i+1:]
			}
		}
		no++
		kind, key, value, err := SplitLine(raw)
		if err != nil && firstErr == nil {
			firstErr = &ParseError{File: path, Line: no, Key: key, Err: err}
		}
		f.Lines = append(f.Lines, &Line{Raw: raw, Kind: kind, Key: key, Value: value, No: no, EOL: eol})
	}
	return f, firstErr
}

// ReadFile reads and splits the file at path.
func ReadFile(path string) (*File, error) {
	data, err := ReadConfigFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, data)
}

// Bytes renders the file, byte for byte as read for untouched lines.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	for i, l := range f.Lines {
		b.WriteString(l.Raw)
		eol := l.EOL
		if eol == "" && i < len(f.Lines)-1 {
			eol = f.newline() // a line that was last before an Append
		}
		b.WriteString(eol)
	}
	return b.Bytes()
}

func (f *File) newline() string {
	if f.crlf {
		return "\r\n"
	}
	return "\n"
}

// Get returns the value of the last line setting key, and whether one exists.
func (f *File) Get(key string) (string, bool) {
	for i := len(f.Lines) - 1; i >= 0; i-- {
		if l := f.Lines[i]; l.Kind == KeyLine && l.Key == key {
			return l.Value, true
		}
	}
	return "", false
}

// Set replaces the value of the last line that sets key, keeping the line's
// spacing around '=', or appends "key = value" if no line sets it.
func (f *File) Set(key, value string) {
	for i := len(f.Lines) - 1; i >= 0; i-- {
		l := f.Lines[i]
		if l.Kind != KeyLine || l.Key != key {
			continue
		}
		eq := strings.IndexByte(l.Raw, '=')
		if eq < 0 {
			break
		}
		rest := l.Raw[eq+1:]
		lead := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
		if lead == "" && value != "" {
			lead = " "
		}
		l.Raw = l.Raw[:eq+1] + lead + value
		l.Value = value
		return
	}
	f.Append(key, value)
}

// Append adds a "key = value" line at the end.
func (f *File) Append(key, value string) {
	raw := key + " = " + value
	if value == "" {
		raw = key + " ="
	}
	f.Lines = append(f.Lines, &Line{Raw: raw, Kind: KeyLine, Key: key, Value: value, No: len(f.Lines) + 1, EOL: f.newline()})
}

// Delete removes every line that sets key.
func (f *File) Delete(key string) {
	out := f.Lines[:0]
	for _, l := range f.Lines {
		if l.Kind == KeyLine && l.Key == key {
			continue
		}
		out = append(out, l)
	}
	f.Lines = out
}

// DeleteFunc removes every key line for which drop returns true.
func (f *File) DeleteFunc(drop func(key string) bool) {
	out := f.Lines[:0]
	for _, l := range f.Lines {
		if l.Kind == KeyLine && drop(l.Key) {
			continue
		}
		out = append(out, l)
	}
	f.Lines = out
}

// Write stores the file at its path atomically (temp file, fsync, rename),
// with the given mode, so a crash never leaves a half-written config.
func (f *File) Write(mode os.FileMode) error {
	return WriteFileAtomic(f.Path, f.Bytes(), mode)
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory and a rename.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	ok = true
	return nil
}
