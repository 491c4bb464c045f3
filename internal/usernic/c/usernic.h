/*
 * usernic.h: the pure parts of lxc-user-nic (no system calls), shared by
 * the program (main.c) and its fuzz tests (usernic_cgo.go), plus the small
 * rtnetlink layer (netlink.c).
 *
 * Every parser here takes a buffer and its length: nothing relies on a
 * terminating NUL, and nothing is read past len.
 */
#ifndef GOLXC_USERNIC_H
#define GOLXC_USERNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IFNAMSIZ of <net/if.h>: interface names are at most 15 bytes. */
#define UN_IFNAMSIZ 16
/* LXC reads the first three lxc-usernet fields with %99[^ \t]. */
#define UN_FIELD_MAX 100
/* Longest user or group name we accept from /etc/passwd and /etc/group. */
#define UN_NAME_MAX 256

/* A field of a line: where it starts and how long it is. */
struct un_span {
	const char *p;
	size_t len;
};

/* One line of lxc-usernet(5): "user type bridge count" or "@group ...". */
struct un_usernet {
	char name[UN_FIELD_MAX];
	char type[UN_FIELD_MAX];
	char link[UN_FIELD_MAX];
	int count;
};

/* One line of the NIC database: "owner type bridge nic". */
struct un_dbline {
	struct un_span owner, type, link, nic;
};

/*
 * un_valid_ifname reports whether s (len bytes) may name a network
 * interface: 1..15 bytes, not "." or "..", no '/', ':', blank, control
 * character or NUL. With allow_format a single "%d" (the kernel's "pick a
 * number" pattern, as in "eth%d") is allowed; any other '%' is not.
 */
bool un_valid_ifname(const char *s, size_t len, bool allow_format);

/* un_parse_uint parses a decimal in [0, max] that is all of s. */
bool un_parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out);

/*
 * un_parse_usernet reads one lxc-usernet line as LXC's
 * sscanf("%99[^ \t] %99[^ \t] %99[^ \t] %d") would, more strictly: the name
 * must start the line, fields are separated by blanks, the count is a
 * decimal from 0 to INT_MAX (anything after its digits is ignored, as
 * %d does). Returns true for an entry, false for a line to skip (comment,
 * blank, malformed).
 */
bool un_parse_usernet(const char *line, size_t len, struct un_usernet *e);

/*
 * un_parse_db reads one NIC database line: leading blanks are skipped,
 * '#' lines and lines with fewer than four words are not entries, the NIC
 * name must be a valid interface name. Returns true for an entry.
 */
bool un_parse_db(const char *line, size_t len, struct un_dbline *d);

/* un_span_eq reports whether span s holds exactly the string w. */
bool un_span_eq(struct un_span s, const char *w);

/*
 * un_passwd_name and un_group_name read one line of /etc/passwd or
 * /etc/group ("name:x:id:...") and, when its id is id, copy the name into
 * out (size outsz, NUL-terminated) and return true.
 */
bool un_passwd_name(const char *line, size_t len, unsigned long id, char *out, size_t outsz);
bool un_group_name(const char *line, size_t len, unsigned long id, char *out, size_t outsz);

/*
 * un_next_line returns the length of the line starting at buf (up to, not
 * including, its '\n') and sets *next to the offset after it.
 */
size_t un_next_line(const char *buf, size_t len, size_t *next);

/*
 * un_host_nic_name writes LXC's host-side name into out (UN_IFNAMSIZ
 * bytes): "veth<uid>_XXXX" for 0 < uid <= 65536, else "vethXXXXXX", where
 * each X is taken from rnd (one byte per X) in [a-zA-Z0-9].
 */
void un_host_nic_name(unsigned long uid, const unsigned char *rnd, size_t nrnd, char *out);

/* rtnetlink (netlink.c); every function returns 0 or -errno. */
struct un_link {
	int index;
	unsigned int mtu;
	unsigned char mac[6];
	bool has_mac;
	char kind[32]; /* IFLA_INFO_KIND, "" when the link has none */
	char name[UN_IFNAMSIZ];
};

int un_nl_open(void);
int un_link_get(int nl, const char *name, struct un_link *out);
int un_link_get_index(int nl, int index, struct un_link *out);
int un_veth_create(int nl, const char *host, const char *peer, int peer_netns_fd, unsigned int mtu);
int un_link_set_mac(int nl, int index, const unsigned char mac[6]);
int un_link_set_master_up(int nl, int index, int master);
int un_link_rename(int nl, int index, const char *name);
int un_link_delete(int nl, const char *name);

#endif
