package template

import (
	"reflect"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/config"
)

func TestArgv(t *testing.T) {
	s := &RunSpec{Path: "/usr/share/lxc/templates/lxc-busybox", CDir: "/var/lib/lxc/c1", Name: "c1",
		Rootfs: "/var/lib/lxc/c1/rootfs", Args: []string{"-r", "x y"}}
	path, argv, err := Argv(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lxc-busybox", "--path=/var/lib/lxc/c1", "--name=c1", "--rootfs=/var/lib/lxc/c1/rootfs", "-r", "x y"}
	if path != s.Path || !reflect.DeepEqual(argv, want) {
		t.Errorf("got %s %q", path, argv)
	}
}

func TestMappedID(t *testing.T) {
	maps := []config.IDMap{{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536}, {Kind: 'g', NSID: 0, HostID: 100000, Range: 65536}}
	id, extra, err := mappedID(maps, 'u', 100005)
	if err != nil || id != 5 || extra != nil {
		t.Errorf("mapped host id: %d %v %v", id, extra, err)
	}
	// Not mapped (root creating with a map): LXC maps it to the first free
	// container id.
	id, extra, err = mappedID(maps, 'u', 0)
	if err != nil || id != 65536 || strings.Join(extra, " ") != "-m u:65536:0:1" {
		t.Errorf("unmapped host id: %d %v %v", id, extra, err)
	}
}

func TestHeader(t *testing.T) {
	h := Header("/t/lxc-x", nil, "/usr/share/lxc/config")
	want := "# Template used to create this container: /t/lxc-x\n# Parameters passed to the template:\n# For additional config options, please look at lxc.container.conf(5)\n\n# Uncomment the following line to support nesting containers:\n#lxc.include = /usr/share/lxc/config/nesting.conf\n# (Be aware this has security implications)\n\n"
	if h != want {
		t.Errorf("%q", h)
	}
}
