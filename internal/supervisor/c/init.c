/*
 * init.c: lxc-execute's pid 1 (LXC's init.lxc). Stage-2 becomes this
 * process once the container is set up (OP_INIT): it starts the
 * application as pid 2 in its own session with the plan's credentials,
 * forwards every signal it gets to it, reaps every orphan, and exits with
 * the application's status (128+N when signal N killed it). SIGTERM or
 * SIGPWR go to every process, followed by SIGKILL one second later, as
 * LXC's init does.
 */
#include "sys.h" /* first: it defines _GNU_SOURCE */

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>


#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* cannot_run is init.lxc's answer to a command that cannot be executed. */
static void __attribute__((noreturn)) cannot_run(const struct op *o, const char *cmd, int err)
{
	char text[256];

	if (!(o->flags & OPF_QUIET)) {
		snprintf(text, sizeof(text), "%s", strerror(err));
		if (text[0] >= 'A' && text[0] <= 'Z')
			text[0] = (char)(text[0] - 'A' + 'a'); /* Go's wording, as every other message */
		fprintf(stderr, "lxc-execute: %s: Failed to exec \"%s\": %s\n", o->a[5].p, cmd, text);
	}
	/* The container did come up: the monitor reports RUNNING, then STOPPED. */
	close(sync_fd);
	_exit(255);
}

/* start_app forks the application; it returns its pid once execve succeeded. */
static pid_t start_app(const struct op *o, char **argv, char **envp, const sigset_t *mask)
{
	uid_t uid = (uid_t)arg_u64(o, 2);
	gid_t gid = (gid_t)arg_u64(o, 3);
	const char *path = DEFAULT_PATH;
	char file[4096];
	int ep[2], err = 0;
	pid_t pid;

	for (char **e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (lookup_exec(argv[0], path, file, sizeof(file)) < 0)
		cannot_run(o, argv[0], errno);
	/* The child reports a failed execve through a close-on-exec pipe. */
	if (pipe2(ep, O_CLOEXEC) < 0)
		die(errno, "pipe");
	pid = fork();
	if (pid < 0)
		die(errno, "fork the application");
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, mask, NULL);
		(void)setsid();
		if (uid || gid || o->a[4].len) {
			size_t n = o->a[4].len / sizeof(gid_t);
			gid_t groups[n ? n : 1];
			memcpy(groups, o->a[4].p, n * sizeof(gid_t));
			if (setgroups(n, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
				goto fail;
		}
		(void)sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execve(file, argv, envp);
fail:
		err = errno;
		(void)!write(ep[1], &err, sizeof(err));
		_exit(255);
	}
	close(ep[1]);
	while (read(ep[0], &err, sizeof(err)) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (err) {
		waitpid(pid, NULL, 0);
		cannot_run(o, argv[0], err);
	}
	return pid;
}

void init_main(const struct op *o, char **argv, char **envp)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data kill_only[2] = { { 1u << CAP_KILL, 1u << CAP_KILL, 0 }, { 0, 0, 0 } };
	sigset_t all, old;
	int status = 0, app_done = 0, armed = 0;
	pid_t app;

	if (!argv[0])
		die(EINVAL, "no command to execute");
	/* Every signal is taken with sigwaitinfo: none interrupts us. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	app = start_app(o, argv, envp, &old);
	/* Closing the sync channel tells the monitor the container runs. */
	(void)sys_close_range(3, ~0U, 0);
	/*
	 * We need nothing but signalling and reaping; a pid 1 holding
	 * capabilities is a target for a ptrace from inside.
	 */
	(void)sys_capset(&h, kill_only);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		switch (sig) {
		case SIGCHLD:
			for (;;) {
				int ws;
				pid_t p = waitpid(-1, &ws, WNOHANG);
				if (p < 0 && errno == EINTR)
					continue;
				if (p < 0 && errno == ECHILD && app_done)
					_exit(status);
				if (p <= 0)
					break;
				if (p == app) {
					app_done = 1;
					status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
				}
			}
			break;
		case SIGTERM:
		case SIGPWR:
			kill(-1, SIGTERM);
			if (!armed) {
				armed = 1;
				alarm(1);
			}
			break;
		case SIGALRM:
			if (armed) {
				kill(-1, SIGKILL);
				break;
			}
			__attribute__((fallthrough)); /* not our alarm */
		default:
			if (!app_done)
				kill(app, sig);
		}
	}
}
