package archive

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

type member struct {
	name, link string
	typ        byte
	body       string
	mode       int64
}

func tarball(t *testing.T, ms ...member) *bytes.Buffer {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, m := range ms {
		mode := m.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: m.name, Linkname: m.link, Typeflag: m.typ, Mode: mode, Size: int64(len(m.body)),
			ModTime: time.Unix(1000000000, 0), Uid: 0, Gid: 0, Format: tar.FormatPAX}
		if m.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			w.Write([]byte(m.body))
		}
	}
	w.Close()
	return &b
}

// outside makes a directory standing for the host, with a file to protect.
func outside(t *testing.T) string {
	d := t.TempDir()
	testutil.WriteFile(t, filepath.Join(d, "shadow"), "host secret", 0o600)
	return d
}

func checkOutside(t *testing.T, d string) {
	t.Helper()
	ents, _ := os.ReadDir(d)
	if len(ents) != 1 {
		t.Errorf("something was written next to the host file: %v", ents)
	}
	if b, _ := os.ReadFile(filepath.Join(d, "shadow")); string(b) != "host secret" {
		t.Errorf("host file changed: %q", b)
	}
}

// The malicious archives of Incus CVE-2026-23954 / -48752 and friends:
// nothing may be written outside the new rootfs.
func TestMaliciousArchives(t *testing.T) {
	testutil.Integration(t)
	host := outside(t)
	cases := []struct {
		name    string
		members []member
		refused bool
	}{
		{"absolute name", []member{{name: host + "/evil", typ: tar.TypeReg, body: "x"}}, false},
		{"dot-dot", []member{{name: "a/../../" + filepath.Base(host) + "/evil", typ: tar.TypeReg, body: "x"}}, true},
		{"symlink then file", []member{
			{name: "etc", typ: tar.TypeSymlink, link: host},
			{name: "etc/evil", typ: tar.TypeReg, body: "x"},
		}, true},
		{"symlink then file over host file", []member{
			{name: "s", typ: tar.TypeSymlink, link: host + "/shadow"},
			{name: "s", typ: tar.TypeReg, body: "overwritten"},
		}, false},
		{"relative symlink then dir", []member{
			{name: "up", typ: tar.TypeSymlink, link: "../../../../../../../../../../" + host},
			{name: "up/sub", typ: tar.TypeDir},
		}, true},
		{"hardlink to host path", []member{{name: "h", typ: tar.TypeLink, link: host + "/shadow"}}, true},
		{"hardlink via dot-dot", []member{{name: "h", typ: tar.TypeLink, link: "../../../../" + host + "/shadow"}}, true},
		{"hardlink through symlink", []member{
			{name: "l", typ: tar.TypeSymlink, link: host},
			{name: "h", typ: tar.TypeLink, link: "l/shadow"},
		}, true},
	}
	for _, c := range cases {
		dst := filepath.Join(t.TempDir(), "rootfs")
		err := Extract(tarball(t, c.members...), dst, Options{})
		if c.refused && err == nil {
			t.Errorf("%s: accepted", c.name)
		}
		if !c.refused && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		checkOutside(t, host)
	}
	// The absolute name landed inside.
	dst := filepath.Join(t.TempDir(), "rootfs")
	Extract(tarball(t, member{name: "/abs/file", typ: tar.TypeReg, body: "in"}), dst, Options{})
	if b, _ := os.ReadFile(filepath.Join(dst, "abs/file")); string(b) != "in" {
		t.Errorf("absolute member not extracted inside: %q", b)
	}
}

func TestExtractKeepsMetadata(t *testing.T) {
	testutil.Integration(t)
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	mt := time.Unix(1234567890, 0)
	hs := []*tar.Header{
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mt},
		{Name: "./etc/", Typeflag: tar.TypeDir, Mode: 0o751, Uid: 0, Gid: 0, ModTime: mt},
		{Name: "./etc/shadow", Typeflag: tar.TypeReg, Mode: 0o640, Gid: 42, Size: 3, ModTime: mt,
			PAXRecords: map[string]string{"SCHILY.xattr.user.test": "v"}},
		{Name: "./bin/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mt},
		{Name: "./bin/su", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 3, ModTime: mt},
		{Name: "./bin/su2", Typeflag: tar.TypeLink, Linkname: "./bin/su", ModTime: mt},
		{Name: "./bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Uid: 1000, Gid: 1000, ModTime: mt},
		{Name: "./dev/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mt},
		{Name: "./dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: mt},
		{Name: "./run.fifo", Typeflag: tar.TypeFifo, Mode: 0o600, ModTime: mt},
		{Name: "./tmp/", Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: mt},
	}
	for _, h := range hs {
		h.Format = tar.FormatPAX
		w.WriteHeader(h)
		if h.Size > 0 {
			w.Write([]byte("abc"))
		}
	}
	w.Close()
	dst := filepath.Join(t.TempDir(), "rootfs")
	if err := Extract(&b, dst, Options{}); err != nil {
		t.Fatal(err)
	}
	st := func(p string) unix.Stat_t {
		var s unix.Stat_t
		if err := unix.Lstat(filepath.Join(dst, p), &s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return s
	}
	if s := st("etc/shadow"); s.Mode&0o7777 != 0o640 || s.Gid != 42 || s.Mtim.Sec != mt.Unix() {
		t.Errorf("etc/shadow: mode %o gid %d mtime %d", s.Mode&0o7777, s.Gid, s.Mtim.Sec)
	}
	if s := st("etc"); s.Mode&0o7777 != 0o751 || s.Mtim.Sec != mt.Unix() {
		t.Errorf("etc: mode %o mtime %d", s.Mode&0o7777, s.Mtim.Sec)
	}
	if s := st("bin/su"); s.Mode&0o7777 != 0o4755 || s.Nlink != 2 {
		t.Errorf("bin/su: mode %o nlink %d", s.Mode&0o7777, s.Nlink)
	}
	if s := st("bin/sh"); s.Uid != 1000 {
		t.Errorf("symlink owner %d", s.Uid)
	}
	if s := st("dev/null"); s.Mode&unix.S_IFMT != unix.S_IFCHR || s.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("dev/null: %o %x", s.Mode, s.Rdev)
	}
	if s := st("tmp"); s.Mode&0o7777 != 0o1777 {
		t.Errorf("tmp: %o", s.Mode&0o7777)
	}
	v := make([]byte, 8)
	n, err := unix.Getxattr(filepath.Join(dst, "etc/shadow"), "user.test", v)
	if err != nil || string(v[:n]) != "v" {
		t.Errorf("xattr: %q %v", v[:n], err)
	}
	// --no-dev and excludes.
	dst2 := filepath.Join(t.TempDir(), "rootfs")
	var b2 bytes.Buffer
	w = tar.NewWriter(&b2)
	for _, h := range hs {
		h.Format = tar.FormatPAX
		w.WriteHeader(h)
		if h.Size > 0 {
			w.Write([]byte("abc"))
		}
	}
	w.Close()
	if err := Extract(&b2, dst2, Options{NoDev: true, Exclude: []string{"./etc/shadow"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dev/null", "etc/shadow"} {
		if _, err := os.Lstat(filepath.Join(dst2, p)); !os.IsNotExist(err) {
			t.Errorf("%s extracted despite the options", p)
		}
	}
	if strings.Contains(dst2, "..") {
		t.Fatal("unreachable")
	}
}
