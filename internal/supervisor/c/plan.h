/*
 * plan.h: the operation list ("plan") a golxc command sends to the C
 * supervisor, and the messages on the sync channel.
 *
 * Go decides, C executes: the Go side (internal/supervisor, encoded by
 * plan.go; the operations chosen by internal/runner) turns a container's
 * configuration into an ordered list of small typed operations; the
 * supervisor checks the whole list once (plan.c) and then performs it
 * without interpreting any configuration itself.
 *
 * Encoding (native byte order: both sides run on the same machine; the Go
 * tests check the constants against this file):
 *
 *   header  u32 magic, u16 version, u16 zero, u32 nops, u32 zero, u64 size
 *   op      u16 type, u16 flags, u32 nargs, u64 size (bytes of its args)
 *   arg     u32 len, len bytes, one NUL byte
 *
 * size in the header is the length of the whole plan. Every length is
 * checked against what is left before anything is read, so a plan that is
 * short, long, or inconsistent anywhere is refused as a whole. There is no
 * other size limit: a plan is read from a memfd, not a socket message.
 */
#ifndef GOLXC_PLAN_H
#define GOLXC_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_MAGIC 0x50584c47u /* "GLXP" */
#define PLAN_VERSION 1

#define PLAN_HEADER_SIZE 24
#define PLAN_OP_HEADER_SIZE 16

/*
 * Argument kinds of an operation's schema (plan.c: op_schema):
 *   'u' an unsigned 64-bit integer (len 8)
 *   's' a string without NUL bytes
 *   'l' a list: NUL-terminated strings back to back (argv, env)
 *   'b' bytes (a seccomp program, group ids)
 */

