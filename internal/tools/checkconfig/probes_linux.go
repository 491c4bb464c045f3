package checkconfigtool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/stage"
)

// The runtime probes run in short-lived children of this binary (a
// registered stage), created with the namespaces under test, so nothing a
// probe does (a devpts mount, a namespace) can reach the host or this
// process: the child's mount namespace is private and dies with it.

const probeStage = "checkconfig-probe"

func init() { stage.Register(probeStage, probeMain) }

// probeMain runs in the child: it performs the probe named in the
// environment and writes "" (success) or an error text to fd.
func probeMain(fd int) {
	f := os.NewFile(uintptr(fd), "probe")
	var err error
	switch os.Getenv("_GOLXC_PROBE") {
	case "noop":
	case "userns":
		// Running unprivileged: create a user namespace the way an
		// unprivileged lxc-start would (a clone by this user).
		err = probe("noop", &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER})
	case "devpts":
		err = probeDevpts(os.Getenv("_GOLXC_PROBE_DIR"))
	default:
		err = errors.New("unknown probe")
	}
	if err != nil {
		io.WriteString(f, err.Error())
	}
	f.Close()
	os.Exit(0)
}

// probeDevpts mounts a new devpts instance and allocates a pty from it.
func probeDevpts(dir string) error {
	if err := unix.Mount("devpts", dir, "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount devpts newinstance: %w", err)
	}
	fd, err := unix.Open(filepath.Join(dir, "ptmx"), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open ptmx: %w", err)
	}
	defer unix.Close(fd)
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
		return fmt.Errorf("allocate pty: %w", err)
	}
	return nil
}

// probe runs a probe child with attr and returns its verdict.
func probe(name string, attr *syscall.SysProcAttr, env ...string) error {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	cmd := exec.Command(self)
	cmd.Env = append(append(os.Environ(), stage.Env(probeStage, 3)...), append(env, "_GOLXC_PROBE="+name)...)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = attr
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return unwrapExec(err)
	}
	msg, _ := io.ReadAll(pr)
	if err := cmd.Wait(); err != nil && len(msg) == 0 {
		return err
	}
	if len(msg) > 0 {
		return errors.New(string(msg))
	}
	return nil
}

// unwrapExec reduces "fork/exec /path: operation not permitted" to the errno.
func unwrapExec(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// verdict prints "Label: enabled" or "Label: missing (why)" and a hint.
func (r *report) verdict(label string, err error, hint string) {
	r.printf("%s: ", label)
	if err == nil {
		r.colored(green, "enabled")
		r.printf("\n")
		return
	}
	r.colored(yellow, "missing")
	r.printf(" (%v)\n", err)
	if hint != "" {
		r.printf("  hint: %s\n", hint)
	}
}

func (r *report) info(label, value string) { r.printf("%s: %s\n", label, value) }

var nsProbes = []struct {
	name, label, option string
	flag                uintptr
}{
	{"user", "User namespace", "CONFIG_USER_NS", unix.CLONE_NEWUSER},
	// A new pid namespace is made at clone time: a Go program cannot
	// start threads after unshare(CLONE_NEWPID). Time namespaces can only
	// be unshared (clone(2) has no room for the flag).
	{"mnt", "Mount namespace", "CONFIG_NAMESPACES", unix.CLONE_NEWNS},
	{"pid", "Pid namespace", "CONFIG_PID_NS", unix.CLONE_NEWPID},
	{"uts", "Utsname namespace", "CONFIG_UTS_NS", unix.CLONE_NEWUTS},
	{"ipc", "Ipc namespace", "CONFIG_IPC_NS", unix.CLONE_NEWIPC},
	{"net", "Network namespace", "CONFIG_NET_NS", unix.CLONE_NEWNET},
	{"cgroup", "Cgroup namespace", "CONFIG_CGROUPS (cgroup namespaces need Linux 4.6)", unix.CLONE_NEWCGROUP},
	{"time", "Time namespace", "CONFIG_TIME_NS (Linux 5.6)", unix.CLONE_NEWTIME},
}

// runtimeProbes is golxc's section: what the running kernel really allows,
// independent of what a config file claims.
func runtimeProbes(r *report) {
	root := os.Geteuid() == 0
	r.printf("\n--- Runtime probes (golxc: tested on the running kernel) ---\n")
	for _, ns := range nsProbes {
		attr := &syscall.SysProcAttr{Cloneflags: ns.flag}
		if ns.name == "time" {
			attr = &syscall.SysProcAttr{Unshareflags: ns.flag}
		}
		if !root && ns.name != "user" {
			// Without root only a user namespace of our own gives the
			// right to make the others: probe inside one.
			attr.Cloneflags |= unix.CLONE_NEWUSER
		}
		err := probe("noop", attr)
		if err != nil && !root && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOSPC)) {
			// The kernel refused our rights (or our user namespace
			// quota, user.max_user_namespaces), not the feature.
			r.info(ns.label+" (probe)", "not probed: the probe needs root (or unprivileged user namespaces)")
			continue
		}
		r.verdict(ns.label+" (probe)", err, "enable "+ns.option+" in the kernel")
	}
	if v, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil {
		r.info("Max user namespaces", strings.TrimSpace(string(v)))
	}
	if root {
		err := probe("userns", &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: 65534, Gid: 65534},
		})
		r.verdict("Unprivileged user namespaces", err,
			"sysctl user.max_user_namespaces=15000 (and kernel.unprivileged_userns_clone=1 on kernels that have it)")
		dir, derr := os.MkdirTemp("", "golxc-devpts-probe-")
		if derr == nil {
			err = probe("devpts", &syscall.SysProcAttr{Unshareflags: unix.CLONE_NEWNS}, "_GOLXC_PROBE_DIR="+dir)
			os.Remove(dir)
		} else {
			err = derr
		}
		r.verdict("Private devpts instance (newinstance)", err,
			"enable CONFIG_UNIX98_PTYS (and CONFIG_DEVPTS_MULTIPLE_INSTANCES before Linux 4.7)")
	} else {
		r.info("Unprivileged user namespaces", "not probed (run as root)")
		r.info("Private devpts instance (newinstance)", "not probed (run as root)")
	}
	r.cgroupProbes(root)
	seccomp := errors.New("no Seccomp field in /proc/self/status")
	if st, err := os.ReadFile("/proc/self/status"); err == nil && strings.Contains(string(st), "\nSeccomp:") {
		seccomp = nil
	}
	r.verdict("Seccomp", seccomp, "enable CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER")
	overlay := errors.New("not in /proc/filesystems")
	if fs, err := os.ReadFile("/proc/filesystems"); err == nil && strings.Contains(string(fs), "\toverlay\n") {
		overlay = nil
	}
	r.verdict("Overlay filesystem", overlay, "modprobe overlay, or enable CONFIG_OVERLAY_FS (needed by lxc-copy -s)")
}

