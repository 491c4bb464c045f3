package userns

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
)

// Where the checks read the subordinate ids (tests point them elsewhere).
var (
	subuidFile = "/etc/subuid"
	subgidFile = "/etc/subgid"
)

// CheckMaps returns, one line each, what keeps newuidmap and newgidmap
// from writing maps for the caller: a missing or powerless helper, a map
// outside the caller's subordinate ranges, a missing uid or gid map. Each
// line says how to fix it.
func CheckMaps(maps []config.IDMap) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	user := UserName()
	for _, kind := range []byte{'u', 'g'} {
		file := subuidFile
		if kind == 'g' {
			file = subgidFile
		}
		have := false
		for _, m := range maps {
			if m.Kind != kind {
				continue
			}
			have = true
			if !allowedRange(file, user, kind, m) {
				add("lxc.idmap = %c %d %d %d is not within the ranges %s gives user %s (%s): use a range of the user's, or ask an administrator to add one: usermod --add-sub%cids %d-%d %s",
					kind, m.NSID, m.HostID, m.Range, file, user, describeRanges(file, user), kind, m.HostID, uint64(m.HostID)+uint64(m.Range)-1, user)
			}
		}
		if !have {
			add("lxc.idmap has no %cid map: a user's container needs one for uids and one for gids (e.g. %s)", kind, SuggestMaps(user))
		}
	}
	for _, helper := range []string{"newuidmap", "newgidmap"} {
		if p := HelperProblem(helper); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// HelperProblem says what keeps helper (newuidmap or newgidmap) from
// writing a user's id maps, and how to fix it; "" when nothing does.
func HelperProblem(helper string) string {
	p, err := exec.LookPath(helper)
	if err != nil {
		return fmt.Sprintf("%s is missing: it writes a user's id maps (Debian: apt install uidmap)", helper)
	}
	if !privileged(p) {
		return fmt.Sprintf("%s is neither setuid root nor given cap_setuid/cap_setgid, so it cannot write id maps (Debian: apt install --reinstall uidmap)", p)
	}
	return ""
}

// SuggestMaps are lxc.idmap lines from the user's first subordinate
// ranges (or LXC's usual ones when there are none).
func SuggestMaps(user string) string {
	if lines := UserMapLines(user); lines != nil {
		return strings.Join(lines, " and ")
	}
	return "lxc.idmap = u 0 100000 65536 and lxc.idmap = g 0 100000 65536 (after an administrator gave the user those ranges: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user + ")"
}

// UserMapLines are the lxc.idmap lines (uids, then gids) that map the
// user's first subordinate ranges at 0, or nil when the user lacks one.
func UserMapLines(user string) []string {
	u, g := firstRange(subuidFile, user), firstRange(subgidFile, user)
	if u == "" || g == "" {
		return nil
	}
	return []string{"lxc.idmap = u 0 " + u, "lxc.idmap = g 0 " + g}
}

// subRanges reads user's ranges from a subuid/subgid file.
func subRanges(file, user string) [][2]uint64 {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	uid := strconv.Itoa(os.Getuid())
	var out [][2]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(p) != 3 || (p[0] != user && p[0] != uid) {
			continue
		}
		start, err1 := strconv.ParseUint(p[1], 10, 32)
		count, err2 := strconv.ParseUint(p[2], 10, 32)
		if err1 == nil && err2 == nil {
			out = append(out, [2]uint64{start, count})
		}
	}
	return out
}

func firstRange(file, user string) string {
	r := subRanges(file, user)
	if len(r) == 0 {
		return ""
	}
	return fmt.Sprintf("%d %d", r[0][0], r[0][1])
}

func describeRanges(file, user string) string {
	r := subRanges(file, user)
	if len(r) == 0 {
		return "none"
	}
	var s []string
	for _, x := range r {
		s = append(s, fmt.Sprintf("%d-%d", x[0], x[0]+x[1]-1))
	}
	return strings.Join(s, ", ")
}

// allowedRange is what newuidmap/newgidmap allow: the user's own id
// alone, or a range covered by the user's subordinate ranges. Like
// shadow's have_range, the cover may be several ranges that follow one
// another (an administrator who gave a second range next to the first
// lets a map span both).
func allowedRange(file, user string, kind byte, m config.IDMap) bool {
	own := uint64(os.Getuid())
	if kind == 'g' {
		own = uint64(os.Getgid())
	}
	if m.Range == 1 && uint64(m.HostID) == own {
		return true
	}
	return covered(subRanges(file, user), uint64(m.HostID), uint64(m.Range))
}

// covered reports whether [start, start+count) lies inside the union of
// ranges ({start, count} pairs) without a gap.
func covered(ranges [][2]uint64, start, count uint64) bool {
	if count == 0 {
		return false
	}
	end := start + count
	for {
		next := start
		for _, r := range ranges {
			if start >= r[0] && start < r[0]+r[1] && r[0]+r[1] > next {
				next = r[0] + r[1]
			}
		}
		if next == start {
			return false
		}
		if next >= end {
			return true
		}
		start = next
	}
}

// privileged reports whether an id-map helper can do its job: setuid
// root, or file capabilities (some distributions ship it that way).
func privileged(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && st.Mode()&os.ModeSetuid != 0 && sys.Uid == 0 {
		return true
	}
	sz, err := unix.Getxattr(path, "security.capability", nil)
	return err == nil && sz > 0
}
