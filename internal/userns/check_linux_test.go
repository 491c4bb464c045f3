package userns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/config"
)

// TestCheckMapsAdjacentRanges: newuidmap and newgidmap accept a map
// covered by several subordinate ranges that follow one another (shadow's
// have_range), so the check before a start must accept it too; a map
// across a gap, or past the last range, is still refused.
func TestCheckMapsAdjacentRanges(t *testing.T) {
	user := UserName()
	dir := t.TempDir()
	file := filepath.Join(dir, "subid")
	// Out of order, as usermod appends them; another user's range in
	// the gap must not count.
	content := user + ":165536:65536\n" + user + ":100000:65536\nsomeoneelse:231072:65536\n" + user + ":296608:65536\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(u, g string) { subuidFile, subgidFile = u, g }(subuidFile, subgidFile)
	subuidFile, subgidFile = file, file
	for _, c := range []struct {
		host, count uint32
		ok          bool
	}{
		{100000, 65536, true},
		{100000, 131072, true}, // both adjacent ranges
		{120000, 100000, true}, // starts inside the first, ends inside the second
		{165536, 65536, true},
		{100000, 131073, false}, // one id past the second range
		{99999, 2, false},       // one id before the first
		{200000, 100000, false}, // across someone else's range
		{296608, 65536, true},
	} {
		maps := []config.IDMap{{Kind: 'u', NSID: 0, HostID: c.host, Range: c.count}, {Kind: 'g', NSID: 0, HostID: c.host, Range: c.count}}
		var refused []string
		for _, p := range CheckMaps(maps) {
			if strings.HasPrefix(p, "lxc.idmap") {
				refused = append(refused, p)
			}
		}
		if ok := len(refused) == 0; ok != c.ok {
			t.Errorf("map %d+%d: accepted %v, want %v: %q", c.host, c.count, ok, c.ok, refused)
		}
	}
}
