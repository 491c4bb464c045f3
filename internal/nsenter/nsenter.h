/*
 * The wire format between the Go parent (nsenter_linux.go) and the
 * constructor in nsexec.c. Both sides run the same binary, so native byte
 * order and layout are fine; TestLayout checks that Go's encoding matches
 * these structs.
 */
#ifndef GOLXC_NSENTER_H
#define GOLXC_NSENTER_H

#include <stdint.h>

/* Environment variable naming the inherited channel (a SOCK_SEQPACKET fd). */
#define NSENTER_ENV "_GOLXC_NSENTER"

#define NSENTER_MAGIC 0x4e584c47u /* "GLXN" */
#define NSENTER_MAX_FDS 8

/*
 * What to join, sent by the parent once the child has been placed in the
 * container's cgroups. SCM_RIGHTS carries nfds descriptors: either one
 * pidfd (fd_flags[0] == 0: setns(pidfd, flags), Linux 5.8+) or one
 * namespace fd per joined namespace (fd_flags[i] = its CLONE_NEW* flag).
 */
struct nsenter_boot {
	uint32_t magic;
	uint32_t flags;
	uint32_t nfds;
	uint32_t fd_flags[NSENTER_MAX_FDS];
	int32_t setup_uid; /* ids to take after joining a user namespace */
	int32_t setup_gid;
	uint32_t remount_sys_proc; /* lxc-attach -R: new mount ns, fresh /proc and /sys */
	uint32_t exec_plan; /* the attached process performs a plan and execs (attach.c) */
};

/* The intermediate's answer: the attached process's pid, or an error. */
struct nsenter_reply {
	uint32_t magic;
	int32_t pid;
	int32_t err; /* errno */
	char msg[116];
};

#endif
