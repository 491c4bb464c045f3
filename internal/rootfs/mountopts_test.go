package rootfs

import (
	"strings"
	"testing"
)

// LXC's idmap= rules: a bind without filesystem options, a user namespace
// named.
func TestParseIdmapEntry(t *testing.T) {
	for line, want := range map[string]string{
		"/src dst none bind,idmap=container 0 0":         "",
		"/src dst none rbind,ro,idmap=/run/userns/x 0 0": "",
		"/src dst none bind,idmap= 0 0":                  "missing user namespace",
		"tmpfs dst tmpfs idmap=container 0 0":            "only bind mounts",
		"/src dst ext4 bind,idmap=container 0 0":         "only bind mounts",
		"/src dst none bind,idmap=container,size=1 0 0":  "takes no filesystem options",
	} {
		e, err := ParseMountEntry(line)
		switch {
		case want == "" && (err != nil || e.IDMap == ""):
			t.Errorf("%q: %v %+v", line, err, e)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", line, err, want)
		}
	}
}
