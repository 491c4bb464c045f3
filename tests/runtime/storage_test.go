package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// Storage backends through the real tools: loop images (create, start,
// persist, copy, destroy), a block device at an LVM-style path, and
// ephemeral containers. Every test checks that no loop device, mount or
// image is left (testutil.LXCPath's cleanup checks loop devices too).

var templateEnv = []string{"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates")}

// tool runs a golxc tool with our templates and fails the test unless it
// exits 0.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	r := testutil.RunIn(t, templateEnv, "", name, args...)
	if r.Code != 0 {
		t.Fatalf("%s %s: %s", name, strings.Join(args, " "), r)
	}
	return r.Stdout
}

// netEmpty is an initial config without a network (no bridge needed).
func netEmpty(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "net.conf")
	testutil.WriteFile(t, p, "lxc.net.0.type = empty\n", 0o644)
	return p
}

func attach(t *testing.T, p, n string, cmd ...string) string {
	t.Helper()
	return tool(t, "lxc-attach", append([]string{"-P", p, "-n", n, "--"}, cmd...)...)
}

func stopKill(t *testing.T, p, n string) {
	t.Helper()
	tool(t, "lxc-stop", "-P", p, "-n", n, "-k")
}

// noLoopDevices fails when a loop device is still backed by a file under
// dir once the (autoclear) devices had a moment to go.
func noLoopDevices(t *testing.T, dir string) {
	t.Helper()
	if left := testutil.WaitLoopDevicesGone(dir, 3*time.Second); len(left) > 0 {
		t.Errorf("loop devices left: %v", left)
		for dev := range left {
			testutil.DetachLoop(dev)
		}
	}
}

// rootMount returns "SOURCE FSTYPE" of the container's root mount.
func rootMount(t *testing.T, p, n string) string {
	t.Helper()
	for _, l := range strings.Split(attach(t, p, n, "cat", "/proc/mounts"), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[1] == "/" {
			return f[0] + " " + f[2]
		}
	}
	t.Fatalf("no root mount in the container")
	return ""
}

