//go:build compat

package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/testutil"
)

// macRE finds MAC addresses; generated ones are random in both tools.
var macRE = regexp.MustCompile(`\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b`)

// cloneConf is the -f config of the source container: a second network
// device with a templated MAC (never started, so no bridge is needed) and
// a hook inside the container directory, which lxc-copy must rewrite.
func cloneConf(s *side, role string) string {
	f := filepath.Join(s.tmp, role+"-clone.conf")
	testutil.WriteFile(s.t, f, fmt.Sprintf(`lxc.net.0.type = empty
lxc.net.1.type = veth
lxc.net.1.link = lxcbr0
lxc.net.1.flags = up
lxc.net.1.hwaddr = 00:16:3e:xx:xx:xx
lxc.hook.pre-start = %s/%s/hook.sh
lxc.group = g1
`, s.path, s.name(role)), 0o644)
	return f
}

// config reads a container's config file, normalised.
func (s *side) config(lxcpath, role string) string {
	b, err := os.ReadFile(filepath.Join(lxcpath, s.name(role), "config"))
	if err != nil {
		return "(no config: " + s.norm(err.Error()) + ")"
	}
	return s.norm(string(b))
}

// tree lists a directory recursively: path, type and mode, owner, link
// targets, and the size of regular files in the rootfs (files outside it
// hold paths, whose lengths differ, and are compared as text). Times are
// not compared.
func tree(s *side, dir string) string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			out = append(out, "error "+s.norm(err.Error()))
			return nil
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %s %d:%d", strings.TrimPrefix(p, dir), fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular() && strings.Contains(p, "/rootfs/"):
			line += fmt.Sprintf(" %d", fi.Size())
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		out = append(out, s.norm(line))
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// compareText reports two normalised texts that differ, line by line.
func compareText(t *testing.T, what, lxc, ours string) {
	t.Helper()
	if lxc != ours {
		t.Errorf("%s differs:%s", what, lineDiff(lxc, ours))
	}
}

