/*
 * stage2.c: the container's first process. The monitor (internal/runner)
 * starts us with the container's new namespaces already made (clone
 * flags), places us in the container's cgroups and sets up its network,
 * then sends SYNC_SETUP. We read the plan and perform it in order: the
 * rootfs and its mounts, /dev, devpts and the terminals (handed to the
 * monitor with SYNC_READY), pivot_root, then the security tail, and exec
 * the container's init (or become lxc-execute's pid 1, init.c).
 *
 * Every target inside the rootfs is opened with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from a handle on the rootfs mount and mounted on
 * through its descriptor with the mount API (open_tree/fsmount +
 * move_mount), so a symlink in the container's image can never make a
 * mount, mkdir or write land outside it (CVE-2015-1335 and runc's
 * /dev/null, /dev/pts and procfs redirection CVEs). Sources of bind
 * mounts are host paths the admin configured, opened in our (private)
 * mount namespace as LXC does, or paths inside the rootfs (OPF_INROOT).
 */
#include "sys.h" /* first: it defines _GNU_SOURCE */

#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <sys/socket.h>

#ifndef NETLINK_ROUTE
#define NETLINK_ROUTE 0 /* <linux/netlink.h>, which musl does not ship */
#endif


#define DEVPTS_MAGIC 0x1cd1
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int rootfd = -1;   /* the rootfs mount (OP_ROOT) */
static int ptsfd = -1;    /* the container's devpts instance (OP_DEVPTS) */
static int console = -1;  /* the console's peer (OP_PTY kind PTY_CONSOLE) */
static int masters[256];  /* console master first, then the ttys' */
static int nmasters, have_console;

static const char *str(const struct op *o, uint32_t i)
{
	return o->a[i].p;
}

/* in_root opens path inside the rootfs; no component may leave it. */
static int in_root(const char *path, int flags)
{
	struct kopen_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	while (*path == '/')
		path++;
	return sys_openat2(rootfd, *path ? path : ".", &how);
}

/*
 * mkdir_all makes every missing directory of path inside the rootfs and
 * returns an O_PATH handle on the last one. Existing components are
 * resolved in the root (symlinks inside it are followed, inside it); a
 * missing component is created in its already-resolved parent. A dangling
 * symlink is refused rather than created through: its target could be
 * anywhere once the rootfs is the root.
 */
static int mkdir_all(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int parent = -1;

	while (*path == '/')
		path++;
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (char *end = buf; *end;) {
		char *slash = strchr(end, '/');
		char *name = end;
		if (slash)
			*slash = 0;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			errno = EINVAL;
			goto fail;
		}
		int fd = in_root(buf, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			struct stat st;
			int dir = parent >= 0 ? parent : rootfd;
			if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
				errno = ENOENT; /* dangling symlink: never created through */
				goto fail;
			}
			if (mkdirat(dir, name, mode) < 0 && errno != EEXIST)
				goto fail;
			fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			goto fail;
		if (parent >= 0)
			close(parent);
		parent = fd;
		if (!slash)
			break;
		*slash = '/';
		end = slash + 1;
	}
	return parent >= 0 ? parent : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
fail:
	if (parent >= 0) {
		int e = errno;
		close(parent);
		errno = e;
	}
	return -1;
}

