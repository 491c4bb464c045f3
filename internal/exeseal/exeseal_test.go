package exeseal

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/testutil"
)

// Both ways of sealing must give a handle that can be executed but never
// opened for writing (CVE-2019-5736).
func TestSealedIsNotWritable(t *testing.T) {
	testutil.Integration(t)
	for _, mode := range []string{"overlay", "memfd"} {
		t.Run(mode, func(t *testing.T) {
			var f *os.File
			var err error
			if mode == "overlay" {
				f, err = overlayClone()
			} else {
				f, err = memfdCopy()
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			path := "/proc/self/fd/" + itoa(int(f.Fd()))
			if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
				_, werr := w.Write([]byte("x"))
				w.Close()
				if werr == nil {
					t.Fatalf("%s copy is writable", mode)
				}
			}
			if err := unix.Access(path, unix.X_OK); err != nil {
				t.Fatalf("%s copy not executable: %v", mode, err)
			}
			var a, b unix.Stat_t
			unix.Fstat(int(f.Fd()), &a)
			unix.Stat("/proc/self/exe", &b)
			if a.Size != b.Size {
				t.Fatalf("size %d != %d", a.Size, b.Size)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
