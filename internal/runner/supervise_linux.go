package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/cgroup"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/supervisor"
)

// plan builds this boot's stage-2 operation list in a sealed memfd, and
// the descriptors it refers to.
func (m *Monitor) plan() (*os.File, []*os.File, error) {
	if err := m.detectHost(); err != nil {
		return nil, nil, err
	}
	hc := hostCgroups{cgroupNS: m.ns.owns("cgroup"), unified: m.host.Layout == cgroup.Unified}
	for _, h := range m.host.Hierarchies {
		if h.V2 {
			hc.hasUnified = true
		} else {
			hc.v1 = append(hc.v1, h.Controllers)
		}
	}
	// Joining: the cgroup2 directory at the clone, the v1 ones by the
	// stage-2 itself, through their tasks files.
	if m.cg != nil {
		m.clonedIntoCgroup = false
		if u := m.cg.UnifiedPath(); u != "" {
			f, err := os.OpenFile(u, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return nil, nil, fmt.Errorf("open cgroup %s: %w", u, err)
			}
			m.cgroupFD = f
		}
		for h, d := range m.cg.Paths {
			// A user's stage-2 is root of its user namespace by the time
			// it reads the plan, and v1 lets only a process's own uid
			// move it: the monitor moves it before the maps instead
			// (mapAndNetworkUnprivileged).
			if !h.V2 && !unprivileged() {
				hc.tasks = append(hc.tasks, filepath.Join(d, "tasks"))
			}
		}
		sort.Strings(hc.tasks)
	}
	b, files, block, err := buildPlan(m.spec, m.cfg, hc, m.ns, m.shared, m.idmapped, m.lsm)
	if err != nil {
		return nil, nil, err
	}
	if block != nil {
		m.block = block
	}
	f, err := supervisor.PlanFile(b)
	if err != nil {
		closeAll(files)
		return nil, nil, err
	}
	m.log.Tracef("stage-2 plan: %d bytes", len(b))
	return f, files, nil
}

// supervisorCommand is the C stage-2: the supervisor's sealed image in the
// container's new namespaces, with the sync channel on fd 3, the plan on
// 4, its own image on 5 and the plan's descriptors from 6 on.
func (m *Monitor) supervisorCommand(child, plan *os.File, files []*os.File) (*exec.Cmd, error) {
	img, err := supervisor.Sealed()
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/5",
		Args:       []string{"golxc-stage2", "stage2"},
		Env:        []string{},
		Dir:        "/",
		ExtraFiles: append([]*os.File{child, plan, img}, files...),
	}
	if m.ns["user"] == nsShared {
		// An intermediate enters the shared user namespace and clones
		// the stage-2 from there (spawnsInUserNS).
		cmd.ExtraFiles = append(cmd.ExtraFiles, m.shared["user"])
		cmd.Args = []string{"golxc-stage2", "spawn", fmt.Sprintf("%#x", m.ns.cloneFlags()), strconv.Itoa(2 + len(cmd.ExtraFiles))}
	}
	if m.spec.PassStdio {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	attr, err := m.stage2Attr()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = attr
	return cmd, nil
}

