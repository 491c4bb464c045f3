package runtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/testutil"
)

// TestArch: lxc.arch = i686 gives init (and what it runs) a 32-bit
// personality.
func TestArch(t *testing.T) {
	p, n := container(t, "lxc.arch = i686")
	if r := execute(t, p, n, "uname", "-m"); r.Code != 0 || strings.TrimSpace(r.Stdout) != "i686" {
		t.Errorf("uname -m with lxc.arch = i686: %s", r)
	}
}

// TestAutodevTmpfsSize: lxc.autodev.tmpfs.size is the size of /dev's
// tmpfs.
func TestAutodevTmpfsSize(t *testing.T) {
	p, n := container(t, "lxc.autodev.tmpfs.size = 1000000")
	start(t, p, n)
	// The kernel rounds to pages: 1000000 bytes are 245 pages, 980k.
	if mi := readProc(t, initPID(t, p, n), "mountinfo"); !strings.Contains(mi, " /dev rw") || !strings.Contains(mi, "size=980k") {
		t.Errorf("/dev tmpfs not 980k:\n%s", mi)
	}
}

// TestConsoleLogSize: lxc.console.size caps lxc.console.logfile; with
// lxc.console.rotate the full log becomes FILE.1, without it is emptied.
func TestConsoleLogSize(t *testing.T) {
	for _, rotate := range []string{"1", "0"} {
		log := filepath.Join(t.TempDir(), "console.log")
		p, n := container(t, "lxc.console.logfile = "+log, "lxc.console.size = 4096", "lxc.console.rotate = "+rotate,
			"lxc.init.cmd = /bin/sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; exec sleep 100000'")
		start(t, p, n)
		var b []byte
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if b, _ = os.ReadFile(log); strings.Contains(string(b), "line-299-") {
				break
			}
		}
		if !strings.Contains(string(b), "line-299-") || len(b) > 4096 {
			t.Errorf("rotate %s: the log holds %d bytes, want the last lines within 4096", rotate, len(b))
		}
		old, err := os.ReadFile(log + ".1")
		if rotate == "1" && (err != nil || len(old) == 0 || len(old) > 4096) {
			t.Errorf("rotate 1: %s.1: %d bytes, %v", log, len(old), err)
		}
		if rotate == "0" && err == nil {
			t.Errorf("rotate 0: %s.1 exists", log)
		}
	}
}

// TestInclude: lxc.include reads another file (and a directory's .conf
// files) at that point; "lxc.hook =" clears the hooks set before it.
func TestInclude(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "hook-ran")
	testutil.WriteFile(t, filepath.Join(dir, "one.conf"), "lxc.uts.name = included-name\n", 0o644)
	testutil.WriteFile(t, filepath.Join(dir, "d", "two.conf"), "lxc.environment = FROM_DIR=yes\n", 0o644)
	p, n := container(t, "lxc.include = "+filepath.Join(dir, "one.conf"), "lxc.include = "+filepath.Join(dir, "d"),
		"lxc.hook.pre-start = /bin/sh -c 'touch "+marker+"'", "lxc.hook =")
	r := execute(t, p, n, "/bin/sh", "-c", "hostname; echo $FROM_DIR")
	if r.Code != 0 || r.Stdout != "included-name\nyes\n" {
		t.Errorf("included settings: %s", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a hook cleared by \"lxc.hook =\" ran")
	}
}

// TestInitGroups: lxc.init.groups are init's supplementary groups.
func TestInitGroups(t *testing.T) {
	p, n := container(t, "lxc.init.groups = 10,20")
	start(t, p, n)
	if st := readProc(t, initPID(t, p, n), "status"); !strings.Contains(st, "Groups:\t10 20 \n") {
		t.Errorf("init's groups:\n%s", st)
	}
}

// TestNoNewPrivs: lxc.no_new_privs = 1 sets it for init.
func TestNoNewPrivs(t *testing.T) {
	p, n := container(t, "lxc.no_new_privs = 1")
	start(t, p, n)
	if st := readProc(t, initPID(t, p, n), "status"); !strings.Contains(st, "NoNewPrivs:\t1\n") {
		t.Errorf("init's status:\n%s", st)
	}
}

