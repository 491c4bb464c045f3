package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/golxc/golxc/internal/lsm"
	sv "github.com/golxc/golxc/internal/supervisor"
)

// The C stage-2's plan carries the LSM decisions where LXC applies them:
// the keyring context right before the session keyring is made, the exec
// labels right before the start hooks.
func TestPlanLSMAttrs(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "dev"), 0o755)
	c := loadConfig(t, "lxc.rootfs.path = dir:"+rootfs, "lxc.hook.start = /bin/true", "lxc.mount.auto =", "lxc.autodev = 0")
	lp := lsmPlan{
		aa: lsm.AppArmorPlan{Label: "lxc-container-default-cgns"},
		se: lsm.SELinuxPlan{Exec: &lsm.AttrWrite{Name: "exec", Value: "ctx_t"}, Keyring: &lsm.AttrWrite{Name: "keycreate", Value: "key_t"}},
	}
	spec := &Spec{Name: "c", LXCPath: t.TempDir(), Config: c}
	b, files, _, err := buildPlan(spec, c, hostCgroups{}, planNamespaces(c, true), nil, nil, lp)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(files)
	ops, err := sv.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, o := range ops {
		switch o.Op {
		case sv.OpProcAttr:
			seq = append(seq, string(o.Args[0])+"="+string(o.Args[2]))
		case sv.OpKeyring:
			seq = append(seq, "keyring")
		case sv.OpHook:
			seq = append(seq, "hook")
		}
	}
	want := []string{"keycreate=key_t", "keyring", "apparmor/exec=exec lxc-container-default-cgns", "exec=ctx_t", "hook"}
	if len(seq) != len(want) {
		t.Fatalf("ops %v, want %v", seq, want)
	}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("ops %v, want %v", seq, want)
		}
	}
}
