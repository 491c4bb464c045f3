/*
 * monitor.c: the per-container monitor of a daemonized container,
 * "[lxc monitor] LXCPATH NAME", in C so an idle container costs a few
 * hundred kilobytes instead of a Go runtime.
 *
 * lxc-start (Go) does the deciding and the host-side work; we do what
 * must outlive it. The sequence (internal/runner/cmonitor_linux.go):
 *
 *   lxc-start                        monitor (this file)
 *   ── SYNC_START{name} ─────────▶   bind the command socket (busy: SYNC_BUSY)
 *   ◀── SYNC_BOUND ─────────────────
 *   cgroups, plan
 *   ── SYNC_CLONE{flags} + fds ──▶   clone the stage-2 into new namespaces
 *   ◀── SYNC_BOUND{pid} ────────────  (the stage-2 talks to lxc-start itself)
 *   cgroups, network, device rules, start-host hooks; stage-2 execs init
 *   ── SYNC_HANDOVER + fds ──────▶   settings (a plan of OP_M_*), terminals
 *   ◀── SYNC_OK ───────────────────  RUNNING; lxc-start exits
 *
 * Then one epoll loop serves the command socket (JSON requests, as
 * internal/ctl speaks them), watches init through a pidfd, relays the
 * console, lends ttys and answers lxc-wait. When init exits it does the
 * teardown lxc-start planned (kill what is left, remove the cgroups)
 * and exits; a reboot hands the socket to the Go monitor by execve.
 */
#include "sys.h" /* first: it defines _GNU_SOURCE */

#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

enum { ST_STOPPED, ST_STARTING, ST_RUNNING, ST_STOPPING, ST_ABORTING, ST_FREEZING, ST_FROZEN, ST_THAWED, NSTATES };
static const char *const state_name[NSTATES] = { "STOPPED", "STARTING", "RUNNING", "STOPPING",
						 "ABORTING", "FREEZING", "FROZEN", "THAWED" };

/* A connection: a command client, a lent tty's holder, or a console stream. */
enum { C_FREE, C_REQ, C_HOLD, C_CONSOLE };
struct conn {
	int kind, fd, tty;
	unsigned waiting;  /* C_REQ in wait-state: a bit per state */
	int64_t deadline;  /* its timeout (ms, monotonic), 0: none */
};

static struct conn *conns;
static int nconns;
static int ep, lfd = -1, ctl = -1, pidfd = -1, state = ST_STARTING;
static pid_t init_pid;
static int devpts = -1, console = -1, logfd = -1, ttys[64], tty_busy[64], nttys;
static int stop_rq, reboot_rq, sig_stop = SIGKILL, sig_halt, sig_reboot = SIGINT;
static int go_image = -1, go_state = -1; /* becoming the Go monitor (OP_M_GO) */
static int held[16], nheld;                /* OP_M_HOLD: kept for the Go monitor */
static int peer = -1;                      /* lxc.console.path's file or terminal */
static uint64_t log_max, log_size;         /* lxc.console.size, and the log's */
/* The boot record (internal/bootrec), OP_M_RECORD: holding it open keeps
 * its lock, which says this container's monitor lives; a monitor killed
 * drops it, and the next lxc-start, lxc-stop or lxc-destroy removes what
 * the record lists. */
static int record = -1;
static const struct plan *settings;
static unsigned char *settings_buf;

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* setting returns the first OP_M_* operation of type t, or NULL. */
static const struct op *setting(uint16_t t, uint32_t after)
{
	for (uint32_t i = after; settings && i < settings->nops; i++)
		if (settings->ops[i].type == t)
			return &settings->ops[i];
	return NULL;
}

static void watch(int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
		_exit(1);
}

static struct conn *conn_of(int fd)
{
	for (int i = 0; i < nconns; i++)
		if (conns[i].kind != C_FREE && conns[i].fd == fd)
			return &conns[i];
	return NULL;
}

static struct conn *conn_new(int fd, int kind)
{
	struct conn *c = NULL;

	for (int i = 0; i < nconns && !c; i++)
		if (conns[i].kind == C_FREE)
			c = &conns[i];
	if (!c) {
		struct conn *n = realloc(conns, sizeof(*conns) * (size_t)(nconns + 16));
		if (!n)
			return NULL;
		conns = n;
		memset(conns + nconns, 0, sizeof(*conns) * 16);
		c = &conns[nconns];
		nconns += 16;
	}
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->fd = fd;
	watch(fd, EPOLLIN | EPOLLRDHUP);
	return c;
}

static void conn_close(struct conn *c)
{
	if (c->kind == C_HOLD && c->tty >= 1 && c->tty <= nttys)
		tty_busy[c->tty - 1] = 0;
	close(c->fd); /* also leaves the epoll set */
	c->kind = C_FREE;
}

/* reply sends one JSON answer with optional descriptors (closed afterwards). */
static void reply(int fd, const char *json, int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { (void *)json, strlen(json) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	(void)sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

static void reply_err(int fd, const char *msg)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"err\":\"%s\"}", msg); /* our messages need no escaping */
	reply(fd, buf, NULL, 0);
}

/*
 * notify tells lxc-monitor listeners (datagram sockets in the lxcpath's
 * monitor directory) a state or an exit code; unreachable ones go.
 */
