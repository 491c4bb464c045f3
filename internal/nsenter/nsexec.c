//go:build linux && cgo

/*
 * nsexec.c: enter a running container's namespaces before the Go runtime
 * starts (with attach.c, the only C in lxc-attach).
 *
 * Why C: joining a user namespace needs a single-threaded caller, and
 * joining a mount namespace needs a caller that shares its fs_struct with
 * nobody. By the time any Go code runs, the runtime has started threads
 * created with CLONE_FS, so both joins fail (EINVAL). A constructor runs
 * before the runtime, while the process is still one thread. The design
 * follows runc's libcontainer/nsenter and incus's main_nsexec, written
 * anew and cut down to what lxc-attach needs.
 *
 * Contract (parent side: nsenter_linux.go):
 *   - NSENTER_ENV names an inherited SOCK_SEQPACKET descriptor. Without
 *     it the constructor returns at once and the binary runs normally.
 *   - The parent starts us, writes our pid into the container's cgroups,
 *     then sends one struct nsenter_boot with a pidfd or namespace fds.
 *     Blocking on that message is how we wait for the cgroup placement:
 *     the attached process must be forked inside the cgroups, and the
 *     move must happen before we join a user namespace (LXC: "user
 *     namespaces will hate us").
 *   - We join, close every descriptor but 0, 1, 2 and the channel, and
 *     fork with CLONE_PARENT, so the attached process is the CLI's own
 *     child and really is in the pid (and time) namespace, which setns
 *     only applies to children.
 *   - We report its pid in a struct nsenter_reply and exit. With
 *     exec_plan the child reads its instructions (a plan) from the same
 *     channel and execs the command from C (attach.c); otherwise it
 *     returns from this constructor into the Go runtime, already inside
 *     every namespace, and the Go stage does the same.
 *
 * From the first instruction we are non-dumpable, so no process of the
 * container can ptrace us or open /proc/<pid>/{fd,mem,environ} while we
 * still hold anything of the host (CVE-2016-8649). execve() makes the
 * final command dumpable again.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsenter.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

extern char *program_invocation_short_name;
void attach_exec(int sock) __attribute__((noreturn));

/* fail reports an error to the parent and exits; the parent prints it. */
static void __attribute__((noreturn)) fail(int sock, int err, const char *msg)
{
	struct nsenter_reply r;

	memset(&r, 0, sizeof(r));
	r.magic = NSENTER_MAGIC;
	r.pid = -1;
	r.err = err;
	strncpy(r.msg, msg, sizeof(r.msg) - 1);
	(void)send(sock, &r, sizeof(r), MSG_NOSIGNAL);
	_exit(1);
}

/* die is for the attached process, which has no one to report to but stderr. */
static void __attribute__((noreturn)) die(int err, const char *msg)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, msg, strerror(err));
	_exit(1);
}

