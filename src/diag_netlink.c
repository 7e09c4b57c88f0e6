/* netlink_diag (route, uevent, audit, conntrack listeners): request and
 * parser. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>

#include "diag.h"
#include "socktab.h"

struct nlmsghdr *diag_netlink_request(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netlink_diag_req *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_NETLINK;
	r->sdiag_protocol = NDIAG_PROTO_ALL;
	r->ndiag_show = NDIAG_SHOW_MEMINFO;
	return nlh;
}

static const unsigned short netlink_attr_min[NETLINK_DIAG_MAX + 1] = {
	[NETLINK_DIAG_MEMINFO] = sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1),
};

static int cmp_cookie(const void *a, const void *b)
{
	const struct skc_sock *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

void diag_netlink_dedup(struct skc_socktab *t, size_t from)
{
	size_t i, k;

	if (t->n - from < 2)
		return;
	qsort(t->v + from, t->n - from, sizeof(*t->v), cmp_cookie);
	for (i = k = from + 1; i < t->n; i++) {
		if (t->v[i].cookie != t->v[k - 1].cookie) {
			t->v[k++] = t->v[i];
			continue;
		}
		/* nothing is joined yet (no owners) */
		socktab_release(&t->v[i]);
	}
	t->n = k;
}

int diag_netlink_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct nlattr *tb[NETLINK_DIAG_MAX + 1] = { 0 };
	const struct netlink_diag_msg *m;
	struct skc_sock *s;

	m = diag_msg(nlh, sizeof(*m), AF_NETLINK, AF_NETLINK, DIAG_ATTRS(tb, netlink_attr_min), ctx);
	if (!m)
		return MNL_CB_OK;
	/* sock_diag sockets hold nothing but dumps being served: ours, the
	 * kernel's (port 0) serving them, those of ss or another skcheck
	 * looking at the same namespace at the same moment.  Artefacts of
	 * looking, left out (their fds stay unmatched, never leaked). */
	if (m->ndiag_protocol == NETLINK_SOCK_DIAG)
		return MNL_CB_OK;
	s = socktab_add(ctx->t);
	s->proto = SKC_NETLINK;
	s->family = AF_NETLINK;
	s->type = m->ndiag_type;
	/* NETLINK_CONNECTED (1) after connect(), else unconnected */
	s->state = m->ndiag_state == 1 ? 1 : 7;
	s->inode = m->ndiag_ino;
	s->cookie = (uint64_t)m->ndiag_cookie[1] << 32 | m->ndiag_cookie[0];
	s->netns = ctx->netns;
	sock_rare_w(s)->sproto = m->ndiag_protocol;
	sock_rare_w(s)->portid = m->ndiag_portid;
	sock_rare_w(s)->peer_portid = m->ndiag_dst_portid;
	/* no queue lengths either: rmem_alloc and wmem_alloc, as ss shows;
	 * a listener that could not keep up counts each message it lost
	 * (ENOBUFS) in sk_drops (netlink_overrun) */
	if (tb[NETLINK_DIAG_MEMINFO]) {
		diag_read_skmem(s, tb[NETLINK_DIAG_MEMINFO]);
		s->rqueue = s->skmem[SK_MEMINFO_RMEM_ALLOC];
		s->wqueue = s->skmem[SK_MEMINFO_WMEM_ALLOC];
	}
	return MNL_CB_OK;
}
