// Package mountinfo decodes fields of /proc/self/mountinfo and fstab
// lines.
package mountinfo

import "strings"

// Unescape undoes the kernel's (and fstab's) octal escapes: "\040" is a
// space, "\011" a tab, "\012" a newline, "\134" a backslash.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			n, ok := 0, true
			for j := 1; j <= 3; j++ {
				c := s[i+j]
				if c < '0' || c > '7' {
					ok = false
					break
				}
				n = n*8 + int(c-'0')
			}
			if ok && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
