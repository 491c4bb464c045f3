/*
 * lxc-user-nic: the setuid-root helper through which an unprivileged user
 * gives a container of theirs a veth device on a host bridge, within the
 * quota the administrator granted in lxc-usernet(5). It keeps LXC's
 * interface, files and output, so either implementation can be installed:
 *
 *   lxc-user-nic create LXCPATH NAME PID TYPE BRIDGE [NICNAME]
 *       prints "NICNAME:IFINDEX:HOSTNIC:HOSTIFINDEX"
 *   lxc-user-nic delete LXCPATH NAME NETNS-PATH TYPE BRIDGE NICNAME
 *
 * This program is a privilege boundary. It trusts nothing from its caller:
 *   - the environment is cleared before anything else runs, and nothing
 *     reads it; standard descriptors that are closed are pointed at
 *     /dev/null so nothing we open lands on them;
 *   - it opens only its own fixed paths as root (the configuration file,
 *     the database, /proc/self/ns/net); every path that comes from the
 *     caller (/proc/PID/ns/net, the delete path) is opened with the
 *     caller's user id as effective id, so it can reach only what the
 *     caller could reach anyway (CVE-2018-6556);
 *   - the delete path is opened O_PATH first and must be on nsfs before it
 *     is opened for real, so a FIFO, a device or a regular file is never
 *     opened for I/O (CVE-2018-6556);
 *   - every failure about that path prints one and the same message, so
 *     the output tells nothing about files the caller cannot see
 *     (CVE-2022-47952);
 *   - the target network namespace must be one the caller has
 *     CAP_NET_ADMIN over, tested with the caller's credentials inside it,
 *     and it is held by descriptor from the check to the end, so no pid
 *     can be reused in between (CVE-2017-5985);
 *   - a NIC is deleted only when the database records it for this caller
 *     with the same type and bridge (CVE-2026-39402);
 *   - the caller cannot stop or kill us while we hold the database: our
 *     real and saved user ids become root's at once (so kill(2) from the
 *     caller fails), the terminal's stop signals are ignored, every other
 *     signal is blocked while the lock is held, and a file size limit that
 *     cannot be lifted is refused before the database is touched. A
 *     stopped helper would hold the lock that every user's start waits
 *     for; a killed or short write would tear other users' lines.
 *
 * Language and dependencies: C and the C library only (statically
 * linked), no dynamic loader and no NSS modules: users and groups are read
 * from /etc/passwd and /etc/group. The rest of golxc is Go, whose runtime
 * reads environment variables (GODEBUG, GOMAXPROCS, ...) before main and
 * starts threads, which is why this one program is not.
 *
 * Build-time paths (the Makefile sets them): USERNET_CONF, the quota file,
 * and USERNIC_DB, the database of NICs handed out.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "usernic.h"

#ifndef USERNET_CONF
#define USERNET_CONF "/etc/lxc/lxc-usernet"
#endif
#ifndef USERNIC_DB
#define USERNIC_DB "/run/lxc/nics"
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* Files we read whole are small; anything bigger is refused. */
#define MAX_FILE (1 << 20)
/* At most this many lxc-usernet lines can apply to one caller. */
#define MAX_ALLOTED 64
/* Supplementary groups we look at. */
#define MAX_GROUPS 256

static void usage(void)
{
	fprintf(stderr, "Description:\n"
			"  Manage nics in another network namespace\n\n"
			"Usage:\n"
			"  lxc-user-nic [command]\n\n"
			"Available Commands:\n"
			"  create {lxcpath} {name} {pid} {type} {bridge} {container nicname}\n"
			"  delete {lxcpath} {name} {/proc/<pid>/ns/net} {type} {bridge} {container nicname}\n");
	_exit(EXIT_FAILURE);
}

/* die prints one line and exits 1. */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("lxc-user-nic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(EXIT_FAILURE);
}

/* The caller, as the kernel and /etc/passwd see them. */
static uid_t caller_uid;
static gid_t caller_gid;
static char caller_name[UN_NAME_MAX];
static char caller_groups[MAX_GROUPS][UN_NAME_MAX];
static int ncaller_groups;

/*
 * as_caller makes the caller's uid our effective uid (and with it drops
 * every effective capability), as_root takes root back through the real
 * and saved uids (root's, see untouchable). Everything the caller names
 * is touched between the two.
 */
