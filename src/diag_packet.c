/* packet_diag (AF_PACKET: capture tools, DHCP, LLDP and VRRP daemons):
 * request and parser. */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/packet_diag.h>

#include "diag.h"
#include "socktab.h"

struct nlmsghdr *diag_packet_request(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct packet_diag_req *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_PACKET;
	r->pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO;
	return nlh;
}

static const unsigned short packet_attr_min[PACKET_DIAG_MAX + 1] = {
	[PACKET_DIAG_INFO] = sizeof(struct packet_diag_info),
	[PACKET_DIAG_UID] = sizeof(uint32_t),
	[PACKET_DIAG_MEMINFO] = sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1),
};

int diag_packet_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct nlattr *tb[PACKET_DIAG_MAX + 1] = { 0 };
	const struct packet_diag_msg *m;
	struct skc_sock *s;

	m = diag_msg(nlh, sizeof(*m), AF_PACKET, AF_PACKET, DIAG_ATTRS(tb, packet_attr_min), ctx);
	if (!m)
		return MNL_CB_OK;
	s = socktab_add(ctx->t);
	s->proto = SKC_PACKET;
	s->family = AF_PACKET;
	s->type = m->pdiag_type;
	s->state = 7;		/* shown as UNCONN, like ss */
	s->inode = m->pdiag_ino;
	s->cookie = (uint64_t)m->pdiag_cookie[1] << 32 | m->pdiag_cookie[0];
	s->netns = ctx->netns;
	sock_rare_w(s)->sproto = m->pdiag_num;	/* ethertype, host order (pdiag_num = ntohs(po->num)) */
	if (tb[PACKET_DIAG_INFO]) {
		struct packet_diag_info pi;

		memcpy(&pi, mnl_attr_get_payload(tb[PACKET_DIAG_INFO]), sizeof(pi));
		s->ifindex = pi.pdi_index;
	}
	if (tb[PACKET_DIAG_UID])
		s->uid = mnl_attr_get_u32(tb[PACKET_DIAG_UID]);
	/* packet_diag has no queue lengths: Recv-Q is rmem_alloc, Send-Q
	 * wmem_alloc, as ss shows them (truesize, like UDP) */
	if (tb[PACKET_DIAG_MEMINFO]) {
		diag_read_skmem(s, tb[PACKET_DIAG_MEMINFO]);
		s->rqueue = s->skmem[SK_MEMINFO_RMEM_ALLOC];
		s->wqueue = s->skmem[SK_MEMINFO_WMEM_ALLOC];
	}
	return MNL_CB_OK;
}
