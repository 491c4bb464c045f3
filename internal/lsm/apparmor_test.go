package lsm

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden profiles in testdata")

// golden compares got with testdata/name (go test -update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test ./internal/lsm -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./internal/lsm -update after checking the change):\n%s", name, got)
	}
}

// The generated profiles, byte for byte, for the combinations LXC's
// get_apparmor_profile_content distinguishes.
func TestAAProfileGolden(t *testing.T) {
	golden(t, "stacking.profile", AAProfile(AAProfileOptions{Name: "c1", LXCPath: "/var/lib/lxc", UnixRules: true, CgroupNS: true, Stacking: true}))
	golden(t, "nesting-unprivileged.profile", AAProfile(AAProfileOptions{Name: "c1", LXCPath: "/var/lib/lxc", UnixRules: true, CgroupNS: true,
		AllowNesting: true, Unprivileged: true, Raw: []string{"  deny /proc/golxc-test rwklx,"}}))
	golden(t, "old-kernel.profile", AAProfile(AAProfileOptions{Name: "c1", LXCPath: "/srv/lxc"}))
}

// The write-deny rules keep exactly LXC's paths under /proc/sys and /sys.
func TestDenyAllBut(t *testing.T) {
	got := denyAllBut("/proc/sys", []string{"kernel/shm*", "kernel/hostname", "net/**"})
	want := []string{
		"deny /proc/sys/[^kn]*{,/**} wklx,",
		"deny /proc/sys/k[^e]*{,/**} wklx,",
		"deny /proc/sys/ke[^r]*{,/**} wklx,",
		"deny /proc/sys/ker[^n]*{,/**} wklx,",
		"deny /proc/sys/kern[^e]*{,/**} wklx,",
		"deny /proc/sys/kerne[^l]*{,/**} wklx,",
		"deny /proc/sys/kernel/[^sh]*{,/**} wklx,",
		"deny /proc/sys/kernel/h[^o]*{,/**} wklx,",
		"deny /proc/sys/kernel/ho[^s]*{,/**} wklx,",
		"deny /proc/sys/kernel/hos[^t]*{,/**} wklx,",
		"deny /proc/sys/kernel/host[^n]*{,/**} wklx,",
		"deny /proc/sys/kernel/hostn[^a]*{,/**} wklx,",
		"deny /proc/sys/kernel/hostna[^m]*{,/**} wklx,",
		"deny /proc/sys/kernel/hostnam[^e]*{,/**} wklx,",
		"deny /proc/sys/kernel/hostname?*{,/**} wklx,",
		"deny /proc/sys/kernel/s[^h]*{,/**} wklx,",
		"deny /proc/sys/kernel/sh[^m]*{,/**} wklx,",
		"deny /proc/sys/kernel/shm*/** wklx,",
		"deny /proc/sys/kernel?*{,/**} wklx,",
		"deny /proc/sys/n[^e]*{,/**} wklx,",
		"deny /proc/sys/ne[^t]*{,/**} wklx,",
		"deny /proc/sys/net?*{,/**} wklx,",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rules:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// apparmor_parser accepts every profile golxc can generate (it parses and
// compiles without loading: no AppArmor is needed on the host).
func TestAAProfilesParse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs apparmor_parser (make test installs the apparmor package)")
	}
	if _, err := exec.LookPath("apparmor_parser"); err != nil {
		t.Fatal("apparmor_parser is not installed (scripts/install-deps.sh test installs the apparmor package)")
	}
	dir := t.TempDir()
	for bits := 0; bits < 1<<5; bits++ {
		o := AAProfileOptions{Name: "ct", LXCPath: "/var/lib/lxc", UnixRules: bits&1 != 0, CgroupNS: bits&2 != 0,
			Stacking: bits&4 != 0, AllowNesting: bits&8 != 0, Unprivileged: bits&16 != 0}
		if bits == 31 {
			o.Raw = []string{"  mount fstype=nfs,"}
			o.Name = strings.Repeat("x", 260) // a hashed name
		}
		f := filepath.Join(dir, "p")
		if err := os.WriteFile(f, []byte(AAProfile(o)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("apparmor_parser", "--skip-kernel-load", "-Q", f).CombinedOutput()
		if err != nil {
			t.Errorf("%+v: apparmor_parser refuses the profile: %v\n%s", o, err, out)
		}
	}
}

// The decision table of LXC's apparmor_prepare and process_label_set.
func TestPlanAppArmor(t *testing.T) {
	full := Host{AppArmor: true, AAMountFeatures: true, AACanStack: true}
	noMount := Host{AppArmor: true}
	noStack := Host{AppArmor: true, AAMountFeatures: true}
	for _, c := range []struct {
		name     string
		cfg      Config
		host     Host
		current  string
		parser   bool
		label    string // "" = none
		gen      bool
		err      string
		warnings int
	}{
		{"unset: LXC's default (cgroup namespaces)", Config{CgroupNS: true}, full, "unconfined", true, "lxc-container-default-cgns", false, "", 0},
		{"unset, old kernel", Config{}, full, "unconfined", true, "lxc-container-default", false, "", 0},
		{"named", Config{AppArmorProfile: "my-prof"}, full, "unconfined", true, "my-prof", false, "", 0},
		{"unconfined while unconfined", Config{AppArmorProfile: "unconfined"}, full, "unconfined", true, "", false, "", 0},
		{"unconfined while confined", Config{AppArmorProfile: "unconfined"}, full, "other", true, "unconfined", false, "", 0},
		{"unchanged", Config{AppArmorProfile: "unchanged"}, full, "unconfined", true, "", false, "", 0},
		{"generated, stacking", Config{Name: "c", LXCPath: "/l", AppArmorProfile: "generated"}, full, "unconfined", true, "lxc-c_</l>//&:lxc-c_<-l>:", true, "", 0},
		{"generated, no stacking", Config{Name: "c", LXCPath: "/l", AppArmorProfile: "generated"}, noStack, "unconfined", true, "lxc-c_</l>", true, "", 0},
		{"generated without apparmor_parser", Config{AppArmorProfile: "generated"}, full, "unconfined", false, "", false, "apparmor_parser is not available", 0},
		{"no mount mediation", Config{}, noMount, "unconfined", true, "", false, "allow_incomplete", 0},
		{"no mount mediation, allow_incomplete", Config{AppArmorAllowIncomplete: true}, noMount, "unconfined", true, "lxc-container-default", false, "", 1},
		{"no mount mediation, unconfined", Config{AppArmorProfile: "unconfined"}, noMount, "unconfined", true, "", false, "", 0},
		{"confined, no stacking, same", Config{AppArmorProfile: "p"}, noStack, "p", true, "", false, "", 0},
		{"confined, no stacking, other", Config{AppArmorProfile: "q"}, noStack, "p", true, "", false, "already confined", 0},
		{"confined, no stacking, unset", Config{}, noStack, "p", true, "", false, "", 0},
		{"raw without generated", Config{AppArmorProfile: "p", AppArmorRaw: []string{"x,"}}, full, "unconfined", true, "p", false, "", 1},
		{"no AppArmor, named", Config{AppArmorProfile: "p", Set: []string{"lxc.apparmor.profile"}}, Host{}, "", true, "", false, "", 1},
		{"no AppArmor, unconfined", Config{AppArmorProfile: "unconfined", Set: []string{"lxc.apparmor.profile"}}, Host{}, "", true, "", false, "", 0},
		{"no AppArmor, unset", Config{}, Host{}, "", true, "", false, "", 0},
	} {
		p, err := PlanAppArmor(c.cfg, c.host, c.current, c.parser, true)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err == "" && (p.Label != c.label || (p.Profile != "") != c.gen || len(p.Warnings) != c.warnings):
			t.Errorf("%s: label %q generated %v warnings %q; want %q %v %d", c.name, p.Label, p.Profile != "", p.Warnings, c.label, c.gen, c.warnings)
		}
		if a := p.Attr(); c.label != "" && (a == nil || a.Value != "exec "+c.label || a.Name != "apparmor/exec" || a.Fallback != "exec") {
			t.Errorf("%s: attr %+v", c.name, a)
		}
	}
}

func TestPlanSELinux(t *testing.T) {
	on := Host{SELinux: true}
	p := PlanSELinux(Config{SELinuxContext: "system_u:system_r:lxc_t:s0", SELinuxContextKeyring: "system_u:object_r:k:s0"}, on)
	if p.Exec == nil || p.Exec.Name != "exec" || p.Exec.Value != "system_u:system_r:lxc_t:s0" || p.Keyring == nil || p.Keyring.Name != "keycreate" || p.Keyring.Value != "system_u:object_r:k:s0" {
		t.Errorf("plan %+v %+v", p.Exec, p.Keyring)
	}
	if p := PlanSELinux(Config{SELinuxContext: "unconfined_t"}, on); p.Exec != nil || p.Keyring == nil {
		t.Errorf("unconfined_t: %+v %+v", p.Exec, p.Keyring)
	}
	if p := PlanSELinux(Config{SELinuxContext: "x", Set: []string{"lxc.selinux.context"}}, Host{}); p.Exec != nil || len(p.Warnings) != 1 {
		t.Errorf("without SELinux: %+v", p)
	}
}

// Detection reads the kernel's files (a fake root here).
func TestDetect(t *testing.T) {
	root := t.TempDir()
	w := func(p, s string) {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(s), 0o644)
	}
	if h := detectAt(root); h != (Host{}) {
		t.Errorf("empty root: %+v", h)
	}
	w("sys/module/apparmor/parameters/enabled", "Y\n")
	w("sys/kernel/security/apparmor/features/mount/mask", "mount umount\n")
	w("sys/kernel/security/apparmor/features/domain/stack", "yes\n")
	w("sys/kernel/security/apparmor/features/domain/version", "1.2\n")
	w("sys/fs/selinux/enforce", "0")
	if h := detectAt(root); h != (Host{AppArmor: true, AAMountFeatures: true, AACanStack: true, SELinux: true}) {
		t.Errorf("detected %+v", h)
	}
}