static void as_caller(void)
{
	if (setresuid((uid_t)-1, caller_uid, (uid_t)-1) < 0 || geteuid() != caller_uid)
		die("Failed to switch to the caller's user id: %s", strerror(errno));
}

static void as_root(void)
{
	if (setresuid((uid_t)-1, 0, (uid_t)-1) < 0 || geteuid() != 0)
		die("Failed to switch back to root: %s", strerror(errno));
}

/*
 * untouchable makes the process root's in its real and saved user ids,
 * which the kernel compares with the sender's for kill(2): from here on
 * the caller can send us no signal. The effective id still switches to
 * the caller's for everything the caller names (as_caller), and the
 * group ids stay the caller's. The terminal sends its stop signals
 * without that check, so they are ignored (a background write with
 * "stty tostop" would stop us too).
 */
static void untouchable(void)
{
	struct sigaction sa;

	if (setresuid(0, 0, 0) < 0)
		die("Failed to become root: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTSTP, &sa, NULL) < 0 || sigaction(SIGTTIN, &sa, NULL) < 0 ||
	    sigaction(SIGTTOU, &sa, NULL) < 0)
		die("Failed to ignore the terminal's stop signals: %s", strerror(errno));
}

/*
 * lift_fsize makes sure no file size limit of the caller's can cut a
 * write of the database short (which would leave it torn): the limit is
 * lifted, or the run stops before the database is opened.
 */
static void lift_fsize(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
		die("Failed to read the file size limit: %s", strerror(errno));
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		die("Refusing to update %s under a file size limit (ulimit -f) that cannot be lifted: run lxc-user-nic without one",
		    USERNIC_DB);
}

/* sane_stdio points closed standard descriptors at /dev/null, so that no
 * file we open becomes the caller's stdout or stderr. */
static void sane_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);

		if (n != fd)
			_exit(EXIT_FAILURE);
	}
}

/* read_all reads a whole file of at most MAX_FILE bytes into a new buffer. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= MAX_FILE) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/*
 * open_root_file opens one of our fixed files and checks that only root
 * can change it: a regular file owned by root, writable by nobody else.
 */
