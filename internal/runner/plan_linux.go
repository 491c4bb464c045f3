package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golxc/golxc/internal/config"
	"github.com/golxc/golxc/internal/hooks"
	"github.com/golxc/golxc/internal/lxcpath"
	"github.com/golxc/golxc/internal/privs"
	"github.com/golxc/golxc/internal/rootfs"
	"github.com/golxc/golxc/internal/seccomp"
	"github.com/golxc/golxc/internal/storage"
	sv "github.com/golxc/golxc/internal/supervisor"
)

// planFD is the first descriptor number a stage-2 gets for the plan's
// extra files (3: sync channel, 4: plan, 5: the supervisor's image).
const planFD = 6

// hostCgroups is what a stage-2 needs to know of the host's cgroups.
type hostCgroups struct {
	cgroupNS   bool       // unshare a cgroup namespace after the cgroup join
	unified    bool       // pure cgroup2 host
	hasUnified bool       // a cgroup2 hierarchy exists (hybrid)
	v1         [][]string // controllers of each v1 hierarchy
	tasks      []string   // the v1 payload cgroups' tasks files the stage-2 enters
}

// planner turns a container's configuration into the stage-2 operation
// list the C supervisor executes. It makes every decision the Go stage-2
// (init_linux.go) makes, in the same order (LXC's lxc_setup), so both
// build the same container.
type planner struct {
	p     sv.Plan
	spec  *Spec
	c     *config.Container
	cg    hostCgroups
	ns    nsPlan              // the namespaces (namespaces_linux.go)
	share map[string]*os.File // the shared ones, opened by the monitor
	// idmapped are the idmapped binds the monitor made (idmapKey).
	idmapped map[string]*os.File
	// seccompOff: lxc.seccomp.profile is not loaded (useSeccomp).
	seccompOff bool
	lsm        lsmPlan
	files      []*os.File // extra descriptors, planFD onwards
	env        *hooks.Env
	// block is block storage (loop, LVM, ZFS) mounted detached on the
	// host side for the stage-2 to attach; the caller closes it once the
	// start is over.
	block *storage.Mounted
}

// buildPlan returns the encoded plan and the descriptors it refers to
// (the caller passes them to the stage-2 from fd planFD on, in order).
func buildPlan(spec *Spec, c *config.Container, cg hostCgroups, ns nsPlan, shared, idmapped map[string]*os.File, lp lsmPlan) ([]byte, []*os.File, *storage.Mounted, error) {
	pl := &planner{spec: spec, c: c, cg: cg, ns: ns, share: shared, idmapped: idmapped, seccompOff: !useSeccomp(c, nil), lsm: lp}
	err := pl.build()
	var b []byte
	if err == nil {
		b, err = pl.p.Encode()
	}
	if err != nil {
		closeAll(pl.files)
		if pl.block != nil {
			pl.block.Close()
		}
		return nil, nil, nil, err
	}
	return b, pl.files, pl.block, nil
}

func (pl *planner) add(op sv.Op, flags uint16, args ...any) { pl.p.Add(op, flags, args...) }

// hook adds the commands of one hook type, run inside the stage-2 with
// LXC's convention and the environment hooks.Command builds.
func (pl *planner) hook(typ string, env *hooks.Env, extraEnv ...string) {
	// The monitor's environment, which LXC's hooks inherit (the planner
	// runs in the monitor).
	base := hooks.BaseEnv()
	for _, v := range pl.c.Hooks[typ] {
		sh, argv, envv := hooks.Command(v, "lxc", typ, env, nil, base)
		envv = append(envv, extraEnv...)
		pl.add(sv.OpHook, 0, hooks.FailurePrefix(typ, v), sh, sv.List(argv), sv.List(envv))
	}
}

