package runtime_test

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// TestCheckconfigProbesAsUser: lxc-checkconfig run by a non-root user
// probes the namespaces inside a user namespace of its own; where it may
// not make one (here: user.max_user_namespaces = 0 in a user namespace the
// test makes, so the host's setting is untouched) it says the probe needs
// root, never that a kernel option is missing.
func TestCheckconfigProbesAsUser(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "setpriv")
	bin := testutil.Bin(t, "lxc-checkconfig")
	run := func(quota string) string {
		cmd := exec.Command("sh", "-c", "echo "+quota+" > /proc/sys/user/max_user_namespaces && exec setpriv --reuid=1000 --regid=1000 --clear-groups "+bin)
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
			GidMappingsEnableSetgroups: true}
		r := testutil.RunCmd(t, cmd)
		i := strings.Index(r.Stdout, "--- Runtime probes")
		if i < 0 {
			t.Fatalf("no runtime probes section: %s", r)
		}
		return r.Stdout[i:]
	}
	limited := run("0")
	for _, ns := range []string{"User", "Mount", "Pid", "Network", "Time"} {
		if !strings.Contains(limited, ns+" namespace (probe): not probed: the probe needs root") {
			t.Errorf("%s namespace without user namespaces:\n%s", ns, limited)
		}
	}
	if strings.Contains(limited, "hint: enable CONFIG_") {
		t.Errorf("a probe refused for lack of rights is reported as a missing kernel option:\n%s", limited)
	}
	allowed := run("100")
	for _, ns := range []string{"User", "Mount", "Pid", "Network"} {
		if !strings.Contains(allowed, ns+" namespace (probe): enabled") {
			t.Errorf("%s namespace with user namespaces allowed:\n%s", ns, allowed)
		}
	}
}