func TestLoopContainerLifecycle(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "mkfs.ext4")
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("lp")
	tool(t, "lxc-create", "-P", p, "-n", n, "-t", "busybox", "-B", "loop", "--fssize", "48M", "-f", netEmpty(t))
	cdir := filepath.Join(p, n)
	image := filepath.Join(cdir, "rootdev")
	fi, err := os.Stat(image)
	if err != nil {
		t.Fatal(err)
	}
	// LXC's layout: a 0600 image of the size plus the one byte written
	// past it, the line lxc.rootfs.path = loop:IMAGE, an empty mount point.
	if fi.Size() != 48<<20+1 || fi.Mode().Perm() != 0o600 {
		t.Errorf("image %s: size %d mode %v, want %d 0600", image, fi.Size(), fi.Mode().Perm(), 48<<20+1)
	}
	if cfg := readFile(t, filepath.Join(cdir, "config")); !strings.Contains(cfg, "lxc.rootfs.path = loop:"+image+"\n") {
		t.Errorf("config lacks lxc.rootfs.path = loop:%s:\n%s", image, cfg)
	}
	if ents, _ := os.ReadDir(filepath.Join(cdir, "rootfs")); len(ents) != 0 {
		t.Errorf("rootfs mount point is not empty on the host: %v", ents)
	}
	noLoopDevices(t, p) // the create's mount went with its template

	tool(t, "lxc-start", "-P", p, "-n", n)
	if m := rootMount(t, p, n); !strings.HasPrefix(m, "/dev/loop") || !strings.HasSuffix(m, " ext4") {
		t.Errorf("root mount %q, want a loop device with ext4", m)
	}
	if len(testutil.LoopDevicesUnder(p)) != 1 {
		t.Errorf("running: want one loop device, have %v", testutil.LoopDevicesUnder(p))
	}
	if m := testutil.MountsUnder(p); len(m) != 0 {
		t.Errorf("the host sees mounts of the container's storage: %v", m)
	}
	attach(t, p, n, "sh", "-c", "echo persisted > /root/data && sync")
	stopKill(t, p, n)
	noLoopDevices(t, p)

	tool(t, "lxc-start", "-P", p, "-n", n)
	if got := strings.TrimSpace(attach(t, p, n, "cat", "/root/data")); got != "persisted" {
		t.Errorf("after a restart /root/data = %q", got)
	}
	stopKill(t, p, n)
	noLoopDevices(t, p)

	// Copies: loop to loop (same size as the source), loop to dir, dir
	// to loop with -L; each starts and has the data.
	tool(t, "lxc-copy", "-P", p, "-n", n, "-N", n+"c")
	if fi, err := os.Stat(filepath.Join(p, n+"c", "rootdev")); err != nil || fi.Size() != 48<<20+1 {
		t.Errorf("loop copy image: %v %v", fi, err)
	}
	tool(t, "lxc-copy", "-P", p, "-n", n, "-N", n+"d", "-B", "dir")
	if got := readFile(t, filepath.Join(p, n+"d", "rootfs", "root", "data")); got != "persisted\n" {
		t.Errorf("dir copy of the loop container: /root/data = %q", got)
	}
	tool(t, "lxc-copy", "-P", p, "-n", n+"d", "-N", n+"l", "-B", "loop", "-L", "40M")
	if fi, err := os.Stat(filepath.Join(p, n+"l", "rootdev")); err != nil || fi.Size() != 40<<20+1 {
		t.Errorf("-L 40M image: %v %v", fi, err)
	}
	for _, c := range []string{n + "c", n + "l"} {
		tool(t, "lxc-start", "-P", p, "-n", c)
		if got := strings.TrimSpace(attach(t, p, c, "cat", "/root/data")); got != "persisted" {
			t.Errorf("%s: /root/data = %q", c, got)
		}
		if got := strings.TrimSpace(attach(t, p, c, "hostname")); got != c {
			t.Errorf("%s: hostname %q", c, got)
		}
		stopKill(t, p, c)
	}
	for _, c := range []string{n, n + "c", n + "d", n + "l"} {
		tool(t, "lxc-destroy", "-P", p, "-n", c)
		if _, err := os.Lstat(filepath.Join(p, c)); !os.IsNotExist(err) {
			t.Errorf("%s: directory left after destroy: %v", c, err)
		}
	}
	noLoopDevices(t, p)
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lvmStyleDevice attaches a loop device holding an ext4 filesystem made
// from a busybox rootfs and links it at /dev/VG/LV, as LVM presents a
// logical volume (this kernel has no device-mapper, so no real LVM). The
// link, its directory and the device go at cleanup.
func lvmStyleDevice(t *testing.T) (dev string) {
	t.Helper()
	testutil.Need(t, "mkfs.ext4", "losetup")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	testutil.BusyboxRootfs(t, root)
	image := filepath.Join(dir, "lv.img")
	if out, err := exec.Command("mkfs.ext4", "-q", "-d", root, image, "48M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4 -d: %v: %s", err, out)
	}
	out, err := exec.Command("losetup", "--find", "--show", image).Output()
	if err != nil {
		t.Fatalf("losetup: %v", err)
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", loop).Run() })
	vg := testutil.UniqueName("golxcvg")
	if err := os.Mkdir("/dev/"+vg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll("/dev/" + vg) })
	dev = "/dev/" + vg + "/root"
	if err := os.Symlink(loop, dev); err != nil {
		t.Fatal(err)
	}
	return dev
}

// TestLVMPathContainerStarts: an existing container whose rootfs is
// lvm:/dev/VG/LV starts with that block device mounted as its root, keeps
// what it writes, and leaves nothing mounted.
func TestLVMPathContainerStarts(t *testing.T) {
	testutil.Integration(t)
	dev := lvmStyleDevice(t)
	p := testutil.LXCPath(t)
	n := testutil.UniqueName("lv")
	cdir := testutil.BusyboxContainer(t, p, n)
	cfg := filepath.Join(cdir, "config")
	testutil.WriteFile(t, cfg, strings.Replace(readFile(t, cfg), "lxc.rootfs.path = dir:"+filepath.Join(cdir, "rootfs"), "lxc.rootfs.path = lvm:"+dev, 1), 0o640)
	os.RemoveAll(filepath.Join(cdir, "rootfs"))
	os.Mkdir(filepath.Join(cdir, "rootfs"), 0o755)

	tool(t, "lxc-start", "-P", p, "-n", n)
	loop, _ := filepath.EvalSymlinks(dev)
	if m := rootMount(t, p, n); m != loop+" ext4" && m != dev+" ext4" {
		t.Errorf("root mount %q, want %s (%s) ext4", m, dev, loop)
	}
	attach(t, p, n, "sh", "-c", "echo lvm > /root/data && sync")
	stopKill(t, p, n)
	tool(t, "lxc-start", "-P", p, "-n", n)
	if got := strings.TrimSpace(attach(t, p, n, "cat", "/root/data")); got != "lvm" {
		t.Errorf("after restart /root/data = %q", got)
	}
	stopKill(t, p, n)
	if m := testutil.MountsUnder(p); len(m) != 0 {
		t.Errorf("mounts left: %v", m)
	}
}

