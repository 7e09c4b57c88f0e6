/* unix_diag: request and parser. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <linux/unix_diag.h>

#include "diag.h"
#include "socktab.h"
#include "util.h"

struct nlmsghdr *diag_unix_request(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct unix_diag_req *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_UNIX;
	r->udiag_states = ~0u;
	r->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
			UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID;
	return nlh;
}

/* Minimum payload per attribute we read (see diag_parse_attrs). */
static const unsigned short unix_attr_min[UNIX_DIAG_MAX + 1] = {
	[UNIX_DIAG_PEER] = sizeof(uint32_t),
	[UNIX_DIAG_RQLEN] = sizeof(struct unix_diag_rqlen),
	[UNIX_DIAG_MEMINFO] = sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1),
	[UNIX_DIAG_UID] = sizeof(uint32_t),
};

int diag_unix_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct nlattr *tb[ARRAY_SIZE(unix_attr_min)] = { 0 };
	const struct unix_diag_msg *m;
	struct skc_sock *s;

	m = diag_msg(nlh, sizeof(*m), AF_UNIX, AF_UNIX, DIAG_ATTRS(tb, unix_attr_min), ctx);
	if (!m)
		return MNL_CB_OK;
	s = socktab_add(ctx->t);
	s->proto = SKC_UNIX;
	s->family = AF_UNIX;
	s->type = m->udiag_type;
	s->state = m->udiag_state;
	s->inode = m->udiag_ino;
	s->cookie = (uint64_t)m->udiag_cookie[1] << 32 | m->udiag_cookie[0];
	s->netns = ctx->netns;
	if (tb[UNIX_DIAG_NAME] && mnl_attr_get_payload_len(tb[UNIX_DIAG_NAME])) {
		const char *name = mnl_attr_get_payload(tb[UNIX_DIAG_NAME]);
		uint32_t len = mnl_attr_get_payload_len(tb[UNIX_DIAG_NAME]);

		/* bind() usually passes the terminating NUL of a path name
		 * and the kernel keeps it (unix_mkname); abstract names keep
		 * every byte */
		while (len > 1 && name[0] != '\0' && name[len - 1] == '\0')
			len--;
		s->unix_path = socktab_strdup(ctx->t, name, len);
		s->unix_path_len = len;
	}
	if (tb[UNIX_DIAG_PEER])
		s->unix_peer = mnl_attr_get_u32(tb[UNIX_DIAG_PEER]);
	if (tb[UNIX_DIAG_RQLEN]) {
		struct unix_diag_rqlen rq;

		memcpy(&rq, mnl_attr_get_payload(tb[UNIX_DIAG_RQLEN]), sizeof(rq));
		s->rqueue = rq.udiag_rqueue;
		s->wqueue = rq.udiag_wqueue;
	}
	if (tb[UNIX_DIAG_MEMINFO])
		diag_read_skmem(s, tb[UNIX_DIAG_MEMINFO]);
	if (tb[UNIX_DIAG_UID])
		s->uid = mnl_attr_get_u32(tb[UNIX_DIAG_UID]);
	return MNL_CB_OK;
}