func (pl *planner) build() error {
	c, spec := pl.c, pl.spec
	pl.env = &hooks.Env{
		Name: spec.Name, ConfigFile: spec.ConfigFile, RootfsMount: rootfsMountPoint(c, spec.LXCPath, spec.Name),
		RootfsPath: rootfsPathValue(c), Console: c.ConsolePath, ConsoleLog: c.ConsoleLogfile,
		LogLevel: levelName(spec.LogLevel), Version: c.HookVersion, Environment: c.Environment,
	}
	// First into the v1 cgroups (the cgroup2 one was the clone's): "0"
	// into each tasks file moves the (single-threaded) stage-2 itself,
	// which needs no cgroup-wide lock.
	// A stage-2 cloned into a new user namespace (by the C monitor) is
	// its root only once it takes ids 0 there, after the maps are written.
	// So is one in a shared user namespace with lxc.idmap (LXC's rule:
	// without maps the ids stay what the namespace makes of the host's).
	if pl.ns.owns("user") || pl.ns["user"] == nsShared && len(pl.c.IDMaps) > 0 {
		pl.add(sv.OpSetuser, 0, 0, 0, []byte{})
	}
	for _, t := range pl.cg.tasks {
		f, err := os.OpenFile(t, os.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", t, err)
		}
		pl.add(sv.OpCgjoin, 0, planFD+len(pl.files))
		pl.files = append(pl.files, f)
	}
	if err := pl.joinShared(); err != nil {
		return err
	}
	if pl.cg.cgroupNS {
		pl.add(sv.OpUnshare, 0, uint64(unix.CLONE_NEWCGROUP))
	}
	if pl.ns.owns("time") {
		pl.add(sv.OpUnshare, 0, uint64(unix.CLONE_NEWTIME))
		if offsets := timeOffsetsText(c); offsets != "" {
			pl.add(sv.OpProcSelf, 0, "timens_offsets", offsets)
		}
	}
	// Only in the container's own UTS namespace: a shared one keeps its
	// name, a kept one is the host's.
	if c.UTSName != "" && pl.ns.owns("uts") {
		pl.add(sv.OpHostname, 0, c.UTSName)
	}
	if per, ok := archPersonality(c.Arch); ok {
		pl.add(sv.OpPersonality, 0, per)
	}
	// LXC stores lxc.keyring.session as a "disable" flag: 1 keeps the
	// inherited session keyring (the opposite of its man page).
	if !c.KeyringSessionDisable {
		if a := pl.lsm.keyringAttr(); a != nil {
			pl.add(sv.OpProcAttr, 0, a.Name, a.Fallback, a.Value)
		}
		pl.add(sv.OpKeyring, 0)
	}
	pl.add(sv.OpSetsid, 0)
	sharedMnt := pl.ns["mnt"] == nsShared
	if !sharedMnt {
		pl.add(sv.OpRslave, 0)
	}
	pl.hook("pre-mount", pl.env)
	prog, err := seccompProgram(c, pl.seccompOff)
	if err != nil {
		return err
	}
	ttys := c.TTYMax
	if sharedMnt {
		// Another container's mount namespace: nothing is mounted in it
		// (no rootfs, /dev, ttys or pivot); the console is a pty of its
		// devpts, init's stdio only.
		ttys = 0
		pl.add(sv.OpDevpts, sv.Existing, "/dev/pts", sv.List(nil))
		if c.ConsolePath != "none" {
			// Optional: the other container's lxc.pty.max may leave no
			// pty free; init then runs without a console.
			pl.add(sv.OpPty, sv.Optional, sv.List(nil), 0o620, 0, 0, sv.PtyConsole)
		}
		pl.add(sv.OpReady, 0)
	} else {
		if c.RootfsPath == "" {
			return errors.New("lxc.rootfs.path is not set: containers sharing the host's root filesystem are not supported")
		}
		if err := pl.root(); err != nil {
			return err
		}
		if err := pl.mounts(); err != nil {
			return err
		}
		pl.terminals()
		pl.add(sv.OpReady, 0)
		pl.add(sv.OpPivot, 0)
	}
	switch {
	case spec.PassStdio:
		pl.add(sv.OpStdio, 0, sv.StdioKeep)
	case c.ConsolePath != "none":
		pl.add(sv.OpStdio, 0, sv.StdioConsole)
	default:
		pl.add(sv.OpStdio, 0, sv.StdioNull)
	}
	for _, kv := range c.Proc {
		if kv.Key == "" || strings.Contains(kv.Key, "/") || strings.Contains(kv.Key, "..") {
			return fmt.Errorf("lxc.proc.%s: invalid name", kv.Key)
		}
		pl.add(sv.OpProcSelf, 0, kv.Key, kv.Value)
	}
	for _, p := range c.Prlimits {
		res, ok := p.Resource()
		if !ok {
			return fmt.Errorf("lxc.prlimit.%s: unknown resource limit", p.Name)
		}
		pl.add(sv.OpRlimit, 0, res, p.Soft, p.Hard)
	}
	// The LSM labels take effect at execve: from here on the start hooks
	// run confined, as LXC's, and then init.
	for _, a := range pl.lsm.execAttrs() {
		pl.add(sv.OpProcAttr, 0, a.Name, a.Fallback, a.Value)
	}
	pl.hook("start", pl.env, ttyNamesEnv(c, spec, ttys)...)
	env := initEnv(c, spec, ttys)
	if c.InitCwd != "" {
		pl.add(sv.OpMkdir, 0, c.InitCwd, 0o755)
	}
	pl.add(sv.OpCaps, 0, privs.Mask(privs.CapsToDrop(c.CapDrop, c.CapKeep, c.CapKeepSet)))
	if c.NoNewPrivs {
		pl.add(sv.OpNNP, 0)
	}
	// After no_new_privs, while CAP_SYS_ADMIN is still ours (LXC's order).
	pl.add(sv.OpSeccomp, 0, prog)
	cwd := c.InitCwd
	if cwd == "" {
		cwd = "/"
	}
	groups := make([]byte, 0, 4*len(c.InitGroups))
	for _, g := range c.InitGroups {
		groups = append(groups, byte(g), byte(g>>8), byte(g>>16), byte(g>>24))
	}
	if spec.Execute {
		argv := spec.Command
		if len(argv) == 0 && c.ExecuteCmd != "" {
			var err error
			if argv, err = SplitCommand(c.ExecuteCmd); err != nil {
				return fmt.Errorf("lxc.execute.cmd: %w", err)
			}
		}
		if len(argv) == 0 {
			return errors.New("Missing command to execute!")
		}
		pl.add(sv.OpChdir, 0, cwd)
		var fl uint16
		if spec.Quiet {
			fl |= sv.Quiet
		}
		pl.add(sv.OpInit, fl, sv.List(argv), sv.List(env), c.InitUID, c.InitGID, groups, spec.Name)
		return nil
	}
	argv, err := initArgv(c, spec)
	if err != nil {
		return err
	}
	pl.add(sv.OpSetuser, 0, c.InitUID, c.InitGID, groups)
	if sig := c.MonitorSignalPdeath; sig != 0 && (c.InitUID != 0 || c.InitGID != 0) {
		// A change of ids clears the parent-death signal: armed again,
		// as LXC does, so the container still dies with its monitor.
		pl.add(sv.OpPdeathsig, 0, sig)
	}
	pl.add(sv.OpChdir, 0, cwd)
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			path = e[5:]
		}
	}
	pl.add(sv.OpExec, 0, sv.List(argv), sv.List(env), path)
	return nil
}