static void notify(const char *st, int code)
{
	const struct op *o = setting(OP_M_NOTIFY, 0);
	char msg[512], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct dirent *d;
	DIR *dir;
	int s;

	if (!o || !(dir = opendir(o->a[0].p)))
		return;
	if (st)
		snprintf(msg, sizeof(msg), "{\"name\":\"%s\",\"state\":\"%s\"}", o->a[1].p, st);
	else
		snprintf(msg, sizeof(msg), "{\"name\":\"%s\",\"exit\":%d}", o->a[1].p, code);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	while (s >= 0 && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		if (n < 5 || strcmp(d->d_name + n - 5, ".sock") != 0)
			continue;
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		if (snprintf(path, sizeof(path), "%s/%s", o->a[0].p, d->d_name) >= (int)sizeof(path))
			continue;
		memcpy(a.sun_path, path, strlen(path));
		if (sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED)
			unlink(path);
	}
	if (s >= 0)
		close(s);
	closedir(dir);
}

/* read_file reads a small control file (cgroup, /proc) into buf. */
static int read_file(const char *dir, const char *name, char *buf, size_t n)
{
	char path[4096];
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return 0;
}

static int write_file(const char *dir, const char *name, const char *v)
{
	char path[4096];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = write(fd, v, strlen(v)) < 0 ? -1 : 0;
	close(fd);
	return r;
}

static int frozen(void)
{
	const struct op *f = setting(OP_M_FREEZER, 0);
	char buf[256];

	if (!f)
		return 0;
	if (arg_u64(f, 1))
		return read_file(f->a[0].p, "cgroup.events", buf, sizeof(buf)) == 0 && strstr(buf, "frozen 1");
	return read_file(f->a[0].p, "freezer.state", buf, sizeof(buf)) == 0 && strncmp(buf, "FROZEN", 6) == 0;
}

/* announce wakes lxc-wait clients waiting for s and tells lxc-monitor. */
static void announce(int s)
{
	char buf[64];

	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		if (c->kind == C_REQ && (c->waiting & (1u << s))) {
			snprintf(buf, sizeof(buf), "{\"state\":\"%s\"}", state_name[s]);
			reply(c->fd, buf, NULL, 0);
			c->waiting = 0;
			c->deadline = 0;
		}
	}
	notify(state_name[s], 0);
}

static void set_state(int s)
{
	state = s;
	announce(s);
}

/*
 * set_frozen is lxc-freeze / lxc-unfreeze: the v1 freezer or
 * cgroup.freeze, waited for (up to ten seconds) as the Go monitor does.
 */
