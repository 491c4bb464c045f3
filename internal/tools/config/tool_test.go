package configtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/testutil"
)

type res struct {
	out, err string
	code     int
}

func runAs(t *testing.T, bin string, cred *syscall.Credential, env []string, args ...string) res {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	r := testutil.RunCmd(t, cmd)
	// LXC's usage names the program by its argv[0].
	return res{strings.ReplaceAll(r.Stdout, bin, "lxc-config"), r.Stderr, r.Code}
}

func TestSameAsLXCForRoot(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "/usr/bin/lxc-config")
	ours := testutil.Bin(t, "lxc-config")
	for _, args := range [][]string{
		nil, {"-l"}, {"-h"}, {"--help"}, {"--h"}, {"-"}, {"--"}, {""}, {"-l2"}, {"-x"}, {"foo"},
		{"lxc"}, {"lxc.lx"}, {"lxc.lxcpath"}, {"lxc.lxcpath", "ignored"}, {"lxc.bdev"}, {"lxc.default_config"},
		{"lxc.cgroup"}, {"lxc.cgroup.use"}, {"lxc.cgroup.p"}, {"lxc.bdev.zfs.root"}, {"lxc.bdev.rbd.rbdpool"},
	} {
		want := runAs(t, "/usr/bin/lxc-config", nil, nil, args...)
		got := runAs(t, ours, nil, nil, args...)
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			// golxc's help ends with the build's line.
			var ok bool
			if got.out, ok = cli.StripHelpFooter(got.out); !ok {
				t.Errorf("%q: no build footer: %q", args, got.out)
			}
		}
		if got != want {
			t.Errorf("%q:\n ours %+v\n LXC  %+v", args, got, want)
		}
	}
}

// As an unprivileged user both tools read ~/.config/lxc/lxc.conf, so a
// crafted one checks the parsing rules against LXC's own.
func TestSameAsLXCForUserConfig(t *testing.T) {
	testutil.Integration(t)
	testutil.Need(t, "/usr/bin/lxc-config")
	home, err := os.MkdirTemp("", "golxc-lxcconf-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	bin := filepath.Join(home, "lxc-config")
	data, _ := os.ReadFile(testutil.Bin(t, "lxc-config"))
	os.WriteFile(bin, data, 0o755)
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	confs := []string{
		"# lxc.lxcpath = /commented\n  lxc.bdev.lvm.vg   =   myvg  \nlxc.bdev.lvm.vg = second\nxlxc.bdev.zfs.root = nope\nlxc.bdev.zfs.root=tank/lxc\r\nlxc.lxcpath = /srv/lxc///\nlxc.cgroup.use = \nlxc.default_config = \"/quoted\"\nlxc.cgroup.pattern =",
		"lxc.lxcpath=/\nlxc.cgroup.pattern = lxc/%n\n lxc.bdev.lvm.thin_pool\t= tp # c\nlxc.lxcpathx = /no\n",
		"",
	}
	for _, conf := range confs {
		os.MkdirAll(filepath.Join(home, ".config", "lxc"), 0o755)
		os.WriteFile(filepath.Join(home, ".config", "lxc", "lxc.conf"), []byte(conf), 0o644)
		if err := filepath.Walk(home, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, 65534, 65534) }); err != nil {
			t.Fatal(err)
		}
		env := []string{"HOME=" + home}
		for _, k := range []string{"-l", "lxc.lxcpath", "lxc.default_config", "lxc.bdev.lvm.vg", "lxc.bdev.lvm.thin_pool", "lxc.bdev.zfs.root", "lxc.cgroup.use", "lxc.cgroup.pattern"} {
			want := runAs(t, "/usr/bin/lxc-config", cred, env, k)
			got := runAs(t, bin, cred, env, k)
			if got != want {
				t.Errorf("lxc.conf %q, %s:\n ours %+v\n LXC  %+v", conf, k, got, want)
			}
		}
	}
}