// seccompProgram compiles lxc.seccomp.profile into the struct sock_filter
// array the supervisor loads (empty without a profile).
func seccompProgram(c *config.Container, off bool) ([]byte, error) {
	if c.SeccompProfile == "" || off {
		return nil, nil
	}
	p, err := seccomp.ParseFile(c.SeccompProfile)
	if err != nil {
		return nil, err
	}
	ins, err := seccomp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("lxc.seccomp.profile %s: %w", c.SeccompProfile, err)
	}
	return seccomp.Encode(ins), nil
}

// joinShared: lxc.namespace.share.* joined first, from descriptors we
// open here (the stage-2 does no /proc lookups of other processes).
func (pl *planner) joinShared() error {
	// Our parent is not who forked us (shared PID namespace: the
	// death signal is not the fork's; shared user namespace: an
	// intermediate cloned us).
	if (pl.ns["pid"] == nsShared || pl.ns["user"] == nsShared) && pl.c.MonitorSignalPdeath != 0 {
		pl.add(sv.OpPdeathsig, 0, uint64(pl.c.MonitorSignalPdeath))
	}
	for _, ns := range pl.ns.joined() {
		switch ns {
		case "pid":
			continue // the monitor forks us into it
		case "user":
			continue // spawn_in_userns cloned us in it
		}
		f, err := dupFile(pl.share[ns])
		if err != nil {
			return err
		}
		pl.add(sv.OpSetns, 0, planFD+len(pl.files), uint64(config.NamespaceFlags[ns]))
		pl.files = append(pl.files, f)
	}
	return nil
}