/* Operations, in the order a stage-2 normally uses them. */
enum {
	OP_SETNS = 1,    /* u fd, u nstype: join a namespace (lxc.namespace.share) */
	OP_UNSHARE,      /* u flags */
	OP_HOSTNAME,     /* s name */
	OP_SETSID,       /* new session (EPERM ignored) */
	OP_RSLAVE,       /* make every mount a slave: nothing propagates to the host */
	OP_HOOK,         /* s what, s shell, l argv, l env: run and wait; fail on non-zero */
	OP_MOUNT_HOST,   /* s fstype, s source, l options, u attr, s target (host path) */
	OP_ROOT,         /* s rootfs dir, s mount point, u attr set, u attr clear */
	OP_FSMOUNT,      /* s fstype, s source, l options, u attr, s target, u create */
	OP_BIND,         /* s source, s target, u create, u attr set, u attr clear, l holes */
	OP_SETATTR,      /* s target, u attr set, u attr clear, u propagation */
	OP_MKDIR,        /* s target, u mode */
	OP_SYMLINK,      /* s dest, s link */
	OP_MKNOD,        /* s target, u mode, u major, u minor (falls back to a bind of the host's node) */
	OP_WRITE,        /* s target, b data, u fs magic (0: any): write an existing file */
	OP_CREATE,       /* s target, b data, u mode: create (or truncate) a file, no symlink */
	OP_DEVPTS,       /* s target, l options: new devpts instance; ptmx bound (or linked) */
	OP_PTY,          /* s targets as l, u mode, u uid, u gid, u kind (PTY_*) */
	OP_READY,        /* send the terminals to the monitor and wait for its go */
	OP_PIVOT,        /* pivot_root into the rootfs, old root detached */
	OP_STDIO,        /* u mode (STDIO_*) */
	OP_PROCSELF,     /* s key, s value: write /proc/self/KEY (lxc.proc.*) */
	OP_RLIMIT,       /* u resource, u soft, u hard */
	OP_CAPS,         /* u bounding-set drop mask (capabilities 0-63) */
	OP_NNP,          /* no_new_privs */
	OP_SECCOMP,      /* b struct sock_filter[] */
	OP_SETUSER,      /* u uid, u gid, b gid_t[] groups */
	OP_CHDIR,        /* s directory: chdir, then prove it is inside the root */
	OP_EXEC,         /* l argv, l env, s PATH to search: exec the container's init */
	OP_INIT,         /* l argv, l env, u uid, u gid, b groups, s name: lxc-execute's pid 1 */
	OP_ATTACH,       /* u fd, s host path: attach a detached mount (block rootfs) */
	OP_PDEATHSIG,    /* u signal: the parent-death signal (when the fork could not set it) */
	OP_ATTACH_IN,    /* u fd, s target, u create: attach a detached mount (an idmapped bind) in the rootfs */
	OP_KEYRING,      /* a new session keyring (keyctl JOIN_SESSION_KEYRING), as LXC's lxc_setup_keyring */
	OP_PROCATTR,     /* s attr name, s fallback name (""), s value: write /proc/thread-self/attr/NAME (LSM labels) */
	/* lxc-attach's attached process (internal/nsenter/attach.c): */
	OP_NAME,         /* s program, s container: for error messages */
	OP_PERSONALITY,  /* u personality */
	OP_CTTY,         /* u fd, u uid, u gid: new session, fd the controlling terminal, owned */
	OP_CWD,          /* l directories to try in order (none: stay), then prove it is inside */
	OP_EXECVP,       /* l argv (empty: a shell), l env, s the user's shell */
	/* The monitor's settings (monitor.c), sent when the container runs: */
	OP_M_REPLY,      /* s command, s JSON: a fixed answer (cgroup-paths, net-info, attach) */
	OP_M_FREEZER,    /* s directory, u 1 for cgroup2 (cgroup.freeze), 0 for the v1 freezer */
	OP_M_KILL,       /* s cgroup2 directory with cgroup.kill, s a directory listing the tasks */
	OP_M_CGROUP,     /* s directory removed (with any children) at the stop */
	OP_M_SELFCG,     /* s monitor cgroup, s its parent: entered now, left at the stop */
	OP_M_SIGNALS,    /* u stop, u halt (0: SIGPWR, or SIGRTMIN+3 if init blocks it), u reboot */
	OP_M_NOTIFY,     /* s lxc-monitor socket directory, s container name */
	OP_M_PIDFILE,    /* s file removed at the stop */
	OP_M_CONSOLE,    /* u extra index of the console log (~0: none), u its size limit (0: none),
			    s where a full log is renamed to ("": truncated), u extra index of
			    lxc.console.path's peer (~0: none), u 1: relay the peer's input too */
	OP_M_GO,         /* u extra index of the Go tool, u of its state, l argv, l env: become the
			    Go monitor (a reboot, a command of OP_M_GOCMD, OPF_GOSTOP: the stop) */
	OP_M_RMDIR,      /* s directory made by the start (lxc.cgroup.dir), removed last if empty; parents first */
	OP_CGJOIN,       /* u fd of a v1 cgroup's tasks file: enter it ("0": ourselves, no global lock) */
	OP_M_DELLINK,    /* s host network interface removed at the stop (a veth's host end) */
	OP_M_RECORD,     /* s boot record, s directory it and its empty parents are removed up to, u extra fd index */
	OP_M_GOCMD,      /* s a command the Go monitor answers (OP_M_GO) */
	OP_M_HOLD,       /* u extra index of a descriptor kept for the Go monitor (the namespaces) */
	OP_MAX
};

/* Flags of every operation. */
#define OPF_OPTIONAL 0x1  /* failure is a warning, not an error */
#define OPF_IFEXISTS 0x2  /* a target that does not exist is skipped */
#define OPF_MUSTDIR 0x4   /* the target must be a directory */
#define OPF_NOSYMLINK 0x8 /* the target's first component must not be a symlink */
#define OPF_RECURSIVE 0x10 /* rbind, recursive attributes */
#define OPF_INROOT 0x20   /* a bind source is a path inside the rootfs */
#define OPF_QUIET 0x40    /* OP_INIT: no message when the command cannot run */
#define OPF_DEVNULL 0x80  /* OP_BIND: the source must be the null device */
#define OPF_HOST 0x100    /* OP_MKDIR: a host path (before pivot), not one in the rootfs */
#define OPF_EXISTING 0x200 /* OP_DEVPTS: use the devpts mounted at the (absolute) target; mount nothing */
#define OPF_KEEPGROUPS 0x400 /* OP_SETUSER: leave the supplementary groups alone */
#define OPF_GOSTOP 0x800     /* OP_M_GO: the teardown at the stop is the Go monitor's */