/* become makes us uid/gid inside a freshly joined user namespace. */
static void become(int sock, const struct nsenter_boot *b)
{
	if (setresgid(b->setup_gid, b->setup_gid, b->setup_gid) < 0)
		fail(sock, errno, "Failed to switch to the container's setup gid");
	if (setresuid(b->setup_uid, b->setup_uid, b->setup_uid) < 0)
		fail(sock, errno, "Failed to switch to the container's setup uid");
	/* A uid change resets dumpability from fs.suid_dumpable: set it again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(sock, errno, "Failed to make the attaching process non-dumpable");
}

/*
 * join_each is the fallback for kernels without setns(pidfd) (< 5.8):
 * one setns per namespace fd. Order matters: namespaces our host
 * credentials may enter go first; then the user namespace (after which we
 * only hold capabilities inside it); then those that needed it; the mount
 * namespace last, because joining it changes our root and cwd.
 */
static void join_each(int sock, const struct nsenter_boot *b, const int *fds)
{
	int deferred[NSENTER_MAX_FDS];
	int ndeferred = 0, user = -1, mnt = -1;
	uint32_t i;

	for (i = 0; i < b->nfds; i++) {
		if (b->fd_flags[i] == CLONE_NEWUSER) {
			user = (int)i;
			continue;
		}
		if (b->fd_flags[i] == CLONE_NEWNS) {
			mnt = (int)i;
			continue;
		}
		if (setns(fds[i], (int)b->fd_flags[i]) == 0)
			continue;
		if (errno != EPERM || !(b->flags & CLONE_NEWUSER))
			fail(sock, errno, "Failed to attach to a namespace of the container");
		deferred[ndeferred++] = (int)i;
	}
	if (user >= 0) {
		if (setns(fds[user], CLONE_NEWUSER) < 0)
			fail(sock, errno, "Failed to attach to the user namespace");
		become(sock, b);
	}
	for (int j = 0; j < ndeferred; j++) {
		i = (uint32_t)deferred[j];
		if (setns(fds[i], (int)b->fd_flags[i]) < 0)
			fail(sock, errno, "Failed to attach to a namespace of the container");
	}
	if (mnt >= 0 && setns(fds[mnt], CLONE_NEWNS) < 0)
		fail(sock, errno, "Failed to attach to the mount namespace");
}

/* close_others closes every descriptor except 0, 1, 2 and keep. */
static void close_others(int keep)
{
	struct rlimit rl;
	int max = 65536;

	if ((keep <= 3 || syscall(__NR_close_range, 3, keep - 1, 0) == 0) &&
	    syscall(__NR_close_range, keep + 1, ~0U, 0) == 0)
		return;
	/* Kernels before 5.9: no /proc to list (it may be the container's). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/*
 * remount_sys_proc implements lxc-attach -R (only used when the mount
 * namespace is not joined): a private mount namespace whose /proc and /sys
 * reflect the pid and network namespaces we joined. It runs in the
 * attached process itself, because /proc shows the pid namespace of the
 * process that mounts it.
 */
static void remount_sys_proc(void)
{
	int ret;

	if (unshare(CLONE_NEWNS) < 0)
		die(errno, "Failed to unshare mount namespace");
	/* Keep our remounts from propagating back to the namespace we left. */
	(void)mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL);
	if (umount2("/proc", MNT_DETACH) < 0)
		die(errno, "Failed to unmount /proc");
	if (mount("none", "/proc", "proc", 0, NULL) < 0)
		die(errno, "Failed to remount /proc");
	/* /sys may not be a mount point at all (EINVAL): then leave it. */
	ret = umount2("/sys", MNT_DETACH);
	if (ret < 0 && errno != EINVAL)
		die(errno, "Failed to unmount /sys");
	if (ret == 0 && mount("none", "/sys", "sysfs", 0, NULL) < 0)
		die(errno, "Failed to remount /sys");
}

__attribute__((constructor)) static void golxc_nsenter(void)
{
	struct nsenter_boot b;
	struct nsenter_reply r;
	struct stat st;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cmsg;
	union {
		char buf[CMSG_SPACE(sizeof(int) * NSENTER_MAX_FDS)];
		struct cmsghdr align;
	} control;
	int fds[NSENTER_MAX_FDS];
	int nfds = 0, sock;
	const char *env;
	char *end;
	long v;
	ssize_t n;
	pid_t pid;

	env = getenv(NSENTER_ENV);
	if (!env)
		return;

	errno = 0;
	v = strtol(env, &end, 10);
	if (errno || *end || end == env || v < 3 || v > 1 << 20 ||
	    fstat((int)v, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "%s: %s does not name an inherited channel\n",
			program_invocation_short_name, NSENTER_ENV);
		_exit(1);
	}
	sock = (int)v;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(sock, errno, "Failed to make the attaching process non-dumpable");

	/* Block until the parent has moved us into the container's cgroups. */
	memset(&b, 0, sizeof(b));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &b;
	iov.iov_len = sizeof(b);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		_exit(1); /* the parent gave up: nothing to report to */
	if (n < 0)
		fail(sock, errno, "Failed to receive the namespaces to join");
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k && nfds < NSENTER_MAX_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
	}
	if (n != sizeof(b) || b.magic != NSENTER_MAGIC || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    b.nfds == 0 || b.nfds > NSENTER_MAX_FDS || (uint32_t)nfds != b.nfds)
		fail(sock, EINVAL, "Malformed attach request");

	if (b.fd_flags[0] == 0) {
		/*
		 * Linux 5.8+: all namespaces at once, atomically, via the pidfd.
		 * No flags (lxc-attach -s USER on a container sharing ours): stay.
		 */
		if (b.flags && setns(fds[0], (int)b.flags) < 0)
			fail(sock, errno, "Failed to attach to namespaces via pidfd");
		if (b.flags & CLONE_NEWUSER)
			become(sock, &b);
	} else {
		join_each(sock, &b, fds);
	}

	/*
	 * Nothing of the host may cross into the container: the pidfd, the
	 * namespace fds and the sealed executable we were started from all go.
	 */
	close_others(sock);

	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail(sock, errno, "Failed to create the attached process");
	if (pid == 0) {
		if (b.remount_sys_proc)
			remount_sys_proc();
		/* Set up and exec the command here, without a Go runtime (attach.c). */
		if (b.exec_plan)
			attach_exec(sock);
		return; /* into the Go runtime, inside the container */
	}

	memset(&r, 0, sizeof(r));
	r.magic = NSENTER_MAGIC;
	r.pid = pid;
	if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r)) {
		/* The parent cannot learn the pid: don't leave the child behind. */
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}