// TestLogFile: lxc.log.file and lxc.log.level are the start's log when
// -o/-l are not given.
func TestLogFile(t *testing.T) {
	log := filepath.Join(t.TempDir(), "c.log")
	p, n := container(t, "lxc.log.file = "+log, "lxc.log.level = DEBUG")
	start(t, p, n)
	b, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(b), " DEBUG ") || !strings.Contains(string(b), n) {
		t.Errorf("log file %s: %v\n%s", log, err, b)
	}
}

// TestMountFstab: lxc.mount.fstab's lines are mounted as lxc.mount.entry's.
func TestMountFstab(t *testing.T) {
	fstab := filepath.Join(t.TempDir(), "fstab")
	testutil.WriteFile(t, fstab, "# a comment\ntmpfs mnt/fromfstab tmpfs size=1m,create=dir 0 0\n", 0o644)
	p, n := container(t, "lxc.mount.fstab = "+fstab)
	start(t, p, n)
	if mi := readProc(t, initPID(t, p, n), "mountinfo"); !strings.Contains(mi, " /mnt/fromfstab ") {
		t.Errorf("fstab entry not mounted:\n%s", mi)
	}
}

// TestRootfsMount: lxc.rootfs.mount is where the rootfs is mounted while
// the container is set up (mount hooks see it there).
func TestRootfsMount(t *testing.T) {
	mnt := t.TempDir()
	out := filepath.Join(t.TempDir(), "seen")
	p, n := container(t, "lxc.rootfs.mount = "+mnt,
		"lxc.hook.mount = /bin/sh -c 'echo $LXC_ROOTFS_MOUNT > "+out+"; grep -c \" "+mnt+" \" /proc/self/mountinfo >> "+out+"'")
	start(t, p, n)
	if b, err := os.ReadFile(out); err != nil || string(b) != mnt+"\n1\n" {
		t.Errorf("mount hook saw %q (%v), want the rootfs mounted on %s", b, err, mnt)
	}
	if m := testutil.MountsUnder(mnt); len(m) > 0 {
		t.Errorf("the rootfs mount reached the host: %v", m)
	}
}

// TestSignalStop: lxc.signal.stop is what lxc-stop -k sends to init.
func TestSignalStop(t *testing.T) {
	p, n := container(t, "lxc.signal.stop = SIGUSR2",
		"lxc.init.cmd = /bin/sh -c 'trap \"touch /got-usr2; exit 0\" USR2; while true; do sleep 1; done'")
	start(t, p, n)
	testutil.MustRun(t, "lxc-stop", "-P", p, "-n", n, "-k")
	if _, err := os.Stat(filepath.Join(p, n, "rootfs", "got-usr2")); err != nil {
		t.Errorf("init did not get SIGUSR2: %v", err)
	}
}

// TestMonitorSignalPdeath: lxc.monitor.signal.pdeath = 0 lets init live
// on when the monitor dies (the default, SIGKILL, takes it down:
// TestMonitorKilledTakesContainerDown).
func TestMonitorSignalPdeath(t *testing.T) {
	p, n := container(t, "lxc.monitor.signal.pdeath = 0")
	r := testutil.RunIn(t, []string{"GOLXC_CMONITOR=off"}, "", "lxc-start", "-P", p, "-n", n)
	if r.Code != 0 {
		t.Fatalf("lxc-start: %s", r)
	}
	pid := initPID(t, p, n)
	syscall.Kill(monitorPID(t, p, n), syscall.SIGKILL)
	time.Sleep(300 * time.Millisecond)
	alive := syscall.Kill(pid, 0) == nil
	if !alive {
		t.Errorf("init %d died with the monitor although lxc.monitor.signal.pdeath = 0", pid)
	}
	// lxc-stop removes what the dead monitor left and kills the
	// container that ran on (exit 0: it stopped something).
	if r := testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k"); alive && r.Code != 0 {
		t.Errorf("lxc-stop after the monitor died: %s", r)
	}
}