// cgroupProbes reports the cgroup layout and whether cgroups can really be
// created: a test cgroup is made and removed in every hierarchy.
func (r *report) cgroupProbes(root bool) {
	v1, v2 := cgroupMounts("cgroup"), cgroupMounts("cgroup2")
	layout := "none"
	switch {
	case len(v2) > 0 && len(v1) == 0:
		layout = "unified (cgroup2 only, at " + strings.Join(v2, ", ") + ")"
	case len(v2) > 0:
		layout = "hybrid (cgroup v1 controllers, cgroup2 at " + strings.Join(v2, ", ") + ")"
	case len(v1) > 0:
		layout = "legacy (cgroup v1 only)"
	}
	r.info("Cgroup layout", layout)
	if len(v1) == 0 && len(v2) == 0 {
		r.verdict("Cgroups mounted", errors.New("no cgroup filesystem mounted"),
			"mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup) or boot with systemd")
		return
	}
	if len(v2) > 0 {
		ctrl, _ := os.ReadFile(filepath.Join(v2[0], "cgroup.controllers"))
		c := strings.TrimSpace(string(ctrl))
		if c == "" {
			c = "(none: all controllers are bound to v1 hierarchies)"
		}
		r.info("Cgroup v2 controllers", c)
	}
	if !root {
		r.info("Cgroups writable", "not probed (run as root)")
		return
	}
	name := fmt.Sprintf("golxc-probe-%d", os.Getpid())
	try := func(mnts []string) error {
		var bad []string
		for _, m := range mnts {
			d := filepath.Join(m, name)
			if err := os.Mkdir(d, 0o755); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", m, unwrapExec(err)))
				continue
			}
			if err := os.Remove(d); err != nil {
				bad = append(bad, fmt.Sprintf("%s: remove: %v", m, unwrapExec(err)))
			}
		}
		if len(bad) > 0 {
			return errors.New(strings.Join(bad, "; "))
		}
		return nil
	}
	if len(v1) > 0 {
		r.verdict("Cgroup v1 hierarchies writable", try(v1), "remount the cgroup v1 hierarchies read-write")
	}
	if len(v2) > 0 {
		r.verdict("Cgroup v2 hierarchy writable", try(v2), "remount cgroup2 read-write (not inside a container without cgroup delegation)")
	}
}
