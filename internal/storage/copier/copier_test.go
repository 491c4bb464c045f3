package copier

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// buildTree makes a source tree with every kind of object the copier must
// keep exactly, and returns the paths it set an ACL on.
func buildTree(t *testing.T, root string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w := func(rel, data string, mode os.FileMode) {
		t.Helper()
		testutil.WriteFile(t, filepath.Join(root, rel), data, mode)
		must(os.Chmod(filepath.Join(root, rel), mode))
	}
	w("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644)
	w("etc/shadow", "root:*:1::::::\n", 0o640)
	must(os.Chown(filepath.Join(root, "etc/shadow"), 0, 42))
	w("bin/su", "#!/bin/true\n", 0o4755)
	w("bin/wall", "#!/bin/true\n", 0o2755)
	w("bin/ping", "#!/bin/true\n", 0o755)
	w("secret", "x", 0o000)
	w("home/user/file", "hello", 0o600)
	must(os.Chown(filepath.Join(root, "home/user"), 1000, 1000))
	must(os.Chown(filepath.Join(root, "home/user/file"), 1000, 1000))
	must(os.Chown(filepath.Join(root, "secret"), 65534, 65534))
	w("empty", "", 0o644)

	// A big file (copy_file_range path) and a sparse one.
	must(os.MkdirAll(filepath.Join(root, "var"), 0o755))
	big := make([]byte, 9<<20+123)
	for i := range big {
		big[i] = byte(i * 7)
	}
	must(os.WriteFile(filepath.Join(root, "var/big"), append([]byte{}, big...), 0o644))
	sp, err := os.Create(filepath.Join(root, "var/sparse"))
	must(err)
	must(sp.Truncate(64 << 20))
	_, err = sp.WriteAt([]byte("data in the middle"), 32<<20)
	must(err)
	_, err = sp.WriteAt([]byte("tail"), 64<<20-4)
	must(err)
	sp.Close()

	// Hard links, across directories, and a hard-linked symlink.
	must(os.Link(filepath.Join(root, "bin/ping"), filepath.Join(root, "bin/ping6")))
	must(os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	must(os.Link(filepath.Join(root, "bin/ping"), filepath.Join(root, "usr/bin/ping")))
	must(os.Symlink("busybox", filepath.Join(root, "bin/sh")))
	must(os.Link(filepath.Join(root, "bin/sh"), filepath.Join(root, "bin/ash")))

	// Symlinks: relative, absolute, dangling, owned by someone else.
	must(os.Symlink("../etc/passwd", filepath.Join(root, "bin/pw")))
	must(os.Symlink("/etc/shadow", filepath.Join(root, "abs")))
	must(os.Symlink("nowhere/at/all", filepath.Join(root, "dangling")))
	must(os.Lchown(filepath.Join(root, "dangling"), 1000, 1000))

	// Device nodes, fifo, socket.
	must(os.MkdirAll(filepath.Join(root, "dev/pts"), 0o755))
	must(unix.Mknod(filepath.Join(root, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(unix.Mknod(filepath.Join(root, "dev/loop200"), unix.S_IFBLK|0o660, int(unix.Mkdev(7, 200))))
	must(os.Chown(filepath.Join(root, "dev/loop200"), 0, 6))
	must(unix.Mkfifo(filepath.Join(root, "run.fifo"), 0o620))
	l, err := net.Listen("unix", filepath.Join(root, "sock"))
	must(err)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()

	// Directories with special modes, nesting, an empty one.
	must(os.MkdirAll(filepath.Join(root, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(root, "tmp"), 0o1777))
	must(os.MkdirAll(filepath.Join(root, "root"), 0o700))
	must(os.Chmod(filepath.Join(root, "root"), 0o700))
	must(os.MkdirAll(filepath.Join(root, "a/b/c/d/e/f"), 0o755))
	w("a/b/c/d/e/f/deep", "deep", 0o644)
	must(os.MkdirAll(filepath.Join(root, "emptydir"), 0o751))
	must(os.Chmod(filepath.Join(root, "emptydir"), 0o751))
	for i := 0; i < 300; i++ {
		w(fmt.Sprintf("many/f%03d", i), strings.Repeat("x", i), 0o644)
	}

	// xattrs: user, trusted, a file capability, POSIX ACLs (access and a
	// directory default).
	must(unix.Setxattr(filepath.Join(root, "etc/passwd"), "user.golxc", []byte("v1"), 0))
	must(unix.Setxattr(filepath.Join(root, "etc"), "user.dir", []byte("dirval"), 0))
	must(unix.Setxattr(filepath.Join(root, "empty"), "trusted.golxc", []byte("t"), 0))
	must(unix.Lsetxattr(filepath.Join(root, "dev/null"), "trusted.node", []byte("n"), 0))
	capv := make([]byte, 20)
	binary.LittleEndian.PutUint32(capv[0:], 0x02000000|1) // VFS_CAP_REVISION_2 | effective
	binary.LittleEndian.PutUint32(capv[4:], 1<<13)        // CAP_NET_RAW permitted
	must(unix.Setxattr(filepath.Join(root, "bin/ping"), "security.capability", capv, 0))
	testutil.Need(t, "setfacl")
	for _, args := range [][]string{
		{"-m", "u:1000:rw,g:42:r", filepath.Join(root, "home/user/file")},
		{"-d", "-m", "u:1000:rwx", filepath.Join(root, "home/user")},
		{"-m", "u:1000:rwx", filepath.Join(root, "home/user")},
	} {
		if out, err := exec.Command("setfacl", args...).CombinedOutput(); err != nil {
			t.Fatalf("setfacl %v: %v\n%s", args, err, out)
		}
	}

	// Distinct old times on everything, directories last.
	var paths []string
	filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		ts := time.Date(2001, 2, 3, 4, 5, 6, 700000000+i, time.UTC)
		uts := []unix.Timespec{unix.NsecToTimespec(ts.UnixNano()), unix.NsecToTimespec(ts.UnixNano())}
		must(unix.UtimesNanoAt(unix.AT_FDCWD, paths[i], uts, unix.AT_SYMLINK_NOFOLLOW))
	}
}

// entry is what a tree walk records of one path.
type entry struct {
	Mode     uint32
	UID, GID uint32
	Size     int64
	Mtime    int64
	Rdev     uint64
	Link     string
	Hash     string
	Xattrs   string
	Blocks   int64
	LinkSet  string // the sorted paths sharing this inode
}

func walkTree(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	byIno := map[uint64][]string{}
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := entry{Mode: st.Mode, UID: st.Uid, GID: st.Gid, Mtime: st.Mtim.Nano(), Blocks: st.Blocks}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			e.Size = st.Size
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			io.Copy(h, f)
			f.Close()
			e.Hash = fmt.Sprintf("%x", h.Sum(nil))
		case unix.S_IFLNK:
			e.Link, _ = os.Readlink(p)
		case unix.S_IFCHR, unix.S_IFBLK:
			e.Rdev = st.Rdev
		}
		e.Xattrs = xattrString(t, p)
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			byIno[st.Ino] = append(byIno[st.Ino], rel)
		}
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rels := range byIno {
		sort.Strings(rels)
		for _, r := range rels {
			e := out[r]
			e.LinkSet = strings.Join(rels, ",")
			out[r] = e
		}
	}
	return out
}

func xattrString(t *testing.T, p string) string {
	names, err := listXattrs(func(b []byte) (int, error) { return unix.Llistxattr(p, b) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		v, err := getXattr(func(b []byte) (int, error) { return unix.Lgetxattr(p, n, b) })
		if err != nil {
			t.Fatalf("getxattr %s %s: %v", p, n, err)
		}
		fmt.Fprintf(&b, "%s=%x;", n, v)
	}
	return b.String()
}

func compareTrees(t *testing.T, what string, want, got map[string]entry, checkBlocks bool) {
	t.Helper()
	for rel, w := range want {
		g, ok := got[rel]
		if !ok {
			t.Errorf("%s: %s missing", what, rel)
			continue
		}
		wb, gb := w.Blocks, g.Blocks
		w.Blocks, g.Blocks = 0, 0
		if w != g {
			t.Errorf("%s: %s differs:\n want %+v\n got  %+v", what, rel, w, g)
		}
		if checkBlocks && w.Mode&unix.S_IFMT == unix.S_IFREG && gb > wb+16 {
			t.Errorf("%s: %s uses %d blocks, source %d (sparseness lost)", what, rel, gb, wb)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s: unexpected %s", what, rel)
		}
	}
}

// TestCopyMatchesRsync copies one tree with the copier and with
// `rsync -aHAX`, and compares both with the source by a walk of lstat,
// xattrs, contents and hard-link sets.
func TestCopyMatchesRsync(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "rsync", "setfacl")
	base := t.TempDir()
	src := filepath.Join(base, "src")
	buildTree(t, src)
	srcTree := walkTree(t, src)

	ours := filepath.Join(base, "ours")
	st, err := Copy(src, ours, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats: %+v", st)
	if st.HardLinks != 3 {
		t.Errorf("hard links made: %d, want 3", st.HardLinks)
	}
	theirs := filepath.Join(base, "rsync")
	if out, err := exec.Command("rsync", "-aHAX", src+"/", theirs+"/").CombinedOutput(); err != nil {
		t.Fatalf("rsync: %v\n%s", err, out)
	}
	rsyncTree := walkTree(t, theirs)
	oursTree := walkTree(t, ours)
	compareTrees(t, "rsync vs source", srcTree, rsyncTree, false)
	compareTrees(t, "copier vs rsync", rsyncTree, oursTree, false)
	compareTrees(t, "copier vs source", srcTree, oursTree, true)
}

// TestCopyRefusesExisting: the copier never writes through what is already
// in the destination (a symlink planted where a directory goes).
func TestCopyRefusesExisting(t *testing.T) {
	testutil.Integration(t)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	testutil.WriteFile(t, filepath.Join(src, "etc/passwd"), "x", 0o644)
	outside := filepath.Join(base, "outside")
	os.Mkdir(outside, 0o755)
	dst := filepath.Join(base, "dst")
	os.Mkdir(dst, 0o755)
	os.Symlink(outside, filepath.Join(dst, "etc"))
	if _, err := Copy(src, dst, Options{}); err == nil {
		t.Fatal("copy through a symlinked destination directory succeeded")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("copy wrote outside the destination: %v", ents)
	}
}

// BenchmarkCopyVsRsync times both on a rootfs-shaped tree (a real
// bookworm rootfs averages 29 KiB per file; this one has many small files
// and a tail of larger ones) with a warm page cache, interleaved runs, and
// compares the medians. make test-debootstrap repeats this on a real
// rootfs.
func BenchmarkCopyVsRsync(b *testing.B) {
	t := b
	testutil.Integration(t)
	testutil.Need(t, "rsync")
	base := t.TempDir()
	src := filepath.Join(base, "src")
	sizes := []int{300, 1500, 4000, 12000, 30000, 90000, 250000}
	data := bytes.Repeat([]byte("golxc-copier "), 250000/13+1)
	files := 0
	for d := 0; d < 60; d++ {
		dir := filepath.Join(src, fmt.Sprintf("usr/lib/d%03d", d))
		os.MkdirAll(dir, 0o755)
		for f := 0; f < 40; f++ {
			n := sizes[(d*40+f)%len(sizes)]
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", f)), data[:n], 0o644); err != nil {
				t.Fatal(err)
			}
			files++
			if f%8 == 0 {
				os.Symlink(fmt.Sprintf("f%02d", f), filepath.Join(dir, fmt.Sprintf("l%02d", f)))
			}
		}
	}
	exec.Command("sync").Run()
	var ours, theirs []time.Duration
	for i := 0; i < b.N; i++ {
		dst := filepath.Join(base, fmt.Sprintf("rsync%d", i))
		start := time.Now()
		if out, err := exec.Command("rsync", "-aHAX", src+"/", dst+"/").CombinedOutput(); err != nil {
			t.Fatalf("rsync: %v\n%s", err, out)
		}
		theirs = append(theirs, time.Since(start))
		exec.Command("sync").Run()
		dst = filepath.Join(base, fmt.Sprintf("ours%d", i))
		start = time.Now()
		if _, err := Copy(src, dst, Options{}); err != nil {
			t.Fatal(err)
		}
		ours = append(ours, time.Since(start))
		exec.Command("sync").Run()
	}
	o, r := median(ours), median(theirs)
	t.Logf("%d files (%d dirs): rsync -aHAX %v, copier %v (%.1fx); runs %v / %v", files, 60, r, o, float64(r)/float64(o), theirs, ours)
	b.ReportMetric(float64(r)/float64(o), "x-vs-rsync")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
