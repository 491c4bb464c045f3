package sysx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	bin, noexec, sub := filepath.Join(dir, "bin"), filepath.Join(dir, "noexec"), filepath.Join(dir, "sub")
	os.Mkdir(bin, 0o755)
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(bin, "tool"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(noexec, []byte("x"), 0o644)
	env := []string{"A=1", "PATH=/nonexistent:" + bin}
	for _, c := range []struct {
		file, def string
		env       []string
		want      string
		err       error
	}{
		{"tool", "", env, filepath.Join(bin, "tool"), nil},
		{"tool", bin, nil, filepath.Join(bin, "tool"), nil},
		{"tool", "/nonexistent", nil, "", unix.ENOENT},
		{"missing", "", env, "", unix.ENOENT},
		{noexec, "", env, noexec, unix.EACCES},
		{sub, "", env, sub, unix.EACCES},
		{filepath.Join(bin, "tool"), "", nil, filepath.Join(bin, "tool"), nil},
	} {
		got, err := LookPath(c.file, c.env, c.def)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("LookPath(%q, %v, %q) = %q, %v; want %q, %v", c.file, c.env, c.def, got, err, c.want, c.err)
		}
	}
}