static int set_frozen(int on)
{
	const struct op *f = setting(OP_M_FREEZER, 0);
	int v2, ok = 0;

	if (!f)
		return -1;
	v2 = (int)arg_u64(f, 1);
	if (write_file(f->a[0].p, v2 ? "cgroup.freeze" : "freezer.state", v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED")) < 0)
		return -1;
	for (int64_t end = now_ms() + 10000; now_ms() < end && !(ok = frozen() == on);)
		poll(NULL, 0, 10);
	if (!ok && on)
		(void)write_file(f->a[0].p, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED");
	return ok ? 0 : -1;
}

/* kill_all sends SIGKILL to every task of the container: cgroup.kill, else one by one. */
static void kill_all(void)
{
	const struct op *k = setting(OP_M_KILL, 0);
	char buf[65536], *p;

	if (init_pid > 0)
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	if (!k)
		return;
	if (*k->a[0].p && write_file(k->a[0].p, "cgroup.kill", "1") == 0)
		return;
	if (read_file(k->a[1].p, "cgroup.procs", buf, sizeof(buf)) < 0)
		return;
	for (p = buf; *p;) {
		long pid = strtol(p, &p, 10);
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*p == '\n')
			p++;
	}
}

/* halt_signal is lxc.signal.halt, or SIGRTMIN+3 when init blocks it (systemd), or SIGPWR. */
static int halt_signal(void)
{
	char path[64], buf[4096], *b;

	if (sig_halt)
		return sig_halt;
	snprintf(path, sizeof(path), "/proc/%d", init_pid);
	if (read_file(path, "status", buf, sizeof(buf)) == 0 && (b = strstr(buf, "SigBlk:")) &&
	    (strtoull(b + 7, NULL, 16) >> 36) & 1)
		return 37;
	return SIGPWR;
}

/*
 * json_get finds "key": in a flat request object and returns a pointer to
 * its value, or NULL. Requests come from our own tools (root or our uid,
 * checked at accept), in internal/ctl's fixed shape.
 */
static const char *json_get(const char *j, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(j, pat);
	return p ? p + strlen(pat) : NULL;
}

static int json_str(const char *j, const char *key, char *out, size_t n)
{
	const char *p = json_get(j, key);
	size_t i = 0;

	if (!p || *p != '"')
		return -1;
	for (p++; *p && *p != '"' && i + 1 < n; p++)
		out[i++] = *p == '\\' && p[1] ? *++p : *p;
	out[i] = 0;
	return 0;
}

static long json_int(const char *j, const char *key)
{
	const char *p = json_get(j, key);

	return p ? strtol(p, NULL, 10) : 0;
}

/* lend_tty is lxc-console -t N (N < 1: the first free tty). */
static void lend_tty(struct conn *c, int n)
{
	char buf[64];
	int fd;

	if (nttys == 0)
		return reply_err(c->fd, "the container has no ttys (lxc.tty.max = 0)");
	if (n < 1) {
		for (n = 1; n <= nttys && tty_busy[n - 1]; n++)
			;
		if (n > nttys)
			return reply_err(c->fd, "all ttys are in use");
	}
	if (n > nttys) {
		snprintf(buf, sizeof(buf), "tty %d does not exist (lxc.tty.max = %d)", n, nttys);
		return reply_err(c->fd, buf);
	}
	if (tty_busy[n - 1]) {
		snprintf(buf, sizeof(buf), "tty %d is in use", n);
		return reply_err(c->fd, buf);
	}
	fd = fcntl(ttys[n - 1], F_DUPFD_CLOEXEC, 3);
	snprintf(buf, sizeof(buf), "{\"tty\":%d}", n);
	reply(c->fd, buf, &fd, 1);
	tty_busy[n - 1] = 1;
	c->kind = C_HOLD; /* held until the client hangs up */
	c->tty = n;
}

static void hand_to_go(const struct conn *req, const char *text, int status) __attribute__((noreturn));

/* request answers one command; unknown ones are refused. */
static void request(struct conn *c, const char *j)
{
	char cmd[64], buf[512];
	const struct op *o;
	int fds[2];

	if (json_str(j, "cmd", cmd, sizeof(cmd)) < 0)
		return reply_err(c->fd, "bad request");
	/* A command Go answers (OP_M_GOCMD): the Go monitor takes over for good. */
	for (o = setting(OP_M_GOCMD, 0); o; o = setting(OP_M_GOCMD, (uint32_t)(o - settings->ops) + 1))
		if (strcmp(o->a[0].p, cmd) == 0)
			hand_to_go(c, j, -1);
	int running = state == ST_RUNNING && init_pid > 0;
	/* Go's fixed answers (OP_M_REPLY), once the container runs. */
	for (o = setting(OP_M_REPLY, 0); running && o; o = setting(OP_M_REPLY, (uint32_t)(o - settings->ops) + 1))
		if (strcmp(o->a[0].p, cmd) == 0)
			return reply(c->fd, o->a[1].p, NULL, 0);
	if (strcmp(cmd, "state") == 0) {
		snprintf(buf, sizeof(buf), "{\"state\":\"%s\"}", state_name[running && frozen() ? ST_FROZEN : state]);
		reply(c->fd, buf, NULL, 0);
	} else if (strcmp(cmd, "init-pid") == 0) {
		if (!running)
			return reply_err(c->fd, "container is not running");
		snprintf(buf, sizeof(buf), "{\"pid\":%d}", init_pid);
		reply(c->fd, buf, NULL, 0);
	} else if (strcmp(cmd, "init-pidfd") == 0 || strcmp(cmd, "attach-info") == 0) {
		if (!running)
			return reply_err(c->fd, "container is not running");
		o = setting(OP_M_REPLY, 0);
		while (o && strcmp(o->a[0].p, "attach") != 0)
			o = setting(OP_M_REPLY, (uint32_t)(o - settings->ops) + 1);
		fds[0] = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
		char *big = malloc(256 + (o ? o->a[1].len : 0));
		if (!big)
			return reply_err(c->fd, "out of memory");
		if (cmd[0] == 'a' && o)
			sprintf(big, "{\"pid\":%d,\"attach\":%s}", init_pid, o->a[1].p);
		else
			sprintf(big, "{\"pid\":%d}", init_pid);
		reply(c->fd, big, fds, 1);
		free(big);
	} else if (strcmp(cmd, "stop") == 0 || strcmp(cmd, "shutdown") == 0 || strcmp(cmd, "reboot") == 0) {
		int sig = (int)json_int(j, "signal");
		if (!running)
			return reply_err(c->fd, "container is not running");
		if (cmd[0] == 'r') {
			reboot_rq = 1;
			sig = sig_reboot;
		} else {
			stop_rq = 1;
			if (!sig)
				sig = cmd[1] == 't' ? sig_stop : halt_signal();
		}
		if (sig == SIGKILL && cmd[1] == 't')
			kill_all();
		else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			return reply_err(c->fd, strerror(errno));
		reply(c->fd, "{}", NULL, 0);
	} else if (strcmp(cmd, "freeze") == 0 || strcmp(cmd, "unfreeze") == 0) {
		int on = cmd[0] == 'f';
		if (!running)
			return reply_err(c->fd, "container is not running");
		if (on)
			announce(ST_FREEZING);
		if (set_frozen(on) < 0)
			return reply_err(c->fd, on ? "cgroup did not reach the frozen state in time" : "cgroup did not thaw in time");
		announce(on ? ST_FROZEN : ST_THAWED);
		if (!on)
			announce(ST_RUNNING);
		reply(c->fd, "{}", NULL, 0);
	} else if (strcmp(cmd, "cgroup-paths") == 0 || strcmp(cmd, "net-info") == 0) {
		/* Not running yet (the running container's are Go's answers, above). */
		if (cmd[0] == 'c')
			return reply_err(c->fd, "container is not running");
		reply(c->fd, "{}", NULL, 0);
	} else if (strcmp(cmd, "devpts-fd") == 0) {
		if (devpts < 0)
			return reply_err(c->fd, "container has no devpts instance");
		fds[0] = fcntl(devpts, F_DUPFD_CLOEXEC, 3);
		reply(c->fd, "{}", fds, 1);
	} else if (strcmp(cmd, "console") == 0) {
		int tty = (int)json_int(j, "tty"), sp[2];
		if (!running)
			return reply_err(c->fd, "container is not running");
		if (tty != 0)
			return lend_tty(c, tty);
		if (console < 0)
			return reply_err(c->fd, "the container has no console (lxc.console.path = none)");
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
			return reply_err(c->fd, "console socketpair failed");
		conn_new(sp[0], C_CONSOLE);
		fds[0] = sp[1];
		fds[1] = fcntl(console, F_DUPFD_CLOEXEC, 3); /* lets the client set the window size */
		reply(c->fd, "{\"tty\":0}", fds, 2);
	} else if (strcmp(cmd, "wait-state") == 0) {
		const char *p = json_get(j, "states");
		const char *t = json_get(j, "timeout");
		int cur = running && frozen() ? ST_FROZEN : state;
		c->waiting = 0;
		for (int s = 0; p && s < NSTATES; s++) {
			char q[32];
			snprintf(q, sizeof(q), "\"%s\"", state_name[s]);
			const char *end = strchr(p, ']');
			const char *hit = strstr(p, q);
			if (hit && end && hit < end)
				c->waiting |= 1u << s;
		}
		if (c->waiting & (1u << cur)) {
			c->waiting = 0;
			snprintf(buf, sizeof(buf), "{\"state\":\"%s\"}", state_name[cur]);
			return reply(c->fd, buf, NULL, 0);
		}
		double secs = t ? strtod(t, NULL) : 0;
		c->deadline = secs > 0 ? now_ms() + (int64_t)(secs * 1000) : 0;
	} else {
		snprintf(buf, sizeof(buf), "unknown command %.40s", cmd);
		reply_err(c->fd, buf);
	}
}

/*
 * remove_tree removes a cgroup and the cgroups the container made below
 * it, children first, retrying while the kernel still lists exiting tasks.
 */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[4096];

	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub))
			remove_tree(sub);
	}
	if (d)
		closedir(d);
	for (int try = 0; rmdir(dir) < 0 && errno == EBUSY && try < 100; try++)
		poll(NULL, 0, 10);
}