// TestEphemeralCopies: lxc-copy -e of a dir container (overlay on the
// origin, origin untouched, destroyed by its stop), -D keeps it, -K keeps
// the hostname, -m adds bind mounts, -t puts the delta on a tmpfs, and a
// command after -- runs before the container is shut down and destroyed.
func TestEphemeralCopies(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	o := testutil.UniqueName("eo")
	tool(t, "lxc-create", "-P", p, "-n", o, "-t", "busybox", "-f", netEmpty(t))
	shared := t.TempDir()
	testutil.WriteFile(t, filepath.Join(shared, "hello"), "from host\n", 0o644)

	e := o + "e"
	out := tool(t, "lxc-copy", "-P", p, "-n", o, "-N", e, "-e", "-m", "bind="+shared+":/mnt/shared:ro")
	if !strings.Contains(out, "Created "+e+" as clone of "+o) {
		t.Errorf("lxc-copy -e said %q", out)
	}
	if got := strings.TrimSpace(attach(t, p, e, "hostname")); got != e {
		t.Errorf("hostname %q, want %s", got, e)
	}
	if got := attach(t, p, e, "cat", "/mnt/shared/hello"); got != "from host\n" {
		t.Errorf("bind mount: %q", got)
	}
	if r := testutil.Run(t, "lxc-attach", "-P", p, "-n", e, "--", "sh", "-c", "echo x > /mnt/shared/new"); r.Code == 0 {
		t.Errorf("the ro bind mount is writable")
	}
	attach(t, p, e, "sh", "-c", "echo eph > /etc/ephemeral-file")
	if _, err := os.Stat(filepath.Join(p, o, "rootfs/etc/ephemeral-file")); !os.IsNotExist(err) {
		t.Errorf("the origin was written to: %v", err)
	}
	tool(t, "lxc-stop", "-P", p, "-n", e)
	if _, err := os.Lstat(filepath.Join(p, e)); !os.IsNotExist(err) {
		t.Errorf("ephemeral container left after its stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p, o, "lxc_snapshots")); !os.IsNotExist(err) {
		t.Errorf("the origin still lists a dependent clone: %v", err)
	}

	// -D: a persistent snapshot; -K keeps the origin's hostname.
	k := o + "k"
	tool(t, "lxc-copy", "-P", p, "-n", o, "-N", k, "-e", "-D", "-K")
	if got := strings.TrimSpace(attach(t, p, k, "hostname")); got != o {
		t.Errorf("-K: hostname %q, want %s", got, o)
	}
	stopKill(t, p, k)
	if _, err := os.Stat(filepath.Join(p, k, "config")); err != nil {
		t.Errorf("-D: the copy is gone after its stop: %v", err)
	}
	tool(t, "lxc-destroy", "-P", p, "-n", k)

	// -t: the delta lives on a tmpfs; the command runs, then the
	// container is shut down and destroyed. No name: a random one.
	out = tool(t, "lxc-copy", "-P", p, "-n", o, "-e", "-t", "--", "sh", "-c", "echo cmd-ran; stat -f -c %T /etc; hostname")
	if !strings.Contains(out, "cmd-ran") || !strings.Contains(out, "Container is placed on tmpfs") {
		t.Errorf("lxc-copy -e -t -- CMD said %q", out)
	}
	ents, _ := os.ReadDir(p)
	if len(ents) != 1 {
		t.Errorf("after lxc-copy -e -- CMD the lxcpath holds %v, want only %s", ents, o)
	}
	tool(t, "lxc-destroy", "-P", p, "-n", o)
}

// monitorPID returns the pid of the container's monitor process.
func monitorPID(t *testing.T, p, n string) int {
	t.Helper()
	pids := testutil.ProcessesMentioning("[lxc monitor] " + p + " " + n)
	if len(pids) != 1 {
		t.Fatalf("monitor of %s: pids %v", n, pids)
	}
	return pids[0]
}

// TestEphemeralMonitorKilled: an ephemeral container whose monitor is
// killed is destroyed by the next lxc-ls (or lxc-start) instead of
// leaking its disk.
func TestEphemeralMonitorKilled(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	o := testutil.UniqueName("ek")
	tool(t, "lxc-create", "-P", p, "-n", o, "-t", "busybox", "-f", netEmpty(t))
	for i, next := range []string{"lxc-ls", "lxc-start"} {
		e := fmt.Sprintf("%s%d", o, i)
		tool(t, "lxc-copy", "-P", p, "-n", o, "-N", e, "-e")
		if err := syscallKill(monitorPID(t, p, e)); err != nil {
			t.Fatal(err)
		}
		waitStopped(t, p, e)
		if _, err := os.Stat(filepath.Join(p, e, "config")); err != nil {
			t.Fatalf("the container went before anything cleaned up: %v", err)
		}
		if next == "lxc-ls" {
			if r := testutil.Run(t, "lxc-ls", "-P", p); r.Code != 0 || strings.Contains(r.Stdout, e) {
				t.Errorf("lxc-ls: %s", r)
			}
		} else if r := testutil.Run(t, "lxc-start", "-P", p, "-n", e); r.Code == 0 || !strings.Contains(r.Stderr, "ephemeral") {
			t.Errorf("lxc-start of a dead ephemeral container: %s", r)
		}
		if _, err := os.Lstat(filepath.Join(p, e)); !os.IsNotExist(err) {
			t.Errorf("after %s the ephemeral container is still there: %v", next, err)
		}
		testutil.RemoveCgroupsNamed(e) // a killed monitor's cgroups are not this test's subject
	}
	tool(t, "lxc-destroy", "-P", p, "-n", o)
}

func waitStopped(t *testing.T, p, n string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := testutil.Run(t, "lxc-info", "-P", p, "-n", n, "-s", "-H")
		if strings.TrimSpace(r.Stdout) == "STOPPED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not stop: %s", n, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEphemeralOfLoopAndBtrfs: ephemeral copies of a loop container (an
// image copy: LXC cannot snapshot loop) and of a btrfs container (a
// subvolume snapshot) run and are destroyed by their stop, origins
// untouched.
func TestEphemeralOfLoopAndBtrfs(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "mkfs.ext4", "mkfs.btrfs")
	p := testutil.LXCPath(t)
	lo := testutil.UniqueName("el")
	tool(t, "lxc-create", "-P", p, "-n", lo, "-t", "busybox", "-B", "loop", "--fssize", "40M", "-f", netEmpty(t))
	e := lo + "e"
	tool(t, "lxc-copy", "-P", p, "-n", lo, "-N", e, "-e")
	attach(t, p, e, "sh", "-c", "echo x > /root/eph")
	tool(t, "lxc-stop", "-P", p, "-n", e)
	if _, err := os.Lstat(filepath.Join(p, e)); !os.IsNotExist(err) {
		t.Errorf("loop ephemeral left: %v", err)
	}
	tool(t, "lxc-start", "-P", p, "-n", lo)
	if r := testutil.Run(t, "lxc-attach", "-P", p, "-n", lo, "--", "test", "-e", "/root/eph"); r.Code == 0 {
		t.Errorf("the loop origin got the ephemeral copy's file")
	}
	stopKill(t, p, lo)
	tool(t, "lxc-destroy", "-P", p, "-n", lo)
	noLoopDevices(t, p)

	// A btrfs lxcpath on an image of its own.
	bp := btrfsLXCPath(t, p)
	bo := testutil.UniqueName("eb")
	tool(t, "lxc-create", "-P", bp, "-n", bo, "-t", "busybox", "-B", "btrfs", "-f", netEmpty(t))
	be := bo + "e"
	tool(t, "lxc-copy", "-P", bp, "-n", bo, "-N", be, "-e")
	if cfg := readFile(t, filepath.Join(bp, be, "config")); !strings.Contains(cfg, "lxc.rootfs.path = btrfs:") {
		t.Errorf("btrfs ephemeral is not a btrfs snapshot:\n%s", cfg)
	}
	attach(t, bp, be, "sh", "-c", "echo x > /root/eph")
	tool(t, "lxc-stop", "-P", bp, "-n", be)
	if _, err := os.Lstat(filepath.Join(bp, be)); !os.IsNotExist(err) {
		t.Errorf("btrfs ephemeral left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(bp, bo, "rootfs/root/eph")); !os.IsNotExist(err) {
		t.Errorf("the btrfs origin got the copy's file: %v", err)
	}
	tool(t, "lxc-destroy", "-P", bp, "-n", bo)
}

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// btrfsLXCPath mounts a fresh btrfs image at <dir>/btrfs (unmounted at
// cleanup) and returns it.
func btrfsLXCPath(t *testing.T, dir string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "btrfs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 256<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.btrfs", "-q", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.btrfs: %v: %s", err, out)
	}
	mp := filepath.Join(dir, "btrfs")
	os.Mkdir(mp, 0o755)
	if out, err := exec.Command("mount", "-o", "loop", img, mp).CombinedOutput(); err != nil {
		t.Fatalf("mount btrfs image: %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("umount", mp).Run()
		os.Remove(mp)
	})
	return mp
}