// root mounts an overlay rootfs first when there is one, then binds the
// rootfs on its mount point with lxc.rootfs.options.
func (pl *planner) root() error {
	c, spec := pl.c, pl.spec
	mountPoint := rootfsMountPoint(c, spec.LXCPath, spec.Name)
	src := rootfsSource(c)
	dir := src.Path
	if src.Block() {
		bm, err := mountBlockRootfs(c, mountPoint)
		if err != nil {
			return err
		}
		pl.block = bm
		// The stage-2 attaches its own reference (a dup: the plan's files
		// are closed once the stage-2 has them).
		f, err := dupFile(bm.File())
		if err != nil {
			return err
		}
		pl.add(sv.OpAttach, 0, planFD+len(pl.files), mountPoint)
		pl.files = append(pl.files, f)
		dir = mountPoint
	} else if src.IsOverlay() {
		// Made in the stage-2, after pre-mount hooks (lxc-copy -e -t mounts
		// a tmpfs over the overlay directory in one).
		work := storage.OverlayWorkDir(src.Upper)
		pl.add(sv.OpMkdir, sv.Host, work, 0o755)
		pl.add(sv.OpMkdir, sv.Host, mountPoint, 0o755)
		pl.add(sv.OpMountHost, 0, "overlay", "overlay",
			sv.List{"lowerdir=" + src.Lower, "upperdir=" + src.Upper, "workdir=" + work}, 0, mountPoint)
		dir = mountPoint
	}
	e := &rootfs.MountEntry{}
	if err := rootfs.ParseOptions(c.RootfsOptions, e); err != nil {
		return fmt.Errorf("lxc.rootfs.options: %w", err)
	}
	var set, clr uint64
	if flags := e.Flags &^ (unix.MS_BIND | unix.MS_REC); flags != 0 {
		set, clr = remountAttrs(flags)
	}
	pl.add(sv.OpRoot, 0, dir, mountPoint, set, clr)
	return nil
}