/* populated: does the container's cgroup still have tasks? */
static int populated(void)
{
	const struct op *k = setting(OP_M_KILL, 0);
	char buf[256];

	if (!k)
		return 0;
	if (*k->a[0].p && read_file(k->a[0].p, "cgroup.events", buf, sizeof(buf)) == 0)
		return strstr(buf, "populated 1") != NULL;
	return read_file(k->a[1].p, "cgroup.procs", buf, sizeof(buf)) == 0 && buf[0] != 0;
}

/*
 * del_link removes a host network interface by name (RTM_DELLINK): a
 * veth's host end, which would otherwise only go once the kernel has
 * cleaned up the container's network namespace, asynchronously.
 */
static void del_link(const char *name)
{
	/* nlmsghdr, ifinfomsg, rtattr (IFLA_IFNAME): the kernel's ABI, spelled out. */
	struct {
		uint32_t len;
		uint16_t type, flags;
		uint32_t seq, pid;
		uint8_t family, pad;
		uint16_t ifi_type;
		int32_t index;
		uint32_t ifi_flags, change;
		uint16_t rta_len, rta_type;
		char name[16];
	} req = { .type = 17 /* RTM_DELLINK */, .flags = 1 /* NLM_F_REQUEST */, .rta_type = 3 /* IFLA_IFNAME */ };
	size_t n = strlen(name);
	int s;

	if (n >= sizeof(req.name) || (s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */)) < 0)
		return;
	memcpy(req.name, name, n + 1);
	req.rta_len = (uint16_t)(4 + n + 1);
	req.len = (uint32_t)(offsetof(__typeof__(req), name) + ((n + 1 + 3) & ~(size_t)3));
	(void)send(s, &req, req.len, 0); /* gone already (ENODEV) is fine */
	close(s);
}

/*
 * teardown: init is gone. Kill what is left, wait (on cgroup.events where
 * cgroup2 has it, no polling loop) until the cgroup is empty, close the
 * terminals, remove the cgroups, and leave our own.
 */
static void teardown(void)
{
	const struct op *k = setting(OP_M_KILL, 0), *o;
	char events[4096];

	kill_all();
	if (k && *k->a[0].p)
		snprintf(events, sizeof(events), "%s/cgroup.events", k->a[0].p);
	int efd = k && *k->a[0].p ? open(events, O_RDONLY | O_CLOEXEC) : -1;
	for (int64_t end = now_ms() + 5000; populated() && now_ms() < end;) {
		struct pollfd p = { .fd = efd, .events = POLLPRI };
		poll(efd >= 0 ? &p : NULL, efd >= 0 ? 1 : 0, efd >= 0 ? 100 : 1);
	}
	if (efd >= 0)
		close(efd);
	if (console >= 0)
		close(console);
	for (int i = 0; i < nttys; i++)
		close(ttys[i]);
	if (devpts >= 0)
		close(devpts);
	console = devpts = -1;
	nttys = 0;
	for (o = setting(OP_M_DELLINK, 0); o; o = setting(OP_M_DELLINK, (uint32_t)(o - settings->ops) + 1))
		del_link(o->a[0].p);
	for (o = setting(OP_M_CGROUP, 0); o; o = setting(OP_M_CGROUP, (uint32_t)(o - settings->ops) + 1))
		remove_tree(o->a[0].p);
	/* Back to the parent of each v1 monitor cgroup (see handover), then remove them. */
	for (o = setting(OP_M_SELFCG, 0); o; o = setting(OP_M_SELFCG, (uint32_t)(o - settings->ops) + 1)) {
		(void)write_file(o->a[1].p, "tasks", "0");
		(void)rmdir(o->a[0].p);
	}
	/* The lxc.cgroup.dir directories the start made, deepest first; one
	 * another container still uses stays (rmdir fails). */
	for (uint32_t i = settings ? settings->nops : 0; i > 0; i--)
		if (settings->ops[i - 1].type == OP_M_RMDIR)
			(void)rmdir(settings->ops[i - 1].a[0].p);
}