/* split_parent cuts path into its parent directory (opened, created) and its last name. */
static int open_parent(const char *path, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	}
	if ((size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	*base = slash + 1;
	return mkdir_all(dir, 0755);
}

/*
 * create_file makes sure an empty file exists at path (a mount point for a
 * file: tty, console, ptmx) and returns a handle on it. O_NOFOLLOW: a
 * planted symlink is refused, never followed.
 */
static int create_file(const char *path, mode_t mode)
{
	const char *base;
	struct stat st;
	int dir = open_parent(path, &base), fd;

	if (dir < 0)
		die(errno, "create parent of %s", path);
	fd = openat(dir, base, O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_RDONLY | O_NONBLOCK | O_NOCTTY, mode);
	if (fd < 0 && errno == ELOOP)
		die(0, "refusing to create /%s: it is a symlink", path);
	if (fd < 0) /* a device node or other special file */
		fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		die(errno, "create /%s", path);
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
		die(0, "refusing to use /%s as a file mount point", path);
	return fd;
}

/* refuse_symlink: /proc or /sys as a symlink is an attack or a broken image. */
static void refuse_symlink(const char *path)
{
	char top[NAME_MAX + 1];
	struct stat st;
	size_t n = strcspn(path, "/");

	if (n > NAME_MAX)
		n = NAME_MAX;
	memcpy(top, path, n);
	top[n] = 0;
	if (fstatat(rootfd, top, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		die(0, "refusing to mount %s: /%s in the rootfs is a symlink", top, top);
}

/*
 * target opens a mount target, first creating it as the plan says. It
 * returns -1 only for a missing target of an OPF_IFEXISTS operation.
 */
static int target(const char *path, uint64_t create, uint16_t flags)
{
	struct stat st;
	int fd;

	if (flags & OPF_NOSYMLINK)
		refuse_symlink(path);
	if (create == CREATE_DIR)
		fd = mkdir_all(path, 0755);
	else if (create == CREATE_FILE)
		return create_file(path, 0644);
	else
		fd = in_root(path, O_PATH);
	if (fd < 0 && errno == ENOENT && (flags & OPF_IFEXISTS))
		return -1;
	if (fd < 0)
		die(errno, "mount target /%s", path);
	if ((flags & OPF_MUSTDIR) && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
		die(0, "mount target /%s is not a directory", path);
	return fd;
}

/*
 * set_attrs changes a mount's flags (mount_setattr). In a user namespace
 * the flags the host locked (nosuid, nodev, noexec) cannot be cleared:
 * as LXC does, retry keeping those the mount has.
 */
static int set_attrs(int fd, uint64_t set, uint64_t clr, uint64_t prop, unsigned int rec)
{
	struct kmount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = prop };
	struct statfs sfs;

	if (sys_mount_setattr(fd, rec, &a) == 0)
		return 0;
	if (errno != EPERM || fstatfs(fd, &sfs) < 0)
		return -1;
	const uint64_t locked[][2] = { { MS_NOSUID, MOUNT_ATTR_NOSUID },
				       { MS_NODEV, MOUNT_ATTR_NODEV },
				       { MS_NOEXEC, MOUNT_ATTR_NOEXEC } };
	for (int i = 0; i < 3; i++) {
		if ((uint64_t)sfs.f_flags & locked[i][0]) {
			a.attr_set |= locked[i][1];
			a.attr_clr &= ~locked[i][1];
		}
	}
	return sys_mount_setattr(fd, rec, &a);
}

/*
 * fs_mount creates a detached mount of a new filesystem (fsopen, one
 * fsconfig per option as Go split them, fsmount). On failure the kernel's
 * own explanation, if it logged one, is added to the error.
 */
static int fs_mount(const char *fstype, const char *source, const struct arg *opts, uint64_t attr,
		    const char *where)
{
	char **o = list_vec(opts), msg[256];
	int fs = sys_fsopen(fstype), m = -1;

	if (fs < 0)
		die(errno, "mount %s on %s: fsopen", fstype, where);
	if (*source && sys_fsconfig(fs, FSCFG_SET_STRING, "source", source) < 0)
		goto fail;
	for (char **p = o; *p; p++) {
		char *eq = strchr(*p, '=');
		int r;
		if (eq) {
			*eq = 0; /* the plan lives in our private copy */
			r = sys_fsconfig(fs, FSCFG_SET_STRING, *p, eq + 1);
			*eq = '=';
		} else {
			r = sys_fsconfig(fs, FSCFG_SET_FLAG, *p, NULL);
		}
		if (r < 0)
			goto fail;
	}
	if (sys_fsconfig(fs, FSCFG_CMD_CREATE, NULL, NULL) < 0)
		goto fail;
	m = sys_fsmount(fs, (unsigned int)attr);
	if (m < 0)
		goto fail;
	close(fs);
	free(o);
	return m;
fail:;
	int e = errno;
	ssize_t n = read(fs, msg, sizeof(msg) - 1); /* "e overlay: ..." */
	if (n > 2 && msg[1] == ' ') {
		msg[n] = 0;
		msg[strcspn(msg, "\n")] = 0;
		die(e, "mount %s on %s (%s)", fstype, where, msg + 2);
	}
	die(e, "mount %s on %s", fstype, where);
}

/* attach mounts the detached mount m on the target t and closes t. */
static void attach(int m, int t, const char *what, const char *where)
{
	if (sys_move_mount(m, t) < 0)
		die(errno, "mount %s on /%s", what, where);
	close(t);
}

/* op_bind is OP_BIND: a bind mount whose flags are set before it is attached. */
static void op_bind(const struct op *o)
{
	const char *src = str(o, 0), *dst = str(o, 1);
	unsigned int rec = (o->flags & OPF_RECURSIVE) ? AT_RECURSIVE : 0;
	int s, t, m;

	s = (o->flags & OPF_INROOT) ? in_root(src, O_PATH) : open(src, O_PATH | O_CLOEXEC);
	if (s < 0 && errno == ENOENT && (o->flags & OPF_IFEXISTS))
		return; /* a file this kernel does not have: nothing to protect */
	if (s < 0)
		die(errno, "mount source %s", src);
	if (o->flags & OPF_DEVNULL) {
		/* A masking source must be the null device (CVE-2025-31133). */
		struct stat st;
		if (fstat(s, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			die(0, "%s is not the null device", src);
	}
	m = sys_open_tree(s, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (m < 0)
		die(errno, "bind %s", src);
	close(s);
	/* The flags are set on the detached copy: never visible writable. */
	if ((arg_u64(o, 3) || arg_u64(o, 4)) && set_attrs(m, arg_u64(o, 3), arg_u64(o, 4), 0, 0) < 0)
		die(errno, "set flags of the bind mount of %s on /%s", src, dst);
	/*
	 * Holes (a read-only /proc/sys keeping /proc/sys/net writable): the
	 * mounts there are cloned now, before the bind covers them, and put
	 * back on top of it.
	 */
	char **holes = list_vec(&o->a[5]);
	int held[16], nh = 0;
	for (char **h = holes; *h && nh < 16; h++) {
		int fd = in_root(*h, O_PATH);
		if (fd < 0 || (held[nh++] = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)) < 0)
			die(errno, "keep /%s writable", *h);
		close(fd);
	}
	t = target(dst, arg_u64(o, 2), o->flags);
	if (t < 0) {
		close(m);
		return;
	}
	attach(m, t, src, dst);
	close(m);
	for (int i = 0; i < nh; i++) {
		int fd = in_root(holes[i], O_PATH);
		if (fd < 0)
			die(errno, "keep /%s writable", holes[i]);
		attach(held[i], fd, holes[i], holes[i]);
		close(held[i]);
	}
	free(holes);
}

/* op_fsmount is OP_FSMOUNT: a new filesystem mounted on a target in the rootfs. */
static void op_fsmount(const struct op *o)
{
	const char *where = str(o, 4);
	int t = target(where, arg_u64(o, 5), o->flags), m;

	if (t < 0)
		return;
	m = fs_mount(str(o, 0), str(o, 1), &o->a[2], arg_u64(o, 3), where);
	attach(m, t, str(o, 0), where);
	close(m);
}

/*
 * op_root is OP_ROOT: the rootfs directory bound recursively on its mount
 * point (often itself), private so pivot_root is allowed and nothing we
 * mount propagates, with lxc.rootfs.options' flags.
 */
static void op_root(const struct op *o)
{
	const char *dir = str(o, 0), *mnt = str(o, 1);
	struct stat st;
	int m, t;

	if (stat(dir, &st) < 0)
		die(errno, "rootfs %s", dir);
	if (!S_ISDIR(st.st_mode))
		die(0, "rootfs %s is not a directory", dir);
	m = sys_open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (m < 0)
		die(errno, "bind rootfs %s", dir);
	if (set_attrs(m, arg_u64(o, 2), arg_u64(o, 3), MS_PRIVATE, 0) < 0)
		die(errno, "apply lxc.rootfs.options to %s", dir);
	t = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t < 0)
		die(errno, "rootfs mount point %s", mnt);
	if (sys_move_mount(m, t) < 0)
		die(errno, "bind rootfs %s on %s", dir, mnt);
	close(t);
	rootfd = m;
}

/* op_mount_host is OP_MOUNT_HOST: a filesystem on a host directory (an overlay rootfs). */
static void op_mount_host(const struct op *o)
{
	const char *where = str(o, 4);
	int t = open(where, O_PATH | O_DIRECTORY | O_CLOEXEC), m;

	if (t < 0)
		die(errno, "mount point %s", where);
	m = fs_mount(str(o, 0), str(o, 1), &o->a[2], arg_u64(o, 3), where);
	if (sys_move_mount(m, t) < 0)
		die(errno, "mount %s on %s", str(o, 0), where);
	close(t);
	close(m);
}

static void op_setattr(const struct op *o)
{
	int t = target(str(o, 0), CREATE_NONE, o->flags);

	if (t < 0)
		return;
	if (set_attrs(t, arg_u64(o, 1), arg_u64(o, 2), arg_u64(o, 3),
		      (o->flags & OPF_RECURSIVE) ? AT_RECURSIVE : 0) < 0)
		die(errno, "change the mount flags of /%s", str(o, 0));
	close(t);
}

/*
 * op_mknod is OP_MKNOD: a device node of LXC's minimal /dev, verified
 * after creation so a planted file or link is never used. Where mknod is
 * not permitted (a user namespace) the host's node is bound instead.
 */
static void op_mknod(const struct op *o)
{
	const char *path = str(o, 0), *base;
	dev_t dev = makedev((unsigned int)arg_u64(o, 2), (unsigned int)arg_u64(o, 3));
	struct stat st;
	int dir = open_parent(path, &base);

	if (dir < 0)
		die(errno, "open the parent of /%s", path);
	if (mknodat(dir, base, S_IFCHR | (mode_t)arg_u64(o, 1), dev) == 0 || errno == EEXIST) {
		if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(errno, "stat /%s", path);
		if (!S_ISCHR(st.st_mode) || st.st_rdev != dev)
			die(0, "/%s is not the character device %u:%u", path, major(dev), minor(dev));
		close(dir);
		return;
	}
	if (errno != EPERM)
		die(errno, "mknod /%s", path);
	close(dir);
	char host[PATH_MAX];
	snprintf(host, sizeof(host), "/%s", path);
	int s = open(host, O_PATH | O_CLOEXEC), m;
	if (s < 0 || fstat(s, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != dev)
		die(errno, "bind host %s", host);
	m = sys_open_tree(s, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (m < 0)
		die(errno, "bind host %s", host);
	attach(m, create_file(path, 0644), host, path);
	close(m);
	close(s);
}

static void op_symlink(const struct op *o)
{
	const char *base;
	int dir = open_parent(str(o, 1), &base);

	if (dir < 0 || (symlinkat(str(o, 0), dir, base) < 0 && errno != EEXIST && errno != EROFS))
		die(errno, "symlink /%s", str(o, 1));
	close(dir);
}

/* write_all writes data to fd, or dies naming what. */
static void write_all(int fd, const struct arg *data, const char *what)
{
	for (uint32_t off = 0; off < data->len;) {
		ssize_t n = write(fd, data->p + off, data->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(errno, "%s", what);
		off += (uint32_t)n;
	}
}

/*
 * op_write is OP_WRITE (lxc.sysctl.*): an existing file of the rootfs,
 * checked to be on the filesystem the plan names (procfs), reopened for
 * writing only through its verified handle.
 */
static void op_write(const struct op *o)
{
	const char *path = str(o, 0);
	struct statfs sfs;
	char what[PATH_MAX + 32];
	int fd = in_root(path, O_WRONLY | O_NOFOLLOW);

	snprintf(what, sizeof(what), "write /%s", path);
	if (fd < 0)
		die(errno, "%s", what);
	if (arg_u64(o, 2) && (fstatfs(fd, &sfs) < 0 || (uint64_t)sfs.f_type != arg_u64(o, 2)))
		die(0, "%s: not on the expected filesystem", what);
	write_all(fd, &o->a[1], what);
	close(fd);
}

/* op_create is OP_CREATE: a new file (the boot id); never through a symlink. */
static void op_create(const struct op *o)
{
	const char *base, *path = str(o, 0);
	int dir = open_parent(path, &base), fd;

	if (dir < 0)
		die(errno, "create /%s", path);
	fd = openat(dir, base, O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, (mode_t)arg_u64(o, 2));
	if (fd < 0)
		die(errno, "create /%s", path);
	write_all(fd, &o->a[1], path);
	close(fd);
	close(dir);
}

/*
 * op_devpts is OP_DEVPTS: a new devpts instance on /dev/pts, checked, and
 * /dev/ptmx bound to its multiplexer (or, where that fails, a symlink to
 * pts/ptmx, LXC's fallback).
 */
static void op_devpts(const struct op *o)
{
	struct statfs sfs;
	int t, m;

	if (o->flags & OPF_EXISTING) {
		/*
		 * A shared mount namespace: nothing is mounted in it. Its own
		 * devpts (at an absolute path of the namespace we joined) gives
		 * the console; only a devpts instance is accepted.
		 */
		ptsfd = open(str(o, 0), O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ptsfd < 0)
			die(errno, "open %s", str(o, 0));
		if (fstatfs(ptsfd, &sfs) < 0 || sfs.f_type != DEVPTS_MAGIC)
			die(0, "%s is not a devpts instance", str(o, 0));
		return;
	}
	t = target(str(o, 0), CREATE_DIR, OPF_MUSTDIR);

	m = fs_mount("devpts", "devpts", &o->a[1], MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, str(o, 0));
	attach(m, t, "devpts", str(o, 0));
	if (fstatfs(m, &sfs) < 0 || sfs.f_type != DEVPTS_MAGIC)
		die(0, "/dev/pts is not the devpts instance just mounted");
	ptsfd = m;
	int p = sys_open_tree(ptsfd, "ptmx", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (p >= 0 && sys_move_mount(p, create_file("dev/ptmx", 0644)) == 0) {
		close(p);
		return;
	}
	int dev = in_root("dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		die(errno, "open /dev");
	(void)unlinkat(dev, "ptmx", 0);
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		die(errno, "set up /dev/ptmx");
	close(dev);
}

/*
 * op_pty is OP_PTY: a pty pair from the container's own devpts. The
 * multiplexer is opened beneath the instance's handle and checked; the
 * peer comes from TIOCGPTPEER, so no path in the container's /dev/pts is
 * ever trusted (CVE-2016-10124, CVE-2025-52565). The peer is bound on each
 * target; the master goes to the monitor.
 */
static void op_pty(const struct op *o)
{
	struct stat st;
	struct statfs sfs;
	int unlock = 0, mfd, peer;
	char **targets = list_vec(&o->a[0]);

	if (ptsfd < 0)
		die(EINVAL, "a pty needs /dev/pts first");
	if (nmasters >= (int)(sizeof(masters) / sizeof(masters[0])))
		die(EMFILE, "too many terminals");
	mfd = openat(ptsfd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (mfd < 0)
		die(errno, "open ptmx");
	if (fstat(mfd, &st) < 0 || fstatfs(mfd, &sfs) < 0 || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(5, 2) || sfs.f_type != DEVPTS_MAGIC)
		die(0, "ptmx is not the devpts instance's multiplexer");
	if (ioctl(mfd, TIOCSPTLCK, &unlock) < 0)
		die(errno, "unlock pty");
	peer = ioctl(mfd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		die(errno, "open pty peer (TIOCGPTPEER)");
	(void)fchmod(peer, (mode_t)arg_u64(o, 1));
	if ((int64_t)arg_u64(o, 2) >= 0)
		(void)!fchown(peer, (uid_t)arg_u64(o, 2), (gid_t)arg_u64(o, 3));
	for (char **t = targets; *t; t++) {
		int m = sys_open_tree(peer, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (m < 0)
			die(errno, "bind pty on /%s", *t);
		attach(m, create_file(*t, 0644), "pty", *t);
		close(m);
	}
	free(targets);
	if (arg_u64(o, 4) == PTY_CONSOLE) {
		console = peer;
		have_console = 1;
		/* The console master leads the list the monitor receives. */
		memmove(masters + 1, masters, sizeof(int) * (size_t)nmasters);
		masters[0] = mfd;
	} else {
		close(peer);
		masters[nmasters] = mfd;
	}
	nmasters++;
}

/* op_ready is OP_READY: terminals to the monitor, then wait for its go. */
static void op_ready(void)
{
	int fds[257];
	uint32_t kind;

	fds[0] = ptsfd;
	memcpy(fds + 1, masters, sizeof(int) * (size_t)nmasters);
	if (ptsfd < 0 || send_sync(SYNC_READY, 0, NULL, fds, nmasters + 1, have_console,
				    nmasters - have_console) < 0)
		die(errno, "send terminals");
	for (int i = 0; i < nmasters; i++)
		close(masters[i]);
	nmasters = 0;
	if (recv_sync(&kind) < 0 || kind != SYNC_GO)
		_exit(1); /* the monitor gave up: it cleans up */
}

/*
 * op_pivot is OP_PIVOT: pivot_root(".", ".") in the rootfs, then the old
 * root, stacked beneath, is made a slave (so the detach cannot propagate
 * to the host) and detached. / becomes a fresh shared peer group as LXC
 * makes it (systemd and nested containers expect it).
 */
static void op_pivot(void)
{
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (old < 0 || fchdir(rootfd) < 0)
		die(errno, "chdir to new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die(errno, "pivot_root");
	if (fchdir(old) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		die(errno, "make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		die(errno, "detach old root");
	if (chdir("/") < 0 || mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL) < 0)
		die(errno, "make / rshared");
	close(old);
}

static void op_stdio(const struct op *o)
{
	int fd = -1;
	uint64_t mode = arg_u64(o, 0);

	/* An optional console (a shared devpts may have none free): /dev/null. */
	if (mode == STDIO_CONSOLE && console < 0)
		mode = STDIO_NULL;
	if (mode == STDIO_CONSOLE) {
		fd = console;
	} else if (mode == STDIO_NULL) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(errno, "open /dev/null");
	}
	for (int i = 0; fd >= 0 && i < 3; i++)
		if (dup3(fd, i, 0) < 0)
			die(errno, "stdio on fd %d", i);
	if (mode == STDIO_CONSOLE && ioctl(0, TIOCSCTTY, 0) < 0)
		die(errno, "make console the controlling terminal");
	if (fd > 2 && fd != console)
		close(fd);
	if (console >= 0)
		close(console);
	console = -1;
}

/*
 * run_hook is OP_HOOK: a hook run with LXC's convention (sh -c "exec
 * VALUE ARGS") and the environment Go built, stdin and stdout on
 * /dev/null, the tail of its stderr kept for the error.
 */
static void run_hook(const struct op *o)
{
	char **argv = list_vec(&o->a[2]), **envp = list_vec(&o->a[3]);
	char tail[401], buf[4096];
	size_t have = 0;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die(errno, "%s: pipe", str(o, 0));
	pid = fork();
	if (pid < 0)
		die(errno, "%s: fork", str(o, 0));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		execve(str(o, 1), argv, envp);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep the last 400 bytes: drop from the front what does not fit. */
		size_t add = (size_t)n > 400 ? 400 : (size_t)n, drop = have + add > 400 ? have + add - 400 : 0;
		memmove(tail, tail + drop, have - drop);
		memcpy(tail + have - drop, buf + n - add, add);
		have = have - drop + add;
	}
	close(p[0]);
	tail[have] = 0;
	while (have > 0 && (tail[have - 1] == '\n' || tail[have - 1] == ' '))
		tail[--have] = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die(errno, "%s: wait", str(o, 0));
	free(argv);
	free(envp);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	char why[64];
	if (WIFEXITED(st))
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
	else
		snprintf(why, sizeof(why), "signal: %s", strsignal(WTERMSIG(st)));
	if (have)
		die(0, "%s: %s: %s", str(o, 0), why, tail);
	die(0, "%s: %s", str(o, 0), why);
}

/* op_chdir is OP_CHDIR: and getcwd proves we are below our root (CVE-2024-21626). */
static void op_chdir(const struct op *o)
{
	char wd[PATH_MAX];

	if (chdir(str(o, 0)) < 0)
		die(errno, "chdir %s", str(o, 0));
	if (!getcwd(wd, sizeof(wd)) || wd[0] != '/' || strstr(wd, "(unreachable)"))
		die(0, "working directory %s is outside the container", str(o, 0));
}

/*
 * lookup_exec finds cmd as execvp would (a name with a slash as is, else
 * in each directory of path) and checks it is an executable file.
 */
int lookup_exec(const char *cmd, const char *path, char *out, size_t outlen)
{
	struct stat st;

	if (strchr(cmd, '/')) {
		if (stat(cmd, &st) < 0)
			return -1;
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
			errno = EACCES;
			return -1;
		}
		snprintf(out, outlen, "%s", cmd);
		return 0;
	}
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(out, outlen, "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111))
			return 0;
		p += n;
		if (*p == ':')
			p++;
	}
	errno = ENOENT;
	return -2;
}

/* op_exec is OP_EXEC: the container's init, with nothing of ours but fds 0-2. */
static void op_exec(const struct op *o)
{
	char **argv = list_vec(&o->a[0]), **envp = list_vec(&o->a[1]), path[PATH_MAX];
	int r;

	if (!argv[0])
		die(EINVAL, "no init command");
	r = lookup_exec(argv[0], str(o, 2), path, sizeof(path));
	if (r == -2)
		die(0, "init %s: not found in the container (PATH=%s)", argv[0], str(o, 2));
	if (r < 0)
		die(errno, "init %s", argv[0]);
	/* The sync channel closes on exec: that EOF tells the monitor. */
	(void)sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, argv, envp);
	die(errno, "exec %s", argv[0]);
}

/*
 * mkdir_host is mkdir -p of a host path the admin configured (an overlay's
 * work directory, made after pre-mount hooks that may mount over it).
 */
static void mkdir_host(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		die(ENAMETOOLONG, "create %s", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				die(errno, "create %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
}

/* load reads the plan (fd 4) into private memory and decodes it. */
static void load(struct plan *p)
{
	struct stat st;
	char err[256];
	unsigned char *buf;

	if (fstat(PLAN_FD, &st) < 0 || st.st_size <= 0)
		die(errno, "read the plan");
	buf = malloc((size_t)st.st_size);
	if (!buf)
		die(ENOMEM, "read the plan");
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = pread(PLAN_FD, buf + off, (size_t)(st.st_size - off), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(errno, "read the plan");
		off += n;
	}
	close(PLAN_FD);
	if (plan_decode(buf, (size_t)st.st_size, p, err, sizeof(err)) < 0)
		die(EINVAL, "bad plan: %s", err);
}

/*
 * become_userns_root is the stage-2 half of a user's start (the monitor's
 * is internal/runner/unpriv_linux.go). We were cloned into a new user
 * namespace without id maps and exec'd as a user it does not map, keeping
 * its capabilities only as ambient ones. Now that the monitor had
 * newuidmap/newgidmap write the maps: become its root (no supplementary
 * group of the user: setgroups is allowed, newgidmap leaves it so), drop
 * the ambient and inheritable capabilities (root keeps its full permitted
 * set), and hand the monitor a NETLINK_ROUTE socket of the container's
 * network namespace, through which it configures the devices lxc-user-nic
 * put there (it may not enter the namespace itself).
 */
static void become_userns_root(void)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	int nl;

	if (setresgid(0, 0, 0) < 0)
		die(errno, "become gid 0 of the container's user namespace");
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		die(errno, "drop supplementary groups");
	if (setresuid(0, 0, 0) < 0)
		die(errno, "become uid 0 of the container's user namespace");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die(errno, "clear ambient capabilities");
	if (syscall(SYS_capget, &h, d) < 0)
		die(errno, "capget");
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d) < 0)
		die(errno, "capset");
	/* The uid change made us dumpable again (fs.suid_dumpable): undo. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		die(errno, "netlink socket");
	if (send_sync(SYNC_NETLINK, 0, NULL, &nl, 1, 0, 0) < 0)
		_exit(1);
	close(nl);
}

/*
 * spawn_in_userns is the start of a container sharing another one's user
 * namespace (lxc.namespace.share.user), as LXC's do_share_ns: the
 * container's new namespaces must be made from inside that user
 * namespace to belong to it, and only a single-threaded process can enter
 * one. So the monitor starts us in no new namespace; we enter the user
 * namespace, clone the stage-2 with the new ones as our parent's child
 * (CLONE_PARENT: the monitor waits for it, as for any stage-2), tell the
 * monitor its pid on the sync channel and exit. Everything else (the
 * shared namespaces of other kinds, the cgroup we were born in, the
 * descriptors) the stage-2 inherits as if the monitor had cloned it.
 */
void spawn_in_userns(unsigned long flags, int userns_fd)
{
	/* Root of the other container may ptrace what runs in its namespace. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (setns(userns_fd, CLONE_NEWUSER) < 0)
		die(errno, "join the shared user namespace");
	close(userns_fd);
	/*
	 * CLONE_PARENT: the exit signal is ours (SIGCHLD); clone3 wants 0.
	 * The monitor gets a pidfd: in a shared PID namespace the pid we see
	 * is not the one it sees.
	 */
	int pidfd = -1;
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca = { .flags = flags | CLONE_PARENT | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd };
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		die(errno, "clone the container's init in the shared user namespace");
	if (pid == 0)
		stage2_main();
	(void)send_sync(SYNC_PID, 0, NULL, &pidfd, 1, 0, 0);
	_exit(0);
}

void stage2_main(void)
{
	struct plan p;
	uint32_t kind;

	/*
	 * Nothing of the container can reach us yet, but it will share our
	 * pid namespace: no ptrace, no /proc/PID/fd of ours, until execve.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	close(SELF_FD);
	/* Wait until the monitor placed us in the cgroups and made the network. */
	if (recv_sync(&kind) < 0)
		_exit(1);
	if (kind == SYNC_MAPPED) {
		/* A user's container: our id maps exist now. */
		become_userns_root();
		if (recv_sync(&kind) < 0)
			_exit(1);
	}
	if (kind != SYNC_SETUP)
		_exit(1);
	load(&p);
	for (uint32_t i = 0; i < p.nops; i++) {
		const struct op *o = &p.ops[i];
		jmp_buf skip;
		/* Any failure of an optional operation ends it with a warning (main.c: die). */
		if (o->flags & OPF_OPTIONAL) {
			if (setjmp(skip))
				continue;
			optional_skip = &skip;
		}
		switch (o->type) {
		case OP_CGJOIN:
			if (write((int)arg_u64(o, 0), "0", 1) < 0)
				die(errno, "enter the container's cgroup");
			close((int)arg_u64(o, 0));
			break;
		case OP_SETNS:
			if (setns((int)arg_u64(o, 0), (int)arg_u64(o, 1)) < 0)
				die(errno, "join a shared namespace");
			close((int)arg_u64(o, 0));
			break;
		case OP_UNSHARE:
			if (unshare((int)arg_u64(o, 0)) < 0)
				die(errno, "unshare namespaces %#llx", (unsigned long long)arg_u64(o, 0));
			break;
		case OP_HOSTNAME:
			if (sethostname(str(o, 0), o->a[0].len) < 0)
				die(errno, "set hostname \"%s\"", str(o, 0));
			break;
		case OP_SETSID:
			if (setsid() < 0 && errno != EPERM)
				die(errno, "setsid");
			break;
		case OP_RSLAVE:
			if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
				die(errno, "make / rslave");
			break;
		case OP_HOOK:
			run_hook(o);
			break;
		case OP_MOUNT_HOST:
			op_mount_host(o);
			break;
		case OP_ATTACH:
			/* Block storage the monitor mounted detached, on a host directory. */
			if (syscall(SYS_move_mount, (int)arg_u64(o, 0), "", AT_FDCWD, str(o, 1), MOVE_MOUNT_F_EMPTY_PATH) < 0)
				die(errno, "attach rootfs mount on %s", str(o, 1));
			close((int)arg_u64(o, 0));
			break;
		case OP_ROOT:
			op_root(o);
			break;
		case OP_FSMOUNT:
			op_fsmount(o);
			break;
		case OP_BIND:
			op_bind(o);
			break;
		case OP_SETATTR:
			op_setattr(o);
			break;
		case OP_MKDIR: {
			if (o->flags & OPF_HOST) {
				mkdir_host(str(o, 0), (mode_t)arg_u64(o, 1));
				break;
			}
			if (o->flags & OPF_NOSYMLINK)
				refuse_symlink(str(o, 0));
			int fd = mkdir_all(str(o, 0), (mode_t)arg_u64(o, 1));
			if (fd < 0)
				die(errno, "create /%s", str(o, 0));
			close(fd);
			break;
		}
		case OP_SYMLINK:
			op_symlink(o);
			break;
		case OP_MKNOD: {
			mode_t old = umask(0);
			op_mknod(o);
			umask(old);
			break;
		}
		case OP_WRITE:
			op_write(o);
			break;
		case OP_CREATE:
			op_create(o);
			break;
		case OP_DEVPTS:
			op_devpts(o);
			break;
		case OP_PTY:
			op_pty(o);
			break;
		case OP_READY:
			op_ready();
			break;
		case OP_PIVOT:
			op_pivot();
			break;
		case OP_STDIO:
			op_stdio(o);
			break;
		case OP_PROCSELF: {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "/proc/self/%s", str(o, 0));
			int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 || write(fd, str(o, 1), o->a[1].len) < 0)
				die(errno, "lxc.proc.%s = %s", str(o, 0), str(o, 1));
			close(fd);
			break;
		}
		case OP_RLIMIT: {
			struct rlimit rl = { arg_u64(o, 1), arg_u64(o, 2) };
			if (setrlimit((int)arg_u64(o, 0), &rl) < 0)
				die(errno, "set resource limit %d", (int)arg_u64(o, 0));
			break;
		}
		case OP_CAPS:
			if (drop_caps(arg_u64(o, 0)) < 0)
				die(errno, "drop capabilities");
			break;
		case OP_NNP:
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				die(errno, "set no_new_privs");
			break;
		case OP_SECCOMP:
			if (load_seccomp(&o->a[0]) < 0)
				die(errno, "load seccomp filter");
			break;
		case OP_SETUSER:
			if (set_user((uid_t)arg_u64(o, 0), (gid_t)arg_u64(o, 1), &o->a[2], o->flags & OPF_KEEPGROUPS) < 0)
				die(errno, "switch to uid %u gid %u", (unsigned)arg_u64(o, 0), (unsigned)arg_u64(o, 1));
			break;
		case OP_CHDIR:
			op_chdir(o);
			break;
		case OP_EXEC:
			op_exec(o);
			break;
		case OP_ATTACH_IN: {
			/* An idmapped bind the monitor made: on a target in the rootfs. */
			int t = target(str(o, 1), arg_u64(o, 2), 0);
			attach((int)arg_u64(o, 0), t, "idmapped bind", str(o, 1));
			close((int)arg_u64(o, 0));
			break;
		}
		case OP_PROCATTR:
			if (proc_attr(str(o, 0), str(o, 1), str(o, 2)) < 0)
				die(errno, "set the LSM attribute %s to \"%s\"", str(o, 0), str(o, 2));
			break;
		case OP_PERSONALITY:
			/* lxc.arch: init and what it runs see that architecture. */
			if (personality((unsigned long)arg_u64(o, 0)) < 0)
				die(errno, "set personality %#llx (lxc.arch)", (unsigned long long)arg_u64(o, 0));
			break;
		case OP_KEYRING:
			/*
			 * A session keyring of the container's own, so it cannot
			 * read the host's keys; like LXC, a kernel without keys or
			 * a keyctl blocked by seccomp is no error.
			 */
			if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, 0L, 0L, 0L, 0L) < 0 &&
			    errno != ENOSYS && errno != EACCES && errno != EPERM)
				warnx("create a session keyring: %s", strerror(errno));
			break;
		case OP_PDEATHSIG:
			/* Created in a shared PID namespace, we could not get it at fork. */
			if (prctl(PR_SET_PDEATHSIG, (unsigned long)arg_u64(o, 0), 0, 0, 0) < 0)
				die(errno, "set the parent-death signal");
			break;
		case OP_INIT:
			init_main(o, list_vec(&o->a[0]), list_vec(&o->a[1]));
		}
		optional_skip = NULL;
	}
	die(EINVAL, "the plan ends without starting init");
}