// adoptSpawned: with lxc.namespace.share.user the process started was
// the intermediate (stage2.c: spawn_in_userns); it names the stage-2 it
// cloned as our child and exits. The stage-2 takes its place in cmd, so
// everything after treats it as the process we started.
func (m *Monitor) adoptSpawned(cmd *exec.Cmd, sock int) error {
	msg, err := supervisor.Recv(sock)
	werr := cmd.Wait()
	if err != nil {
		return fmt.Errorf("container init: %w (%v)", err, werr)
	}
	if msg.Kind == supervisor.SyncError {
		return msg.Err()
	}
	defer closeAll(msg.Files)
	if msg.Kind != supervisor.SyncPID || len(msg.Files) != 1 {
		return fmt.Errorf("container init: unexpected message %d", msg.Kind)
	}
	pid, err := pidfdPID(msg.Files[0])
	if err != nil {
		return fmt.Errorf("container init: %w", err)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	cmd.Process = p
	return nil
}

// pidfdPID is the pid, in our PID namespace, of the process a pidfd
// refers to (its fdinfo's Pid line).
func pidfdPID(f *os.File) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", f.Fd()))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid:"); ok {
			if pid, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && pid > 0 {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no pid in the fdinfo of pidfd %d", f.Fd())
}

// runSupervisor drives a C stage-2 from the setup message to its exec:
// it sends setup, takes the terminals, applies the device rules and runs
// start-host hooks, sends go, and waits for the channel to close (exec)
// or an error.
func (m *Monitor) runSupervisor(sock int) error {
	m.log.Tracef("cgroups joined, network configured")
	if err := supervisor.Send(sock, supervisor.SyncSetup); err != nil {
		return fmt.Errorf("send setup to container init: %w", err)
	}
	ready, err := m.recvStage2(sock)
	if err != nil {
		return err
	}
	if ready == nil || ready.Kind != supervisor.SyncReady {
		return fmt.Errorf("container init did not report ready")
	}
	m.log.Tracef("stage-2 ready")
	if err := m.takeTerminals(ready.Console, ready.TTYs, ready.Files); err != nil {
		return err
	}
	m.holdNamespaces()
	if err := m.applyDeviceRules(); err != nil {
		return err
	}
	if err := hooks.Run(m.cfg.Hooks["start-host"], "start-host", m.hookEnv, nil, nil); err != nil {
		return err
	}
	m.log.Tracef("devices and start-host hooks done")
	if err := supervisor.Send(sock, supervisor.SyncGo); err != nil {
		return fmt.Errorf("release container init: %w", err)
	}
	last, err := m.recvStage2(sock)
	if err != nil {
		return err
	}
	if last != nil {
		closeAll(last.Files)
		return fmt.Errorf("unexpected message %d from container init", last.Kind)
	}
	return nil
}

// recvStage2 returns the stage-2's next message, logging its warnings. A
// closed channel gives (nil, nil) once the stage-2 exec'd, or the reason
// it died; a stage-2 error comes back as the error.
func (m *Monitor) recvStage2(sock int) (*supervisor.Msg, error) {
	for {
		msg, err := supervisor.Recv(sock)
		if err == supervisor.ErrEOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("container init died during setup: %w", m.childExitErr(err))
		}
		switch msg.Kind {
		case supervisor.SyncWarn:
			m.log.Warnf("%s", msg.Text)
			continue
		case supervisor.SyncError:
			closeAll(msg.Files)
			return nil, msg.Err()
		}
		return msg, nil
	}
}

// stage2Attr are the clone flags, id maps and death signal of a stage-2.
func (m *Monitor) stage2Attr() (*syscall.SysProcAttr, error) {
	c := m.cfg
	attr := &syscall.SysProcAttr{Cloneflags: m.ns.cloneFlags()}
	if m.ns["user"] == nsShared {
		// The intermediate makes no namespace: its child, the stage-2,
		// is cloned with them from inside the shared user namespace.
		attr.Cloneflags = 0
	}
	if m.cgroupFD != nil {
		attr.UseCgroupFD = true
		attr.CgroupFD = int(m.cgroupFD.Fd())
	}
	// In a shared PID namespace the parent is outside, so the child's
	// getppid() is 0 and Go's fork code, taking that for a dead parent,
	// would send the signal at once: stage-2 sets it itself there.
	if sig := c.MonitorSignalPdeath; sig != 0 && m.ns["pid"] != nsShared {
		attr.Pdeathsig = syscall.Signal(sig)
	}
	if len(c.IDMaps) > 0 && m.ns.owns("user") && unprivileged() {
		userStage2Attr(attr)
	} else if len(c.IDMaps) > 0 && m.ns.owns("user") {
		for _, im := range c.IDMaps {
			idm := syscall.SysProcIDMap{ContainerID: int(im.NSID), HostID: int(im.HostID), Size: int(im.Range)}
			if im.Kind == 'u' {
				attr.UidMappings = append(attr.UidMappings, idm)
			} else {
				attr.GidMappings = append(attr.GidMappings, idm)
			}
		}
		attr.GidMappingsEnableSetgroups = true
		// Become root of the new user namespace once the maps are written
		// (our host uid is not mapped in it): without this, execve of
		// stage-2 would drop every capability.
		attr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	}
	return attr, nil
}
