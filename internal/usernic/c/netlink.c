/*
 * netlink.c: the few rtnetlink requests lxc-user-nic makes. Each request
 * is built in a fixed buffer, sent on a NETLINK_ROUTE socket of the
 * calling thread's network namespace, and answered by one ack (or, for
 * RTM_GETLINK, one link message followed by nothing else we read).
 */

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "usernic.h"

/* One request or answer: big enough for every message we send or read. */
#define NL_BUF 4096

struct nl_req {
	struct nlmsghdr h;
	struct ifinfomsg i;
	char attrs[NL_BUF - sizeof(struct nlmsghdr) - sizeof(struct ifinfomsg)];
};

static unsigned int nl_seq;

int un_nl_open(void)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* req_init starts a link request of type with flags. */
static void req_init(struct nl_req *r, unsigned short type, unsigned short flags, int index)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->h.nlmsg_seq = ++nl_seq;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = index;
}

/* add_attr appends an attribute to the request, if it fits. */
static struct rtattr *add_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	char *base = (char *)r;
	size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
	struct rtattr *a;

	if (off + RTA_SPACE(len) > sizeof(*r))
		return NULL;
	a = (struct rtattr *)(base + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(base + off + RTA_LENGTH(0), data, len);
	r->h.nlmsg_len = (unsigned int)(off + RTA_SPACE(len));
	return a;
}

/* nest_end closes a nested attribute opened with add_attr(r, type, NULL, 0). */
static void nest_end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)r + r->h.nlmsg_len - (char *)nest);
}

/*
 * talk sends r and reads until the ack of our sequence number. When
 * reply is set, the first RTM_NEWLINK answer is copied there.
 */
static int talk(int nl, struct nl_req *r, struct nl_req *reply)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	union {
		char buf[NL_BUF * 2];
		struct nlmsghdr align;
	} in;
	bool got_reply = false;

	if (sendto(nl, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t n;
		struct nlmsghdr *h;

		do
			n = recv(nl, in.buf, sizeof(in.buf), 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		for (h = &in.align; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				if (e->error == 0 && reply && !got_reply)
					return -ENODEV;
				return e->error;
			}
			if (h->nlmsg_type == RTM_NEWLINK && reply && !got_reply) {
				if (h->nlmsg_len > sizeof(*reply))
					return -EMSGSIZE;
				memcpy(reply, h, h->nlmsg_len);
				got_reply = true;
			}
		}
	}
}

/* parse_link reads the attributes of an RTM_NEWLINK answer. */
static int parse_link(struct nl_req *m, struct un_link *out)
{
	int len = (int)m->h.nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct ifinfomsg));
	struct rtattr *a;

	memset(out, 0, sizeof(*out));
	out->index = m->i.ifi_index;
	for (a = IFLA_RTA(&m->i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t plen = RTA_PAYLOAD(a);

		switch (a->rta_type) {
		case IFLA_IFNAME:
			if (plen == 0 || plen > UN_IFNAMSIZ)
				return -EIO;
			memcpy(out->name, RTA_DATA(a), plen);
			out->name[UN_IFNAMSIZ - 1] = '\0';
			break;
		case IFLA_MTU:
			if (plen == sizeof(unsigned int))
				memcpy(&out->mtu, RTA_DATA(a), sizeof(unsigned int));
			break;
		case IFLA_ADDRESS:
			if (plen == 6) {
				memcpy(out->mac, RTA_DATA(a), 6);
				out->has_mac = true;
			}
			break;
		case IFLA_LINKINFO: {
			int ilen = (int)plen;
			struct rtattr *b;

			for (b = RTA_DATA(a); RTA_OK(b, ilen); b = RTA_NEXT(b, ilen)) {
				size_t klen = RTA_PAYLOAD(b);

				if (b->rta_type != IFLA_INFO_KIND || klen == 0)
					continue;
				if (klen >= sizeof(out->kind))
					klen = sizeof(out->kind) - 1;
				memcpy(out->kind, RTA_DATA(b), klen);
				out->kind[klen] = '\0';
			}
			break;
		}
		}
	}
	return 0;
}

