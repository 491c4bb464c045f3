package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at link time (make passes -X for both): the golxc release this
// binary was built from (`git describe`, e.g. "0.1.0" or
// "0.1.0-3-gabc1234") and its full commit hash. A plain `go build` in a git
// checkout leaves them empty and Build falls back on the VCS stamp Go
// records in the binary.
var (
	GolxcVersion = ""
	GolxcCommit  = ""
)

// BuildInfo says which golxc build is running. LXC's version stays the
// only thing `--version` prints on a tool (scripts compare it); this is
// what the --help footer and `golxc --version` add.
type BuildInfo struct {
	Version string // golxc release, "dev" when unknown
	Commit  string // full commit hash, "" when unknown
	Dirty   bool   // built from a tree with uncommitted changes (VCS stamp only)
	Go      string // Go toolchain version
}

// Build returns the running binary's build information.
func Build() BuildInfo {
	b := BuildInfo{Version: GolxcVersion, Commit: GolxcCommit, Go: runtime.Version()}
	if b.Commit == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					b.Commit = s.Value
				case "vcs.modified":
					b.Dirty = s.Value == "true"
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// String is the one-line form, e.g.
// "golxc 0.1.0 (commit 0123456789ab, go1.26.8, LXC 5.0.2 compatible)".
func (b BuildInfo) String() string {
	s := "golxc " + b.Version + " ("
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "commit " + c
		if b.Dirty {
			s += "-dirty"
		}
		s += ", "
	}
	return s + b.Go + ", LXC " + Version + " compatible)"
}

// VersionText is what `golxc --version` prints: LXC's version on the first
// line, as every tool's --version, so a script reading one line gets the
// same answer from either; the build on the second.
func VersionText() string {
	return Version + "\n" + Build().String() + "\n"
}

// StripHelpFooter removes the build line HelpFooter printed at the end of
// s, whichever build printed it (tests compare help texts with LXC's).
// ok says whether there was one.
func StripHelpFooter(s string) (string, bool) {
	body := strings.TrimSuffix(s, "\n")
	i := strings.LastIndexByte(body, '\n') + 1
	last := body[i:]
	if len(body) == len(s) || !strings.HasPrefix(last, "golxc ") || !strings.HasSuffix(last, " compatible)") {
		return s, false
	}
	return s[:i], true
}
