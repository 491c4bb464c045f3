package runtime_test

import (
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/lsm"
	"github.com/golxc/golxc/internal/testutil"
)

// TestLSMKeysWithoutLSM: on a host without AppArmor (or SELinux) a start
// goes on as under LXC, which says nothing; golxc names each
// lxc.apparmor.* and lxc.selinux.* key it cannot apply, but the profile
// "unconfined" (nothing to apply). lxc-attach -c CONTEXT is refused there
// rather than run the command unlabelled. On a host with the LSM the keys
// are applied instead (the plans are unit-tested in internal/lsm).
func TestLSMKeysWithoutLSM(t *testing.T) {
	testutil.Integration(t)
	h := lsm.Detect()
	if h.AppArmor {
		// LXC's default profile confines init (the lxc package's
		// profiles must be loaded, as for LXC).
		p, n := container(t)
		start(t, p, n)
		if l := lsm.CurrentLabel(initPID(t, p, n)); !strings.HasPrefix(l, lsm.AADefaultProfile) {
			t.Errorf("init's AppArmor label %q, want %s*", l, lsm.AADefaultProfile)
		}
		return
	}
	if h.SELinux {
		t.Fatal("a host with SELinux but no AppArmor: lxc.selinux.context needs a policy with lxc_t, which this test does not ship")
	}
	for _, c := range []struct {
		lines []string
		warn  []string
	}{
		{nil, nil},
		{[]string{"lxc.apparmor.profile = unconfined"}, nil},
		{[]string{"lxc.apparmor.profile = generated", "lxc.apparmor.allow_nesting = 1", "lxc.apparmor.raw = deny /x rw,"},
			[]string{"lxc.apparmor.profile", "lxc.apparmor.allow_nesting", "lxc.apparmor.raw"}},
		{[]string{"lxc.apparmor.profile = lxc-container-default-cgns", "lxc.apparmor.allow_incomplete = 1"},
			[]string{"lxc.apparmor.profile", "lxc.apparmor.allow_incomplete"}},
		{[]string{"lxc.selinux.context = system_u:system_r:lxc_t:s0", "lxc.selinux.context.keyring = system_u:object_r:k_t:s0"},
			[]string{"lxc.selinux.context", "lxc.selinux.context.keyring"}},
	} {
		p, n := container(t, c.lines...)
		r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
		if r.Code != 0 {
			t.Errorf("%v: %s", c.lines, r)
			continue
		}
		var want []string
		for _, k := range c.warn {
			lsmName := "AppArmor"
			if strings.HasPrefix(k, "lxc.selinux") {
				lsmName = "SELinux"
			}
			want = append(want, "lxc-start: "+n+": "+k+" is not applied: "+lsmName+" is not enabled on this host")
		}
		if got := strings.TrimSpace(r.Stderr); got != strings.Join(want, "\n") {
			t.Errorf("%v: stderr %q\nwant %q", c.lines, got, strings.Join(want, "\n"))
		}
		if len(c.lines) == 0 {
			r := testutil.Run(t, "lxc-attach", "-P", p, "-n", n, "-c", "system_u:system_r:unconfined_t:s0", "--", "true")
			if r.Code != 1 || !strings.Contains(r.Stderr, "SELinux is not enabled on this host") {
				t.Errorf("lxc-attach -c without SELinux: %s", r)
			}
		}
		testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	}
}
