/* inet_diag (TCP, UDP, UDP-Lite over IPv4/IPv6): request and parser. */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>

#include "diag.h"
#include "socktab.h"
#include "util.h"

/* TIME-WAIT and SYN-RECV request sockets hold no queue or memory worth
 * reporting and can number hundreds of thousands on a busy server.
 * TCP_BOUND_INACTIVE is not asked for here: the kernel serves it by
 * walking the whole bind hash, once per dump and namespace; collect.c
 * asks for it alone, and only when a leak candidate needs it. */
#define ALL_STATES 0xfffu	/* every state up to TCP_CLOSING (11) */
#define INET_STATES (ALL_STATES & ~(SKC_STATE_BIT(SKC_ST_TIME_WAIT) | \
				    SKC_STATE_BIT(SKC_ST_NEW_SYN_RECV)))

static const unsigned char proto_ipproto[SKC_PROTO_MAX] = {
	[SKC_TCP] = IPPROTO_TCP,
	[SKC_UDP] = IPPROTO_UDP,
	[SKC_UDPLITE] = IPPROTO_UDPLITE,
};

struct nlmsghdr *diag_inet_request(char *buf, int family, unsigned proto,
				   uint32_t states)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = (unsigned char)family;
	r->sdiag_protocol = proto_ipproto[proto];
	r->idiag_states = states ? states : proto == SKC_TCP ? INET_STATES : ALL_STATES;
	r->idiag_ext = 1u << (INET_DIAG_SKMEMINFO - 1);
	if (proto == SKC_TCP)
		r->idiag_ext |= 1u << (INET_DIAG_INFO - 1);
	return nlh;
}

/* Minimum payload per attribute we read; longer is fine (structures grow
 * across kernels), shorter is rejected. */
static const unsigned short inet_attr_min[INET_DIAG_MAX + 1] = {
	[INET_DIAG_INFO] = 8,	/* first fields of tcp_info; copied partially */
	[INET_DIAG_SKMEMINFO] = sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1),
	[INET_DIAG_CGROUP_ID] = sizeof(uint64_t),
};

static void copy_addr(struct skc_endpoint *ep, const __be32 *a, int family,
		      __be16 port)
{
	memcpy(ep->addr, a, family == AF_INET ? 4 : 16);
	ep->port = ntohs(port);
}

static void read_tcp_info(struct skc_sock *s, const struct nlattr *attr)
{
	struct tcp_info ti;
	size_t len = mnl_attr_get_payload_len(attr);

	/* tcp_info grows with kernels: copy what we know into a zeroed one */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, mnl_attr_get_payload(attr), len < sizeof(ti) ? len : sizeof(ti));
	if (len >= offsetof(struct tcp_info, tcpi_bytes_received) +
		   sizeof(ti.tcpi_bytes_received)) {
		s->bytes_received = ti.tcpi_bytes_received;
		s->bytes_acked = ti.tcpi_bytes_acked;
		s->has_tcpi = true;
	}
}

int diag_inet_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct nlattr *tb[ARRAY_SIZE(inet_attr_min)] = { 0 };
	const struct inet_diag_msg *m;
	struct skc_sock *s;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		ctx->bad++;
		return MNL_CB_OK;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) {
		ctx->bad++;
		return MNL_CB_OK;
	}
	if (diag_parse_attrs(nlh, sizeof(*m), DIAG_ATTRS(tb, inet_attr_min)) < 0) {
		ctx->bad++;
		return MNL_CB_OK;
	}
	s = socktab_add(ctx->t);
	s->proto = ctx->proto;
	s->family = m->idiag_family;
	s->type = ctx->proto == SKC_TCP ? SOCK_STREAM : SOCK_DGRAM;
	s->state = m->idiag_state;
	s->inode = m->idiag_inode;
	s->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	s->netns = ctx->netns;
	s->uid = m->idiag_uid;
	s->rqueue = m->idiag_rqueue;
	s->wqueue = m->idiag_wqueue;
	s->ifindex = m->id.idiag_if;
	copy_addr(&s->local, m->id.idiag_src, m->idiag_family, m->id.idiag_sport);
	copy_addr(&s->peer, m->id.idiag_dst, m->idiag_family, m->id.idiag_dport);
	if (tb[INET_DIAG_SKMEMINFO])
		diag_read_skmem(s, tb[INET_DIAG_SKMEMINFO]);
	if (tb[INET_DIAG_INFO] && ctx->proto == SKC_TCP)
		read_tcp_info(s, tb[INET_DIAG_INFO]);
	if (tb[INET_DIAG_CGROUP_ID]) {
		s->cgroup_id = mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID]);
		s->has_cgroup = true;
	}
	return MNL_CB_OK;
}
