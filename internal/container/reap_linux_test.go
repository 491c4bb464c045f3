package container

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golxc/golxc/internal/storage"
)

// TestReapAbandonedRemovesRecordedStorage: a create or copy killed after
// it recorded the LVM volume or ZFS dataset it was making, before its
// config named it: the next operation on the name removes that storage
// (through the lvm2/zfs tools, played here by a recorder) and the
// directory, even when the storage was never made.
func TestReapAbandonedRemovesRecordedStorage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("locks in a root-owned layout; runs as root in make test")
	}
	for _, c := range []struct {
		src  string
		fail bool // the tool says the storage does not exist
		want []string
	}{
		{"lvm:/dev/vg0/c1", false, []string{"lvremove -f /dev/vg0/c1"}},
		{"lvm:/dev/vg0/c1", true, []string{"lvremove -f /dev/vg0/c1"}},
		{"zfs:tank/lxc/c1", true, []string{"zfs get -H -o name type tank/lxc/c1"}},
	} {
		var ran []string
		old := storage.RunCommand
		storage.RunCommand = func(cmd storage.Command) (string, error) {
			ran = append(ran, strings.Join(cmd.Argv, " "))
			if c.fail {
				return "not found", &storage.CommandError{Cmd: cmd, Status: 5, Output: "not found", Err: errors.New("exit 5")}
			}
			return "", nil
		}
		lxcpath := t.TempDir()
		ref := Ref{LXCPath: lxcpath, Name: "c1"}
		if err := os.MkdirAll(filepath.Join(ref.Dir(), "rootfs"), 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := CreatePartial(ref.Dir())
		if err != nil {
			t.Fatal(err)
		}
		if err := RecordStorageIntent(ref.Dir())(storage.Parse(c.src)); err != nil {
			t.Fatal(err)
		}
		p.Release() // as if the process had been killed
		if !ReapAbandoned(ref, nil) {
			t.Errorf("%s: remains not reaped", c.src)
		}
		storage.RunCommand = old
		if !reflect.DeepEqual(ran, c.want) {
			t.Errorf("%s (tool fails: %v): ran %q, want %q", c.src, c.fail, ran, c.want)
		}
		if _, err := os.Lstat(ref.Dir()); !os.IsNotExist(err) {
			t.Errorf("%s: directory left: %v", c.src, err)
		}
	}
}
