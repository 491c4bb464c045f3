// Package sysx holds small system-call helpers several tools share.
package sysx

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

// Execvp execs file like glibc's execvp: a name with a slash is used as
// is, otherwise PATH of the new environment is searched (default
// "/bin:/usr/bin"); a file the kernel cannot execute (ENOEXEC) is run by
// /bin/sh. It returns only on failure.
func Execvp(file string, argv, env []string) error {
	if file == "" {
		return unix.ENOENT
	}
	if strings.Contains(file, "/") {
		return ExecFile(file, argv, env)
	}
	path := "/bin:/usr/bin"
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[5:]
		}
	}
	sawEACCES := false
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		err := ExecFile(dir+"/"+file, argv, env)
		switch {
		case errors.Is(err, unix.EACCES):
			sawEACCES = true
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ESTALE),
			errors.Is(err, unix.ENODEV), errors.Is(err, unix.ETIMEDOUT):
		default:
			return err
		}
	}
	if sawEACCES {
		return unix.EACCES
	}
	return unix.ENOENT
}

// LookPath finds file as execvp would, with the PATH of env (def when env
// has none): a name with a slash is checked as is, otherwise each
// directory of PATH is tried. The result is an executable regular file
// (stat: not a directory, an exec bit set); otherwise the error is
// ENOENT (found nowhere) or the reason the named file cannot run.
func LookPath(file string, env []string, def string) (string, error) {
	if strings.Contains(file, "/") {
		return file, executable(file)
	}
	path := def
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[5:]
		}
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + file
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", unix.ENOENT
}

func executable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR || st.Mode&0o111 == 0 {
		return unix.EACCES
	}
	return nil
}

// ExecFile execs path, running it with /bin/sh when the kernel cannot
// execute it (ENOEXEC), as execvp does for scripts without #!.
func ExecFile(path string, argv, env []string) error {
	err := unix.Exec(path, argv, env)
	if errors.Is(err, unix.ENOEXEC) {
		sh := append([]string{"/bin/sh", path}, argv[1:]...)
		if unix.Exec("/bin/sh", sh, env) == nil {
			return nil
		}
	}
	return err
}

// ErrnoText renders an error the way LXC's messages start ("No such file
// or directory - ..."): the errno text with a capital letter.
func ErrnoText(err error) string {
	if err == nil {
		return "Success"
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		if s := errno.Error(); s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// ExecFailedStatus is the exit status for a command that could not be
// executed, as shells and LXC's tools give it: 127 when it was not found,
// 126 when it was found but could not run.
func ExecFailedStatus(err error) int {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return 127
	}
	return 126
}
