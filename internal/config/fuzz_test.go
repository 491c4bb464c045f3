package config

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, that a file
// renders back byte for byte, and that a loaded configuration rendered as
// its expanded lines loads again to the same getter values.
func FuzzParse(f *testing.F) {
	for _, k := range Keys() {
		f.Add([]byte(k + " = 1\n"))
		f.Add([]byte(k + " =\n"))
	}
	for _, s := range []string{
		"lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.3.5\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n",
		"lxc.mount.auto = proc sys cgroup:mixed:force shmounts:/a:/b\n",
		"lxc.cap.keep = none chown\r\nlxc.prlimit.nofile = 1:unlimited\r\n",
		"lxc.network.type = veth\nlxc.network.ipv4 = 1.2.3.4\nlxc.utsname = \"'x'\"\n",
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("/usr/share/lxc/config/*.conf")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	if fh, err := os.Open("testdata/getter_cases.tsv"); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if _, lines, ok := strings.Cut(sc.Text(), "\t"); ok {
				f.Add([]byte(strings.ReplaceAll(lines, `\n`, "\n")))
			}
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _ := ParseFile("fuzz", data)
		if !bytes.Equal(file.Bytes(), data) {
			t.Fatalf("file does not render back:\n%q\n%q", data, file.Bytes())
		}
		// Includes would read arbitrary host files (/dev/zero...).
		if bytes.Contains(data, []byte("include")) {
			return
		}
		c := NewContainer()
		if err := c.LoadBytes("fuzz", data); err != nil {
			return
		}
		c2 := NewContainer()
		if err := c2.LoadBytes("expanded", c.Expanded()); err != nil {
			t.Fatalf("expanded config does not load: %v\n%s", err, c.Expanded())
		}
		for _, k := range append(Keys(), itemKeys(c)...) {
			a, e1 := c.GetItem(k)
			b, e2 := c2.GetItem(k)
			if a != b || (e1 == nil) != (e2 == nil) {
				t.Fatalf("%s: %q (%v) vs %q (%v) after render\ninput %q\nrendered %q", k, a, e1, b, e2, data, c.Expanded())
			}
		}
	})
}

func itemKeys(c *Container) []string {
	var out []string
	for _, it := range c.Items {
		out = append(out, it.Key)
	}
	return out
}
