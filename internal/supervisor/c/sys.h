/*
 * sys.h: the system calls and kernel structures the supervisor uses that
 * a C library may not wrap (openat2, the mount API, capabilities), and the
 * helpers every job shares (main.c).
 *
 * The structures are declared here (as kopen_how, kmount_attr) rather
 * than taken from <linux/...> headers so the supervisor builds with any libc (musl's include path has
 * no kernel headers) and old kernel headers alike; their layouts are the
 * kernel's ABI and do not change.
 */
#ifndef GOLXC_SYS_H
#define GOLXC_SYS_H

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "plan.h"

/* openat2(2), Linux 5.6. */
struct kopen_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

/* The mount API, Linux 5.2; mount_setattr(2), Linux 5.12. */
struct kmount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x1
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x1
#endif
/* fsconfig commands (an enum in <linux/mount.h>, hence our own names) */
#define FSCFG_SET_FLAG 0
#define FSCFG_SET_STRING 1
#define FSCFG_CMD_CREATE 6
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x01
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x02
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x04
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x08
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

/* capget/capset, version 3 (64 capabilities in two words). */
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective;
	uint32_t permitted;
	uint32_t inheritable;
};
#define CAP_VERSION_3 0x20080522
#define CAP_KILL 5

static inline int sys_openat2(int dirfd, const char *path, struct kopen_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int sys_move_mount(int from, int to)
{
	return (int)syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static inline int sys_fsopen(const char *fstype)
{
	return (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, 0);
}

static inline int sys_fsmount(int fd, unsigned int attr)
{
	return (int)syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, attr);
}

static inline int sys_mount_setattr(int fd, unsigned int flags, struct kmount_attr *a)
{
	return (int)syscall(SYS_mount_setattr, fd, "", flags | AT_EMPTY_PATH, a, sizeof(*a));
}

static inline int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static inline int sys_capset(struct cap_header *h, struct cap_data *d)
{
	return (int)syscall(SYS_capset, h, d);
}

/* The descriptors a stage-2 inherits (internal/runner sets them up). */
#define SYNC_FD 3
#define PLAN_FD 4
#define SELF_FD 5

/* main.c: the sync channel and errors. */
extern int sync_fd;
extern jmp_buf *optional_skip; /* set while an OPF_OPTIONAL operation runs */
void __attribute__((noreturn, format(printf, 2, 3))) die(int err, const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) warnx(const char *fmt, ...);
int send_sync(uint32_t kind, int err, const char *text, const int *fds, int nfds, int console, int nttys);
int recv_sync(uint32_t *kind);

/* plan helpers: a list argument split into a NULL-terminated vector. */
char **list_vec(const struct arg *a);

/* secure.c: -1 and errno on failure. */
int drop_caps(uint64_t mask);
int load_seccomp(const struct arg *prog);
int set_user(uid_t uid, gid_t gid, const struct arg *groups, int keep_groups);
int proc_attr(const char *name, const char *fallback, const char *value);

/* stage2.c, init.c and monitor.c. */
void __attribute__((noreturn)) monitor_main(int ctl_fd);
void __attribute__((noreturn)) stage2_main(void);
void __attribute__((noreturn)) spawn_in_userns(unsigned long flags, int userns_fd);
void __attribute__((noreturn)) init_main(const struct op *o, char **argv, char **envp);
int lookup_exec(const char *cmd, const char *path, char *out, size_t outlen);

#endif
