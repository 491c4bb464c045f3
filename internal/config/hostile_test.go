package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Signal keys take 0 (the default) to 64 and LXC's names; a number that
// is no signal is refused at load, naming the key.
func TestSignalKeysRange(t *testing.T) {
	for _, key := range []string{"lxc.signal.stop", "lxc.signal.halt", "lxc.signal.reboot", "lxc.monitor.signal.pdeath", "lxc.haltsignal"} {
		for _, v := range []string{"0", "9", "64", "SIGRTMAX-0", "SIGKILL"} {
			c := NewContainer()
			if err := c.Set(key, v, Source{File: "f", Line: 1}); err != nil {
				t.Errorf("%s = %s: %v", key, v, err)
			}
		}
		for _, v := range []string{"65", "9999", "4294967305"} {
			c := NewContainer()
			err := c.Set(key, v, Source{File: "f", Line: 3})
			if err == nil || !strings.Contains(err.Error(), "f:3:") || !strings.Contains(err.Error(), "signal") {
				t.Errorf("%s = %s: %v", key, v, err)
			}
		}
	}
}

// A 10 MB value or a 100 KB key is quoted short and escaped in errors.
func TestErrorsQuoteShort(t *testing.T) {
	dir := t.TempDir()
	for _, line := range []string{
		"lxc.signal.stop = " + strings.Repeat("9", 10<<20),
		"lxc.tty.max = " + strings.Repeat("x\x1b", 5<<20),
		"lxc." + strings.Repeat("k", 100<<10) + " = 1",
		"lxc.net.0." + strings.Repeat("k", 100<<10) + " = 1",
		"lxc." + strings.Repeat("\n", 10) + "nokey",
		"lxc.idmap = " + strings.Repeat("u ", 1<<20),
	} {
		p := filepath.Join(dir, "config")
		if err := os.WriteFile(p, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil {
			t.Errorf("%.40q loaded", line)
			continue
		}
		msg := err.Error()
		if len(msg) > 600 || strings.ContainsAny(msg, "\x1b\n") {
			t.Errorf("%.40q: error of %d bytes: %.300q", line, len(msg), msg)
		}
	}
}

// Configs and includes that are not regular files are refused at once,
// and so are files over the size limits.
func TestConfigFileKinds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	withFifo := filepath.Join(dir, "withfifo")
	os.Mkdir(withFifo, 0o755)
	syscall.Mkfifo(filepath.Join(withFifo, "x.conf"), 0o644)
	big := filepath.Join(dir, "big")
	f, _ := os.Create(big)
	f.Truncate(MaxFileSize + 1)
	f.Close()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "a FIFO"},
		{"/dev/zero", "a character device"},
		{dir, "a directory"},
		{big, "larger than 16 MiB"},
		{write("inc-zero", "lxc.include = /dev/zero\n"), "a character device"},
		{write("inc-fifo", "lxc.include = "+fifo+"\n"), "a FIFO"},
		{write("inc-dirfifo", "lxc.include = "+withFifo+"\n"), "a FIFO"},
		{write("inc-big", "lxc.include = "+big+"\n"), "larger than 16 MiB"},
	} {
		_, err := Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s): %v, want %q", c.path, err, c.want)
		}
	}
}

// Includes together may not pass MaxTotalSize.
func TestConfigTotalSize(t *testing.T) {
	dir := t.TempDir()
	var inc strings.Builder
	for i := 0; i*(MaxFileSize-1) <= MaxTotalSize; i++ {
		p := filepath.Join(dir, "part"+string(rune('a'+i)))
		f, _ := os.Create(p)
		f.Truncate(MaxFileSize - 1) // sparse: NULs, one long ignored line
		f.Close()
		inc.WriteString("lxc.include = " + p + "\n")
	}
	p := filepath.Join(dir, "config")
	os.WriteFile(p, []byte(inc.String()), 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "64 MiB") {
		t.Errorf("Load: %v", err)
	}
}

func TestCheckIDMaps(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string // "" = fine
	}{
		{[]string{"u 0 100000 65536", "g 0 100000 65536"}, ""},
		{[]string{"u 0 100000 0", "g 0 100000 65536"}, "range (last number) is 0"},
		{[]string{"u 0 4294967295 2", "g 0 100000 65536"}, "run past"},
		{[]string{"u 0 100000 65536", "u 1000 300000 10", "g 0 100000 65536"}, "container ids overlap"},
		{[]string{"u 0 100000 65536", "g 0 100000 65536", "u 70000 100010 10"}, "host ids overlap"},
		{[]string{"u 0 100000 65536"}, "root gid 0"},
		{[]string{"u 1 100000 65536", "g 0 100000 65536"}, "root uid 0"},
		{[]string{"u 0 100000 0", "", "u 0 100000 65536", "g 0 100000 65536"}, ""}, // cleared
	} {
		cfg := NewContainer()
		for i, l := range c.lines {
			if err := cfg.Set("lxc.idmap", l, Source{File: "cfg", Line: i + 1}); err != nil {
				t.Fatal(err)
			}
		}
		err := cfg.CheckIDMaps()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.lines, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `cfg:`) || !strings.Contains(err.Error(), `key "lxc.idmap"`)):
			t.Errorf("%v: %v, want %q with file, line and key", c.lines, err, c.want)
		}
	}
}
