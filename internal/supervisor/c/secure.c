//go:build linux && cgo

/*
 * secure.c: the security tail shared by the container's stage-2
 * (stage2.c) and lxc-attach's attached process (internal/nsenter, which
 * compiles this file into lxc-attach): capability sets, the seccomp
 * program and the user switch. Each returns -1 with errno set; callers
 * word the error their own way.
 */
#include "sys.h" /* first: it defines _GNU_SOURCE */

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

/*
 * drop_caps removes the capabilities in mask from the calling thread's
 * bounding and inheritable sets and clears the ambient set. Effective and
 * permitted stay, so the thread can still switch uid; execve then
 * recomputes them from the bounding set.
 */
int drop_caps(uint64_t mask)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];

	if (!mask)
		return 0;
	for (int c = 0; c < 64; c++)
		if ((mask >> c) & 1 && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1; /* EINVAL: a capability this kernel does not know */
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable &= ~(uint32_t)mask;
	d[1].inheritable &= ~(uint32_t)(mask >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

/*
 * load_seccomp installs a program Go compiled (struct sock_filter[]) on
 * this thread only: the one that calls execve next.
 */
int load_seccomp(const struct arg *prog)
{
	struct {
		unsigned short len;
		void *filter;
	} fprog;
	void *copy;
	int r;

	if (prog->len == 0)
		return 0;
	if (prog->len % 8 || prog->len / 8 > 65535) {
		errno = EINVAL;
		return -1;
	}
	copy = malloc(prog->len); /* aligned, unlike the plan's bytes */
	if (!copy)
		return -1;
	memcpy(copy, prog->p, prog->len);
	fprog.len = (unsigned short)(prog->len / 8);
	fprog.filter = copy;
	r = prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &fprog, 0, 0);
	free(copy);
	return r;
}

/*
 * set_user sets the supplementary groups (unless keep_groups; EPERM for
 * none at all is a user namespace that denies setgroups: nothing to drop),
 * then gid and uid unless they are those already (a stage-2 cloned into a
 * new user namespace is not yet its root: its ids become 0 only now).
 */
int set_user(uid_t uid, gid_t gid, const struct arg *groups, int keep_groups)
{
	size_t n = groups->len / sizeof(gid_t);
	gid_t g[n ? n : 1];

	memcpy(g, groups->p, n * sizeof(gid_t));
	if (!keep_groups && setgroups(n, g) < 0 && !(errno == EPERM && n == 0))
		return -1;
	if (uid == getuid() && uid == geteuid() && gid == getgid() && gid == getegid())
		return 0;
	if (syscall(SYS_setresgid, gid, gid, gid) < 0 || syscall(SYS_setresuid, uid, uid, uid) < 0)
		return -1;
	return 0;
}

/*
 * proc_attr writes value to /proc/thread-self/attr/NAME, or attr/FALLBACK
 * when NAME does not exist (AppArmor's own attr/apparmor/exec, else the
 * shared attr/exec). The LSM labels Go decided: an exec attribute takes
 * effect at our execve, keycreate for the next keyring made.
 */
int proc_attr(const char *name, const char *fallback, const char *value)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/thread-self/attr/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && *fallback) {
		snprintf(path, sizeof(path), "/proc/thread-self/attr/%s", fallback);
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int err = errno;
	close(fd);
	errno = err;
	return n < 0 ? -1 : 0;
}
