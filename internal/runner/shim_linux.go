package runner

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/privs"
)

// execShim is lxc-execute's pid 1 (LXC's init.lxc): it starts the
// application as pid 2 in its own session, forwards the signals it gets,
// reaps every orphan, and exits with the application's status (128+N when
// it was killed by signal N). On SIGTERM or SIGPWR it sends SIGTERM to all
// processes and SIGKILL one second later, as LXC's init does.
func (s *stage2) execShim(env []string) error {
	c := s.cfg
	argv := s.spec.Command
	if len(argv) == 0 && c.ExecuteCmd != "" {
		var err error
		if argv, err = SplitCommand(c.ExecuteCmd); err != nil {
			return fmt.Errorf("lxc.execute.cmd: %w", err)
		}
	}
	if len(argv) == 0 {
		return fmt.Errorf("Missing command to execute!")
	}
	if err := s.dropPrivileges(false); err != nil {
		return err
	}
	if err := chdirVerified(c.InitCwd); err != nil {
		return err
	}
	debug.SetGCPercent(100) // stage-2 ran with GOGC=off; we live on
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	path, err := lookPath(argv[0], env)
	var pid int
	if err == nil {
		attr := &syscall.ProcAttr{
			Env:   env,
			Files: []uintptr{0, 1, 2},
			Sys: &syscall.SysProcAttr{
				Setsid:     true,
				Credential: &syscall.Credential{Uid: c.InitUID, Gid: c.InitGID, Groups: c.InitGroups, NoSetGroups: c.InitUID == 0 && c.InitGID == 0 && len(c.InitGroups) == 0},
			},
		}
		pid, err = syscall.ForkExec(path, argv, attr)
	}
	if err != nil {
		// The container is up but the application is not: like init.lxc,
		// say so and exit 255 (the monitor reports RUNNING then STOPPED).
		if !s.spec.Quiet {
			fmt.Fprintf(os.Stderr, "lxc-execute: %s: Failed to exec \"%s\": %v\n", s.spec.Name, argv[0], errnoOf(err))
		}
		unix.Close(s.sock)
		os.Exit(255)
	}
	// Tell the monitor we are running: closing the sync socket is the signal.
	unix.Close(s.sock)
	if err := privs.KillOnly(); err != nil {
		s.log.Warnf("%v", err)
	}
	status := 0
	appDone := false
	var killAt <-chan time.Time
	for {
		sig := <-sigs
		switch sig {
		case syscall.SIGCHLD:
			for {
				var ws syscall.WaitStatus
				wpid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if err == syscall.EINTR {
					continue
				}
				if err != nil || wpid <= 0 {
					if err == syscall.ECHILD && appDone {
						os.Exit(status)
					}
					break
				}
				if wpid == pid {
					appDone = true
					if ws.Signaled() {
						status = 128 + int(ws.Signal())
					} else {
						status = ws.ExitStatus()
					}
				}
			}
			if appDone && !hasChildren() {
				os.Exit(status)
			}
		case syscall.SIGTERM, syscall.SIGPWR:
			syscall.Kill(-1, syscall.SIGTERM)
			if killAt == nil {
				killAt = time.After(time.Second)
				go func() {
					<-killAt
					syscall.Kill(-1, syscall.SIGKILL)
				}()
			}
		case syscall.SIGURG:
			// Go's runtime preemption signal: not for the application.
		default:
			if ss, ok := sig.(syscall.Signal); ok && !appDone {
				syscall.Kill(pid, ss)
			}
		}
	}
}

func hasChildren() bool {
	var ws syscall.WaitStatus
	_, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WNOWAIT, nil)
	return err != syscall.ECHILD
}

func errnoOf(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
