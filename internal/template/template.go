// Package template finds and runs lxc-create templates with LXC's calling
// convention (layout.md §5), and renders the header lxc-create puts at the
// top of the config afterwards.
package template

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golxc/golxc/internal/paths"
)

// NotFoundError carries LXC's two messages for a missing template.
type NotFoundError struct {
	Name string
	Path bool // an absolute path was given
}

func (e *NotFoundError) Error() string {
	if e.Path {
		return fmt.Sprintf("Bad template pathname: %s", e.Name)
	}
	return fmt.Sprintf("bad template: %s", e.Name)
}

// Dirs returns the directories searched for lxc-NAME, in order: golxc's
// templates, then LXC's.
func Dirs() []string {
	dirs := []string{paths.Templates()}
	if filepath.Clean(paths.LXCTemplateDir) != filepath.Clean(dirs[0]) {
		dirs = append(dirs, paths.LXCTemplateDir)
	}
	return dirs
}

// Lookup resolves -t T: a path (absolute as in LXC; relative ones are made
// absolute, a golxc extension) must be an executable file; a name is
// looked up as lxc-NAME in Dirs().
func Lookup(t string) (string, error) {
	if strings.Contains(t, "/") {
		p := t
		if !filepath.IsAbs(p) {
			abs, err := filepath.Abs(p)
			if err != nil {
				return "", &NotFoundError{Name: t, Path: true}
			}
			p = abs
		}
		if !executable(p) {
			return "", &NotFoundError{Name: t, Path: true}
		}
		return p, nil
	}
	for _, d := range Dirs() {
		p := filepath.Join(d, "lxc-"+t)
		if executable(p) {
			return p, nil
		}
	}
	return "", &NotFoundError{Name: t}
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Header is the comment block lxc-create prepends to the config after the
// template ran (no checksum line: Debian's LXC 5.0.2 is built without it).
func Header(tpath string, args []string, configDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Template used to create this container: %s\n", tpath)
	b.WriteString("# Parameters passed to the template:")
	for _, a := range args {
		b.WriteString(" " + a)
	}
	b.WriteString("\n")
	b.WriteString("# For additional config options, please look at lxc.container.conf(5)\n")
	b.WriteString("\n# Uncomment the following line to support nesting containers:\n")
	fmt.Fprintf(&b, "#lxc.include = %s/nesting.conf\n", configDir)
	b.WriteString("# (Be aware this has security implications)\n\n")
	return b.String()
}

// PrependHeader rewrites the config at path with the header on top,
// keeping its mode.
func PrependHeader(path, header string, write func(path string, data []byte, mode os.FileMode) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return write(path, append([]byte(header), data...), fi.Mode().Perm())
}

// ErrInterrupted is returned when a signal stopped the template.
var ErrInterrupted = errors.New("interrupted")
