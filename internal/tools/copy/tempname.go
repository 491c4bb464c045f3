package copytool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/golxc/golxc/internal/randbytes"
)

// LXC names what lxc-copy -e makes with mkdtemp(3)/mkstemp(3): the prefix
// and six letters or digits (NAME_XXXXXX, delta#XXXXXX, pre-start-XXXXXX).
// The same shape here, so scripts that match those names keep working.
const tempLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// tempSuffix returns six random letters or digits.
func tempSuffix() (string, error) {
	var b [6]byte
	if _, err := randbytes.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	for i := range b {
		b[i] = tempLetters[int(b[i])%len(tempLetters)]
	}
	return string(b[:]), nil
}

// mkdtemp makes a new directory dir/prefixXXXXXX (mode 0700, as
// mkdtemp(3)) and returns its path.
func mkdtemp(dir, prefix string) (string, error) {
	for try := 0; try < 100; try++ {
		s, err := tempSuffix()
		if err != nil {
			return "", err
		}
		p := filepath.Join(dir, prefix+s)
		err = os.Mkdir(p, 0o700)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name %sXXXXXX in %s", prefix, dir)
}

// mkstemp creates a new file dir/prefixXXXXXX (mode 0600, as mkstemp(3)),
// open for writing.
func mkstemp(dir, prefix string) (*os.File, error) {
	for try := 0; try < 100; try++ {
		s, err := tempSuffix()
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, prefix+s), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no free name %sXXXXXX in %s", prefix, dir)
}