static int open_root_file(const char *path, int flags, mode_t mode, bool *missing)
{
	struct stat st;
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);

	if (fd < 0) {
		if (missing && errno == ENOENT) {
			*missing = true;
			return -1;
		}
		die("Failed to open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0)
		die("Failed to stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		die("Refusing %s: it must be a regular file owned by root and writable only by root", path);
	return fd;
}

/* lookup_names reads the caller's user name and group names from the
 * files (no NSS in a static setuid program). */
static void lookup_names(void)
{
	gid_t gids[MAX_GROUPS];
	int ngids;
	size_t len, pos, next;
	char *buf;
	int fd;

	fd = open_root_file("/etc/passwd", O_RDONLY, 0, NULL);
	buf = read_all(fd, &len);
	close(fd);
	if (!buf)
		die("Failed to read /etc/passwd: %s", strerror(errno));
	for (pos = 0; pos < len && !caller_name[0]; pos = next) {
		size_t n = un_next_line(buf + pos, len - pos, &next);

		next += pos;
		un_passwd_name(buf + pos, n, caller_uid, caller_name, sizeof(caller_name));
	}
	free(buf);
	if (!caller_name[0])
		die("Failed to get username: uid %u has no entry in /etc/passwd", (unsigned)caller_uid);

	ngids = getgroups(MAX_GROUPS - 1, gids);
	if (ngids < 0)
		die("Failed to get the caller's groups: %s", strerror(errno));
	/* The primary group counts too (it is not always in the list). */
	gids[ngids++] = caller_gid;

	fd = open_root_file("/etc/group", O_RDONLY, 0, NULL);
	buf = read_all(fd, &len);
	close(fd);
	if (!buf)
		die("Failed to read /etc/group: %s", strerror(errno));
	for (int g = 0; g < ngids && ncaller_groups < MAX_GROUPS; g++) {
		for (pos = 0; pos < len; pos = next) {
			size_t n = un_next_line(buf + pos, len - pos, &next);

			next += pos;
			if (un_group_name(buf + pos, n, gids[g], caller_groups[ncaller_groups], UN_NAME_MAX)) {
				ncaller_groups++;
				break;
			}
		}
	}
	free(buf);
}

/* applies reports whether an lxc-usernet name ("user" or "@group") is the
 * caller's. */
static bool applies(const char *name)
{
	if (name[0] != '@')
		return strcmp(name, caller_name) == 0;
	for (int i = 0; i < ncaller_groups; i++)
		if (strcmp(name + 1, caller_groups[i]) == 0)
			return true;
	return false;
}

/* The lxc-usernet lines that give the caller NICs of this type on this
 * bridge, in file order (quotas are used up in that order). */
struct alloted {
	char name[UN_FIELD_MAX];
	int count;
};

static int read_alloted(const char *type, const char *link, struct alloted *out)
{
	bool missing = false;
	size_t len, pos, next;
	int n = 0, fd;
	char *buf;

	fd = open_root_file(USERNET_CONF, O_RDONLY, 0, &missing);
	if (missing)
		return 0;
	buf = read_all(fd, &len);
	close(fd);
	if (!buf)
		die("Failed to read %s: %s", USERNET_CONF, strerror(errno));
	for (pos = 0; pos < len && n < MAX_ALLOTED; pos = next) {
		struct un_usernet e;
		size_t l = un_next_line(buf + pos, len - pos, &next);

		next += pos;
		if (!un_parse_usernet(buf + pos, l, &e))
			continue;
		if (!applies(e.name) || strcmp(e.type, type) || strcmp(e.link, link))
			continue;
		memcpy(out[n].name, e.name, sizeof(out[n].name));
		out[n].count = e.count;
		n++;
	}
	free(buf);
	return n;
}

/*
 * open_netns opens a network namespace file the caller names, with the
 * caller's credentials: first O_PATH (which opens nothing for I/O, so a
 * FIFO's writer is not woken and a device's driver is not called), then,
 * only if it is on nsfs, for real through /proc/self/fd. Any failure is
 * one message that does not say which check failed.
 */
static int open_netns(const char *path, const char *failure)
{
	char self[64];
	struct statfs sfs;
	int pfd, fd;

	as_caller();
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0 || fstatfs(pfd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
		as_root();
		die("%s", failure);
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	close(pfd);
	as_root();
	if (fd < 0 || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
		die("%s", failure);
	return fd;
}

/*
 * may_admin_netns reports whether the caller has CAP_NET_ADMIN over the
 * network namespace netns, with LXC's test: inside it, as the caller,
 * delete "lo". The kernel refuses that with EOPNOTSUPP to whoever may
 * administer the namespace (loopback cannot be deleted) and with EPERM to
 * anyone else. Our own namespace is refused outright: a veth there would
 * only be the caller's host interface.
 */
static bool may_admin_netns(int self_ns, int netns)
{
	struct stat a, b;
	int nl, ret;

	if (fstat(self_ns, &a) < 0 || fstat(netns, &b) < 0)
		return false;
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return false;
	if (setns(netns, CLONE_NEWNET) < 0)
		return false;
	as_caller();
	nl = un_nl_open();
	ret = nl < 0 ? nl : un_link_delete(nl, "lo");
	if (nl >= 0)
		close(nl);
	as_root();
	if (setns(self_ns, CLONE_NEWNET) < 0)
		die("Failed to return to our network namespace: %s", strerror(errno));
	return ret == -EOPNOTSUPP;
}

/* The NIC database, locked for the whole run (fcntl, as LXC locks it, so
 * both implementations can share it). */
static int db_fd = -1;
static char *db;
static size_t db_len;

static void db_open(void)
{
	sigset_t all;
	struct flock lk;
	char dir[sizeof(USERNIC_DB)];
	char *slash;

	/* Create the directories of the fixed path, 0755 root. */
	memcpy(dir, USERNIC_DB, sizeof(dir));
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			die("Failed to create %s: %s", dir, strerror(errno));
		*slash = '/';
	}
	db_fd = open_root_file(USERNIC_DB, O_RDWR | O_CREAT, 0600, NULL);
	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	while (fcntl(db_fd, F_SETLKW, &lk) < 0)
		if (errno != EINTR)
			die("Failed to lock %s: %s", USERNIC_DB, strerror(errno));
	/*
	 * Until we exit, no signal (the terminal's interrupt or hangup
	 * included) may end us between the writes of a rewrite. Before this
	 * point dying is harmless: nothing was written, and the kernel drops
	 * the lock of a dead process.
	 */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		die("Failed to block signals: %s", strerror(errno));
	db = read_all(db_fd, &db_len);
	if (!db)
		die("Failed to read %s: %s", USERNIC_DB, strerror(errno));
}

/* db_write replaces the database with buf; 0 or -errno. */
static int db_write(const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = pwrite(db_fd, buf + off, len - off, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		off += (size_t)w;
	}
	if (ftruncate(db_fd, (off_t)len) < 0)
		return -errno;
	return 0;
}

/* db_truncate drops what was appended after len bytes. */
static void db_truncate(size_t len)
{
	if (ftruncate(db_fd, (off_t)len) == 0)
		db_len = len;
}

/* nic_exists reports whether a NIC of that name exists in our namespace. */
static bool nic_exists(int nl, struct un_span nic)
{
	char name[UN_IFNAMSIZ];
	struct un_link l;

	memcpy(name, nic.p, nic.len);
	name[nic.len] = '\0';
	return un_link_get(nl, name, &l) != -ENODEV;
}

/*
 * db_cull drops the lines of the given owners, type and bridge whose NIC
 * is gone (its container stopped), as LXC does before counting, and
 * reports whether a line (owner, type, link, nic) of one of the owners is
 * there (nic may be NULL).
 */
static bool db_cull(int nl, const struct alloted *al, int nal, const char *type, const char *link, const char *nic)
{
	char *out = malloc(db_len + 1);
	size_t pos, next, olen = 0;
	bool found = false;

	if (!out)
		die("Out of memory");
	for (pos = 0; pos < db_len; pos = next) {
		struct un_dbline d;
		size_t l = un_next_line(db + pos, db_len - pos, &next);
		bool ours = false, keep = true;

		next += pos;
		if (un_parse_db(db + pos, l, &d) && un_span_eq(d.type, type) && un_span_eq(d.link, link)) {
			for (int i = 0; i < nal && !ours; i++)
				ours = un_span_eq(d.owner, al[i].name);
			if (ours) {
				keep = nic_exists(nl, d.nic);
				if (keep && nic && un_span_eq(d.nic, nic))
					found = true;
			}
		}
		if (!keep || l == 0)
			continue;
		memcpy(out + olen, db + pos, l);
		olen += l;
		out[olen++] = '\n';
	}
	if (db_write(out, olen) < 0)
		die("Failed to write %s: %s", USERNIC_DB, strerror(errno));
	free(db);
	db = out;
	db_len = olen;
	return found;
}

/* db_count counts the lines of owner with this type and bridge. */
static int db_count(const char *owner, const char *type, const char *link, char *names, size_t namesz)
{
	size_t pos, next;
	int count = 0;

	for (pos = 0; pos < db_len; pos = next) {
		struct un_dbline d;
		size_t l = un_next_line(db + pos, db_len - pos, &next);

		next += pos;
		if (!un_parse_db(db + pos, l, &d) || !un_span_eq(d.owner, owner) ||
		    !un_span_eq(d.type, type) || !un_span_eq(d.link, link))
			continue;
		count++;
		/* Name the NICs in use for the quota message. */
		if (names && strlen(names) + d.nic.len + 3 < namesz) {
			if (names[0])
				strcat(names, ", ");
			strncat(names, d.nic.p, d.nic.len);
		}
	}
	return count;
}

/* db_append records a NIC for owner; 0 or -errno. */
static int db_append(const char *owner, const char *type, const char *link, const char *nic)
{
	size_t n = strlen(owner) + strlen(type) + strlen(link) + strlen(nic) + 4;
	char *nb = malloc(db_len + n + 1);
	int ret;

	if (!nb)
		return -ENOMEM;
	memcpy(nb, db, db_len);
	snprintf(nb + db_len, n + 1, "%s %s %s %s\n", owner, type, link, nic);
	ret = db_write(nb, db_len + n);
	free(db);
	db = nb;
	db_len += n;
	return ret;
}

/* quota_reached explains why no NIC can be had, and exits. */
static void __attribute__((noreturn)) quota_reached(const struct alloted *al, int nal, const char *type, const char *link)
{
	char used[512] = "";
	int total = 0, inuse = 0;

	if (nal == 0)
		die("Quota reached: no line of %s lets user %s (or one of their groups) attach %s devices to %s; "
		    "an administrator can add one, e.g. \"%s %s %s 10\"",
		    USERNET_CONF, caller_name, type, link, caller_name, type, link);
	for (int i = 0; i < nal; i++) {
		total += al[i].count;
		inuse += db_count(al[i].name, type, link, used, sizeof(used));
	}
	die("Quota reached: %s gives user %s %d %s device%s on %s and %d %s in use (%s)",
	    USERNET_CONF, caller_name, total, type, total == 1 ? "" : "s", link, inuse,
	    inuse == 1 ? "is" : "are", used[0] ? used : "none");
}

/* private_mac gives the host end a MAC starting with 0xfe, so a bridge
 * keeps the host's address instead of taking a container's (LXC does the
 * same). */
static int private_mac(int nl, int index)
{
	struct un_link l;
	int ret = un_link_get_index(nl, index, &l);

	if (ret < 0)
		return ret;
	if (!l.has_mac)
		return 0;
	l.mac[0] = 0xfe;
	return un_link_set_mac(nl, index, l.mac);
}

/*
 * rename_inside renames the container end (created as TEMP) to want (or
 * the kernel's next "eth%d") inside the target namespace, with the
 * caller's credentials as LXC does, and returns its index and final name.
 */
static int rename_inside(int self_ns, int netns, const char *temp, const char *want, char *final, int *index)
{
	struct un_link l;
	int nl, ret;

	if (setns(netns, CLONE_NEWNET) < 0)
		return -errno;
	as_caller();
	nl = un_nl_open();
	ret = nl;
	if (nl >= 0) {
		ret = un_link_get(nl, temp, &l);
		if (ret == 0)
			ret = un_link_rename(nl, l.index, want);
		if (ret == 0)
			ret = un_link_get_index(nl, l.index, &l);
		if (ret == 0) {
			memcpy(final, l.name, UN_IFNAMSIZ);
			*index = l.index;
		}
		close(nl);
	}
	as_root();
	if (setns(self_ns, CLONE_NEWNET) < 0)
		die("Failed to return to our network namespace: %s", strerror(errno));
	return ret;
}

/* check_bridge finds the bridge and makes sure it is a Linux bridge. */
static void check_bridge(int nl, const char *link, struct un_link *br)
{
	int ret = un_link_get(nl, link, br);

	if (ret == -ENODEV)
		die("Bridge %s does not exist in the caller's network namespace", link);
	if (ret < 0)
		die("Failed to look up bridge %s: %s", link, strerror(-ret));
	if (strcmp(br->kind, "openvswitch") == 0)
		die("%s is an Open vSwitch bridge: this lxc-user-nic attaches veth devices to Linux bridges only", link);
	if (strcmp(br->kind, "bridge") != 0)
		die("%s is not a bridge", link);
}

static void create(const char *pidarg, const char *type, const char *link, const char *want)
{
	struct alloted al[MAX_ALLOTED];
	struct un_link br = { 0 }, host;
	char path[64], hostnic[UN_IFNAMSIZ], peer[UN_IFNAMSIZ + 1], final[UN_IFNAMSIZ];
	char failure[UN_NAME_MAX + 64];
	const char *owner = NULL;
	size_t prev_len;
	unsigned long pid;
	int self_ns, netns, nl, nal, ret, index = 0;
	unsigned char rnd[8];

	if (!un_parse_uint(pidarg, strlen(pidarg), INT_MAX, &pid) || pid == 0)
		die("Could not read pid: %s", pidarg);
	snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);

	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0)
		die("Failed to open our network namespace: %s", strerror(errno));
	snprintf(failure, sizeof(failure), "User %s may not modify netns for pid %lu", caller_name, pid);
	netns = open_netns(path, failure);
	if (!may_admin_netns(self_ns, netns))
		die("%s", failure);

	nl = un_nl_open();
	if (nl < 0)
		die("Failed to open a netlink socket: %s", strerror(-nl));
	if (strcmp(link, "none") != 0)
		check_bridge(nl, link, &br);

	nal = read_alloted(type, link, al);
	db_open();
	db_cull(nl, al, nal, type, link, NULL);
	for (int i = 0; i < nal && !owner; i++)
		if (db_count(al[i].name, type, link, NULL, 0) < al[i].count)
			owner = al[i].name;
	if (!owner)
		quota_reached(al, nal, type, link);

	/*
	 * The database line goes in before the device exists: the caller can
	 * kill us at any point, and a device without its line would escape
	 * the quota, while a line without its device is dropped by the next
	 * run. The kernel refuses a taken name (EEXIST): then another name.
	 */
	prev_len = db_len;
	for (int tries = 0;; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			die("Failed to get random bytes: %s", strerror(errno));
		un_host_nic_name(caller_uid, rnd, sizeof(rnd), hostnic);
		snprintf(peer, sizeof(peer), "%sp", hostnic);
		ret = db_append(owner, type, link, hostnic);
		if (ret < 0)
			die("Failed to write %s: %s", USERNIC_DB, strerror(-ret));
		ret = un_veth_create(nl, hostnic, peer, netns, br.mtu);
		if (ret == 0)
			break;
		db_truncate(prev_len);
		if (ret != -EEXIST || tries >= 16)
			die("Failed to create %s-%s: %s", hostnic, peer, strerror(-ret));
	}
	ret = un_link_get(nl, hostnic, &host);
	if (ret == 0)
		ret = private_mac(nl, host.index);
	if (ret == 0)
		ret = un_link_set_master_up(nl, host.index, br.index);
	if (ret == 0)
		ret = rename_inside(self_ns, netns, peer, want ? want : "eth%d", final, &index);
	if (ret < 0) {
		/* Deleting one end deletes the pair. */
		un_link_delete(nl, hostnic);
		db_truncate(prev_len);
		die("Failed to set up %s on %s: %s", hostnic, link, strerror(-ret));
	}
	printf("%s:%d:%s:%d\n", final, index, hostnic, host.index);
	if (fflush(stdout) != 0)
		die("Failed to write the result: %s", strerror(errno));
}

static void delete(const char *nspath, const char *type, const char *link, const char *nic)
{
	struct alloted al[MAX_ALLOTED];
	char failure[PATH_MAX + 64];
	int self_ns, netns, nl, nal;

	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0)
		die("Failed to open our network namespace: %s", strerror(errno));
	/* One text for every failure: nothing about the path leaks. */
	snprintf(failure, sizeof(failure), "Failed while opening netns file for \"%.*s\"", PATH_MAX, nspath);
	netns = open_netns(nspath, failure);
	if (!may_admin_netns(self_ns, netns))
		die("Process is not privileged over network namespace");
	close(netns);

	nl = un_nl_open();
	if (nl < 0)
		die("Failed to open a netlink socket: %s", strerror(-nl));
	nal = read_alloted(type, link, al);
	db_open();
	/* Only a NIC recorded for this caller, type and bridge is theirs. */
	if (!db_cull(nl, al, nal, type, link, nic))
		die("Caller is not allowed to delete network device \"%s\"", nic);
	/* LXC deletes only Open vSwitch ports here; veth devices on Linux
	 * bridges go away with their network namespace. */
	die("Deletion of non ovs type network devices not implemented");
}

