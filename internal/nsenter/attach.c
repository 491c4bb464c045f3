//go:build linux && cgo

/*
 * attach.c: lxc-attach's attached process, set up and exec'd in C.
 *
 * Once nsexec.c's constructor has joined the container and forked, the
 * child used to return into a fresh Go runtime only to drop privileges and
 * exec: a Go start-up (several milliseconds) per attach. When the parent
 * asks for it (nsenter_boot.exec_plan), the child instead receives a plan
 * (the container supervisor's encoding, internal/supervisor/c/plan.h; its
 * decoder and security tail are linked in as sup_plan.c and sup_secure.c,
 * symlinks so Go's build cache sees their changes) in a
 * memfd over the channel and performs it here, in LXC's order (do_attach):
 * personality, bounding set, terminal, groups, no_new_privs, seccomp, ids,
 * working directory, exec. Go decided every value; this file has no
 * policy. Errors are printed as the Go attach stage printed them:
 * "PROG: NAME: Errno text - what failed", exit 1, or 126/127 when the
 * command cannot be executed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h" /* plan.h and the shared security tail (sup_secure.c) */

void attach_exec(int sock) __attribute__((noreturn));

static const char *prog = "lxc-attach", *name = "";
static int quiet;

/* fail prints "PROG: NAME: Errno text - msg" (LXC's shape) and exits with status. */
static void __attribute__((noreturn, format(printf, 3, 4))) fail(int status, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!quiet) {
		if (err)
			fprintf(stderr, "%s: %s%s%s - %s\n", prog, name, *name ? ": " : "", strerror(err), msg);
		else
			fprintf(stderr, "%s: %s%s%s\n", prog, name, *name ? ": " : "", msg);
	}
	_exit(status);
}

static char **vec(const struct arg *a)
{
	size_t n = 0, i = 0;
	char **v;

	for (uint32_t k = 0; k < a->len; k++)
		n += a->p[k] == 0;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		fail(1, ENOMEM, "Failed to allocate");
	for (uint32_t k = 0; k < a->len; k += (uint32_t)strlen(a->p + k) + 1)
		v[i++] = (char *)a->p + k;
	return v;
}

/* exec_file runs a file the kernel cannot execute (ENOEXEC) with /bin/sh, as execvp does. */
static void exec_file(const char *path, char **argv, char **envp)
{
	execve(path, argv, envp);
	if (errno == ENOEXEC) {
		int n = 0;
		while (argv[n])
			n++;
		char *sh[n + 2];
		sh[0] = "/bin/sh";
		sh[1] = (char *)path;
		memcpy(sh + 2, argv + 1, sizeof(char *) * (size_t)n);
		execve("/bin/sh", sh, envp);
		errno = ENOEXEC;
	}
}

/* execvp_env is glibc's execvp with the new environment's PATH (default /bin:/usr/bin). */
static int execvp_env(const char *file, char **argv, char **envp)
{
	const char *path = "/bin:/usr/bin";
	int eacces = 0;
	char buf[4096];

	if (!*file)
		return ENOENT;
	if (strchr(file, '/')) {
		exec_file(file, argv, envp);
		return errno;
	}
	for (char **e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	for (const char *p = path;; p++) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", file);
		exec_file(buf, argv, envp);
		if (errno == EACCES)
			eacces = 1;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV && errno != ETIMEDOUT)
			return errno;
		p += n;
		if (!*p)
			break;
	}
	return eacces ? EACCES : ENOENT;
}

