//go:build compat

package compat

import (
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/lsm"
	"github.com/golxc/golxc/internal/testutil"
)

// TestLSMKeysWithoutLSM: on a host without AppArmor and SELinux LXC 5.0.2
// (its "nop" LSM driver) starts a container whatever lxc.apparmor.profile
// and lxc.selinux.context say, without a word; golxc starts it too and
// names each key it cannot apply.
func TestLSMKeysWithoutLSM(t *testing.T) {
	if h := lsm.Detect(); h.AppArmor || h.SELinux {
		t.Fatalf("this scenario needs a host without AppArmor and SELinux; this one has %+v", h)
	}
	p := newPair(t)
	var got [2]res
	for i, s := range p.both() {
		testutil.BusyboxContainer(t, s.path, s.name("l"), "lxc.apparmor.profile = lxc-container-default-cgns", "lxc.selinux.context = system_u:system_r:lxc_t:s0")
		got[i] = s.run("lxc-start", "-P", s.path, "-n", s.name("l"))
		s.run("lxc-stop", "-P", s.path, "-n", s.name("l"), "-k")
	}
	if got[0].Code != 0 || got[1].Code != 0 || got[0].Stderr != "" ||
		strings.Count(got[1].Stderr, "is not applied") != 2 || !strings.Contains(got[1].Stderr, "lxc.apparmor.profile is not applied: AppArmor is not enabled on this host") {
		t.Errorf("LXC %s\ngolxc %s\nlsm-absent-warning expects both to start, LXC silent, golxc naming both keys", got[0], got[1])
	}
	intended(t, "lsm-absent-warning")
}
