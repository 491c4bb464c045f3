//go:build package

// Package package_test installs the Debian package `make deb` built
// (GOLXC_DEB) into a Debian bookworm system tree, as a distribution would
// ship it: dpkg install, the files and units in place, the tools running
// from the tree, liblxc1 and LXC's other packages installable beside it,
// dpkg -r and --purge leaving nothing of ours. Then the tree, with the
// package installed, boots as a container under the packaged lxc-start,
// and inside it the packaged tools create, autostart (lxc.service) and run
// a nested busybox container, as nesting.conf allows.
//
// The tree is a debian container made by the source tree's lxc-create
// from the debian template's cache (/var/cache/lxc/debian/bookworm, made
// with debootstrap from the host's apt mirror when it is missing: about
// 1.5 minutes). Run by make test-package, as root.
package package_test

import (
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golxc/golxc/internal/testutil"
)

// deb is the package under test.
func deb(t *testing.T) string {
	t.Helper()
	p := os.Getenv("GOLXC_DEB")
	if p == "" {
		t.Fatal("GOLXC_DEB is not set: run make test-package (it builds the package first)")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func field(t *testing.T, pkg, name string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "-f", pkg, name).Output()
	if err != nil {
		t.Fatalf("dpkg-deb -f %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestControl: the fields a distribution relies on, and the size budget.
func TestControl(t *testing.T) {
	pkg := deb(t)
	for name, want := range map[string]string{
		"Package":   "golxc",
		"Provides":  "lxc (= 1:5.0.2)",
		"Conflicts": "lxc",
		"Replaces":  "lxc, liblxc-common, lxc-templates",
	} {
		if got := field(t, pkg, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// The C libraries linked statically are named, with the exact source
	// versions this host built with, and their licences are in copyright.
	builtUsing := field(t, pkg, "Built-Using")
	for lib, dev := range map[string]string{"glibc": "libc6-dev", "musl": "musl-dev"} {
		v, err := exec.Command("dpkg-query", "-W", "-f", "${source:Version}", dev).Output()
		if err != nil {
			if lib == "glibc" {
				t.Fatalf("dpkg-query %s: %v (the package build needs it)", dev, err)
			}
			continue // no musl-gcc: the supervisor is glibc's
		}
		if want := lib + " (= " + string(v) + ")"; !strings.Contains(builtUsing, want) {
			t.Errorf("Built-Using %q lacks %s", builtUsing, want)
		}
	}
	copyright := readFile(t, filepath.Join(testutil.RepoRoot(), "packaging/deb/copyright"))
	for _, l := range []string{"License: LGPL-2.1+", "License: MIT"} {
		if !strings.Contains(copyright, "\n"+l+"\n") {
			t.Errorf("copyright has no %q paragraph", l)
		}
	}
	size, err := strconv.Atoi(field(t, pkg, "Installed-Size"))
	if err != nil || size <= 0 || size > 12*1024 {
		t.Errorf("Installed-Size %d KiB (%v), budget 12 MiB", size, err)
	}
	t.Logf("Installed-Size %d KiB", size)
	if !strings.HasPrefix(filepath.Base(pkg), "golxc_"+field(t, pkg, "Version")+"_"+field(t, pkg, "Architecture")+".deb") {
		t.Errorf("file name %s does not follow golxc_VERSION_ARCH.deb", filepath.Base(pkg))
	}
}

// TestReproducible: building the package again from the same tree gives
// the same bytes.
func TestReproducible(t *testing.T) {
	pkg := deb(t)
	out := t.TempDir()
	cmd := exec.Command("make", "-s", "deb")
	cmd.Dir = testutil.RepoRoot()
	cmd.Env = append(os.Environ(), "MKDEB_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make deb: %v\n%s", err, b)
	}
	again := filepath.Join(out, filepath.Base(pkg))
	if a, b := sum(t, pkg), sum(t, again); a != b {
		t.Errorf("two builds of the same tree differ: %s %s, %s %s", a, pkg, b, again)
	}
}

func sum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// inRoot runs a command chrooted into root, in a private mount namespace
// with the host's /dev and a fresh /proc (maintainer scripts write to
// /dev/null); the mounts end with the command.
func inRoot(t *testing.T, root string, args ...string) testutil.Result {
	t.Helper()
	script := `mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" && exec chroot "$0" "$@"`
	cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script, root}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "DEBIAN_FRONTEND=noninteractive"}
	return testutil.RunCmd(t, cmd)
}

func mustInRoot(t *testing.T, root string, args ...string) string {
	t.Helper()
	r := inRoot(t, root, args...)
	if r.Code != 0 {
		t.Fatalf("in the tree: %s: %s", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// listing describes every file of the tree (type, mode, link target),
// leaving out what dpkg keeps about itself and scratch places.
func listing(t *testing.T, root string) map[string]string {
	t.Helper()
	skip := map[string]bool{"/var/lib/dpkg": true, "/var/log": true, "/tmp": true, "/proc": true, "/dev": true, "/var/cache/debconf": true}
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if skip[rel] {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diff lists what b has that a lacks, or differs, sorted.
func diff(a, b map[string]string) []string {
	var d []string
	for k, v := range b {
		if a[k] != v {
			d = append(d, k+" ("+v+")")
		}
	}
	sort.Strings(d)
	return d
}

// TestInstallRemovePurgeBoot is the distribution's view of the package.
func TestInstallRemovePurgeBoot(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "unshare", "chroot", "dpkg-deb", "debootstrap", "busybox", "apt-get")
	pkg := deb(t)
	p := testutil.LXCPath(t)
	name := testutil.UniqueName("pkg")

	// The Debian tree: a debian container's rootfs, from the template's
	// cache. No network device: nothing here touches the host's network.
	netless := filepath.Join(t.TempDir(), "netless.conf")
	testutil.WriteFile(t, netless, "lxc.net.0.type = empty\n", 0o644)
	start := time.Now()
	r := testutil.RunIn(t, []string{"GOLXC_TEMPLATE_DIR=" + filepath.Join(testutil.RepoRoot(), "templates")}, "",
		"lxc-create", "-P", p, "-n", name, "-t", "debian", "-f", netless, "--", "-r", "bookworm")
	if r.Code != 0 {
		t.Fatalf("creating the bookworm tree: %s", r)
	}
	t.Logf("bookworm tree in %v", time.Since(start).Round(time.Second))
	root := filepath.Join(p, name, "rootfs")
	copyFile(t, pkg, filepath.Join(root, "tmp/golxc.deb"))

	before := listing(t, root)
	if len(before) < 5000 {
		t.Fatalf("the bookworm tree has only %d files", len(before))
	}
	start = time.Now()
	mustInRoot(t, root, "dpkg", "-i", "/tmp/golxc.deb")
	checkInstalled(t, root)
	t.Logf("installed and checked in %v", time.Since(start).Round(time.Second))

	// LXC's library and the packages sharing files with golxc install
	// beside it: dpkg keeps golxc's copies of the shared files.
	start = time.Now()
	checkLiblxcBeside(t, root)
	t.Logf("liblxc1, liblxc-common, lxc-templates beside golxc: %v", time.Since(start).Round(time.Second))
	start = time.Now()

	mustInRoot(t, root, "dpkg", "-r", "golxc")
	afterRemove := listing(t, root)
	if gone := diff(afterRemove, before); len(gone) > 0 {
		t.Errorf("dpkg -r removed files that were there before the install:\n  %s", strings.Join(gone, "\n  "))
	}
	conffiles := map[string]bool{"/etc/lxc": true}
	for _, f := range strings.Fields(readFile(t, filepath.Join(testutil.RepoRoot(), "packaging/deb/conffiles"))) {
		conffiles[f] = true
	}
	for _, f := range diff(before, afterRemove) {
		path := strings.Fields(f)[0]
		switch {
		case conffiles[path]:
		case strings.HasPrefix(path, "/etc/systemd/system/multi-user.target.wants/lxc"),
			strings.HasPrefix(path, "/var/lib/systemd/deb-systemd-helper-enabled"):
			// The admin's enablement stays until purge, as for any
			// Debian package.
		default:
			t.Errorf("dpkg -r left %s", f)
		}
	}
	mustInRoot(t, root, "dpkg", "--purge", "golxc")
	after := listing(t, root)
	if d := append(diff(before, after), diff(after, before)...); len(d) > 0 {
		t.Errorf("after dpkg --purge the tree differs from before the install:\n  %s", strings.Join(d, "\n  "))
	}
	if out := inRoot(t, root, "dpkg-query", "-W", "-f", "${Status}", "golxc"); strings.Contains(out.Stdout, "installed") {
		t.Errorf("golxc still known to dpkg: %s", out.Stdout)
	}

	t.Logf("removed and purged in %v", time.Since(start).Round(time.Second))

	// Installed again, the tree boots as a container.
	start = time.Now()
	mustInRoot(t, root, "dpkg", "-i", "/tmp/golxc.deb")
	bootNested(t, p, name, root)
	t.Logf("booted, nested container run, stopped in %v", time.Since(start).Round(time.Second))
}

// gunzip returns the text of a gzipped file.
func gunzip(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return string(b)
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, dst, string(b), 0o644)
}

// tools are the links the package installs in /usr/bin.
var tools = []string{"lxc-attach", "lxc-autostart", "lxc-cgroup", "lxc-checkconfig", "lxc-checkpoint", "lxc-config",
	"lxc-console", "lxc-copy", "lxc-create", "lxc-destroy", "lxc-device", "lxc-execute", "lxc-freeze", "lxc-info",
	"lxc-ls", "lxc-monitor", "lxc-snapshot", "lxc-start", "lxc-stop", "lxc-top", "lxc-unfreeze", "lxc-unpriv-attach",
	"lxc-unpriv-start", "lxc-unshare",
	"lxc-update-config", "lxc-usernsexec", "lxc-wait"}

func checkInstalled(t *testing.T, root string) {
	t.Helper()
	// One binary, every tool a link to it, each one answering.
	for _, tool := range tools {
		target, err := os.Readlink(filepath.Join(root, "usr/bin", tool))
		if err != nil || target != "golxc" {
			t.Errorf("/usr/bin/%s: %q %v, want a link to golxc", tool, target, err)
		}
	}
	for _, tool := range tools {
		switch tool {
		case "lxc-config", "lxc-checkconfig", "lxc-update-config", "lxc-usernsexec":
			continue
		}
		if out := mustInRoot(t, root, tool, "--version"); out != "5.0.2\n" {
			t.Errorf("%s --version in the tree: %q", tool, out)
		}
	}
	if out := mustInRoot(t, root, "golxc", "--version"); !strings.HasPrefix(out, "5.0.2\ngolxc ") || strings.Contains(out, "golxc dev ") {
		t.Errorf("golxc --version: %q (the build must be stamped)", out)
	}
	if r := inRoot(t, root, "lxc-start", "--help"); !strings.Contains(r.Stderr, "LXC 5.0.2 compatible)\n") {
		t.Errorf("lxc-start --help has no build footer: %s", r)
	}
	// The man pages name the same build as the binary.
	if m := regexp.MustCompile(`\(commit ([0-9a-f]{12}),`).FindStringSubmatch(mustInRoot(t, root, "golxc", "--version")); m == nil {
		t.Errorf("golxc --version names no commit")
	} else {
		for _, page := range []string{"usr/share/man/man1/lxc-start.1.gz", "usr/share/man/man5/lxc.container.conf.5.gz"} {
			text := gunzip(t, filepath.Join(root, page))
			if !strings.Contains(text, "commit "+m[1]) || strings.Contains(text, "golxc dev") {
				t.Errorf("/%s does not name the packaged build (commit %s)", page, m[1])
			}
		}
	}
	if out := mustInRoot(t, root, "lxc-config", "lxc.lxcpath"); out != "/var/lib/lxc\n" {
		t.Errorf("lxc-config lxc.lxcpath: %q", out)
	}
	mustInRoot(t, root, "lxc-ls", "-f")
	for _, f := range []string{
		"lib/systemd/system/lxc.service", "lib/systemd/system/lxc@.service", "lib/systemd/system/lxc-net.service",
		"etc/systemd/system/multi-user.target.wants/lxc.service", "etc/systemd/system/multi-user.target.wants/lxc-net.service",
		"usr/libexec/lxc/lxc-containers", "usr/libexec/lxc/lxc-net",
		"etc/lxc/default.conf", "etc/default/lxc", "etc/default/lxc-net", "etc/sysctl.d/30-lxc-inotify.conf",
		"usr/share/lxc/config/common.conf", "usr/share/lxc/config/userns.conf", "usr/share/lxc/config/nesting.conf",
		"usr/share/lxc/config/oci.common.conf", "usr/share/lxc/config/common.seccomp",
		"usr/share/lxc/config/debian.common.conf", "usr/share/lxc/config/ubuntu.common.conf", "usr/share/lxc/config/alpine.common.conf",
		"usr/share/lxc/hooks/clonehostname", "usr/share/lxc/templates/lxc-debian", "usr/share/lxc/templates/lxc-busybox",
		"usr/share/man/man1/lxc-start.1.gz", "usr/share/man/man1/golxc.1.gz", "usr/share/man/man5/lxc.container.conf.5.gz",
		"usr/share/man/man5/lxc.system.conf.5.gz", "usr/share/man/man5/lxc-usernet.5.gz", "usr/share/man/man7/lxc.7.gz",
		"usr/share/doc/golxc/copyright", "usr/share/doc/golxc/changelog.gz", "var/lib/lxc",
	} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("not installed: /%s", f)
		}
	}
	// A man page per tool.
	for _, tool := range tools {
		if _, err := os.Stat(filepath.Join(root, "usr/share/man/man1", tool+".1.gz")); err != nil {
			t.Errorf("no man page for %s", tool)
		}
	}
	// What dpkg counts is within the budget.
	if kib, err := strconv.Atoi(strings.TrimSpace(mustInRoot(t, root, "dpkg-query", "-W", "-f", "${Installed-Size}", "golxc"))); err != nil || kib > 12*1024 {
		t.Errorf("installed size %d KiB (%v)", kib, err)
	}
	if got := mustInRoot(t, root, "dpkg-query", "-W", "-f", "${Conffiles}", "golxc"); !strings.Contains(got, "/etc/lxc/default.conf") {
		t.Errorf("conffiles: %q", got)
	}
}

// checkLiblxcBeside installs Debian's liblxc1, liblxc-common and
// lxc-templates (from the host's apt mirror) next to golxc, then removes
// them again: they install, and the files they share with golxc stay
// golxc's.
func checkLiblxcBeside(t *testing.T, root string) {
	t.Helper()
	dir := filepath.Join(root, "tmp/liblxc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	download := func() testutil.Result {
		cmd := exec.Command("apt-get", "download", "-q", "liblxc1", "liblxc-common", "lxc-templates")
		cmd.Dir = dir
		return testutil.RunCmd(t, cmd)
	}
	if r := download(); r.Code != 0 {
		// The host's package lists may be missing: fetch them once.
		testutil.RunCmd(t, exec.Command("apt-get", "update", "-qq"))
		if r = download(); r.Code != 0 {
			t.Fatalf("apt-get download liblxc1 liblxc-common lxc-templates: %s", r)
		}
	}
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) != 3 {
		t.Fatalf("downloaded %v", debs)
	}
	args := []string{"dpkg", "-i"}
	for _, d := range debs {
		args = append(args, "/tmp/liblxc/"+filepath.Base(d))
	}
	out := mustInRoot(t, root, args...)
	if !strings.Contains(out, "Replaced by files in installed package golxc") {
		t.Errorf("dpkg did not keep golxc's shared files:\n%s", out)
	}
	for _, f := range []string{"/usr/share/lxc/config/common.conf", "/usr/share/lxc/config/debian.common.conf", "/usr/share/lxc/templates/lxc-debian"} {
		if owner := mustInRoot(t, root, "dpkg", "-S", f); !strings.HasPrefix(owner, "golxc: ") {
			t.Errorf("%s belongs to %q", f, owner)
		}
		if !strings.Contains(readFile(t, filepath.Join(root, f)), "golxc") {
			t.Errorf("%s is not golxc's file any more", f)
		}
	}
	mustInRoot(t, root, "dpkg", "--purge", "lxc-templates", "liblxc-common", "liblxc1")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// golxc's files are all still there.
	if r := inRoot(t, root, "dpkg", "--verify", "golxc"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("dpkg --verify golxc after removing liblxc: %s", r)
	}
}

// bootNested boots the tree, with the package installed, as a container
// run by the packaged lxc-start, with the packaged include files (their
// paths moved to a copy: they name /usr/share/lxc/config, which on the
// host is not the package's) and nesting.conf. Inside, lxc.service must
// have run at boot; the packaged tools then create a busybox container
// marked for autostart, lxc.service starts it and stops it again, and it
// runs a command in between.
func bootNested(t *testing.T, p, name, root string) {
	t.Helper()
	configDir := filepath.Join(t.TempDir(), "config")
	err := filepath.WalkDir(filepath.Join(root, "usr/share/lxc/config"), func(src string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(configDir, strings.TrimPrefix(src, filepath.Join(root, "usr/share/lxc/config")))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		s := strings.ReplaceAll(readFile(t, src), "/usr/share/lxc/config", configDir)
		return os.WriteFile(dst, []byte(strings.ReplaceAll(s, "/usr/share/lxc/hooks", filepath.Join(root, "usr/share/lxc/hooks"))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(p, name, "config")
	cfg := readFile(t, cfgPath)
	if !strings.Contains(cfg, "lxc.include = /usr/share/lxc/config/debian.common.conf\n") {
		t.Fatalf("the debian template's config does not include debian.common.conf:\n%s", cfg)
	}
	cfg = strings.ReplaceAll(cfg, "lxc.include = /usr/share/lxc/config/", "lxc.include = "+configDir+"/")
	cfg += "lxc.include = " + configDir + "/nesting.conf\n"
	testutil.WriteFile(t, cfgPath, cfg, 0o640)

	// The nested container's tools are the package's; busybox (for its
	// template) is the host's, a test helper, not part of the package.
	busybox, _ := exec.LookPath("busybox")
	copyFile(t, busybox, filepath.Join(root, "usr/local/bin/busybox"))
	if err := os.Chmod(filepath.Join(root, "usr/local/bin/busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Join(root, "root/inner.conf"), "lxc.net.0.type = empty\nlxc.start.auto = 1\n", 0o644)

	// The packaged binary, run from a copy: the tree's own /usr/bin/golxc
	// goes while the package is removed inside the container.
	bin := t.TempDir()
	copyFile(t, filepath.Join(root, "usr/bin/golxc"), filepath.Join(bin, "golxc"))
	if err := os.Chmod(filepath.Join(bin, "golxc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"lxc-start", "lxc-stop", "lxc-attach", "lxc-info"} {
		if err := os.Symlink("golxc", filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	packaged := func(tool string, args ...string) testutil.Result {
		t.Helper()
		return testutil.RunCmd(t, exec.Command(filepath.Join(bin, tool), append([]string{"-P", p, "-n", name}, args...)...))
	}
	if r := packaged("lxc-start"); r.Code != 0 {
		t.Fatalf("packaged lxc-start of the tree: %s", r)
	}
	t.Cleanup(func() { packaged("lxc-stop", "-k") })
	inside := func(args ...string) testutil.Result {
		t.Helper()
		return packaged("lxc-attach", append([]string{"--clear-env", "--"}, args...)...)
	}
	mustInside := func(args ...string) string {
		t.Helper()
		r := inside(args...)
		if r.Code != 0 {
			t.Fatalf("in the booted container: %s: %s", strings.Join(args, " "), r)
		}
		return strings.TrimSpace(r.Stdout)
	}

	// lxc.service ran lxc-containers at boot; lxc-net.service stood back
	// (ConditionVirtualization=!lxc).
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := inside("systemctl", "is-active", "lxc.service")
		if strings.TrimSpace(r.Stdout) == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lxc.service not active 90 s after boot: %s\n%s", r, inside("systemctl", "status", "--no-pager", "lxc.service").Stdout)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("lxc.service active %v after the start", time.Since(deadline.Add(-90*time.Second)).Round(100*time.Millisecond))
	if v := mustInside("systemd-detect-virt", "--container"); v != "lxc" {
		t.Errorf("systemd-detect-virt in the container: %q", v)
	}
	if v := mustInside("systemctl", "show", "-p", "ConditionResult", "--value", "lxc-net.service"); v != "no" {
		t.Errorf("lxc-net.service condition in a container: %q, want no", v)
	}
	if v := mustInside("systemctl", "is-enabled", "lxc.service"); v != "enabled" {
		t.Errorf("lxc.service is %q", v)
	}

	// The nested container, made and run by the package's tools.
	mustInside("lxc-create", "-n", "inner", "-t", "busybox", "-f", "/root/inner.conf")
	mustInside("systemctl", "restart", "lxc.service")
	mustInside("lxc-wait", "-n", "inner", "-s", "RUNNING", "-t", "30")
	if out := mustInside("lxc-attach", "-n", "inner", "--", "/bin/busybox", "echo", "nested-ok"); out != "nested-ok" {
		t.Errorf("command in the nested container printed %q", out)
	}
	if out := mustInside("lxc-ls", "-f", "-F", "NAME,STATE,AUTOSTART"); !strings.Contains(out, "inner RUNNING 1") {
		t.Errorf("lxc-ls -f in the container:\n%s", out)
	}
	// At shutdown lxc.service stops every container.
	mustInside("systemctl", "stop", "lxc.service")
	if s := mustInside("lxc-info", "-n", "inner", "-s", "-H"); s != "STOPPED" {
		t.Errorf("nested container %s after lxc.service stopped", s)
	}
	mustInside("lxc-destroy", "-n", "inner")

	// Removing the package stops the containers (as Debian's lxc does:
	// no other tool set can see a golxc monitor) and keeps them.
	mustInside("lxc-create", "-n", "inner2", "-t", "busybox", "-f", "/root/inner.conf")
	mustInside("systemctl", "restart", "lxc.service")
	mustInside("lxc-wait", "-n", "inner2", "-s", "RUNNING", "-t", "30")
	// The package file for the reinstall: /tmp is emptied at boot.
	copyFile(t, deb(t), filepath.Join(root, "root/golxc.deb"))
	mustInside("dpkg", "-r", "golxc")
	monitors := `for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$f"; echo; done | grep -c '^\[lxc monitor\]' || true`
	if n := mustInside("sh", "-c", monitors); n != "0" {
		t.Errorf("%s container monitors still run after dpkg -r golxc", n)
	}
	if r := inside("test", "-f", "/var/lib/lxc/inner2/config"); r.Code != 0 {
		t.Errorf("dpkg -r golxc removed a container: %s", r)
	}
	mustInside("dpkg", "-i", "/root/golxc.deb")
	mustInside("rm", "/root/golxc.deb")
	// The reinstall's postinst started lxc.service, which started inner2.
	mustInside("lxc-destroy", "-f", "-n", "inner2")

	if r := packaged("lxc-stop", "-t", "30"); r.Code != 0 {
		t.Errorf("packaged lxc-stop of the tree: %s", r)
	}
	if r := packaged("lxc-info", "-s", "-H"); strings.TrimSpace(r.Stdout) != "STOPPED" {
		t.Errorf("the tree's container after lxc-stop: %s", r)
	}
}