// lxc-create -t busybox and lxc-copy (plain, -K -M, -s, -p, -R): exit
// codes, output, the config files they write, the rootfs trees and the
// snapshot bookkeeping. MACs are compared as "regenerated or kept".
func TestCreateAndCopy(t *testing.T) {
	p := newPair(t)
	var created [2]res
	srcMAC := map[*side]string{}
	for i, s := range p.both() {
		created[i] = s.normRes(s.run("lxc-create", "-P", s.path, "-n", s.name("src"), "-t", lxcBusybox, "-f", cloneConf(s, "src")))
		srcMAC[s] = macRE.FindString(s.config(s.path, "src"))
		testutil.WriteFile(t, filepath.Join(s.path, s.name("src"), "hook.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	}
	if !sameRes(t, "lxc-create -t busybox", created[0], created[1]) || created[1].Code != 0 {
		t.FailNow()
	}
	compareCreated(t, p, "src", srcMAC)
	p.each(func(s *side) {
		if !regexp.MustCompile(`^00:16:3e:`).MatchString(srcMAC[s]) || strings.Contains(s.config(s.path, "src"), "xx:xx") {
			t.Errorf("%s: lxc-create left hwaddr %q unexpanded", s.label, srcMAC[s])
		}
	})
	for _, c := range []struct {
		role string
		args []string
		keep bool // MAC kept (-M)
	}{
		{"cp", []string{"-n", "@src", "-N", "@cp"}, false},
		{"km", []string{"-n", "@src", "-N", "@km", "-K", "-M"}, true},
		{"sn", []string{"-n", "@src", "-N", "@sn", "-s"}, false},
	} {
		l, o := p.runBoth("lxc-copy", append([]string{"-P", "@P"}, c.args...)...)
		sameRes(t, "lxc-copy "+strings.Join(c.args, " "), l, o)
		p.each(func(s *side) {
			mac := macRE.FindString(s.config(s.path, c.role))
			if (mac == srcMAC[s]) != c.keep {
				t.Errorf("%s lxc-copy %v: MAC %s, source's %s (keep=%v)", s.label, c.args, mac, srcMAC[s], c.keep)
			}
		})
		compareCreated(t, p, c.role, srcMAC)
	}
	// Snapshot bookkeeping of the source and destroy refusals.
	compareText(t, "lxc_snapshots of the source", p.lxc.norm(readOr(filepath.Join(p.lxc.path, p.lxc.name("src"), "lxc_snapshots"))),
		p.ours.norm(readOr(filepath.Join(p.ours.path, p.ours.name("src"), "lxc_snapshots"))))
	for _, args := range [][]string{{"-n", "@src"}, {"-n", "@nope"}, {"-n", "@sn"}, {"-n", "@src"}} {
		l, o := p.runBoth("lxc-destroy", append([]string{"-P", "@P"}, args...)...)
		sameCode(t, "lxc-destroy "+strings.Join(args, " "), l, o)
	}
	// Copy to another, existing lxcpath; to a missing one (LXC 5.0.2
	// fails: it does not create it); rename.
	var other [2]string
	for i, s := range p.both() {
		other[i] = filepath.Join(s.tmp, "other")
		os.Mkdir(other[i], 0o755)
		created[i] = s.normRes(s.run("lxc-copy", "-P", s.path, "-n", s.name("cp"), "-N", s.name("op"), "-p", other[i]))
	}
	sameRes(t, "lxc-copy -p OTHER", created[0], created[1])
	compareText(t, "config of the copy in another lxcpath", macRE.ReplaceAllString(p.lxc.config(other[0], "op"), "MAC"), macRE.ReplaceAllString(p.ours.config(other[1], "op"), "MAC"))
	for i, s := range p.both() {
		created[i] = s.normRes(s.run("lxc-copy", "-P", s.path, "-n", s.name("cp"), "-N", s.name("mp"), "-p", filepath.Join(s.tmp, "missing")))
	}
	if d := intended(t, "copy-creates-newpath"); created[0].Code != 1 || created[1].Code != 0 {
		t.Errorf("lxc-copy -p MISSING-DIR (%s):\n--- LXC   %s\n--- golxc %s", d.Golxc, created[0], created[1])
	} else if _, err := os.Stat(filepath.Join(p.ours.tmp, "missing", p.ours.name("mp"), "config")); err != nil {
		t.Errorf("lxc-copy -p MISSING-DIR: no copy: %v", err)
	}
	l, o := p.runBoth("lxc-copy", "-P", "@P", "-n", "@km", "-N", "@rn", "-R")
	sameRes(t, "lxc-copy -R", l, o)
	compareCreated(t, p, "rn", srcMAC)
	l, o = p.runBoth("lxc-ls", "-P", "@P", "-1")
	sameRes(t, "lxc-ls -1 after copies and destroys", l, o)
}

// compareCreated compares role's config, with MACs replaced, and the
// tree of its container directory.
func compareCreated(t *testing.T, p *pair, role string, _ map[*side]string) {
	t.Helper()
	lc, oc := macRE.ReplaceAllString(p.lxc.config(p.lxc.path, role), "MAC"), macRE.ReplaceAllString(p.ours.config(p.ours.path, role), "MAC")
	compareText(t, "config of "+role, lc, oc)
	compareText(t, "container directory of "+role, tree(p.lxc, filepath.Join(p.lxc.path, p.lxc.name(role))), tree(p.ours, filepath.Join(p.ours.path, p.ours.name(role))))
}

func readOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(missing)"
	}
	return string(b)
}

// sameCode compares exit codes, stdout, and whether stderr is empty:
// the contract scripts rely on for error cases, where message texts may
// word the same failure differently.
func sameCode(t *testing.T, what string, lxc, ours res) {
	t.Helper()
	if lxc.Code != ours.Code || lxc.Stdout != ours.Stdout || (lxc.Stderr == "") != (ours.Stderr == "") {
		t.Errorf("%s:\n--- LXC   %s\n--- golxc %s", what, lxc, ours)
	}
}

// lxc-snapshot on a copy: create, list (timestamps replaced), the files
// written, restore to a new name, destroy.
func TestSnapshot(t *testing.T) {
	p := newPair(t)
	p.busybox(t, "c")
	stamp := regexp.MustCompile(`[0-9]{4}:[0-9]{2}:[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}`)
	comment := filepath.Join(t.TempDir(), "comment")
	testutil.WriteFile(t, comment, "first snapshot\n", 0o644)
	for _, args := range [][]string{
		{"-L"}, {}, {"-c", comment}, {"-L"}, {"-L", "-C"}, {"-r", "snap0", "-N", "@r"}, {"-d", "snap1"}, {"-L"}, {"-d", "nope"}, {"-d", "ALL"}, {"-L"},
	} {
		l, o := p.runBoth("lxc-snapshot", append([]string{"-P", "@P", "-n", "@c"}, args...)...)
		l.Stdout, o.Stdout = stamp.ReplaceAllString(l.Stdout, "TIME"), stamp.ReplaceAllString(o.Stdout, "TIME")
		sameRes(t, "lxc-snapshot "+strings.Join(args, " "), l, o)
	}
	compareCreated(t, p, "r", nil)
}

// TestOurBusyboxTemplate: golxc's own templates/lxc-busybox writes the
// config LXC's template writes (the header names another path); its rootfs
// differs on purpose (busybox-template).
func TestOurBusyboxTemplate(t *testing.T) {
	p := newPair(t)
	var r [2]res
	for i, s := range p.both() {
		r[i] = s.normRes(s.run("lxc-create", "-P", s.path, "-n", s.name("t"), "-t", "busybox", "-f", s.confFile("t")))
	}
	if !sameRes(t, "lxc-create -t busybox (each its own template)", r[0], r[1]) {
		return
	}
	header := regexp.MustCompile(`(?m)^# Template used to create this container: .*\n`)
	compareText(t, "config written by each busybox template", header.ReplaceAllString(p.lxc.config(p.lxc.path, "t"), ""), header.ReplaceAllString(p.ours.config(p.ours.path, "t"), ""))
	d := intended(t, "busybox-template")
	for _, f := range []string{"etc/hostname", "etc/hosts"} {
		if _, err := os.Stat(filepath.Join(p.ours.path, p.ours.name("t"), "rootfs", f)); err != nil {
			t.Errorf("%s: %s missing (%s)", f, err, d.Golxc)
		}
	}
}

// TestCreateMissingConfig: lxc-create -f with a file that does not exist.
// LXC 5.0.2 logs that it cannot open it and creates the container anyway
// (exit 0, without the file's settings); golxc refuses with one line,
// exit 1, and creates nothing.
func TestCreateMissingConfig(t *testing.T) {
	p := newPair(t)
	var codes [2]int
	var made [2]bool
	for i, s := range p.both() {
		r := s.run("lxc-create", "-P", s.path, "-n", s.name("m"), "-t", lxcBusybox, "-f", "/nonexistent/golxc.conf")
		codes[i] = r.Code
		_, err := os.Stat(filepath.Join(s.path, s.name("m")))
		made[i] = err == nil
		if s == p.ours && strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("golxc: not one line: %s", r)
		}
	}
	if codes != [2]int{0, 1} || made != [2]bool{true, false} {
		t.Errorf("lxc-create -f /nonexistent: exit codes %v, created %v; create-missing-config expects LXC to create (0) and golxc to refuse (1)", codes, made)
	}
	intended(t, "create-missing-config")
}
