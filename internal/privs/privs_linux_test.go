package privs

import (
	"reflect"
	"testing"
)

func TestCapsToDrop(t *testing.T) {
	last := LastCap()
	all := func(except ...int) []int {
		skip := map[int]bool{}
		for _, e := range except {
			skip[e] = true
		}
		var out []int
		for c := 0; c <= last; c++ {
			if !skip[c] {
				out = append(out, c)
			}
		}
		return out
	}
	for _, c := range []struct {
		name       string
		drop, keep []string
		keepSet    bool
		want       []int
	}{
		{"nothing", nil, nil, false, nil},
		{"drop list", []string{"sys_module", "mac_admin", "sys_time"}, nil, false, []int{16, 33, 25}},
		{"unknown names are ignored", []string{"sys_module", "no_such_cap"}, nil, false, []int{16}},
		{"keep wins over drop", []string{"chown"}, []string{"chown", "kill"}, true, all(0, 5)},
		{"keep = none drops all", nil, nil, true, all()},
	} {
		if got := CapsToDrop(c.drop, c.keep, c.keepSet); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMaskAndNotIn(t *testing.T) {
	if m := Mask([]int{0, 5, 33, 64, -1}); m != 1|1<<5|1<<33 {
		t.Errorf("Mask = %#x", m)
	}
	// A bounding set of everything but 16 and 25 lacks exactly those.
	full := uint64(1)<<uint(LastCap()+1) - 1
	if got := NotIn(full &^ (1<<16 | 1<<25)); !reflect.DeepEqual(got, []int{16, 25}) {
		t.Errorf("NotIn = %v", got)
	}
}
