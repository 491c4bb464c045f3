/*
 * main.c: entry of golxc's container supervisor, and what its jobs share:
 * the sync channel to the monitor and error reporting.
 *
 * The supervisor is a small static program the Go tools embed and run from
 * a sealed memfd (internal/supervisor), so no process inside a container
 * ever executes a file of the host that it could overwrite through
 * /proc/PID/exe (CVE-2019-5736). It has no policy: the Go side decides
 * every mount, flag and identity and sends them as a plan (plan.h); this
 * program checks the plan, performs it with raw system calls and reports
 * the first failure with its errno, which the Go side turns into the
 * user's one-line error.
 *
 * Usage (internal/runner): argv[1] = "stage2", with the sync channel on
 * fd 3, the plan in a memfd on fd 4 and our own image on fd 5; or
 * argv[1] = "spawn", the same and a user namespace to clone the stage-2
 * in (stage2.c: spawn_in_userns); or
 * argv = the title only and _GOLXC_MONITOR_FD = the channel to lxc-start,
 * with the stage-2's descriptors as above (monitor.c clones the stage-2).
 */
#include "sys.h" /* first: it defines _GNU_SOURCE */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>


int sync_fd = SYNC_FD;
jmp_buf *optional_skip;

/*
 * send_sync writes one message (struct sync_msg, then text) with optional
 * descriptors. MSG_NOSIGNAL: a monitor that went away must not kill us
 * with SIGPIPE before we can exit on our own terms.
 */
int send_sync(uint32_t kind, int err, const char *text, const int *fds, int nfds, int console, int nttys)
{
	struct sync_msg m = {
		.magic = SYNC_MAGIC, .kind = kind, .err = err, .console = console, .nttys = (uint32_t)nttys,
		.textlen = text ? (uint32_t)strlen(text) : 0,
	};
	struct iovec iov[2] = { { &m, sizeof(m) }, { (void *)text, m.textlen } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = text ? 2 : 1 };
	char cbuf[CMSG_SPACE(sizeof(int) * 253)];
	ssize_t n;

	if (nfds > 253)
		return -1; /* SCM_MAX_FD: the plan never allocates this many terminals */
	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do
		n = sendmsg(sync_fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* recv_sync waits for the monitor's next message and returns its kind. */
int recv_sync(uint32_t *kind)
{
	struct sync_msg m;
	ssize_t n;

	do
		n = recv(sync_fd, &m, sizeof(m), MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m) || m.magic != SYNC_MAGIC)
		return -1;
	*kind = m.kind;
	return 0;
}

/*
 * die reports why we stop to the monitor (which prints it, followed by the
 * errno's text) and exits. Only the monitor talks to the user.
 */
void die(int err, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (optional_skip) {
		jmp_buf *skip = optional_skip;
		optional_skip = NULL;
		warnx("skipping an optional mount: %s%s%s", text, err ? ": " : "", err ? strerror(err) : "");
		longjmp(*skip, 1);
	}
	(void)send_sync(SYNC_ERROR, err, text, NULL, 0, 0, 0);
	_exit(1);
}

/* warnx sends a non-fatal problem to the monitor's log. */
void warnx(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)send_sync(SYNC_WARN, 0, text, NULL, 0, 0, 0);
}

/* list_vec splits a list argument ("a\0b\0") into a NULL-terminated vector. */
char **list_vec(const struct arg *a)
{
	size_t n = 0, i = 0;
	char **v;

	for (uint32_t k = 0; k < a->len; k++)
		if (a->p[k] == 0)
			n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		die(ENOMEM, "allocate a list");
	for (uint32_t k = 0; k < a->len; k += (uint32_t)strlen(a->p + k) + 1)
		v[i++] = (char *)a->p + k;
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "stage2") == 0)
		stage2_main();
	/* "spawn FLAGS USERNS_FD": the stage-2 of lxc.namespace.share.user. */
	if (argc == 4 && strcmp(argv[1], "spawn") == 0)
		spawn_in_userns(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	/* A monitor's argv is its title alone ("[lxc monitor] LXCPATH NAME"). */
	const char *mon = getenv("_GOLXC_MONITOR_FD");
	if (argc == 1 && mon)
		monitor_main(atoi(mon));
	fprintf(stderr, "golxc-supervisor: an internal program of golxc, started by lxc-start and lxc-execute\n");
	return 2;
}