// TestSystemConfigDefaults: lxc.conf's lxc.lxcpath is where tools work
// without -P, lxc.default_config what lxc-create starts a configuration
// from, lxc.bdev.lvm.vg/thin_pool and lxc.bdev.zfs.root where -B lvm and
// -B zfs make the storage (seen here through stand-in lvm2 and zfs tools
// that record their arguments and fail).
func TestSystemConfigDefaults(t *testing.T) {
	testutil.Integration(t)
	dir := t.TempDir()
	p := testutil.LXCPath(t)
	def := filepath.Join(dir, "default.conf")
	testutil.WriteFile(t, def, "lxc.net.0.type = empty\nlxc.environment = FROM_DEFAULT=1\n", 0o644)
	conf := filepath.Join(dir, "lxc.conf")
	testutil.WriteFile(t, conf, fmt.Sprintf("lxc.lxcpath = %s\nlxc.default_config = %s\nlxc.bdev.lvm.vg = golxcvg\nlxc.bdev.lvm.thin_pool = golxctp\nlxc.bdev.zfs.root = tank/golxc\n", p, def), 0o644)
	env := []string{"LXC_GLOBAL_CONF=" + conf}
	n := testutil.UniqueName("sc")
	if r := testutil.RunIn(t, env, "", "lxc-create", "-n", n, "-t", "busybox"); r.Code != 0 {
		t.Fatalf("lxc-create without -P: %s", r)
	}
	b, err := os.ReadFile(filepath.Join(p, n, "config"))
	if err != nil || !strings.Contains(string(b), "FROM_DEFAULT=1") {
		t.Errorf("the container in lxc.lxcpath lacks lxc.default_config's lines: %v\n%s", err, b)
	}
	if r := testutil.RunIn(t, env, "", "lxc-info", "-n", n, "-s"); r.Code != 0 || !strings.Contains(r.Stdout, "STOPPED") {
		t.Errorf("lxc-info without -P: %s", r)
	}
	testutil.RunIn(t, env, "", "lxc-destroy", "-n", n)
	fake := filepath.Join(dir, "bin")
	calls := filepath.Join(dir, "calls")
	for _, tool := range []string{"lvcreate", "lvs", "vgs", "lvremove", "lvdisplay", "zfs", "zpool"} {
		testutil.WriteFile(t, filepath.Join(fake, tool), "#!/bin/sh\necho \""+tool+" $*\" >> "+calls+"\nexit 1\n", 0o755)
	}
	env = append(env, "PATH="+fake+":"+os.Getenv("PATH"))
	for _, b := range []string{"lvm", "zfs"} {
		if r := testutil.RunIn(t, env, "", "lxc-create", "-n", testutil.UniqueName("sc"), "-t", "busybox", "-B", b); r.Code == 0 {
			t.Errorf("-B %s with failing tools succeeded: %s", b, r)
		}
	}
	got, _ := os.ReadFile(calls)
	for _, want := range []string{"golxcvg/golxctp", "lvcreate", " golxcvg ", "zfs create", "tank/golxc/"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the storage tools were not called with %q:\n%s", want, got)
		}
	}
	if ents, _ := os.ReadDir(p); len(ents) != 0 {
		t.Errorf("failed creates left %v", ents)
	}
}

// TestIgnoredKeysWarn: every key of config's "warns and ignores" list
// (the README's ignored-keys table) is named in one warning line when a
// start finds it set, and the container starts.
func TestIgnoredKeysWarn(t *testing.T) {
	testutil.Integration(t)
	var lines, want []string
	for _, k := range config.IgnoredKeys() {
		lines = append(lines, k+" = "+config.KeyCoverage[k].Sample)
		want = append(want, k+" is not supported by golxc and is ignored: "+config.KeyCoverage[k].Ignored)
	}
	p, n := container(t, lines...)
	r := testutil.Run(t, "lxc-start", "-P", p, "-n", n)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	defer testutil.Run(t, "lxc-stop", "-P", p, "-n", n, "-k")
	for _, w := range want {
		if c := strings.Count(r.Stderr, "lxc-start: "+n+": "+w+"\n"); c != 1 {
			t.Errorf("warning %q seen %d times in stderr:\n%s", w, c, r.Stderr)
		}
	}
}
