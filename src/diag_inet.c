/* inet_diag (TCP, UDP, UDP-Lite over IPv4/IPv6): request and parser. */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
#include <linux/mptcp.h>

#include "diag.h"
#include "socktab.h"
#include "util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static const unsigned proto_ipproto[SKC_PROTO_MAX] = {
	[SKC_TCP] = IPPROTO_TCP,
	[SKC_UDP] = IPPROTO_UDP,
	[SKC_UDPLITE] = IPPROTO_UDPLITE,
	[SKC_RAW] = IPPROTO_RAW,
	[SKC_MPTCP] = IPPROTO_MPTCP,
	[SKC_SCTP] = IPPROTO_SCTP,
};

static bool is_stream(unsigned proto)
{
	return proto == SKC_TCP || proto == SKC_MPTCP || proto == SKC_SCTP;
}

struct nlmsghdr *diag_inet_request(char *buf, int family, unsigned proto,
				   uint32_t states)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = (unsigned char)family;
	r->sdiag_protocol = (unsigned char)proto_ipproto[proto];
	r->idiag_states = states ? states : is_stream(proto) ? DIAG_INET_STATES : DIAG_ALL_STATES;
	r->idiag_ext = 1u << (INET_DIAG_SKMEMINFO - 1);
	/* tcp_info for TCP (and, as root, the ULP info that marks MPTCP
	 * subflows); mptcp_info for MPTCP */
	if (proto == SKC_TCP || proto == SKC_MPTCP)
		r->idiag_ext |= 1u << (INET_DIAG_INFO - 1);
	/* raw_diag reads the 4th byte as sdiag_raw_protocol; a dump
	 * ignores it (raw_diag_dump), a lookup would not */
	if (proto == SKC_RAW)
		((struct inet_diag_req_raw *)r)->sdiag_raw_protocol = IPPROTO_RAW;
	/* IPPROTO_MPTCP does not fit sdiag_protocol: the kernel takes it
	 * from INET_DIAG_REQ_PROTOCOL (inet_diag_dump_start), as ss -M */
	if (proto_ipproto[proto] > 255)
		mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, proto_ipproto[proto]);
	return nlh;
}

/* Minimum payload per attribute we read; longer is fine (structures grow
 * across kernels), shorter is rejected. */
static const unsigned short inet_attr_min[INET_DIAG_MAX + 1] = {
	[INET_DIAG_INFO] = 8,	/* first fields of tcp_info; copied partially */
	[INET_DIAG_SKMEMINFO] = sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1),
	[INET_DIAG_CGROUP_ID] = sizeof(uint64_t),
	[INET_DIAG_PROTOCOL] = sizeof(uint8_t),
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
	if (len >= offsetof(struct tcp_info, tcpi_last_ack_recv)) {
		s->last_data_recv = ti.tcpi_last_data_recv;
		s->last_data_sent = ti.tcpi_last_data_sent;
		s->unacked = ti.tcpi_unacked;
		s->has_tcp_times = true;
	}
}

/* MPTCP: the connection token (which its subflows carry too) and the
 * bytes written but not yet acknowledged at the MPTCP level. */
static void read_mptcp_info(struct skc_sock *s, const struct nlattr *attr)
{
	struct mptcp_info mi;
	size_t len = mnl_attr_get_payload_len(attr);

	memset(&mi, 0, sizeof(mi));
	memcpy(&mi, mnl_attr_get_payload(attr), len < sizeof(mi) ? len : sizeof(mi));
	if (len < offsetof(struct mptcp_info, mptcpi_rcv_nxt))
		return;
	if (mi.mptcpi_token)
		sock_rare_w(s)->mptcp_token = mi.mptcpi_token;
	/* the socket's own Send-Q (sk_wmem_alloc) is near 0 even when
	 * blocked: the data waits in its retransmit queue */
	if (s->state != 10 && mi.mptcpi_write_seq >= mi.mptcpi_snd_una)
		s->wqueue = (uint32_t)(mi.mptcpi_write_seq - mi.mptcpi_snd_una);
	/* what the tracker compares to see the peer acknowledge data
	 * (tx-stalled): snd_una moves exactly when bytes_acked would */
	s->bytes_acked = mi.mptcpi_snd_una;
}

static const unsigned short ulp_min[INET_ULP_INFO_MAX + 1] = { 0 };
static const unsigned short subflow_min[MPTCP_SUBFLOW_ATTR_MAX + 1] = {
	[MPTCP_SUBFLOW_ATTR_TOKEN_LOC] = sizeof(uint32_t),
};

/* A TCP socket whose upper-layer protocol is "mptcp" is a subflow of an
 * MPTCP connection (the kernel reports it only to CAP_NET_ADMIN:
 * tcp_diag_get_aux). */
static void read_ulp(struct skc_sock *s, const struct nlattr *attr)
{
	const struct nlattr *ulp[INET_ULP_INFO_MAX + 1] = { 0 };
	const struct nlattr *sf[MPTCP_SUBFLOW_ATTR_MAX + 1] = { 0 };

	if (diag_parse_nested(attr, DIAG_ATTRS(ulp, ulp_min)) < 0 ||
	    !ulp[INET_ULP_INFO_NAME] ||
	    strncmp(mnl_attr_get_payload(ulp[INET_ULP_INFO_NAME]), "mptcp",
		    mnl_attr_get_payload_len(ulp[INET_ULP_INFO_NAME])) != 0)
		return;
	s->subflow = true;
	if (ulp[INET_ULP_INFO_MPTCP] &&
	    diag_parse_nested(ulp[INET_ULP_INFO_MPTCP], DIAG_ATTRS(sf, subflow_min)) == 0 &&
	    sf[MPTCP_SUBFLOW_ATTR_TOKEN_LOC])
		sock_rare_w(s)->mptcp_token = mnl_attr_get_u32(sf[MPTCP_SUBFLOW_ATTR_TOKEN_LOC]);
}

int diag_inet_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct nlattr *tb[ARRAY_SIZE(inet_attr_min)] = { 0 };
	const struct inet_diag_msg *m;
	struct skc_sock *s;

	m = diag_msg(nlh, sizeof(*m), AF_INET, AF_INET6, DIAG_ATTRS(tb, inet_attr_min), ctx);
	if (!m)
		return MNL_CB_OK;
	s = socktab_add(ctx->t);
	s->proto = ctx->proto;
	s->family = m->idiag_family;
	s->type = is_stream(ctx->proto) ? SOCK_STREAM :
		  ctx->proto == SKC_RAW ? SOCK_RAW : SOCK_DGRAM;
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
	if (tb[INET_DIAG_INFO] && ctx->proto == SKC_MPTCP)
		read_mptcp_info(s, tb[INET_DIAG_INFO]);
	if (tb[INET_DIAG_ULP_INFO] && ctx->proto == SKC_TCP)
		read_ulp(s, tb[INET_DIAG_ULP_INFO]);
	if (tb[INET_DIAG_PROTOCOL] && ctx->proto == SKC_RAW)
		sock_rare_w(s)->sproto = mnl_attr_get_u8(tb[INET_DIAG_PROTOCOL]);
	/* a raw socket's "port" is its protocol (inet_num) */
	if (ctx->proto == SKC_RAW) {
		if (!sock_rare(s)->sproto)
			sock_rare_w(s)->sproto = s->local.port;
		s->local.port = s->peer.port = 0;
	}
	if (tb[INET_DIAG_CGROUP_ID]) {
		s->cgroup_id = mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID]);
		s->has_cgroup = true;
	}
	return MNL_CB_OK;
}
