package storage

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// These tests check the exact commands golxc runs against lvm2 and zfs
// (the argument lists of LXC 5.0.2's src/lxc/storage/lvm.c and zfs.c):
// this project's machines have neither device-mapper nor ZFS, so the
// tools' side is played by a recorder that answers as they would.

type fakeTools struct {
	ran []string
	// answer returns the output and exit status for a command line.
	answer func(cmd string) (string, int)
}

func (f *fakeTools) install(t *testing.T) {
	old := RunCommand
	t.Cleanup(func() { RunCommand = old })
	RunCommand = func(c Command) (string, error) {
		line := strings.Join(c.Argv, " ")
		if strings.HasPrefix(c.Argv[0], "lv") {
			if !reflect.DeepEqual(c.Env, []string{"LVM_SUPPRESS_FD_WARNINGS=1"}) {
				t.Errorf("%s: env %v, want LVM_SUPPRESS_FD_WARNINGS=1", line, c.Env)
			}
		}
		f.ran = append(f.ran, line)
		out, status := "", 0
		if f.answer != nil {
			out, status = f.answer(line)
		}
		if status != 0 {
			return out, &CommandError{Cmd: c, Status: status, Output: out, Err: errors.New("exit status")}
		}
		return out, nil
	}
}

func (f *fakeTools) check(t *testing.T, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(f.ran, want) {
		t.Errorf("commands run:\n  %s\nwant:\n  %s", strings.Join(f.ran, "\n  "), strings.Join(want, "\n  "))
	}
	f.ran = nil
}