/*
 * remove_record: the teardown left nothing, so the boot record goes, with
 * its directories up to the one the setting names when they are empty.
 * The lock goes when we exit.
 */
static void remove_record(void)
{
	const struct op *o = setting(OP_M_RECORD, 0);
	char dir[PATH_MAX];

	if (!o)
		return;
	(void)unlink(o->a[0].p);
	snprintf(dir, sizeof(dir), "%s", o->a[0].p);
	size_t stop = strlen(o->a[1].p);
	for (char *slash = strrchr(dir, '/'); slash && (size_t)(slash - dir) > stop; slash = strrchr(dir, '/')) {
		*slash = 0;
		if (strncmp(dir, o->a[1].p, stop) != 0 || rmdir(dir) < 0)
			break;
	}
}

/* init_exited handles the end of the container's init. */
static void init_exited(void)
{
	siginfo_t si = { 0 };
	int code;

	if (waitid(P_PID, (id_t)init_pid, &si, WEXITED) < 0)
		return;
	code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	notify(NULL, code);
	int reboot = (reboot_rq || (si.si_code != CLD_EXITED && si.si_status == SIGHUP)) && !stop_rq;
	reboot_rq = reboot;
	close(pidfd);
	pidfd = -1;
	set_state(ST_STOPPING);
	/* A wait status, as wait(2) gives it, for the Go monitor. */
	int status = si.si_code == CLD_EXITED ? si.si_status << 8 : si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	const struct op *g = setting(OP_M_GO, 0);
	if (reboot || (g && (g->flags & OPF_GOSTOP)))
		hand_to_go(NULL, NULL, status);
	init_pid = 0;
	teardown();
	const struct op *p = setting(OP_M_PIDFILE, 0);
	if (p)
		unlink(p->a[0].p);
	remove_record();
	set_state(ST_STOPPED);
	_exit(0);
}

/* add appends to the text of _GOLXC_RESUME, bounded by its buffer. */
static void __attribute__((format(printf, 4, 5))) add(char *b, size_t n, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*at >= n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b + *at, n - *at, fmt, ap);
	va_end(ap);
	*at += r > 0 ? (size_t)r : 0;
}

/* keep lets fd survive the execve, and names it in the resume text. */
static void keep(char *b, size_t n, size_t *at, const char *key, int fd)
{
	if (fd >= 0 && fcntl(fd, F_SETFD, 0) == 0)
		add(b, n, at, "%s%d", key, fd);
}

/*
 * hand_to_go becomes the Go monitor: same pid, so init stays our child,
 * and same socket. It happens for a reboot (Go builds every boot), for a
 * stop whose teardown is Go's (OPF_GOSTOP: hooks, network devices, an
 * ephemeral container...), and for a command only Go answers (req, with
 * its text; status -1: init runs). Everything we hold goes along, named
 * in _GOLXC_RESUME (internal/runner/takeover_linux.go reads it): the
 * socket, lxc-start's state for Go, init's wait status, the stop and
 * reboot requests, the terminals, the namespaces held for the stop hooks,
 * the boot record, and every client with what it waits for.
 */
static void hand_to_go(const struct conn *req, const char *text, int status)
{
	const struct op *o = setting(OP_M_GO, 0);
	size_t n = 512 + 40 * (size_t)(nconns + nttys + nheld), at = 0;
	char *b = malloc(n), *t = text ? malloc(strlen(text) + 32) : NULL, **env, **e;
	int64_t now = now_ms();

	if (!o || go_image < 0 || go_state < 0 || !b || (text && !t))
		_exit(1);
	add(b, n, &at, "_GOLXC_RESUME=pid=%d status=%d stop=%d reboot=%d", init_pid, status, stop_rq, reboot_rq);
	keep(b, n, &at, " listen=", lfd);
	keep(b, n, &at, " record=", record);
	keep(b, n, &at, " devpts=", devpts);
	keep(b, n, &at, " console=", console);
	for (int i = 0; i < nttys; i++)
		keep(b, n, &at, i ? "," : " ttys=", ttys[i]);
	for (int i = 0; i < nheld; i++)
		keep(b, n, &at, i ? "," : " held=", held[i]);
	for (int i = 0, first = 1; i < nconns; i++) {
		const struct conn *c = &conns[i];
		if (c->kind == C_FREE || c == req)
			continue;
		keep(b, n, &at, first ? " conns=" : ",", c->fd);
		first = 0;
		if (c->kind == C_HOLD)
			add(b, n, &at, ":h:%d", c->tty);
		else if (c->kind == C_CONSOLE)
			add(b, n, &at, ":c");
		else
			add(b, n, &at, ":w:%u:%lld", c->waiting, (long long)(c->deadline ? c->deadline - now : -1));
	}
	if (req)
		keep(b, n, &at, " req=", req->fd);
	if (at >= n || fcntl(go_state, F_SETFD, 0) < 0)
		_exit(1);
	/* Go's environment, then the stage's descriptor and ours. */
	char **base = list_vec(&o->a[3]);
	size_t nb = 0;
	while (base[nb])
		nb++;
	env = calloc(nb + 4, sizeof(*env));
	if (!env)
		_exit(1);
	memcpy(env, base, nb * sizeof(*env));
	e = env + nb;
	*e = malloc(32);
	if (!*e)
		_exit(1);
	snprintf(*e++, 32, "_GOLXC_STAGE_FD=%d", go_state);
	*e++ = b;
	if (t) {
		sprintf(t, "_GOLXC_RESUME_REQ=%s", text);
		*e++ = t;
	}
	syscall(SYS_execveat, go_image, "", list_vec(&o->a[2]), env, AT_EMPTY_PATH);
	_exit(1);
}