static int exec_status(int err)
{
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

/* run performs one operation of the attach plan. */
static void run(const struct op *o)
{
	switch (o->type) {
	case OP_NAME:
		prog = o->a[0].p;
		name = o->a[1].p;
		quiet = o->flags & OPF_QUIET;
		break;
	case OP_PERSONALITY:
		if (personality((unsigned long)arg_u64(o, 0)) < 0)
			fail(1, errno, "Failed to set personality");
		break;
	case OP_CAPS:
		if (drop_caps(arg_u64(o, 0)) < 0)
			fail(1, errno, "Failed to drop capabilities");
		break;
	case OP_CTTY: {
		/* Session leader with the container pty: Ctrl-C reaches the command. */
		int fd = (int)arg_u64(o, 0);
		if (setsid() < 0)
			fail(1, errno, "Failed to create a new session");
		if (ioctl(fd, TIOCSCTTY, 0) < 0)
			fail(1, errno, "Failed to make the pty the controlling terminal");
		/* The user must own its terminal; only this pty, never the caller's files. */
		if (arg_u64(o, 1) || arg_u64(o, 2)) {
			if (fchown(fd, (uid_t)arg_u64(o, 1), (gid_t)arg_u64(o, 2)) < 0)
				fail(1, errno, "Failed to chown the pty");
			(void)fchmod(fd, 0620);
		}
		break;
	}
	case OP_SETUSER:
		if (set_user((uid_t)arg_u64(o, 0), (gid_t)arg_u64(o, 1), &o->a[2], o->flags & OPF_KEEPGROUPS) < 0)
			fail(1, errno, "Failed to switch to uid %u gid %u", (unsigned)arg_u64(o, 0), (unsigned)arg_u64(o, 1));
		break;
	case OP_PROCATTR:
		if (proc_attr(o->a[0].p, o->a[1].p, o->a[2].p) < 0)
			fail(1, errno, "Failed to set the LSM label \"%s\"", o->a[2].p);
		break;
	case OP_NNP:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			fail(1, errno, "Failed to set PR_SET_NO_NEW_PRIVS");
		break;
	case OP_SECCOMP:
		if (load_seccomp(&o->a[0]) < 0)
			fail(1, 0, "Failed to load seccomp profile: %s", strerror(errno));
		break;
	case OP_CWD: {
		/* The first directory that works; getcwd proves we are inside (CVE-2024-21626). */
		char **dirs = vec(&o->a[0]), wd[4096];
		int ok = dirs[0] == NULL;
		for (char **d = dirs; *d && !ok; d++)
			ok = chdir(*d) == 0;
		if (!ok)
			fail(1, errno, "Failed to change directory to /");
		if (!getcwd(wd, sizeof(wd)) || wd[0] != '/')
			fail(1, 0, "current working directory is outside of the container");
		free(dirs);
		break;
	}
	case OP_EXECVP: {
		char **argv = vec(&o->a[0]), **envp = vec(&o->a[1]);
		if (!argv[0]) {
			/* LXC's lxc_attach_run_shell: the user's shell, else /bin/sh. */
			if (*o->a[2].p) {
				char *sh[] = { (char *)o->a[2].p, NULL };
				execvp_env(sh[0], sh, envp);
			}
			char *sh[] = { "/bin/sh", NULL };
			int err = execvp_env(sh[0], sh, envp);
			fail(exec_status(err), err, "Failed to execute shell");
		}
		int err = execvp_env(argv[0], argv, envp);
		fail(exec_status(err), err, "Failed to exec \"%s\"", argv[0]);
	}
	default:
		fail(1, EINVAL, "Unexpected operation %u in the attach plan", o->type);
	}
}

/*
 * attach_exec receives the plan's memfd on the channel (the message the
 * parent queued after the bootstrap), checks and performs it. It never
 * returns: the last operation execs the command.
 */
void attach_exec(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	char byte, err[256];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	struct stat st;
	struct plan p;
	ssize_t n;
	int fd = -1;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = CMSG_FIRSTHDR(&msg);
	if (n == 1 && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
		fail(1, EINVAL, "Failed to receive attach instructions");
	close(sock);
	unsigned char *buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		fail(1, errno, "Failed to read attach instructions");
	close(fd);
	if (plan_decode(buf, (size_t)st.st_size, &p, err, sizeof(err)) < 0)
		fail(1, EINVAL, "Bad attach instructions: %s", err);
	for (uint32_t i = 0; i < p.nops; i++)
		run(&p.ops[i]);
	fail(1, EINVAL, "The attach instructions end without a command");
}