int main(int argc, char *argv[])
{
	const char *cmd, *type, *link, *nic = NULL;

	/* Before anything can print or open: stdio and the environment. */
	sane_stdio();
	if (clearenv() != 0)
		die("Failed to clear the environment");
	umask(022);

	if (argc < 7 || argc > 8)
		usage();
	cmd = argv[1];
	type = argv[5];
	link = argv[6];
	if (argc == 8)
		nic = argv[7];
	if (strcmp(cmd, "create") != 0 && strcmp(cmd, "delete") != 0)
		usage();

	caller_uid = getuid();
	caller_gid = getgid();
	if (geteuid() != 0)
		die("lxc-user-nic must be setuid root (installed mode 4755, owned by root)");
	untouchable();
	lift_fsize();
	lookup_names();

	/* Validate what ends up in netlink requests and in the database. */
	if (strcmp(type, "veth") != 0)
		die("Network type %s is not supported: only veth is", type);
	if (strcmp(link, "none") != 0 && !un_valid_ifname(link, strlen(link), false))
		die("Invalid bridge name \"%s\"", link);
	if (nic && !un_valid_ifname(nic, strlen(nic), true))
		die("Invalid network device name \"%s\"", nic);

	if (strcmp(cmd, "create") == 0)
		create(argv[4], type, link, nic);
	else if (!nic)
		usage();
	else
		delete(argv[4], type, link, nic);
	return EXIT_SUCCESS;
}