/* recv_ctl reads a message from lxc-start, with up to max descriptors. */
static int recv_ctl(struct sync_msg *m, char *text, size_t textmax, int *fds, int max)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 253)];
	struct iovec iov[2] = { { m, sizeof(*m) }, { text, textmax - 1 } };
	struct msghdr h = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	int n = 0;
	ssize_t r;

	do
		r = recvmsg(ctl, &h, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < (ssize_t)sizeof(*m) || m->magic != SYNC_MAGIC)
		return -1;
	text[r - (ssize_t)sizeof(*m)] = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
		for (size_t i = 0; c->cmsg_type == SCM_RIGHTS && i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fds && n < max)
				fds[n++] = fd;
			else
				close(fd);
		}
	return n;
}

static void send_ctl(uint32_t kind, int err)
{
	struct sync_msg m = { .magic = SYNC_MAGIC, .kind = kind, .err = err };

	(void)send(ctl, &m, sizeof(m), MSG_NOSIGNAL);
}

/*
 * start binds the command socket: a bound name means "already running",
 * as in LXC, and binding first makes it the lock that lets only one of
 * concurrent starts go on to make cgroups.
 */
static void start(void)
{
	struct sync_msg m;
	char name[256];
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (recv_ctl(&m, name, sizeof(name), NULL, 0) < 0 || m.kind != SYNC_START)
		_exit(1);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	/* Abstract name: sun_path[0] = 0, then the name, no terminating NUL. */
	size_t n = strlen(name);
	if (lfd < 0 || n + 1 > sizeof(a.sun_path))
		_exit(1);
	memcpy(a.sun_path + 1, name, n);
	if (bind(lfd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
		send_ctl(errno == EADDRINUSE ? SYNC_BUSY : SYNC_ERROR, errno);
		_exit(0);
	}
	if (listen(lfd, 64) < 0) {
		send_ctl(SYNC_ERROR, errno);
		_exit(1);
	}
	send_ctl(SYNC_BOUND, 0);
}

/*
 * exec_stage2 runs a user's stage-2 as a program of its own: memory made
 * by an execve in the container's user namespace belongs to it, which
 * lets lxc-user-nic, as the user, open the stage-2's network namespace
 * once it is no longer dumpable (a clone's memory is the monitor's, of
 * the host's user namespace). Exec'd as a user the namespace does not map
 * yet, it keeps the namespace's capabilities only as ambient ones, which
 * become_userns_root drops.
 */
static void exec_stage2(int img)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	char *argv[] = { "golxc-stage2", "stage2", NULL }, *envp[] = { NULL };

	if (dup2(img, SELF_FD) < 0 || syscall(SYS_capget, &h, d) < 0)
		_exit(1);
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	if (sys_capset(&h, d) < 0)
		_exit(1);
	for (unsigned long c = 0; c < 64; c++)
		(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0); /* EINVAL past the last one */
	syscall(SYS_execveat, SELF_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(1);
}

/*
 * clone_stage2 clones the stage-2 into the container's namespaces with
 * the descriptors lxc-start sent: its sync channel, the plan, the plan's
 * files, then (flagged in nttys) the cgroup2 directory and a shared PID
 * namespace to be born in, and our image for a user's stage-2 to exec.
 */
static void clone_stage2(void)
{
	struct sync_msg m;
	char text[16];
	int fds[256], n = recv_ctl(&m, text, sizeof(text), fds, 256), own = -1;
	int img = (m.nttys & 4) && n > 0 ? fds[--n] : -1;
	int pidns = (m.nttys & 2) && n > 0 ? fds[--n] : -1;
	int cg = (m.nttys & 1) && n > 0 ? fds[--n] : -1;

	if (n < 2 || m.kind != SYNC_CLONE)
		_exit(1);
	/*
	 * lxc.namespace.share.pid: setns(CLONE_NEWPID) changes only where our
	 * next child is born; we return to our own right after the clone.
	 */
	if (pidns >= 0 && ((own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0 || setns(pidns, CLONE_NEWPID) < 0)) {
		send_ctl(SYNC_ERROR, errno);
		_exit(1);
	}
	/*
	 * Born in the container's cgroup2 cgroup (CLONE_INTO_CGROUP, Linux
	 * 5.7): no migration, which would wait for an RCU grace period. The v1
	 * ones the stage-2 enters itself (OP_CGJOIN). clone3 with no stack
	 * returns in the child on a copy of ours, like fork.
	 */
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
			set_tid_size, cgroup;
	} ca = { .flags = (uint32_t)m.err | (cg >= 0 ? 0x200000000ULL : 0), .exit_signal = SIGCHLD,
		 .cgroup = (uint64_t)(cg >= 0 ? cg : 0) };
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	int placed = cg >= 0 && pid >= 0;
	if (pid < 0 && cg >= 0) /* an older kernel: lxc-start places the stage-2 */
		pid = (pid_t)syscall(SYS_clone, (unsigned long)(uint32_t)m.err | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		send_ctl(SYNC_ERROR, errno);
		_exit(1);
	}
	if (pid == 0) {
		/*
		 * The stage-2: dies with us; nothing of the monitor's stays
		 * open; its descriptors go where stage2_main expects them (3:
		 * sync, 4: plan, 6 on: the plan's files), through numbers above
		 * all of them so no dup2 clobbers one not yet moved.
		 */
		if (m.console)
			(void)prctl(PR_SET_PDEATHSIG, m.console, 0, 0, 0);
		close(ctl);
		close(lfd);
		if (pidns >= 0)
			close(pidns), close(own);
		if (img >= 0)
			img = fcntl(img, F_DUPFD, 512);
		for (int i = 0; i < n; i++) {
			int hi = fcntl(fds[i], F_DUPFD, 512);
			close(fds[i]);
			fds[i] = hi;
		}
		for (int i = 0; i < n; i++) {
			if (fds[i] < 0 || dup2(fds[i], i < 2 ? 3 + i : 4 + i) < 0)
				_exit(1);
			close(fds[i]);
		}
		if (img >= 0)
			exec_stage2(img);
		stage2_main();
	}
	if (own >= 0 && setns(own, CLONE_NEWPID) < 0)
		_exit(1); /* our later children (a Go monitor's hooks) would be in the other container */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (cg >= 0)
		close(cg);
	if (pidns >= 0)
		close(pidns), close(own);
	if (img >= 0)
		close(img);
	init_pid = pid;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct sync_msg b = { .magic = SYNC_MAGIC, .kind = SYNC_BOUND, .err = pid, .console = placed };
	(void)send(ctl, &b, sizeof(b), MSG_NOSIGNAL);
}

/*
 * handover takes the settings and terminals once the container runs. It
 * returns -1 if lxc-start gave up (abort or gone): then the stage-2 dies
 * and lxc-start cleans up.
 */
static int handover(void)
{
	struct sync_msg m;
	char text[16];
	int fds[70], n = recv_ctl(&m, text, sizeof(text), fds, 70);
	struct stat st;
	char err[256];

	/* fds: settings, devpts, the console's master, tty masters, then m.err extras. */
	int nextra = m.err, *extra = fds + n - nextra;
	if (n < 2 || m.kind != SYNC_HANDOVER || nextra < 0 || nextra > n - 2 || fstat(fds[0], &st) < 0)
		return -1;
	settings_buf = malloc((size_t)st.st_size);
	struct plan *p = calloc(1, sizeof(*p));
	if (!settings_buf || !p || pread(fds[0], settings_buf, (size_t)st.st_size, 0) != st.st_size ||
	    plan_decode(settings_buf, (size_t)st.st_size, p, err, sizeof(err)) < 0)
		return -1;
	close(fds[0]);
	settings = p;
	devpts = fds[1];
	int i = 2;
	if (m.console)
		(void)fcntl(console = fds[i++], F_SETFL, O_NONBLOCK);
	for (nttys = 0; i < n - nextra && nttys < 64; i++)
		ttys[nttys++] = fds[i];
	const struct op *o = setting(OP_M_SIGNALS, 0);
	if (o) {
		sig_stop = (int)arg_u64(o, 0);
		sig_halt = (int)arg_u64(o, 1);
		sig_reboot = (int)arg_u64(o, 2);
	}
	/* Settings name extras by their index. */
	if ((o = setting(OP_M_CONSOLE, 0))) {
		struct stat ls;
		if (arg_u64(o, 0) < (uint64_t)nextra && fstat(logfd = extra[arg_u64(o, 0)], &ls) == 0)
			log_size = (uint64_t)ls.st_size;
		log_max = arg_u64(o, 1);
		if (arg_u64(o, 3) < (uint64_t)nextra)
			peer = extra[arg_u64(o, 3)];
	}
	for (o = setting(OP_M_HOLD, 0); o && nheld < 16; o = setting(OP_M_HOLD, (uint32_t)(o - settings->ops) + 1))
		if (arg_u64(o, 0) < (uint64_t)nextra)
			held[nheld++] = extra[arg_u64(o, 0)];
	if ((o = setting(OP_M_GO, 0)) && arg_u64(o, 0) < (uint64_t)nextra && arg_u64(o, 1) < (uint64_t)nextra) {
		go_image = extra[arg_u64(o, 0)];
		go_state = extra[arg_u64(o, 1)];
	}
	/* Held; passed on to the Go monitor, which keeps holding it. */
	if ((o = setting(OP_M_RECORD, 0)) && arg_u64(o, 2) < (uint64_t)nextra)
		record = extra[arg_u64(o, 2)];
	return 0;
}

/* console_out drains the console into its log and every attached client. */
static void console_out(void)
{
	char buf[8192];
	ssize_t n = read(console, buf, sizeof(buf));

	if (n < 0 && errno == EAGAIN)
		return; /* the event went by (non-blocking: never hang here) */
	if (n <= 0) {
		/* EIO: every peer closed; the container is going. */
		epoll_ctl(ep, EPOLL_CTL_DEL, console, NULL);
		return;
	}
	if (logfd >= 0 && log_max && log_size + (uint64_t)n > log_max) {
		/* lxc.console.size: the full log becomes FILE.1, or is emptied. */
		const struct op *o = setting(OP_M_CONSOLE, 0);
		char old[4096];
		int fd = -1;
		log_size = 0;
		if (*o->a[2].p && snprintf(old, sizeof(old), "%s.1", o->a[2].p) < (int)sizeof(old) &&
		    rename(o->a[2].p, old) == 0 &&
		    (fd = open(o->a[2].p, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
			dup3(fd, logfd, O_CLOEXEC);
		else
			(void)!ftruncate(logfd, 0);
		if (fd >= 0)
			close(fd);
	}
	if (logfd >= 0 && write(logfd, buf, (size_t)n) > 0)
		log_size += (uint64_t)n;
	if (peer >= 0)
		(void)!write(peer, buf, (size_t)n);
	for (int i = 0; i < nconns; i++)
		if (conns[i].kind == C_CONSOLE && write(conns[i].fd, buf, (size_t)n) < 0)
			conn_close(&conns[i]);
}

void monitor_main(int ctl_fd)
{
	struct epoll_event ev[16];

	ctl = ctl_fd;
	(void)chdir("/");
	close(3); /* our own image, exec'd as /proc/self/fd/3 */
	start();
	clone_stage2();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		_exit(1);
	watch(lfd, EPOLLIN);
	watch(ctl, EPOLLIN);
	for (;;) {
		int64_t next = -1, t = now_ms();
		for (int i = 0; i < nconns; i++)
			if (conns[i].kind == C_REQ && conns[i].deadline && (next < 0 || conns[i].deadline < next))
				next = conns[i].deadline;
		int n = epoll_wait(ep, ev, 16, next < 0 ? -1 : (int)(next > t ? next - t : 0));
		for (int i = 0; i < nconns; i++) {
			struct conn *c = &conns[i];
			if (c->kind == C_REQ && c->deadline && c->deadline <= now_ms()) {
				reply_err(c->fd, "timeout");
				c->waiting = 0;
				c->deadline = 0;
			}
		}
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			if (fd == lfd) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				struct ucred cr;
				socklen_t l = sizeof(cr);
				if (cfd < 0)
					continue;
				/* Root and our own uid only, as LXC's command socket. */
				if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0 || (cr.uid != 0 && cr.uid != geteuid()) ||
				    !conn_new(cfd, C_REQ))
					close(cfd);
			} else if (fd == ctl) {
				if (handover() < 0) {
					/* lxc-start failed or died: it cleans up what it made. */
					kill(init_pid, SIGKILL);
					waitpid(init_pid, NULL, 0);
					_exit(1);
				}
				epoll_ctl(ep, EPOLL_CTL_DEL, ctl, NULL);
				watch(pidfd, EPOLLIN);
				if (console >= 0)
					watch(console, EPOLLIN);
				/* A terminal as lxc.console.path: its input goes to the console. */
				const struct op *co = setting(OP_M_CONSOLE, 0);
				if (peer >= 0 && co && arg_u64(co, 4))
					watch(peer, EPOLLIN);
				set_state(ST_RUNNING);
				send_ctl(SYNC_OK, 0);
				close(ctl);
				ctl = -1;
				/*
				 * Our own cgroup, as LXC's monitor has: the v1 ones,
				 * through "tasks" ("0": ourselves, single-threaded, no
				 * cgroup-wide lock). On cgroup2 a process can only move
				 * whole through cgroup.procs, which waits for an RCU grace
				 * period at every start and stop: we stay where lxc-start
				 * was there.
				 */
				for (const struct op *o = setting(OP_M_SELFCG, 0); o;
				     o = setting(OP_M_SELFCG, (uint32_t)(o - settings->ops) + 1))
					(void)write_file(o->a[0].p, "tasks", "0");
			} else if (fd == pidfd) {
				init_exited();
			} else if (fd == console) {
				console_out();
			} else if (fd == peer) {
				char in[4096];
				ssize_t r = read(peer, in, sizeof(in));
				if (r <= 0)
					epoll_ctl(ep, EPOLL_CTL_DEL, peer, NULL);
				else if (console >= 0)
					(void)!write(console, in, (size_t)r);
			} else {
				struct conn *c = conn_of(fd);
				char buf[65536];
				ssize_t r;
				if (!c)
					continue;
				r = read(fd, buf, c->kind == C_REQ ? sizeof(buf) - 1 : sizeof(buf));
				if (r <= 0 || c->kind == C_HOLD) {
					conn_close(c);
				} else if (c->kind == C_CONSOLE) {
					if (console >= 0)
						(void)!write(console, buf, (size_t)r);
				} else {
					buf[r] = 0;
					request(c, buf);
				}
			}
		}
	}
}