int un_link_get(int nl, const char *name, struct un_link *out)
{
	struct nl_req r, reply;
	int ret;

	req_init(&r, RTM_GETLINK, 0, 0);
	if (!add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1))
		return -ENAMETOOLONG;
	ret = talk(nl, &r, &reply);
	if (ret < 0)
		return ret;
	return parse_link(&reply, out);
}

int un_link_get_index(int nl, int index, struct un_link *out)
{
	struct nl_req r, reply;
	int ret;

	req_init(&r, RTM_GETLINK, 0, index);
	ret = talk(nl, &r, &reply);
	if (ret < 0)
		return ret;
	return parse_link(&reply, out);
}

int un_veth_create(int nl, const char *host, const char *peer, int peer_netns_fd, unsigned int mtu)
{
	struct nl_req r;
	struct rtattr *info, *data, *peer_attr;
	struct ifinfomsg peer_ifi;

	/* NLM_F_EXCL: never take over an existing device of that name. */
	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	if (!add_attr(&r, IFLA_IFNAME, host, strlen(host) + 1))
		return -ENAMETOOLONG;
	if (mtu && !add_attr(&r, IFLA_MTU, &mtu, sizeof(mtu)))
		return -EMSGSIZE;
	info = add_attr(&r, IFLA_LINKINFO, NULL, 0);
	if (!info || !add_attr(&r, IFLA_INFO_KIND, "veth", 5))
		return -EMSGSIZE;
	data = add_attr(&r, IFLA_INFO_DATA, NULL, 0);
	if (!data)
		return -EMSGSIZE;
	/* VETH_INFO_PEER carries an ifinfomsg, then the peer's attributes. */
	memset(&peer_ifi, 0, sizeof(peer_ifi));
	peer_ifi.ifi_family = AF_UNSPEC;
	peer_attr = add_attr(&r, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	if (!peer_attr)
		return -EMSGSIZE;
	if (!add_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1))
		return -EMSGSIZE;
	if (mtu && !add_attr(&r, IFLA_MTU, &mtu, sizeof(mtu)))
		return -EMSGSIZE;
	/* The peer is born in the namespace we hold open, by descriptor:
	 * no pid that could be reused between our checks and this request. */
	if (!add_attr(&r, IFLA_NET_NS_FD, &peer_netns_fd, sizeof(peer_netns_fd)))
		return -EMSGSIZE;
	nest_end(&r, peer_attr);
	nest_end(&r, data);
	nest_end(&r, info);
	return talk(nl, &r, NULL);
}

int un_link_set_mac(int nl, int index, const unsigned char mac[6])
{
	struct nl_req r;

	req_init(&r, RTM_NEWLINK, 0, index);
	if (!add_attr(&r, IFLA_ADDRESS, mac, 6))
		return -EMSGSIZE;
	return talk(nl, &r, NULL);
}

int un_link_set_master_up(int nl, int index, int master)
{
	struct nl_req r;

	req_init(&r, RTM_NEWLINK, 0, index);
	r.i.ifi_flags = IFF_UP;
	r.i.ifi_change = IFF_UP;
	if (master > 0 && !add_attr(&r, IFLA_MASTER, &master, sizeof(master)))
		return -EMSGSIZE;
	return talk(nl, &r, NULL);
}

int un_link_rename(int nl, int index, const char *name)
{
	struct nl_req r;

	req_init(&r, RTM_NEWLINK, 0, index);
	if (!add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1))
		return -ENAMETOOLONG;
	return talk(nl, &r, NULL);
}

int un_link_delete(int nl, const char *name)
{
	struct nl_req r;

	req_init(&r, RTM_DELLINK, 0, 0);
	if (!add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1))
		return -ENAMETOOLONG;
	return talk(nl, &r, NULL);
}
