package template

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/stage"
	"github.com/golxc/golxc/internal/storage"
)

// InitStage is the init of a template's PID namespace: it starts the
// template, passes lxc-create's signals on to it, reaps orphans, and
// reports on its status fd how the template ended ("exit N" or "signal
// N"). When it exits, the kernel kills whatever the template left running.
const InitStage = "template-init"

func init() {
	stage.Register(InitStage, templateInit)
}

func templateInit(fd int) {
	unix.CloseOnExec(fd)
	report := func(format string, args ...any) {
		unix.Write(fd, []byte(fmt.Sprintf(format, args...)))
	}
	if len(os.Args) < 3 {
		report("template-init: no template to run")
		os.Exit(126)
	}
	if err := attachRootfsMount(); err != nil {
		report("%v", err)
		os.Exit(126)
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	p, err := os.StartProcess(os.Args[1], os.Args[2:], &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if err != nil {
		report("%v", err)
		os.Exit(127)
	}
	go func() {
		// Every process of the namespace but us: the template and what it
		// runs (a terminal's ^C reaches them all the same way).
		for s := range sigs {
			syscall.Kill(-1, s.(syscall.Signal))
		}
	}()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			report("exit 1")
			os.Exit(1)
		}
		if pid != p.Pid {
			continue // an orphan of the template: reaped
		}
		if ws.Signaled() {
			report("signal %d", int(ws.Signal()))
			os.Exit(128 + int(ws.Signal()))
		}
		report("exit %d", ws.ExitStatus())
		os.Exit(ws.ExitStatus())
	}
}

// attachRootfsMount attaches the container's block-backed filesystem
// (handed over as a detached mount) at the rootfs path, in this private
// mount namespace, before the template runs.
func attachRootfsMount() error {
	fdStr, path := os.Getenv(rootfsMountFDEnv), os.Getenv(rootfsMountPathEnv)
	os.Unsetenv(rootfsMountFDEnv)
	os.Unsetenv(rootfsMountPathEnv)
	if fdStr == "" {
		return nil
	}
	fd, err := strconv.Atoi(fdStr)
	if err != nil {
		return fmt.Errorf("bad %s %q", rootfsMountFDEnv, fdStr)
	}
	defer unix.Close(fd)
	return storage.AttachMountFD(fd, path)
}
