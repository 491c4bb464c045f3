// Package kconfig reads a Linux kernel build configuration (/proc/config.gz,
// /boot/config-VERSION, a kernel tree's .config) the way lxc-checkconfig
// does: gzip is detected by content, an option counts as set when a line
// contains "OPTION=y" or "OPTION=m", and the kernel version comes from the
// "# Linux/ARCH X.Y.Z Kernel Configuration" header.
package kconfig

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Config is a kernel configuration file's text.
type Config struct {
	Path  string
	lines []string
	// Major and Minor are the kernel version from the header; Known is
	// false when the header is missing (lxc-checkconfig then assumes the
	// latest kernel) and Numeric false when it did not parse as numbers
	// (the script's numeric tests then all fail).
	Major, Minor int
	Known        bool
	Numeric      bool
	// MajorOK and MinorOK say which of the two parsed as numbers.
	MajorOK, MinorOK bool
}

// Read loads path, uncompressing it when it is gzip data.
func Read(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kernel config: %w", err)
	}
	return Parse(path, data)
}

// Parse reads config text (plain or gzip).
func Parse(path string, data []byte) (*Config, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			plain, err := io.ReadAll(zr)
			if err == nil {
				data = plain
			}
		}
	}
	c := &Config{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		c.lines = append(c.lines, sc.Text())
	}
	c.parseVersion()
	return c, nil
}

var (
	headerRE = regexp.MustCompile(`^# Linux.*Kernel Configuration`)
	majorRE  = regexp.MustCompile(`.* ([0-9])\.[0-9]{1,2}\.[0-9]{1,3}.*`)
	minor2RE = regexp.MustCompile(`.* 2.6.([0-9]{2}).*`)
	minorRE  = regexp.MustCompile(`.* [0-9]\.([0-9]{1,3})\.[0-9]{1,3}.*`)
)

// parseVersion follows the script's grep/sed: on a header line that the
// sed expressions do not match the "number" is the line itself.
func (c *Config) parseVersion() {
	var header string
	for _, l := range c.lines {
		if headerRE.MatchString(l) {
			header = l
			break
		}
	}
	if header == "" {
		c.Known, c.Numeric, c.MajorOK, c.MinorOK = false, true, true, true
		c.Major, c.Minor = 100, 0
		return
	}
	c.Known = true
	maj := majorRE.ReplaceAllString(header, "$1")
	var min string
	if maj == "2" {
		min = minor2RE.ReplaceAllString(header, "$1")
	} else {
		min = minorRE.ReplaceAllString(header, "$1")
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	c.Major, c.Minor = a, b
	c.MajorOK, c.MinorOK = err1 == nil, err2 == nil
	c.Numeric = c.MajorOK && c.MinorOK
}

// IsSet is the script's is_set: grep "OPTION=[y|m]" anywhere in a line.
func (c *Config) IsSet(option string) bool {
	re, err := regexp.Compile(regexp.QuoteMeta(option) + `=[y|m]`)
	if err != nil {
		return false
	}
	for _, l := range c.lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// Value returns the value of OPTION ("y", "m", a number or string) and
// whether the option appears set at all.
func (c *Config) Value(option string) (string, bool) {
	for _, l := range c.lines {
		if v, ok := strings.CutPrefix(l, option+"="); ok {
			return v, true
		}
	}
	return "", false
}
