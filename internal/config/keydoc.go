package config

import (
	"sort"
	"strconv"
)

// KeyDoc documents one configuration key: what lxc.container.conf(5) and
// lxc.system.conf(5) say about it (hack/gendoc renders them from these
// tables, so every key the parser knows has its entry; keydoc_test.go
// checks that).
type KeyDoc struct {
	Key     string // the key as written: "lxc.tty.max", "lxc.cgroup.CONTROLLER.FILE", "lxc.net.N.type"
	Section string // the man page section it is listed under
	Value   string // what the value looks like
	Default string // the value when the key is absent ("" = none)
	List    bool   // may be repeated: values accumulate, an empty value clears them
	Doc     string // what it does; paragraphs separated by blank lines, `code` in backquotes
}

// Sections of lxc.container.conf(5), in page order.
var KeySections = []string{
	"General", "Init and signals", "Root filesystem and mounts", "Consoles and terminals", "Network",
	"Control groups", "Capabilities", "AppArmor, SELinux and seccomp", "User namespace",
	"Namespaces and time", "Resource limits, sysctls and /proc", "Hooks", "Logging", "Autostart",
}

// keyDocs: one entry per name of the key table (keys.go). Family keys
// (lxc.cgroup, lxc.net, ...) are documented in the form they are written.
var keyDocs = map[string]KeyDoc{
	// ---- General ----------------------------------------------------
	"lxc.include": {Key: "lxc.include", Section: "General", Value: "PATH", List: true,
		Doc: "Reads another configuration file at this point, as if its lines were written here. " +
			"A directory (or a path ending in `/`) includes every file in it whose name ends in `.conf`; " +
			"a directory that does not exist is silently skipped, a file that does not exist is an error. " +
			"Templates use it for the shared files of /usr/share/lxc/config (`lxc.include = /usr/share/lxc/config/debian.common.conf`). " +
			"When a tool saves the configuration the `lxc.include` line is kept, not the included lines."},
	"lxc.arch": {Key: "lxc.arch", Section: "General", Value: "ARCH", Default: "the host's",
		Doc: "The architecture (personality) the container runs as: `x86`, `i686`, `i386`, `linux32`, `armhf`, ... select a 32-bit personality, " +
			"`x86_64`, `amd64`, `arm64`, `aarch64`, `linux64`, `ppc64el`, `s390x`, `riscv64`, ... a 64-bit one. " +
			"Needed to run a 32-bit container on a 64-bit host, so that `uname -m` says what the container's packages expect. " +
			"The getter prints only `i686` or `x86_64`."},
	"lxc.uts.name": {Key: "lxc.uts.name", Section: "General", Value: "HOSTNAME", Default: "the host's hostname",
		Doc: "The container's hostname, set in its own UTS namespace at start (at most 64 characters). " +
			"lxc-create and lxc-copy write the container's name here."},
	"lxc.ephemeral": {Key: "lxc.ephemeral", Section: "General", Value: "0|1", Default: "0",
		Doc: "1 destroys the container (configuration and storage) when it stops. lxc-copy -e sets it on the copies it makes."},
	"lxc.environment": {Key: "lxc.environment", Section: "General", Value: "NAME=VALUE | NAME", List: true,
		Doc: "An environment variable for the container's init, for processes lxc-attach runs, and for hooks. " +
			"`NAME` alone takes the value NAME has in the environment of the tool reading the configuration; " +
			"when it is not set there the configuration fails to load."},
	"lxc.no_new_privs": {Key: "lxc.no_new_privs", Section: "General", Value: "0|1", Default: "0",
		Doc: "1 sets the no_new_privs bit on the container's init, so neither it nor its children gain privileges through setuid files or file capabilities " +
			"(see prctl(2), PR_SET_NO_NEW_PRIVS). Attached processes get it too."},
	"lxc.sched.core": {Key: "lxc.sched.core", Section: "General", Value: "0|1", Default: "0",
		Doc: "1 puts every process of the container in one core scheduling domain (kernels with CONFIG_SCHED_CORE): " +
			"its tasks never share a CPU core's hyperthreads with tasks outside it."},
	"lxc.keyring.session": {Key: "lxc.keyring.session", Section: "General", Value: "0|1", Default: "unset: a new session keyring is made",
		Doc: "Whether the container's init gets a fresh session keyring. LXC 5.0.2 stores the value in a \"disable\" flag, so `1` disables the new keyring " +
			"and `0` keeps it (the opposite of LXC's own manual); golxc reads the key the way LXC 5.0.2 does, so configurations behave the same."},

	// ---- Init and signals -------------------------------------------
	"lxc.init.cmd": {Key: "lxc.init.cmd", Section: "Init and signals", Value: "COMMAND [ARG]...", Default: "/sbin/init",
		Doc: "What lxc-start runs as the container's first process when no command is given on its command line. Split into words as a shell would (quotes group words)."},
	"lxc.execute.cmd": {Key: "lxc.execute.cmd", Section: "Init and signals", Value: "COMMAND [ARG]...",
		Doc: "What lxc-execute runs when no command is given on its command line."},
	"lxc.init.cwd": {Key: "lxc.init.cwd", Section: "Init and signals", Value: "PATH", Default: "/",
		Doc: "The working directory of the container's init, an absolute path inside the container; it is made (mode 0755) when missing."},
	"lxc.init.uid": {Key: "lxc.init.uid", Section: "Init and signals", Value: "UID", Default: "0",
		Doc: "The user id, inside the container, the init (or the lxc-execute application) runs as."},
	"lxc.init.gid": {Key: "lxc.init.gid", Section: "Init and signals", Value: "GID", Default: "0",
		Doc: "The group id, inside the container, the init runs as."},
	"lxc.init.groups": {Key: "lxc.init.groups", Section: "Init and signals", Value: "GID[,GID]...", List: true,
		Doc: "Supplementary groups of the init, comma separated."},
	"lxc.signal.halt": {Key: "lxc.signal.halt", Section: "Init and signals", Value: "SIGNAL", Default: "SIGPWR",
		Doc: "The signal lxc-stop sends to the container's init to ask for a clean shutdown. " +
			"A SIGNAL is a number, a name with its `SIG` prefix (`SIGPWR`, `sigterm`), or `SIGRTMIN+N` / `SIGRTMAX-N`; " +
			"the getter prints the number. systemd halts on `SIGRTMIN+3`, busybox init on `SIGUSR1`, runit on `SIGCONT`."},
	"lxc.signal.reboot": {Key: "lxc.signal.reboot", Section: "Init and signals", Value: "SIGNAL", Default: "SIGINT",
		Doc: "The signal lxc-stop -r sends to the container's init to ask for a reboot."},
	"lxc.signal.stop": {Key: "lxc.signal.stop", Section: "Init and signals", Value: "SIGNAL", Default: "SIGKILL",
		Doc: "The signal lxc-stop -k (and a clean shutdown that times out) sends to end the container at once."},
	"lxc.monitor.unshare": {Key: "lxc.monitor.unshare", Section: "Init and signals", Value: "0|1", Default: "0",
		Doc: "Non-zero makes the container's monitor process unshare its mount namespace before the pre-start hooks run, so mounts those hooks make stay private to the container's start."},
	"lxc.monitor.signal.pdeath": {Key: "lxc.monitor.signal.pdeath", Section: "Init and signals", Value: "SIGNAL", Default: "SIGKILL",
		Doc: "The signal the container's init receives when its monitor dies; 0 sends none, so the container outlives its monitor."},

	// ---- Root filesystem and mounts ---------------------------------
	"lxc.rootfs.path": {Key: "lxc.rootfs.path", Section: "Root filesystem and mounts", Value: "[TYPE:]PATH", Default: "none: the host's root is shared",
		Doc: "The container's root filesystem. TYPE is the storage backend: `dir:` (a directory, the default), `btrfs:` (a subvolume), " +
			"`overlay:LOWER:UPPER` (an overlay, made by lxc-copy -s), `loop:FILE`, `lvm:/dev/VG/LV`, `zfs:DATASET`. " +
			"`rbd:` and `nbd:` (LXC's Ceph RBD and network block device backends) are refused by golxc with one line. " +
			"lxc-create writes `dir:LXCPATH/NAME/rootfs`. The getter prints the path without the TYPE."},
	"lxc.rootfs.mount": {Key: "lxc.rootfs.mount", Section: "Root filesystem and mounts", Value: "PATH",
		Doc: "The host directory the root filesystem is mounted on before the container pivots into it."},
	"lxc.rootfs.options": {Key: "lxc.rootfs.options", Section: "Root filesystem and mounts", Value: "OPTIONS",
		Doc: "Mount options for the root filesystem, as in fstab(5), and `idmap=PATH` or `idmap=container` for an idmapped root filesystem. " +
			"`create=`, `optional` and `relative` are refused here."},
	"lxc.rootfs.managed": {Key: "lxc.rootfs.managed", Section: "Root filesystem and mounts", Value: "0|1", Default: "1",
		Doc: "0 tells the tools the storage is not theirs: lxc-destroy then removes neither the root filesystem nor the container directory."},
	"lxc.mount.fstab": {Key: "lxc.mount.fstab", Section: "Root filesystem and mounts", Value: "FILE",
		Doc: "A file in fstab(5) format whose entries are mounted in the container at start, with the same extra options as `lxc.mount.entry`. " +
			"Relative mount points are relative to the container's root. An empty value is an error."},
	"lxc.mount.entry": {Key: "lxc.mount.entry", Section: "Root filesystem and mounts", Value: "SOURCE TARGET TYPE OPTIONS [DUMP [PASS]]", List: true,
		Doc: "One mount, written as an fstab(5) line, made in the container at start. A relative TARGET is relative to the container's root " +
			"(`proc dev/.lxc/proc proc create=dir 0 0`); an absolute one names the host path of the target. Besides mount options, OPTIONS may hold " +
			"`optional` (a failure is ignored), `create=dir` or `create=file` (make the target first), `relative` (SOURCE is relative to the container's root), " +
			"and propagation flags (`shared`, `slave`, `private`, with `r` prefixes). " +
			"golxc resolves every target inside the root filesystem, so a symlink in the container can never send a mount onto the host."},
	"lxc.mount.auto": {Key: "lxc.mount.auto", Section: "Root filesystem and mounts", Value: "TOKEN...", List: true,
		Doc: "Standard filesystems to mount, space separated: " +
			"`proc` or `proc:mixed` (/proc, with /proc/sys read-only but /proc/sys/net writable), `proc:rw`; " +
			"`sys` or `sys:mixed` (/sys read-only except the container's network devices), `sys:ro`, `sys:rw`; " +
			"`cgroup:mixed` (the cgroup hierarchies read-only, the container's own cgroup writable), `cgroup:ro`, `cgroup:rw`, `cgroup-full:...` (all of the host's cgroups visible), " +
			"each with `:force` to mount them even when the container has CAP_SYS_ADMIN; `cgroup2`, `cgroup2:ro`; " +
			"and `shmounts:HOSTPATH[:CONTAINERPATH]`, a shared mount point for moving mounts into the container later. " +
			"Later tokens of the same kind override earlier ones, also across several lines. " +
			"Without an LSM on the host, golxc masks /proc/kcore, /proc/keys, /proc/timer_list and similar files the way runc does, and binds /proc/sysrq-trigger read-only."},
	"lxc.autodev": {Key: "lxc.autodev", Section: "Root filesystem and mounts", Value: "0|1", Default: "1",
		Doc: "1 mounts a fresh tmpfs on the container's /dev and fills it with the standard devices (null, zero, full, random, urandom, tty, console, ptmx, the ttys, pts/). " +
			"An empty value gives 0."},
	"lxc.autodev.tmpfs.size": {Key: "lxc.autodev.tmpfs.size", Section: "Root filesystem and mounts", Value: "BYTES", Default: "500000",
		Doc: "The size of the /dev tmpfs lxc.autodev mounts."},

	// ---- Consoles and terminals -------------------------------------
	"lxc.tty.max": {Key: "lxc.tty.max", Section: "Consoles and terminals", Value: "N", Default: "0",
		Doc: "How many ttys (/dev/tty1 .. /dev/ttyN) the container gets; lxc-console -t N connects to them. Templates set 4."},
	"lxc.tty.dir": {Key: "lxc.tty.dir", Section: "Consoles and terminals", Value: "NAME",
		Doc: "Makes the console and tty devices in /dev/NAME and links /dev/console and /dev/ttyN to them (common.conf sets `lxc`). " +
			"Distributions whose init manages /dev/ttyN itself clear it."},
	"lxc.pty.max": {Key: "lxc.pty.max", Section: "Consoles and terminals", Value: "N", Default: "0",
		Doc: "The number of pseudo terminals the container may open. A value above 0 gives the container its own devpts instance, limited to N " +
			"(golxc adds the ttys and the console to the limit, as they come from the same instance)."},
	"lxc.console.path": {Key: "lxc.console.path", Section: "Consoles and terminals", Value: "PATH | none", Default: "a pseudo terminal lxc-console connects to",
		Doc: "Where the container's /dev/console leads: a host device or file, or `none` for no console at all."},
	"lxc.console.logfile": {Key: "lxc.console.logfile", Section: "Consoles and terminals", Value: "FILE",
		Doc: "A file the console output is appended to (what lxc-start -L sets)."},
	"lxc.console.rotate": {Key: "lxc.console.rotate", Section: "Consoles and terminals", Value: "0|1", Default: "0",
		Doc: "1 rotates the console log file when it reaches lxc.console.size."},
	"lxc.console.buffer.size": {Key: "lxc.console.buffer.size", Section: "Consoles and terminals", Value: "SIZE | auto", Default: "0 (no buffer)",
		Doc: "Size of an in-memory ring buffer keeping the latest console output, readable with lxc-console's log command. " +
			"SIZE is in bytes with an optional KB, MB or GB suffix (powers of 1024); `auto` is 128 KiB; it is rounded up to a power of two of at least a page."},
	"lxc.console.size": {Key: "lxc.console.size", Section: "Consoles and terminals", Value: "SIZE | auto", Default: "0 (no limit)",
		Doc: "The size limit of the console log file, written as for lxc.console.buffer.size."},

	// ---- Network ----------------------------------------------------
	"lxc.net": {Key: "lxc.net", Section: "Network", Value: "(empty)",
		Doc: "`lxc.net =` removes every network device defined so far; `lxc.net.N =` removes device N. " +
			"Devices are numbered `lxc.net.0`, `lxc.net.1`, ... and configured by the `lxc.net.N.*` keys below; `lxc.net.N.type` comes first. " +
			"A container with no device at all gets a network namespace with only a loopback interface, as with type `empty`."},

	// ---- Control groups ---------------------------------------------
	"lxc.cgroup": {Key: "lxc.cgroup.CONTROLLER.FILE", Section: "Control groups", Value: "VALUE", List: true,
		Doc: "Writes VALUE to the file CONTROLLER.FILE of the container's cgroup in the cgroup v1 (legacy) hierarchy of CONTROLLER, in the order given, " +
			"e.g. `lxc.cgroup.memory.limit_in_bytes = 512M`, `lxc.cgroup.cpuset.cpus = 0-1`. " +
			"`lxc.cgroup.devices.allow` and `lxc.cgroup.devices.deny` take device rules: `TYPE MAJOR:MINOR ACCESS` with TYPE `a`, `b` or `c`, `*` for any number, ACCESS of `r`, `w`, `m`. " +
			"Ignored on hosts without cgroup v1 (use lxc.cgroup2). `lxc.cgroup.CONTROLLER =` clears the entries of that controller, `lxc.cgroup =` all of them."},
	"lxc.cgroup2": {Key: "lxc.cgroup2.CONTROLLER.FILE", Section: "Control groups", Value: "VALUE", List: true,
		Doc: "As lxc.cgroup, for the unified (cgroup v2) hierarchy: `lxc.cgroup2.memory.max = 512M`, `lxc.cgroup2.cpu.max = 50000 100000`, `lxc.cgroup2.pids.max = 200`. " +
			"`lxc.cgroup2.devices.allow` and `.deny` (same rule syntax as v1) become a device BPF program: with `deny = a` first, only the allowed devices may be used."},
	"lxc.cgroup.dir": {Key: "lxc.cgroup.dir", Section: "Control groups", Value: "PATH",
		Doc: "A path, relative to the cgroup of the starting process, below which the container's and its monitor's cgroups are made. Absolute paths and `..` are refused."},
	"lxc.cgroup.dir.container": {Key: "lxc.cgroup.dir.container", Section: "Control groups", Value: "PATH",
		Doc: "The container's own cgroup, relative as lxc.cgroup.dir. Set together with lxc.cgroup.dir.monitor, and not with lxc.cgroup.dir."},
	"lxc.cgroup.dir.container.inner": {Key: "lxc.cgroup.dir.container.inner", Section: "Control groups", Value: "NAME",
		Doc: "A directory made inside the container's cgroup that becomes the root of its cgroup namespace, so the container cannot change the limits set on its outer cgroup."},
	"lxc.cgroup.dir.monitor": {Key: "lxc.cgroup.dir.monitor", Section: "Control groups", Value: "PATH",
		Doc: "The monitor's cgroup, relative as lxc.cgroup.dir; set with lxc.cgroup.dir.container."},
	"lxc.cgroup.dir.monitor.pivot": {Key: "lxc.cgroup.dir.monitor.pivot", Section: "Control groups", Value: "PATH",
		Doc: "Where the monitor moves itself when the container has stopped, so its cgroup can be removed."},
	"lxc.cgroup.relative": {Key: "lxc.cgroup.relative", Section: "Control groups", Value: "0|1", Default: "0",
		Doc: "1 makes the cgroups below the starting process's own cgroup, never escaping to the root of the hierarchy (for a service manager's delegated subtree)."},

	// ---- Capabilities -----------------------------------------------
	"lxc.cap.drop": {Key: "lxc.cap.drop", Section: "Capabilities", Value: "CAP...", List: true,
		Doc: "Capabilities the container's processes lose, by name in lower case without the `CAP_` prefix, space separated: `sys_module sys_time mac_admin`. " +
			"Names the running kernel does not know are ignored. Not with lxc.cap.keep in the same configuration."},
	"lxc.cap.keep": {Key: "lxc.cap.keep", Section: "Capabilities", Value: "CAP... | none", List: true,
		Doc: "The only capabilities the container keeps; every other one is dropped. `none` alone drops them all. Not with lxc.cap.drop."},

	// ---- AppArmor, SELinux and seccomp ------------------------------
	"lxc.apparmor.profile": {Key: "lxc.apparmor.profile", Section: "AppArmor, SELinux and seccomp", Value: "PROFILE | generated | unconfined | unchanged", Default: "lxc-container-default-cgns",
		Doc: "The AppArmor profile the container runs under, on hosts with AppArmor: a loaded profile's name, `generated` (a profile made for this container, " +
			"allowing nesting with lxc.apparmor.allow_nesting), `unconfined`, or `unchanged` (the caller's)."},
	"lxc.apparmor.allow_incomplete": {Key: "lxc.apparmor.allow_incomplete", Section: "AppArmor, SELinux and seccomp", Value: "0|1", Default: "0",
		Doc: "1 starts the container even when the kernel's AppArmor lacks mount restrictions, so the profile cannot be fully enforced."},
	"lxc.apparmor.allow_nesting": {Key: "lxc.apparmor.allow_nesting", Section: "AppArmor, SELinux and seccomp", Value: "0|1", Default: "0",
		Doc: "With a `generated` profile, 1 allows what nested containers need (mounting proc and sys under /dev/.lxc, as nesting.conf does)."},
	"lxc.apparmor.raw": {Key: "lxc.apparmor.raw", Section: "AppArmor, SELinux and seccomp", Value: "RULE", List: true,
		Doc: "A rule added to a `generated` profile."},
	"lxc.selinux.context": {Key: "lxc.selinux.context", Section: "AppArmor, SELinux and seccomp", Value: "CONTEXT",
		Doc: "The SELinux context the container runs in, on hosts with SELinux (e.g. `system_u:system_r:lxc_t:s0:c22`)."},
	"lxc.selinux.context.keyring": {Key: "lxc.selinux.context.keyring", Section: "AppArmor, SELinux and seccomp", Value: "CONTEXT", Default: "lxc.selinux.context",
		Doc: "The SELinux context of the container's session keyring."},
	"lxc.seccomp.profile": {Key: "lxc.seccomp.profile", Section: "AppArmor, SELinux and seccomp", Value: "FILE",
		Doc: "A seccomp policy file: system calls the container may not make. The first line is the format version, `1` (a list of syscall numbers allowed) or `2`; " +
			"version 2 continues with `denylist` or `allowlist`, an optional `reject_force_umount`, then `[ARCH]` sections (`[all]`, `[x86_64]`, ...) " +
			"of lines `SYSCALL [ACTION] [ARG_TESTS]` where ACTION is `errno N`, `kill`, `trap`, `allow` or `notify`. " +
			"/usr/share/lxc/config/common.seccomp is the policy common.conf uses. golxc compiles it to BPF itself; no libseccomp is needed."},
	"lxc.seccomp.allow_nesting": {Key: "lxc.seccomp.allow_nesting", Section: "AppArmor, SELinux and seccomp", Value: "0|1", Default: "0",
		Doc: "1 lets the container load seccomp filters of its own on top of its policy (nested containers need it)."},
	"lxc.seccomp.notify.proxy": {Key: "lxc.seccomp.notify.proxy", Section: "AppArmor, SELinux and seccomp", Value: "unix:PATH | unix:@NAME",
		Doc: "The unix socket the seccomp notifications of `notify` rules are forwarded to, for a supervisor that answers them."},
	"lxc.seccomp.notify.cookie": {Key: "lxc.seccomp.notify.cookie", Section: "AppArmor, SELinux and seccomp", Value: "STRING",
		Doc: "A string sent with every forwarded seccomp notification, identifying the container to the supervisor."},

	// ---- User namespace ---------------------------------------------
	"lxc.idmap": {Key: "lxc.idmap", Section: "User namespace", Value: "u|g CONTAINERID HOSTID RANGE", List: true,
		Doc: "Runs the container in a user namespace, mapping RANGE ids starting at CONTAINERID inside to HOSTID on the host: " +
			"`lxc.idmap = u 0 100000 65536` and `lxc.idmap = g 0 100000 65536` make root in the container uid 100000 on the host. " +
			"A container with an idmap is unprivileged (lxc-ls -f says so); its root filesystem must belong to the mapped ids. " +
			"A non-root user may only map the ranges /etc/subuid and /etc/subgid give them."},

	// ---- Namespaces and time ----------------------------------------
	"lxc.namespace.clone": {Key: "lxc.namespace.clone", Section: "Namespaces and time", Value: "NS...",
		Doc: "The namespaces the container gets, space separated, by their /proc/PID/ns names: `user`, `mnt`, `pid`, `uts`, `ipc`, `net`, `cgroup`, `time`. " +
			"By default it gets all of them but `user` (which lxc.idmap adds) and `time`. Not with lxc.namespace.keep."},
	"lxc.namespace.keep": {Key: "lxc.namespace.keep", Section: "Namespaces and time", Value: "NS...",
		Doc: "Namespaces the container keeps from the process starting it instead of getting new ones (same names as lxc.namespace.clone). " +
			"`lxc.namespace.keep = net` runs it in the caller's network."},
	"lxc.namespace.share": {Key: "lxc.namespace.share.NS", Section: "Namespaces and time", Value: "NAME | /LXCPATH/NAME | PID",
		Doc: "Joins namespace NS (a /proc/PID/ns name) of another container, named or given by its path, or of a process, instead of making a new one: " +
			"`lxc.namespace.share.net = web` shares the network of container web. lxc-start --share-net and friends set it."},
	"lxc.time.offset.boot": {Key: "lxc.time.offset.boot", Section: "Namespaces and time", Value: "OFFSET{h|m|s|ms|us|ns}",
		Doc: "With a time namespace, shifts the container's CLOCK_BOOTTIME by OFFSET (a signed integer followed by its unit, e.g. `-2h`), so its uptime differs from the host's."},
	"lxc.time.offset.monotonic": {Key: "lxc.time.offset.monotonic", Section: "Namespaces and time", Value: "OFFSET{h|m|s|ms|us|ns}",
		Doc: "With a time namespace, shifts the container's CLOCK_MONOTONIC by OFFSET."},

	// ---- Resource limits, sysctls and /proc -------------------------
	"lxc.prlimit": {Key: "lxc.prlimit.RESOURCE", Section: "Resource limits, sysctls and /proc", Value: "SOFT[:HARD]",
		Doc: "A resource limit (setrlimit(2)) of the container's init, which its processes inherit. RESOURCE is the limit's name in lower case without `RLIMIT_`: " +
			"`nofile`, `nproc`, `memlock`, `core`, ... Each of SOFT and HARD is a number or `unlimited`; one value sets both. " +
			"The same RESOURCE again replaces the value; `lxc.prlimit =` clears them all."},
	"lxc.sysctl": {Key: "lxc.sysctl.NAME", Section: "Resource limits, sysctls and /proc", Value: "VALUE",
		Doc: "A sysctl set in the container's namespaces when it starts: NAME as under /proc/sys with dots, e.g. `lxc.sysctl.net.ipv4.ip_forward = 1`. " +
			"Only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, ...) make sense. The same NAME again replaces the value; `lxc.sysctl =` clears them all."},
	"lxc.proc": {Key: "lxc.proc.FILE", Section: "Resource limits, sysctls and /proc", Value: "VALUE", List: true,
		Doc: "Writes VALUE to /proc/PID/FILE of the container's init when it starts, e.g. `lxc.proc.oom_score_adj = 10`."},

	// ---- Hooks ------------------------------------------------------
	"lxc.hook": {Key: "lxc.hook", Section: "Hooks", Value: "(empty)",
		Doc: "`lxc.hook =` removes every hook defined so far; `lxc.hook.TYPE =` those of one type. " +
			"A hook is a command line run by /bin/sh at one point of the container's life; it gets the container's name, the section `lxc` and the hook type as arguments " +
			"(lxc.hook.version = 0) and the environment variables LXC_NAME, LXC_CONFIG_FILE, LXC_ROOTFS_PATH, LXC_ROOTFS_MOUNT, LXC_HOOK_TYPE, LXC_HOOK_SECTION, " +
			"and where they apply LXC_SRC_NAME (clone) and LXC_TARGET (stop). A hook failing makes the step fail."},
	"lxc.hook.pre-start": {Key: "lxc.hook.pre-start", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs on the host, before the container's namespaces, devices and filesystems are set up."},
	"lxc.hook.pre-mount": {Key: "lxc.hook.pre-mount", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs in the container's mount namespace before the root filesystem is mounted (e.g. to decrypt it)."},
	"lxc.hook.mount": {Key: "lxc.hook.mount", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs in the container's mount namespace after the mounts are made, before the pivot into the root filesystem."},
	"lxc.hook.autodev": {Key: "lxc.hook.autodev", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "With lxc.autodev, runs after the mounts and after /dev is populated, to add device nodes (LXC_ROOTFS_MOUNT/dev)."},
	"lxc.hook.start-host": {Key: "lxc.hook.start-host", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs on the host once the container is set up, just before its init starts (its pid is known: LXC_PID)."},
	"lxc.hook.start": {Key: "lxc.hook.start", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs inside the container, just before its init is executed; the command must exist in the container."},
	"lxc.hook.stop": {Key: "lxc.hook.stop", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs on the host after the container stopped, with paths to its namespaces (LXC_TARGET says whether it stopped or rebooted)."},
	"lxc.hook.post-stop": {Key: "lxc.hook.post-stop", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs on the host last, after the container stopped and its resources were released."},
	"lxc.hook.clone": {Key: "lxc.hook.clone", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs when lxc-copy made a copy, with the new container's root filesystem mounted (LXC_ROOTFS_MOUNT) and LXC_SRC_NAME the original's name; " +
			"extra arguments given to lxc-copy are passed on. common.conf's clonehostname hook renames the host in /etc/hosts."},
	"lxc.hook.destroy": {Key: "lxc.hook.destroy", Section: "Hooks", Value: "COMMAND", List: true,
		Doc: "Runs when lxc-destroy removes the container, before its storage is deleted."},
	"lxc.hook.version": {Key: "lxc.hook.version", Section: "Hooks", Value: "0|1", Default: "0",
		Doc: "0 passes the hook its information as arguments and environment variables; 1 as environment variables only (LXC_HOOK_TYPE, LXC_HOOK_SECTION, ...)."},

	// ---- Logging ----------------------------------------------------
	"lxc.log.level": {Key: "lxc.log.level", Section: "Logging", Value: "LEVEL", Default: "ERROR",
		Doc: "The lowest priority written to the container's log: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRIT, ALERT, FATAL, or 0 (TRACE) to 8 (FATAL). " +
			"A tool's -l option overrides it. Only ERROR and above ever reach the terminal."},
	"lxc.log.file": {Key: "lxc.log.file", Section: "Logging", Value: "FILE",
		Doc: "The container's log file; a tool's -o option overrides it."},
	"lxc.log.syslog": {Key: "lxc.log.syslog", Section: "Logging", Value: "FACILITY",
		Doc: "Also sends the log to syslog with this facility: `daemon` or `local0` .. `local7`."},

	// ---- Autostart --------------------------------------------------
	"lxc.start.auto": {Key: "lxc.start.auto", Section: "Autostart", Value: "0|1", Default: "0",
		Doc: "1 makes lxc-autostart (and so lxc.service at boot) start the container."},
	"lxc.start.delay": {Key: "lxc.start.delay", Section: "Autostart", Value: "SECONDS", Default: "0",
		Doc: "How long lxc-autostart waits after starting this container before starting the next one."},
	"lxc.start.order": {Key: "lxc.start.order", Section: "Autostart", Value: "N", Default: "0",
		Doc: "lxc-autostart starts containers by increasing order (lower first; equal orders by name) and stops them in the reverse order."},
	"lxc.group": {Key: "lxc.group", Section: "Autostart", Value: "GROUP...", List: true,
		Doc: "Groups the container belongs to, space separated, for lxc-autostart -g and lxc-ls -g. " +
			"At boot lxc.service starts the groups of BOOTGROUPS in /etc/default/lxc (by default the group `onboot`, then containers in no group)."},
}

// netSubDocs documents the lxc.net.N.SUB keys (netSubs in net.go).
var netSubDocs = map[string]KeyDoc{
	"type": {Value: "veth | macvlan | ipvlan | vlan | phys | empty | none",
		Doc: "The kind of device, set before any other key of device N. " +
			"`veth`: a pair of devices, one in the container, the other on the host, attached to the bridge lxc.net.N.link (or routed, see veth.mode). " +
			"`macvlan`: a new MAC address on the host device lxc.net.N.link. `ipvlan`: a new IP address on it. `vlan`: a VLAN (lxc.net.N.vlan.id) of it. " +
			"`phys`: the host device lxc.net.N.link itself, moved into the container and back on stop. " +
			"`empty`: only the loopback interface. `none`: the host's network namespace is shared (the container can then reconfigure the host's network)."},
	"flags": {Value: "up", Doc: "`up` brings the device up in the container."},
	"link": {Value: "DEVICE",
		Doc: "The host device the container's device attaches to: the bridge (veth) or the parent device (macvlan, ipvlan, vlan, phys). " +
			"For phys, a name ending in `+` moves every host device whose name starts with the rest."},
	"name":   {Value: "NAME", Default: "eth0, eth1, ...", Doc: "The device's name inside the container."},
	"hwaddr": {Value: "MAC", Default: "random", Doc: "The device's MAC address. Each `x` is replaced by a random hex digit, once, when the configuration is first read: `00:16:3e:xx:xx:xx`."},
	"mtu":    {Value: "BYTES", Doc: "The device's MTU (both ends of a veth pair)."},
	"l2proxy": {Value: "0|1", Default: "0",
		Doc: "1 adds proxy ARP and proxy NDP entries on the host device lxc.net.N.link for the container's addresses, so they are reachable on the host's network."},
	"ipv4.address": {Value: "ADDRESS[/PREFIX] [BROADCAST]", List: true,
		Doc: "An IPv4 address of the device; give the prefix (without one LXC applies old address classes to the last octet)."},
	"ipv4.gateway": {Value: "ADDRESS | auto | dev",
		Doc: "The container's IPv4 default route: via ADDRESS, via the host side of the link (`auto`: the bridge's first address), or straight out of the device (`dev`)."},
	"ipv6.address": {Value: "ADDRESS[/PREFIX]", Default: "prefix 64", List: true, Doc: "An IPv6 address of the device."},
	"ipv6.gateway": {Value: "ADDRESS | auto | dev", Doc: "The container's IPv6 default route, as ipv4.gateway."},
	"script.up": {Value: "COMMAND",
		Doc: "Runs on the host when the device has been made, with the container's name, `net`, `up`, the type and the host-side device name as arguments " +
			"(and LXC_NET_TYPE, LXC_NET_PARENT, LXC_NET_PEER in the environment)."},
	"script.down": {Value: "COMMAND", Doc: "Runs on the host before the device is removed, with the arguments of script.up (`down` instead of `up`)."},
	"veth.pair":   {Value: "NAME", Default: "vethXXXXXX", Doc: "The name of the host side of a veth pair."},
	"veth.mode": {Value: "bridge | router", Default: "bridge",
		Doc: "`bridge` attaches the host side to the bridge lxc.net.N.link; `router` leaves it unattached and adds host routes to the container's addresses " +
			"(and proxy entries with l2proxy), for routed setups."},
	"veth.ipv4.route": {Value: "ADDRESS/PREFIX", List: true, Doc: "A route on the host to this network through the veth device (router mode)."},
	"veth.ipv6.route": {Value: "ADDRESS/PREFIX", List: true, Doc: "An IPv6 route on the host through the veth device."},
	"veth.vlan.id": {Value: "0-4094 | none",
		Doc: "On a VLAN-filtering bridge, the untagged VLAN of the host side (its PVID); `none` leaves the port in no untagged VLAN."},
	"veth.vlan.tagged.id": {Value: "0-4094", List: true, Doc: "A tagged VLAN the host side of the veth pair is a member of, on a VLAN-filtering bridge."},
	"veth.n_rxqueues":     {Value: "N", Doc: "The number of receive queues of the veth pair."},
	"veth.n_txqueues":     {Value: "N", Doc: "The number of transmit queues of the veth pair."},
	"macvlan.mode": {Value: "private | vepa | bridge | passthru", Default: "private",
		Doc: "How macvlan devices on the same parent reach each other: not at all (`private`), through the external switch (`vepa`), directly (`bridge`), or the parent given wholly to one (`passthru`)."},
	"ipvlan.mode":      {Value: "l2 | l3 | l3s", Default: "l3", Doc: "The ipvlan mode: layer 2 switching, layer 3 routing, or layer 3 with netfilter (`l3s`)."},
	"ipvlan.isolation": {Value: "bridge | private | vepa", Default: "bridge", Doc: "How ipvlan devices on the same parent reach each other, as for macvlan.mode."},
	"vlan.id":          {Value: "0-4094", Doc: "The VLAN id of a vlan device."},
}

// SystemKeyDocs documents the keys of lxc.conf (lxc.system.conf(5)),
// in the order lxc-config -l lists them.
var systemKeyDocs = map[string]KeyDoc{
	"lxc.default_config": {Key: "lxc.default_config", Value: "FILE", Default: "/etc/lxc/default.conf (a user: ~/.config/lxc/default.conf)",
		Doc: "The configuration every new container starts from: lxc-create copies its lines into the container's config unless -f names another file."},
	"lxc.lxcpath": {Key: "lxc.lxcpath", Value: "DIR", Default: "/var/lib/lxc (a user: ~/.local/share/lxc)",
		Doc: "Where containers live (one directory per container, holding its config and usually its rootfs): the default of every tool's -P."},
	"lxc.bdev.lvm.vg": {Key: "lxc.bdev.lvm.vg", Value: "NAME", Default: "lxc",
		Doc: "The LVM volume group lxc-create -B lvm makes logical volumes in (--vgname overrides it)."},
	"lxc.bdev.lvm.thin_pool": {Key: "lxc.bdev.lvm.thin_pool", Value: "NAME", Default: "lxc",
		Doc: "The LVM thin pool lxc-create -B lvm uses when it exists (--thinpool overrides it)."},
	"lxc.bdev.zfs.root": {Key: "lxc.bdev.zfs.root", Value: "DATASET", Default: "lxc",
		Doc: "The ZFS dataset under which lxc-create -B zfs makes the containers' datasets (--zfsroot overrides it)."},
	"lxc.cgroup.use": {Key: "lxc.cgroup.use", Value: "CONTROLLER[,CONTROLLER]...",
		Doc: "On cgroup v1 hosts, the controllers containers' cgroups are made in (`@all` for all of them); unset: all."},
	"lxc.cgroup.pattern": {Key: "lxc.cgroup.pattern", Value: "PATTERN",
		Doc: "For root, the path of containers' cgroups below the starting process's, with `%n` for the container's name (e.g. `lxc/%n`); unset: `lxc.payload.NAME`."},
}

// DocFor returns the documentation of a container configuration key as
// written in a config file: an exact key of the table, a family member
// (lxc.cgroup2.memory.max), or a network key (lxc.net.0.ipv4.address).
func DocFor(key string) (KeyDoc, bool) {
	if d, ok := keyDocs[key]; ok {
		return d, true
	}
	if idx, sub, err := parseNetKey(key); err == nil && sub != "" {
		if d, ok := netSubDocs[sub]; ok {
			d.Key = "lxc.net." + strconv.Itoa(idx) + "." + sub
			d.Section = "Network"
			return d, true
		}
		return KeyDoc{}, false
	}
	for _, p := range prefixFamilies {
		if len(key) > len(p) && key[:len(p)+1] == p+"." {
			return keyDocs[p], true
		}
	}
	return KeyDoc{}, false
}

// KeyDocs returns the documentation of every container key, in the
// order of KeySections and then by key; the network subkeys follow
// lxc.net as lxc.net.N.SUB, in the order lxc-info lists them.
func KeyDocs() []KeyDoc {
	var out []KeyDoc
	for _, sec := range KeySections {
		var keys []string
		for k, d := range keyDocs {
			if d.Section == sec {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, keyDocs[k])
			if k == "lxc.net" {
				for _, sub := range netSubs {
					d := netSubDocs[sub]
					d.Key, d.Section = "lxc.net.N."+sub, "Network"
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// SystemKeyDocs returns the documentation of every lxc.conf key, in
// lxc-config -l's order.
func SystemKeyDocs() []KeyDoc {
	out := make([]KeyDoc, 0, len(SystemKeys))
	for _, k := range SystemKeys {
		out = append(out, systemKeyDocs[k])
	}
	return out
}

// LegacyKeys returns the pre-3.0 keys golxc still reads, with the key each
// now means ("" for keys that are ignored), sorted.
func LegacyKeys() [][2]string {
	out := make([][2]string, 0, len(legacyRenames)+2)
	for k, v := range legacyRenames {
		out = append(out, [2]string{k, v})
	}
	out = append(out, [2]string{"lxc.limit.RESOURCE", "lxc.prlimit.RESOURCE"},
		[2]string{"lxc.network.N.SUB, lxc.network.SUB", "lxc.net.N.SUB"})
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