func TestLVMCreateThinAndDestroy(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		if strings.HasPrefix(cmd, "lvs ") {
			return "  twi-a-tz--\n", 0 // a thin pool
		}
		return "", 0
	}}
	f.install(t)
	cdir := t.TempDir()
	c, err := Create(CreateSpec{Type: LVM, CDir: cdir, Name: "c1", FSSize: 2 << 30,
		Defaults: Defaults{VG: "vg0", ThinPool: "tp0"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.String() != "lvm:/dev/vg0/c1" || c.MountPoint != filepath.Join(cdir, "rootfs") {
		t.Errorf("source %s mount point %s", c.Source, c.MountPoint)
	}
	f.check(t,
		"lvs --unbuffered --noheadings -o lv_attr /dev/vg0/tp0",
		"lvcreate -Wy --yes --thinpool /dev/vg0/tp0 -V 2147483648b vg0 -n c1",
		"mkfs.ext4 /dev/vg0/c1")
	if err := Destroy(c.Source, DestroyOptions{CDir: cdir}); err != nil {
		t.Fatal(err)
	}
	f.check(t, "lvremove -f /dev/vg0/c1")
}

func TestLVMCreateThickOldLvcreateAndOptions(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		switch {
		case strings.HasPrefix(cmd, "lvs "):
			return "  Volume group \"vg1\" not found", 5 // no thin pool
		case strings.HasPrefix(cmd, "lvcreate -Wy"):
			return "lvcreate: invalid option -- 'W'", 3 // too old for -W
		}
		return "", 0
	}}
	f.install(t)
	c, err := Create(CreateSpec{Type: LVM, CDir: t.TempDir(), Name: "c1", LVName: "web", VGName: "vg1",
		ThinPool: "pool", FSType: "xfs", Defaults: Defaults{VG: "lxc", ThinPool: "lxc"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.String() != "lvm:/dev/vg1/web" {
		t.Errorf("source %s", c.Source)
	}
	f.check(t,
		"lvs --unbuffered --noheadings -o lv_attr /dev/vg1/pool",
		"lvcreate -Wy --yes -L 1073741824b vg1 -n web",
		"lvcreate -qq -L 1073741824b vg1 -n web",
		"mkfs.xfs /dev/vg1/web")
}

func TestLVMCreateFailurePassesErrorAndCleansUp(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		switch {
		case strings.HasPrefix(cmd, "lvs "):
			return "", 5
		case strings.HasPrefix(cmd, "mkfs."):
			return "mke2fs 1.47.0\nmkfs.ext4: Device size reported to be zero.\n", 1
		}
		return "", 0
	}}
	f.install(t)
	cdir := t.TempDir()
	_, err := Create(CreateSpec{Type: LVM, CDir: cdir, Name: "c1", Defaults: Defaults{VG: "vg0"}})
	want := "create ext4 filesystem on /dev/vg0/c1: mkfs.ext4: mke2fs 1.47.0 mkfs.ext4: Device size reported to be zero."
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	f.check(t,
		"lvs --unbuffered --noheadings -o lv_attr /dev/vg0/lxc",
		"lvcreate -Wy --yes -L 1073741824b vg0 -n c1",
		"mkfs.ext4 /dev/vg0/c1",
		"lvremove -f /dev/vg0/c1")
}

func TestLVMSnapshotClone(t *testing.T) {
	for _, thin := range []bool{false, true} {
		f := &fakeTools{answer: func(cmd string) (string, int) {
			if strings.HasPrefix(cmd, "lvs ") {
				if thin {
					return "  Vwi-a-tz--\n", 0
				}
				return "  -wi-a-----\n", 0
			}
			return "", 0
		}}
		f.install(t)
		lxcpath := t.TempDir()
		cl, err := Clone(CloneSpec{Src: Source{Type: LVM, Path: "/dev/vg0/c1"}, SrcCDir: filepath.Join(lxcpath, "c1"),
			NewCDir: filepath.Join(lxcpath, "c2"), Snapshot: true, FSSize: 512 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if cl.Source.String() != "lvm:/dev/vg0/c2" || cl.NeedRdep == thin {
			t.Errorf("thin=%v: source %s, NeedRdep %v", thin, cl.Source, cl.NeedRdep)
		}
		create := "lvcreate -s -L 536870912b -n c2 /dev/vg0/c1"
		if thin {
			create = "lvcreate -s -n c2 /dev/vg0/c1"
		}
		f.check(t, "lvs --unbuffered --noheadings -o lv_attr /dev/vg0/c1", create)
	}
}

func TestZFSCreateCloneDestroy(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		switch cmd {
		case "zfs get -H -o name type tank/lxc/c2":
			return "tank/lxc/c2\n", 0
		case "zfs get -H -o value origin tank/lxc/c2":
			return "tank/lxc/c1@c2\n", 0
		case "zfs get -H -o name type tank/lxc/c1":
			return "tank/lxc/c1\n", 0
		case "zfs get -H -o value origin tank/lxc/c1":
			return "-\n", 0
		}
		return "", 0
	}}
	f.install(t)
	lxcpath := t.TempDir()
	c, err := Create(CreateSpec{Type: ZFS, CDir: filepath.Join(lxcpath, "c1"), Name: "c1", ZFSRoot: "tank/lxc"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.String() != "zfs:tank/lxc/c1" {
		t.Errorf("source %s", c.Source)
	}
	f.check(t, "zfs create -o mountpoint="+lxcpath+"/c1/rootfs -o canmount=noauto -p tank/lxc/c1")

	cl, err := Clone(CloneSpec{Src: c.Source, SrcCDir: filepath.Join(lxcpath, "c1"), NewCDir: filepath.Join(lxcpath, "c2"), Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Source.String() != "zfs:tank/lxc/c2" {
		t.Errorf("clone source %s", cl.Source)
	}
	f.check(t,
		"zfs snapshot -r tank/lxc/c1@c2",
		"zfs clone -p -o canmount=noauto -o mountpoint="+lxcpath+"/c2/rootfs tank/lxc/c1@c2 tank/lxc/c2")

	// Destroying the clone destroys the snapshot it came from.
	if err := Destroy(cl.Source, DestroyOptions{CDir: filepath.Join(lxcpath, "c2")}); err != nil {
		t.Fatal(err)
	}
	f.check(t,
		"zfs get -H -o name type tank/lxc/c2",
		"zfs get -H -o value origin tank/lxc/c2",
		"zfs destroy -r tank/lxc/c2",
		"zfs destroy -r tank/lxc/c1@c2")
	if err := Destroy(c.Source, DestroyOptions{CDir: filepath.Join(lxcpath, "c1")}); err != nil {
		t.Fatal(err)
	}
	f.check(t,
		"zfs get -H -o name type tank/lxc/c1",
		"zfs get -H -o value origin tank/lxc/c1",
		"zfs destroy -r tank/lxc/c1")
}

func TestZFSDestroyRefusesAnotherDataset(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		if strings.HasPrefix(cmd, "zfs get -H -o name type") {
			return "tank\n", 0
		}
		return "", 0
	}}
	f.install(t)
	err := Destroy(Source{Type: ZFS, Path: "tank/lxc/c1"}, DestroyOptions{CDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not destroying it") {
		t.Errorf("error %v", err)
	}
	f.check(t, "zfs get -H -o name type tank/lxc/c1")
}

func TestZFSCreateDefaultRootAndError(t *testing.T) {
	f := &fakeTools{answer: func(cmd string) (string, int) {
		return "cannot create 'lxc/c1': no such pool 'lxc'\n", 1
	}}
	f.install(t)
	cdir := t.TempDir()
	_, err := Create(CreateSpec{Type: ZFS, CDir: cdir, Name: "c1"})
	want := "create zfs dataset lxc/c1: zfs: cannot create 'lxc/c1': no such pool 'lxc'"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	f.check(t, "zfs create -o mountpoint="+cdir+"/rootfs -o canmount=noauto -p lxc/c1")
}

func TestBestOrderSkipsMissingTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if got := bestOrder("/"); !reflect.DeepEqual(got, []string{Dir}) && !reflect.DeepEqual(got, []string{Btrfs, Dir}) {
		t.Errorf("bestOrder without lvm2/zfs tools: %v", got)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"1G": 1 << 30, "100": 100 << 20, "10 m": 10 << 20, "512b": 512, "2k": 2048, "1T": 1 << 40, "0": 0} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "1X", "-1", "99999999999999999999"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