func dupFile(f *os.File) (*os.File, error) {
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("dup %s: %w", f.Name(), err)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// remountAttrs is what a classic MS_REMOUNT|MS_BIND|flags does to a
// mount, as mount_setattr attributes: exactly flags' per-mount bits.
func remountAttrs(flags uintptr) (set, clr uint64) {
	clr = sv.AttrRdonly | sv.AttrNosuid | sv.AttrNodev | sv.AttrNoexec | sv.AttrAtime | sv.AttrNodiratime
	return mountAttrs(flags), clr
}

// mountAttrs turns MS_* flags into MOUNT_ATTR_* bits.
func mountAttrs(flags uintptr) uint64 {
	var a uint64
	for _, m := range []struct {
		ms   uintptr
		attr uint64
	}{{unix.MS_RDONLY, sv.AttrRdonly}, {unix.MS_NOSUID, sv.AttrNosuid}, {unix.MS_NODEV, sv.AttrNodev},
		{unix.MS_NOEXEC, sv.AttrNoexec}, {unix.MS_NODIRATIME, sv.AttrNodiratime}} {
		if flags&m.ms != 0 {
			a |= m.attr
		}
	}
	switch {
	case flags&unix.MS_NOATIME != 0:
		a |= sv.AttrNoatime
	case flags&unix.MS_STRICTATIME != 0:
		a |= sv.AttrStrictatime
	}
	return a
}

// fsOptions are the fsconfig options of a new mount: the data string split
// at commas, plus the superblock flags mount(2) would have set.
func fsOptions(flags uintptr, data string) sv.List {
	var o sv.List
	for _, f := range []struct {
		ms   uintptr
		name string
	}{{unix.MS_RDONLY, "ro"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_DIRSYNC, "dirsync"}, {unix.MS_MANDLOCK, "mand"}} {
		if flags&f.ms != 0 {
			o = append(o, f.name)
		}
	}
	for _, d := range strings.Split(data, ",") {
		if d != "" {
			o = append(o, d)
		}
	}
	return o
}

// fsmount adds a new filesystem mounted on target (relative to the rootfs).
func (pl *planner) fsmount(fstype, source string, flags uintptr, data, target string, create int, fl uint16) {
	pl.add(sv.OpFsmount, fl, fstype, source, fsOptions(flags, data), mountAttrs(flags), target, create)
}

// bindRO binds target onto itself read-only, keeping the mounts at holes
// (below target) writable: they are cloned before and put back after.
func (pl *planner) bindRO(target string, fl uint16, holes ...string) {
	set, clr := remountAttrs(unix.MS_RDONLY)
	pl.add(sv.OpBind, fl|sv.InRoot|sv.Recursive, target, target, sv.CreateNone, set, clr, sv.List(holes))
}

// mounts: LXC's order (lxc_setup): /dev tmpfs, proc and sys, the masks,
// lxc.mount.fstab and lxc.mount.entry, cgroups, mount hooks, /dev nodes.
func (pl *planner) mounts() error {
	c := pl.c
	if c.Autodev {
		pl.fsmount("tmpfs", "none", 0, fmt.Sprintf("size=%d,mode=755", c.AutodevTmpfsSize), "dev", sv.CreateDir, sv.MustDir)
		pl.add(sv.OpMkdir, 0, "dev/pts", 0o755)
	}
	procMounted := false
	if mode := c.MountAuto.Proc; mode != "" {
		procMounted = true
		pl.add(sv.OpMkdir, sv.NoSymlink, "proc", 0o555)
		pl.fsmount("proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "", "proc", sv.CreateNone, sv.NoSymlink|sv.MustDir)
		for _, kv := range ownSysctls(c, pl.ns) {
			pl.add(sv.OpWrite, 0, "proc/sys/"+strings.ReplaceAll(kv[0], ".", "/"), []byte(kv[1]), uint64(unix.PROC_SUPER_MAGIC))
		}
		if mode == "mixed" {
			var holes []string
			if capKept(c, "net_admin") {
				holes = append(holes, "proc/sys/net")
			}
			pl.bindRO("proc/sys", 0, holes...)
			for _, p := range rootfs.ProcReadOnly {
				pl.bindRO(p, sv.IfExists)
			}
		}
	} else if len(c.Sysctls) > 0 {
		return errors.New("lxc.sysctl.* needs lxc.mount.auto = proc (the sysctls are written through the container's procfs)")
	}
	if mode := c.MountAuto.Sys; mode != "" {
		pl.add(sv.OpMkdir, sv.NoSymlink, "sys", 0o555)
		var flags uintptr
		if mode == "ro" {
			flags = unix.MS_RDONLY
		}
		pl.fsmount("sysfs", "sysfs", flags, "", "sys", sv.CreateNone, sv.NoSymlink|sv.MustDir)
		if mode == "mixed" {
			pl.bindRO("sys", 0, "sys/devices/virtual/net")
		}
	}
	if c.MountAuto.Proc == "mixed" {
		// Without an LSM: runc's masks (CVE-2025-31133: the source is
		// checked to be the null device).
		for _, p := range rootfs.ProcMaskedFiles {
			pl.add(sv.OpBind, sv.IfExists|sv.DevNull, "/dev/null", p, sv.CreateNone, 0, 0, sv.List(nil))
		}
		for _, p := range rootfs.ProcMaskedDirs {
			pl.fsmount("tmpfs", "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=0,nr_inodes=1,mode=0555", p, sv.CreateNone, sv.IfExists)
		}
	}
	hostRoots := []string{rootfsSource(c).Dir(), filepath.Join(lxcpath.Dir(pl.spec.LXCPath, pl.spec.Name), "rootfs")}
	mountPoint := rootfsMountPoint(c, pl.spec.LXCPath, pl.spec.Name)
	if c.MountFstab != "" {
		entries, err := readFstab(c.MountFstab)
		if err != nil {
			return err
		}
		for i, e := range entries {
			if err := pl.mountEntry(e, idmapKey("fstab", i), mountPoint, hostRoots); err != nil {
				return fmt.Errorf("lxc.mount.fstab %s: %w", c.MountFstab, err)
			}
		}
	}
	for i, line := range c.MountEntries {
		e, err := rootfs.ParseMountEntry(line)
		if err == nil {
			err = pl.mountEntry(e, idmapKey("entry", i), mountPoint, hostRoots)
		}
		if err != nil {
			src := ""
			if i < len(c.MountEntrySrc) {
				src = c.MountEntrySrc[i].String() + ": "
			}
			return fmt.Errorf("%slxc.mount.entry: %w", src, err)
		}
	}
	pl.cgroupAutomount()
	pl.hook("mount", pl.env)
	if c.Autodev {
		for _, n := range rootfs.DevNodes {
			pl.add(sv.OpMknod, 0, "dev/"+n.Name, 0o666, n.Major, n.Minor)
		}
		for _, l := range [][2]string{{"/proc/self/fd", "dev/fd"}, {"/proc/self/fd/0", "dev/stdin"}, {"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"}} {
			pl.add(sv.OpSymlink, 0, l[0], l[1])
		}
		pl.hook("autodev", pl.env)
	}
	// A private devpts instance always: the console and ttys come from it.
	max := c.PTYMax + c.TTYMax
	if c.ConsolePath != "none" {
		max++
	}
	opts := sv.List{"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}
	if max > 0 {
		opts = append(opts, "max="+strconv.Itoa(max))
	}
	pl.add(sv.OpDevpts, 0, "dev/pts", opts)
	if procMounted && c.Autodev {
		pl.bootID()
	}
	return nil
}

// mountEntry adds one lxc.mount.entry / fstab line.
func (pl *planner) mountEntry(e *rootfs.MountEntry, key, mountPoint string, hostRoots []string) error {
	target, err := rootfs.CleanTarget(mountPoint, e.Target, hostRoots...)
	if err != nil {
		if e.Optional {
			return nil
		}
		return err
	}
	create := sv.CreateNone
	if e.CreateDir {
		create = sv.CreateDir
	} else if e.CreateFile {
		create = sv.CreateFile
	}
	var fl uint16
	if e.Optional {
		fl |= sv.Optional
	}
	if e.IDMap != "" {
		// Made by the monitor with its flags and propagation; attached.
		m := pl.idmapped[key]
		if m == nil {
			if e.Optional {
				return nil // skipped by the monitor, with a warning
			}
			return fmt.Errorf("mount entry %q: no idmapped mount was made for it", e.Raw)
		}
		f, err := dupFile(m)
		if err != nil {
			return err
		}
		pl.add(sv.OpAttachIn, fl, planFD+len(pl.files), target, create)
		pl.files = append(pl.files, f)
		return nil
	}
	switch {
	case e.Flags&unix.MS_REMOUNT != 0:
		set, clr := remountAttrs(e.Flags &^ unix.MS_REMOUNT)
		pl.add(sv.OpSetattr, fl, target, set, clr, 0)
	case e.Bind():
		src := e.Source
		if e.Relative {
			src = strings.TrimPrefix(filepath.Clean("/"+src), "/")
			fl |= sv.InRoot
		}
		if e.Flags&unix.MS_REC != 0 {
			fl |= sv.Recursive
		}
		var set, clr uint64
		if extra := e.Flags &^ (unix.MS_BIND | unix.MS_REC); extra != 0 {
			set, clr = remountAttrs(extra)
		}
		pl.add(sv.OpBind, fl, src, target, create, set, clr, sv.List(nil))
	default:
		pl.fsmount(e.FSType, e.Source, e.Flags, e.Data, target, create, fl)
	}
	if e.PropFlags != 0 {
		var rec uint16
		if e.PropFlags&unix.MS_REC != 0 {
			rec = sv.Recursive
		}
		pl.add(sv.OpSetattr, fl&sv.Optional|rec, target, 0, 0, uint64(e.PropFlags&^unix.MS_REC))
	}
	return nil
}

// cgroupAutomount: lxc.mount.auto cgroup keys. With a cgroup namespace the
// container mounts its own cgroupfs; LXC skips these mounts unless
// ":force" is given, and so do we.
func (pl *planner) cgroupAutomount() {
	m := pl.c.MountAuto
	if m.Cgroup == "" && m.Cgroup2 == "" || pl.cg.cgroupNS && !m.CgroupForce && !m.Cgroup2Force {
		return
	}
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if m.Cgroup2 == "ro" || m.Cgroup == "ro" {
		flags |= unix.MS_RDONLY
	}
	if m.Cgroup2 != "" || pl.cg.unified {
		pl.fsmount("cgroup2", "cgroup2", flags, "", "sys/fs/cgroup", sv.CreateDir, sv.MustDir)
		return
	}
	pl.fsmount("tmpfs", "cgroup", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=10240k,mode=755", "sys/fs/cgroup", sv.CreateDir, sv.MustDir)
	if m.Cgroup != "ro" {
		flags &^= unix.MS_RDONLY
	}
	for _, ctrls := range pl.cg.v1 {
		name := strings.Join(ctrls, ",")
		dir := name
		if len(ctrls) == 1 && strings.HasPrefix(name, "name=") {
			dir = name[5:]
		}
		pl.fsmount("cgroup", "cgroup", flags, name, "sys/fs/cgroup/"+dir, sv.CreateDir, sv.MustDir)
	}
	if pl.cg.hasUnified {
		pl.fsmount("cgroup2", "cgroup2", flags, "", "sys/fs/cgroup/unified", sv.CreateDir, sv.MustDir)
	}
}

// terminals: the console (pty 0 of the container's devpts) and ttys 1..N.
func (pl *planner) terminals() {
	c := pl.c
	if c.ConsolePath != "none" {
		targets := sv.List{"dev/console"}
		if c.TTYDir != "" {
			targets = append(targets, "dev/"+c.TTYDir+"/console")
		}
		pl.add(sv.OpPty, 0, targets, 0o620, 0, 0, sv.PtyConsole)
	}
	for i := 1; i <= c.TTYMax; i++ {
		target := fmt.Sprintf("dev/tty%d", i)
		if c.TTYDir != "" {
			target = fmt.Sprintf("dev/%s/tty%d", c.TTYDir, i)
		}
		pl.add(sv.OpPty, 0, sv.List{target}, 0o620, ^uint64(0), ^uint64(0), sv.PtyTTY)
		if c.TTYDir != "" {
			pl.add(sv.OpSymlink, 0, fmt.Sprintf("%s/tty%d", c.TTYDir, i), fmt.Sprintf("dev/tty%d", i))
		}
	}
}

// bootID gives every boot its own /proc/sys/kernel/random/boot_id, as LXC
// does (systemd's journal relies on it); a failure only warns.
func (pl *planner) bootID() {
	pl.add(sv.OpCreate, sv.Optional, "dev/.lxc-boot-id", []byte(rootfs.NewBootID()), 0o444)
	set, clr := remountAttrs(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	pl.add(sv.OpBind, sv.Optional|sv.InRoot|sv.IfExists, "dev/.lxc-boot-id", "proc/sys/kernel/random/boot_id", sv.CreateNone, set, clr, sv.List(nil))
}
