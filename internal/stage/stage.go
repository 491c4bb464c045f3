// Package stage dispatches golxc's hidden entry points (the container
// monitor, the container's stage-2 init, the lxc-execute init, the attach
// child, ...) before any command-line parsing.
//
// A stage is selected by a private contract: the environment variable
// StageEnv names it and StageFDEnv names an inherited file descriptor the
// parent set up. A user typing a stage name as an argument gets the normal
// tool; a stage with no valid fd refuses to run.
//
// The package's init locks the main goroutine to the startup thread
// (architecture study R1): namespace, capability and seccomp state is per
// thread, and stages that change it must do so on the thread that finally
// calls execve. It also keeps /proc/self consistent with the thread-group
// leader (moby's internal/unshare reasoning).
package stage

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
)

// Environment variables of the stage contract.
const (
	StageEnv   = "_GOLXC_STAGE"
	StageFDEnv = "_GOLXC_STAGE_FD"
)

func init() {
	runtime.LockOSThread()
}

var (
	mu     sync.Mutex
	stages = map[string]func(fd int){}
)

// Register adds a stage. fn receives the inherited fd and must not return
// normally (it should os.Exit); if it returns, the process exits 0.
func Register(name string, fn func(fd int)) {
	mu.Lock()
	defer mu.Unlock()
	stages[name] = fn
}

// Dispatch runs the stage named in the environment, if any. It never
// returns when a stage was requested.
func Dispatch() {
	name, ok := os.LookupEnv(StageEnv)
	if !ok {
		return
	}
	fdStr := os.Getenv(StageFDEnv)
	os.Unsetenv(StageEnv)
	os.Unsetenv(StageFDEnv)
	mu.Lock()
	fn := stages[name]
	mu.Unlock()
	if fn == nil {
		fmt.Fprintf(os.Stderr, "%s: unknown internal stage %q\n", os.Args[0], name)
		os.Exit(126)
	}
	fd, err := strconv.Atoi(fdStr)
	if err != nil || fd < 3 {
		fmt.Fprintf(os.Stderr, "%s: internal stage %q started without its channel\n", os.Args[0], name)
		os.Exit(126)
	}
	fn(fd)
	os.Exit(0)
}

// Env returns the environment entries that select stage name with fd.
func Env(name string, fd int) []string {
	return []string{StageEnv + "=" + name, StageFDEnv + "=" + strconv.Itoa(fd)}
}

// Active reports whether the process was started as a stage (for code that
// must behave differently, e.g. not print help).
func Active() bool {
	_, ok := os.LookupEnv(StageEnv)
	return ok
}
