package template_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

func templatesEnv(cache string, extra ...string) []string {
	return append([]string{
		"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates"),
		"LXC_CACHE_PATH=" + cache,
	}, extra...)
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedRootfs makes a tiny distribution-like rootfs, standing for a
// debootstrap result in the cache.
func seedRootfs(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"bin", "etc/skel", "etc/apt", "etc/default", "etc/netplan", "etc/init.d",
		"lib/systemd/system", "etc/systemd/system", "home", "root", "usr/sbin", "var/lib/apt/lists", "usr/share/doc/x"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	bb, _ := os.ReadFile(testutil.BusyboxPath(t))
	os.WriteFile(filepath.Join(dir, "bin/busybox"), bb, 0o755)
	os.Symlink("busybox", filepath.Join(dir, "bin/sh"))
	testutil.WriteFile(t, filepath.Join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n", 0o644)
	testutil.WriteFile(t, filepath.Join(dir, "etc/group"), "root:x:0:\nsudo:x:27:\nadm:x:4:syslog\n", 0o644)
	testutil.WriteFile(t, filepath.Join(dir, "etc/shadow"), "root:*:19000:0:99999:7:::\n", 0o640)
	testutil.WriteFile(t, filepath.Join(dir, "etc/skel/.profile"), "# profile\n", 0o644)
	testutil.WriteFile(t, filepath.Join(dir, "etc/init.d/hwclock.sh"), "#!/bin/sh\n", 0o755)
	testutil.WriteFile(t, filepath.Join(dir, "usr/share/doc/x/README"), "doc\n", 0o644)
	testutil.WriteFile(t, filepath.Join(dir, "var/lib/apt/lists/lists"), "x\n", 0o644)
}

// TestUbuntuSeededCache runs lxc-ubuntu against a cache seeded with a
// small rootfs (no Ubuntu mirror here) and checks every configure step.
func TestUbuntuSeededCache(t *testing.T) {
	testutil.Integration(t)
	cache := t.TempDir()
	seedRootfs(t, filepath.Join(cache, "ubuntu/jammy/rootfs-amd64"))
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("u")
	key := filepath.Join(t.TempDir(), "id.pub")
	testutil.WriteFile(t, key, "ssh-ed25519 AAAAtest user@host\n", 0o644)
	r := testutil.RunIn(t, templatesEnv(cache), "", "lxc-create", "-P", p, "-n", name, "-t", "ubuntu",
		"--", "-r", "jammy", "-a", "amd64", "-S", key, "--password", "s3cret", "--trim")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if !strings.Contains(r.Stdout, "# The default user is 'ubuntu' with password 's3cret'!") {
		t.Errorf("banner missing:\n%s", r.Stdout)
	}
	root := filepath.Join(p, name, "rootfs")
	cfg := read(t, filepath.Join(p, name, "config"))
	for _, want := range []string{
		"\n# Common configuration\nlxc.include = /usr/share/lxc/config/ubuntu.common.conf\n",
		"\n# Container specific configuration\n",
		"lxc.rootfs.path = dir:" + root + "\n",
		"lxc.uts.name = " + name + "\nlxc.arch = amd64\n",
		"\n# Network configuration\nlxc.net.0.type = veth\nlxc.net.0.hwaddr = 00:16:3e:",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if got := read(t, filepath.Join(root, "etc/hostname")); got != name+"\n" {
		t.Errorf("hostname %q", got)
	}
	if hosts := read(t, filepath.Join(root, "etc/hosts")); !strings.Contains(hosts, "127.0.1.1   "+name+"\n") {
		t.Errorf("hosts:\n%s", hosts)
	}
	if np := read(t, filepath.Join(root, "etc/netplan/10-lxc.yaml")); !strings.Contains(np, "eth0: {dhcp4: true}") {
		t.Errorf("netplan:\n%s", np)
	}
	passwd := read(t, filepath.Join(root, "etc/passwd"))
	if !strings.Contains(passwd, "ubuntu:x:1000:1000:ubuntu,,,:/home/ubuntu:") {
		t.Errorf("passwd:\n%s", passwd)
	}
	if g := read(t, filepath.Join(root, "etc/group")); !strings.Contains(g, "sudo:x:27:ubuntu\n") {
		t.Errorf("group:\n%s", g)
	}
	// The password hash verifies.
	var hash string
	for _, l := range strings.Split(read(t, filepath.Join(root, "etc/shadow")), "\n") {
		if strings.HasPrefix(l, "ubuntu:") {
			hash = strings.Split(l, ":")[1]
		}
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[1] != "6" {
		t.Fatalf("shadow hash %q", hash)
	}
	out, _ := exec.Command("openssl", "passwd", "-6", "-salt", parts[2], "s3cret").Output()
	if strings.TrimSpace(string(out)) != hash {
		t.Errorf("password hash does not match s3cret")
	}
	var st syscall.Stat_t
	syscall.Stat(filepath.Join(root, "home/ubuntu/.profile"), &st)
	if st.Uid != 1000 {
		t.Errorf("home not owned by the user: uid %d", st.Uid)
	}
	if k := read(t, filepath.Join(root, "home/ubuntu/.ssh/authorized_keys")); k != "ssh-ed25519 AAAAtest user@host\n" {
		t.Errorf("authorized_keys %q", k)
	}
	note := read(t, filepath.Join(root, "etc/lxc-template.txt"))
	for _, want := range []string{"masked systemd-udevd.service: systemctl unmask", "/etc/init.d/hwclock.sh moved to /etc/init.d/disabled-by-lxc/", "trimmed:"} {
		if !strings.Contains(note, want) {
			t.Errorf("note lacks %q", want)
		}
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/systemd/system/systemd-udevd.service")); l != "/dev/null" {
		t.Errorf("udevd not masked: %q", l)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/init.d/disabled-by-lxc/hwclock.sh")); err != nil {
		t.Error(err)
	}
	for _, gone := range []string{"usr/sbin/policy-rc.d", "usr/share/doc/x", "var/lib/apt/lists/lists"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); !os.IsNotExist(err) {
			t.Errorf("%s still there", gone)
		}
	}
	// The cache is untouched by the per-container changes.
	if _, err := os.Stat(filepath.Join(cache, "ubuntu/jammy/rootfs-amd64/usr/share/doc/x/README")); err != nil {
		t.Errorf("cache modified: %v", err)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", name)
}

// fakeDebootstrap puts a debootstrap in front of PATH that writes a small
// tree into its target; with hang set it then waits to be killed.
func fakeDebootstrap(t *testing.T, hang bool, pidFile string) string {
	dir := t.TempDir()
	body := `#!/bin/sh
for a; do target=$prev; prev=$a; done
# debootstrap ... RELEASE TARGET MIRROR: the target is the next-to-last.
mkdir -p "$target/etc" "$target/bin" "$target/usr/sbin"
echo "root:x:0:0:root:/root:/bin/sh" > "$target/etc/passwd"
echo "root:x:0:" > "$target/etc/group"
echo "root:*:1::::::" > "$target/etc/shadow"
echo "$@" > "$target/debootstrap-args"
`
	if hang {
		body += "echo $$ > " + pidFile + "\nsleep 300\n"
	}
	testutil.WriteFile(t, filepath.Join(dir, "debootstrap"), body, 0o755)
	return dir
}

// TestInterruptedDownload: killing debootstrap leaves only partial-ARCH in
// the cache and no container; the next run redoes the download.
func TestInterruptedDownload(t *testing.T) {
	testutil.Integration(t)
	cache := t.TempDir()
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("d")
	pidFile := filepath.Join(t.TempDir(), "pid")
	fake := fakeDebootstrap(t, true, pidFile)
	cmd := exec.Command(testutil.Bin(t, "lxc-create"), "-P", p, "-n", name, "-t", "debian", "--", "-r", "bookworm", "-a", "amd64", "--mirror", "http://mirror.invalid/debian")
	cmd.Env = append(os.Environ(), templatesEnv(cache, "PATH="+fake+":"+os.Getenv("PATH"))...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for i := 0; i < 200 && pid == 0; i++ {
		b, _ := os.ReadFile(pidFile)
		pid = atoi(strings.TrimSpace(string(b)))
		time.Sleep(50 * time.Millisecond)
	}
	if pid == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("fake debootstrap never ran:\n%s", out.String())
	}
	// The pid the fake wrote is in the template's PID namespace: find it
	// on the host by its command line.
	for _, hp := range testutil.ProcessesMentioning(fake + "/debootstrap") {
		syscall.Kill(hp, syscall.SIGKILL)
	}
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("create succeeded after debootstrap was killed:\n%s", out.String())
	}
	base := filepath.Join(cache, "debian/bookworm")
	if _, err := os.Stat(filepath.Join(base, "partial-amd64/debootstrap-args")); err != nil {
		t.Errorf("partial download not left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "rootfs-amd64")); !os.IsNotExist(err) {
		t.Errorf("an interrupted download became the cache: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(p, name)); !os.IsNotExist(err) {
		t.Errorf("container left after the failed download")
	}
	// Next run: the download is redone and completes.
	fake = fakeDebootstrap(t, false, "")
	r := testutil.RunIn(t, templatesEnv(cache, "PATH="+fake+":"+os.Getenv("PATH")), "", "lxc-create", "-P", p, "-n", name, "-t", "debian",
		"--", "-r", "bookworm", "-a", "amd64", "--mirror", "http://mirror.invalid/debian")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(base, "partial-amd64")); !os.IsNotExist(err) {
		t.Error("partial-amd64 left after a complete download")
	}
	args := read(t, filepath.Join(base, "rootfs-amd64/debootstrap-args"))
	for _, want := range []string{"--arch=amd64", "--variant=minbase", "--include=init,", "--keyring=/usr/share/keyrings/debian-archive-keyring.gpg", "bookworm " + filepath.Join(base, "partial-amd64") + " http://mirror.invalid/debian"} {
		if !strings.Contains(args, want) {
			t.Errorf("debootstrap args lack %q: %s", want, args)
		}
	}
	cfg := read(t, filepath.Join(p, name, "config"))
	for _, want := range []string{"lxc.include = /usr/share/lxc/config/debian.common.conf\n", "lxc.tty.max = 4\nlxc.uts.name = " + name + "\nlxc.arch = amd64\nlxc.pty.max = 1024\n"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if src := read(t, filepath.Join(p, name, "rootfs/etc/apt/sources.list")); !strings.HasPrefix(src, "deb http://mirror.invalid/debian bookworm main\n") {
		t.Errorf("sources.list:\n%s", src)
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", name)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestCacheLockWait: a second run waits for the cache entry's lock and
// says which pid holds it.
func TestCacheLockWait(t *testing.T) {
	testutil.Integration(t)
	cache := t.TempDir()
	base := filepath.Join(cache, "debian/bookworm")
	seedRootfs(t, filepath.Join(base, "rootfs-amd64"))
	lockPath := filepath.Join(base, ".lock-amd64")
	lock, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	lock.WriteString("4242\n")
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("w")
	cmd := exec.Command(testutil.Bin(t, "lxc-create"), "-P", p, "-n", name, "-t", "debian", "--", "-r", "bookworm", "-a", "amd64")
	cmd.Env = append(os.Environ(), templatesEnv(cache)...)
	stdout, _ := cmd.StdoutPipe()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	saw := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			if strings.Contains(sc.Text(), "Waiting for the cache lock "+lockPath+" held by pid 4242") {
				saw <- true
			}
		}
		close(saw)
	}()
	select {
	case ok := <-saw:
		if !ok {
			t.Fatalf("no waiting message; output %q, stderr %s", lines, errb.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no waiting message after 30s: %q", lines)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(p, name, "rootfs/etc/passwd")); err == nil {
		t.Error("the copy happened while the lock was held")
	}
	syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("create after the lock was released: %v\n%s", err, errb.String())
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", name)
}

// TestLocalTarballs: lxc-local through lxc-create, with a good image (metadata
// and rootfs tarballs) and with malicious rootfs tarballs, which must fail
// without writing anything outside the new rootfs.
func TestLocalTarballs(t *testing.T) {
	testutil.Integration(t)
	p := testutil.LXCPath(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	seedRootfs(t, src)
	testutil.WriteFile(t, filepath.Join(src, "etc/hostname"), "LXC_NAME\n", 0o644)
	rootfsTar := filepath.Join(dir, "rootfs.tar.xz")
	if out, err := exec.Command("tar", "-C", src, "--numeric-owner", "-cJf", rootfsTar, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	meta := filepath.Join(dir, "meta")
	testutil.WriteFile(t, filepath.Join(meta, "config"), "lxc.include = LXC_TEMPLATE_CONFIG/common.conf\nlxc.arch = x86_64\n", 0o644)
	testutil.WriteFile(t, filepath.Join(meta, "fstab"), "proc proc proc nodev,noexec,nosuid 0 0\n", 0o644)
	testutil.WriteFile(t, filepath.Join(meta, "templates"), "/etc/hostname\n", 0o644)
	testutil.WriteFile(t, filepath.Join(meta, "excludes"), "./usr/share/doc\n", 0o644)
	testutil.WriteFile(t, filepath.Join(meta, "create-message"), "Welcome.\n", 0o644)
	metaTar := filepath.Join(dir, "meta.tar.xz")
	if out, err := exec.Command("tar", "-C", meta, "-cJf", metaTar, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	env := templatesEnv(t.TempDir())
	name := testutil.UniqueName("l")
	r := testutil.RunIn(t, env, "", "lxc-create", "-P", p, "-n", name, "-t", "local", "--", "-m", metaTar, "-f", rootfsTar, "--no-dev")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if !strings.HasSuffix(r.Stdout, "---\nWelcome.\n") {
		t.Errorf("create message: %q", r.Stdout)
	}
	cfg := read(t, filepath.Join(p, name, "config"))
	for _, want := range []string{"\n# Distribution configuration\nlxc.include = /usr/share/lxc/config/common.conf\nlxc.arch = x86_64\n",
		"lxc.mount.fstab = " + p + "/" + name + "/fstab\nlxc.uts.name = " + name + "\n", "\n# Network configuration\nlxc.net.0.type = "} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if h := read(t, filepath.Join(p, name, "rootfs/etc/hostname")); h != name+"\n" {
		t.Errorf("template substitution: hostname %q", h)
	}
	if _, err := os.Stat(filepath.Join(p, name, "rootfs/usr/share/doc")); !os.IsNotExist(err) {
		t.Error("excluded path extracted")
	}
	testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", name)

	// Malicious rootfs tarballs.
	host := t.TempDir()
	testutil.WriteFile(t, filepath.Join(host, "shadow"), "host secret", 0o600)
	for i, script := range []string{
		// symlink then a file through it (GNU tar builds it from two archives)
		"ln -s " + host + " etc && tar -cf $OUT etc && rm etc && mkdir etc && echo pwned > etc/evil && tar -rf $OUT etc/evil",
		// a hard link to a host path
		"ln " + filepath.Join(host, "shadow") + " hl 2>/dev/null || cp " + filepath.Join(host, "shadow") + " hl; tar -cf $OUT --absolute-names hl " + filepath.Join(host, "shadow") + " && true",
		// dot-dot member names
		"mkdir -p a && echo x > a/f && tar -cf $OUT --transform 's,^a/f,../../../evil,' a/f",
	} {
		work := t.TempDir()
		out := filepath.Join(t.TempDir(), "evil.tar")
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "OUT="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build evil tarball %d: %v\n%s", i, err, b)
		}
		n := testutil.UniqueName("e")
		r := testutil.RunIn(t, env, "", "lxc-create", "-P", p, "-n", n, "-t", "local", "--", "-f", out)
		ents, _ := os.ReadDir(host)
		if len(ents) != 1 || read(t, filepath.Join(host, "shadow")) != "host secret" {
			t.Errorf("tarball %d wrote outside the rootfs: %v", i, ents)
		}
		if i != 1 && r.Code == 0 {
			t.Errorf("tarball %d accepted: %s", i, r)
		}
		if r.Code == 0 {
			// The hard link case: its target name is made relative, so
			// it links to the copy inside the archive, never the host file.
			testutil.MustRun(t, "lxc-destroy", "-P", p, "-n", n)
		} else if _, err := os.Lstat(filepath.Join(p, n)); !os.IsNotExist(err) {
			t.Errorf("tarball %d: container left", i)
		}
	}
}

// TestDebianNeedsCommonInclude: without DISTRO.common.conf the debian and
// ubuntu templates fail at once, saying what is missing, instead of
// writing a config without capability drops, devices and mounts; nothing
// is downloaded and no container is left.
func TestDebianNeedsCommonInclude(t *testing.T) {
	testutil.Integration(t)
	cache := t.TempDir()
	p := testutil.LXCPath(t)
	fake := fakeDebootstrap(t, false, "")
	empty := t.TempDir()
	for _, distro := range []string{"debian", "ubuntu"} {
		name := testutil.UniqueName("inc")
		r := testutil.RunIn(t, templatesEnv(cache, "PATH="+fake+":"+os.Getenv("PATH"), "LXC_CONFIG_DIR="+empty), "",
			"lxc-create", "-P", p, "-n", name, "-t", distro, "--", "-a", "amd64", "--mirror", "http://mirror.invalid/"+distro)
		want := empty + "/" + distro + ".common.conf is missing"
		if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, want) {
			t.Errorf("%s template without its include: %s", distro, r)
		}
		if _, err := os.Lstat(filepath.Join(p, name)); !os.IsNotExist(err) {
			t.Errorf("%s: container left after the refusal", distro)
		}
		if _, err := os.Stat(filepath.Join(cache, distro)); !os.IsNotExist(err) {
			t.Errorf("%s: the template downloaded before refusing", distro)
		}
	}
}