/* How a target is created before it is mounted on. */
#define CREATE_NONE 0
#define CREATE_DIR 1
#define CREATE_FILE 2

/* OP_PTY kinds. */
#define PTY_CONSOLE 0 /* peer kept as the console (for OP_STDIO) */
#define PTY_TTY 1

/* OP_STDIO modes. */
#define STDIO_KEEP 0    /* the caller's (lxc-execute) */
#define STDIO_CONSOLE 1 /* the console pty, as controlling terminal */
#define STDIO_NULL 2

/* Sync channel: one SOCK_SEQPACKET pair between monitor and stage-2. */
#define SYNC_MAGIC 0x53584c47u /* "GLXS" */

enum {
	SYNC_SETUP = 1, /* monitor: cgroups joined, network made: start */
	SYNC_READY,     /* stage-2: devpts, console and tty masters follow as fds */
	SYNC_GO,        /* monitor: device rules and start-host hooks done */
	SYNC_ERROR,     /* stage-2: text (and errno) of why it stops */
	SYNC_WARN,      /* stage-2: a warning for the monitor's log */
	/* lxc-start and the C monitor (monitor.c): */
	SYNC_START,     /* lxc-start: text = the socket's name */
	SYNC_BOUND,     /* monitor: socket bound (err 0), or stage-2 cloned: err = its pid,
			   console = 1 if it was born in its cgroup2 cgroup */
	SYNC_BUSY,      /* monitor: the socket is bound already: the container runs */
	SYNC_HANDOVER,  /* lxc-start: settings memfd, devpts, console (if console), tty masters,
			   then err extra fds the settings name by index */
	SYNC_OK,        /* monitor: RUNNING */
	SYNC_CLONE,     /* lxc-start: err = clone flags, console = death signal; fds: the stage-2's
			   sync channel, plan, plan files, then (if nttys) a cgroup2 directory */
	/*
	 * A user's container (before SYNC_SETUP): the monitor wrote our id
	 * maps with newuidmap/newgidmap (SYNC_MAPPED); we become root of our
	 * user namespace and answer with a NETLINK_ROUTE socket of the
	 * container's network namespace as the one fd (SYNC_NETLINK).
	 */
	SYNC_MAPPED,
	SYNC_NETLINK,
	SYNC_PID,       /* spawn_in_userns: the one fd is a pidfd of the stage-2 (our parent's child now) */
};

struct sync_msg {
	uint32_t magic;
	uint32_t kind;
	int32_t err;     /* errno of SYNC_ERROR, 0 if none */
	int32_t console; /* SYNC_READY: 1 if a console master follows the devpts fd */
	uint32_t nttys;  /* SYNC_READY: tty masters that follow */
	uint32_t textlen; /* bytes of text after this header */
};

/* A decoded plan: pointers into the caller's buffer. */
struct arg {
	const char *p; /* NUL-terminated (the encoding guarantees it) */
	uint32_t len;
};

struct op {
	uint16_t type;
	uint16_t flags;
	uint32_t nargs;
	const struct arg *a;
};

struct plan {
	uint32_t nops;
	struct op *ops;
	struct arg *args; /* storage behind every op's a */
};

/*
 * plan_decode checks buf and fills p. It returns 0, or -1 with a reason in
 * err. Nothing in buf is trusted before it returns 0; afterwards every
 * operation has exactly the arguments its schema names.
 */
int plan_decode(const unsigned char *buf, size_t len, struct plan *p, char *err, size_t errlen);
void plan_free(struct plan *p);

/* The argument kinds of an operation type (NULL: no such type). */
const char *plan_schema(int type);

/* Argument accessors for decoded (hence checked) operations. */
uint64_t arg_u64(const struct op *o, uint32_t i);

#endif
