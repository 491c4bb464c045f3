package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, text string) (*Container, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func get(t *testing.T, c *Container, key string) string {
	t.Helper()
	v, err := c.GetItem(key)
	if err != nil {
		t.Fatalf("GetItem(%s): %v", key, err)
	}
	return v
}

func TestParseErrorNamesFileLineKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	os.WriteFile(p, []byte("# c\nlxc.uts.name = a\n\nlxc.tty.max = many\nlxc.uts.name = b\n"), 0o644)
	before, _ := os.ReadFile(p)
	_, err := Load(p)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 || pe.Key != "lxc.tty.max" {
		t.Fatalf("%v", err)
	}
	if want := p + `:4: key "lxc.tty.max": invalid unsigned number "many"`; err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Errorf("file changed by a failed load")
	}
	_, err = load(t, "lxc.bogus = 1\n")
	if !IsUnknownKey(err) || !strings.Contains(err.Error(), `:1: key "lxc.bogus": unsupported config key`) {
		t.Errorf("unknown key: %v", err)
	}
	_, err = load(t, "lxc.uts.name\n")
	if err == nil || !strings.Contains(err.Error(), ":1: key \"lxc.uts.name\": invalid configuration line") {
		t.Errorf("missing '=': %v", err)
	}
}

func TestDefaultsAndGetters(t *testing.T) {
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"lxc.rootfs.mount": DefaultRootfsMount, "lxc.autodev": "1", "lxc.rootfs.managed": "1",
		"lxc.log.level": "NOTSET", "lxc.monitor.signal.pdeath": "9", "lxc.autodev.tmpfs.size": "0",
		"lxc.time.offset.boot": "0 ns\n", "lxc.time.offset.monotonic": "0ns\n", "lxc.cgroup.dir": "(null)",
		"lxc.namespace.share.net": "(null)", "lxc.arch": "", "lxc.net": "", "lxc.idmap": "",
	} {
		if got := get(t, c, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if c.AutodevTmpfsSize != 500000 || !c.Autodev || c.LogLevel != -1 {
		t.Errorf("effective defaults: %+v", c)
	}
	if _, err := c.GetItem("lxc.include"); err == nil {
		t.Errorf("lxc.include has no getter in LXC")
	}
}

func TestListKeysAndClearing(t *testing.T) {
	c, err := load(t, `lxc.cap.drop = sys_admin mknod
lxc.cap.drop = chown
lxc.group = a b
lxc.group =
lxc.group = c
lxc.mount.entry = proc proc proc nodev 0 0
lxc.mount.entry = /a b none bind 0 0
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.hook.pre-start = /x
lxc.hook.pre-start = /y
lxc.cgroup2.devices.allow = c 1:3 rwm
lxc.environment = A=1
lxc.environment = B=2
`)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"lxc.cap.drop": "sys_admin\nmknod\nchown\n", "lxc.group": "c\n",
		"lxc.mount.entry":    "proc proc proc nodev 0 0\n/a b none bind 0 0\n",
		"lxc.idmap":          "u 0 100000 65536\ng 0 100000 65536", // no trailing newline
		"lxc.hook.pre-start": "/x\n/y\n", "lxc.cgroup2": "lxc.cgroup2.devices.allow = c 1:3 rwm\n",
		"lxc.cgroup2.devices.allow": "c 1:3 rwm\n", "lxc.environment": "A=1\nB=2\n",
	} {
		if got := get(t, c, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(c.CapDrop) != 3 || c.CapKeepSet || len(c.MountEntrySrc) != 2 || c.MountEntrySrc[1].Line != 7 {
		t.Errorf("fields: %+v %+v", c.CapDrop, c.MountEntrySrc)
	}
	c, err = load(t, "lxc.cap.keep = none\n")
	if err != nil || !c.CapKeepSet || len(c.CapKeep) != 0 {
		t.Errorf("keep none: %v %+v", err, c)
	}
}

func TestIncludes(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "10-b.conf"), []byte("lxc.uts.name = b\nlxc.tty.max = 2\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "05-a.conf"), []byte("lxc.uts.name = a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "x.txt"), []byte("lxc.uts.name = ignored\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "inc"), []byte("lxc.pty.max = 5\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n"), 0o644)
	p := filepath.Join(dir, "config")
	os.WriteFile(p, []byte("lxc.include = "+dir+"/d\nlxc.include = "+dir+"/inc\nlxc.include = "+dir+"/missing/\nlxc.net.1.hwaddr = 00:16:3e:xx:xx:xx\n"), 0o644)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.UTSName != "b" || c.TTYMax != 2 || c.PTYMax != 5 {
		t.Errorf("includes: %q %d %d", c.UTSName, c.TTYMax, c.PTYMax)
	}
	// A MAC template of the top-level file is expanded in the file itself
	// (so saving keeps it); one from an include is not written anywhere.
	mac := c.NetByIndex(1, false).HWAddr
	if strings.Contains(mac, "x") || !strings.Contains(string(c.File.Bytes()), "lxc.net.1.hwaddr = "+mac+"\n") {
		t.Errorf("hwaddr not persisted: %q\n%s", mac, c.File.Bytes())
	}
	if strings.HasPrefix(mac, "00:16:3e:") == false {
		t.Errorf("template prefix lost: %s", mac)
	}
	if _, err := load(t, "lxc.include = /nonexistent/file\n"); err == nil {
		t.Errorf("missing include file accepted")
	}
}

func TestLegacyKeys(t *testing.T) {
	text := `lxc.utsname = old
lxc.rootfs = /var/lib/lxc/old/rootfs
lxc.rootfs.backend = btrfs
lxc.tty = 4
lxc.pivotdir = lxc_putold
lxc.kmsg = 0
lxc.limit.nofile = 1024
lxc.network.type = veth
lxc.network.link = br0
lxc.network.ipv4 = 10.0.3.5/24
lxc.network.type = empty
lxc.network.2.type = veth
lxc.network.2.ipv6 = fd00::1
`
	c, err := load(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if c.UTSName != "old" || c.RootfsPath != "btrfs:/var/lib/lxc/old/rootfs" || c.TTYMax != 4 || len(c.Prlimits) != 1 {
		t.Errorf("mapping: %+v", c)
	}
	if get(t, c, "lxc.net") != "veth\nempty\nveth\n" || get(t, c, "lxc.net.0.ipv4.address") != "10.0.3.5/24" || get(t, c, "lxc.net.2.ipv6.address") != "fd00::1/64" {
		t.Errorf("network mapping: %q", get(t, c, "lxc.net"))
	}
	if len(c.Warnings) != 13 {
		t.Errorf("want one warning per legacy line, got %d: %q", len(c.Warnings), c.Warnings)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "\n") || !strings.Contains(w, "config:") {
			t.Errorf("warning must be one line naming file:line: %q", w)
		}
	}
	if !strings.Contains(c.Warnings[0], `:1: key "lxc.utsname" is deprecated, use "lxc.uts.name"`) ||
		!strings.Contains(c.Warnings[4], `"lxc.pivotdir" is obsolete and ignored`) {
		t.Errorf("wording: %q", c.Warnings)
	}
	p := filepath.Join(t.TempDir(), "config")
	os.WriteFile(p, []byte(text), 0o644)
	_, err = LoadWith(p, LoadOptions{Strict: true})
	if !IsUnknownKey(err) || !strings.Contains(err.Error(), `:1: key "lxc.utsname"`) || !strings.Contains(err.Error(), "lxc-update-config") {
		t.Errorf("strict: %v", err)
	}
}

func TestFileRoundTripAndEdit(t *testing.T) {
	in := "# head\r\n\r\n  lxc.uts.name=a  \r\nlxc.tty.max =\t4 # not a comment\r\nmartian line\r\nlxc.net.0.type = veth"
	f, err := ParseFile("x", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Bytes()) != in {
		t.Fatalf("round trip: %q", f.Bytes())
	}
	f.Set("lxc.uts.name", "b")
	f.Append("lxc.pty.max", "8")
	f.Delete("lxc.net.0.type")
	want := "# head\r\n\r\n  lxc.uts.name= b\r\nlxc.tty.max =\t4 # not a comment\r\nmartian line\r\nlxc.pty.max = 8\r\n"
	if string(f.Bytes()) != want {
		t.Fatalf("edit:\n got %q\nwant %q", f.Bytes(), want)
	}
	if v, _ := f.Get("lxc.tty.max"); v != "4 # not a comment" {
		t.Errorf("trailing text is part of the value in LXC: %q", v)
	}
	p := filepath.Join(t.TempDir(), "c")
	f.Path = p
	if err := f.Write(0o640); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestDefine(t *testing.T) {
	c := NewContainer()
	if err := c.Define(`lxc.uts.name= "quoted" `); err != nil || c.UTSName != "quoted" {
		t.Fatalf("%v %q", err, c.UTSName)
	}
	if err := c.Define("lxc.tty.max"); err == nil {
		t.Errorf("define without '=' accepted")
	}
}

func TestCNumbers(t *testing.T) {
	// Reference values from glibc's strtoull(s, &end, 0).
	for _, c := range []struct {
		in   string
		val  uint64
		rest string
		ok   bool
	}{
		{"0x", 0, "x", true}, {"0x1g", 1, "g", true}, {" +5", 5, "", true}, {"-1", 18446744073709551615, "", true},
		{"08", 0, "8", true}, {"0", 0, "", true}, {"0x10", 16, "", true}, {"-0x5", 18446744073709551611, "", true},
		{"99999999999999999999999", 18446744073709551615, "", true}, {"", 0, "", false}, {"x", 0, "x", false},
		{"+", 0, "+", false}, {"0X1F", 31, "", true},
	} {
		v, rest, ok := Strtoull(c.in, 0)
		if v != c.val || rest != c.rest || ok != c.ok {
			t.Errorf("Strtoull(%q) = %d %q %v", c.in, v, rest, ok)
		}
	}
	if _, err := safeUint("4294967296"); err == nil {
		t.Errorf("uint32 overflow accepted")
	}
	if n, err := safeInt("-010"); err != nil || n != -8 {
		t.Errorf("safeInt octal: %d %v", n, err)
	}
}

func TestInetNtop(t *testing.T) {
	for in, want := range map[string]string{
		"fd00::1": "fd00::1", "::ffff:1.2.3.4": "::ffff:1.2.3.4", "::1.2.3.4": "::1.2.3.4", "::1": "::1", "::": "::",
		"1:0:0:1:0:0:0:1": "1:0:0:1::1", "1:0:1:0:1:0:1:0": "1:0:1:0:1:0:1:0", "fe80::": "fe80::",
	} {
		ip, ok := parseInet6(in)
		if !ok || InetNtop(ip) != want {
			t.Errorf("InetNtop(%s) = %q, want %q", in, InetNtop(ip), want)
		}
	}
}

func TestExpandedReloads(t *testing.T) {
	c, err := Load("/usr/share/lxc/config/common.conf")
	if err != nil {
		t.Fatal(err)
	}
	c2 := NewContainer()
	if err := c2.LoadBytes("expanded", c.Expanded()); err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		a, e1 := c.GetItem(k)
		b, e2 := c2.GetItem(k)
		if a != b || (e1 == nil) != (e2 == nil) {
			t.Errorf("%s: %q vs %q", k, a, b)
		}
	}
}
