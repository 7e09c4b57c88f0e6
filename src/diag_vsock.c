/* vsock_diag (AF_VSOCK, virtio and VMCI guests): request and parser.
 * The kernel reports no queues or memory for these sockets
 * (vsock_diag_msg), so they are listed to be owned, never as residue. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <linux/vm_sockets_diag.h>

#include "diag.h"
#include "socktab.h"

struct nlmsghdr *diag_vsock_request(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct vsock_diag_req *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_VSOCK;
	r->vdiag_states = ~0u;
	return nlh;
}

int diag_vsock_parse(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *ctx = data;
	const struct vsock_diag_msg *m;
	struct skc_sock *s;

	m = diag_msg(nlh, sizeof(*m), AF_VSOCK, AF_VSOCK, NULL, ctx);
	if (!m)
		return MNL_CB_OK;
	s = socktab_add(ctx->t);
	s->proto = SKC_VSOCK;
	s->family = AF_VSOCK;
	s->type = m->vdiag_type;
	s->state = m->vdiag_state;
	s->inode = m->vdiag_ino;
	s->cookie = (uint64_t)m->vdiag_cookie[1] << 32 | m->vdiag_cookie[0];
	s->netns = ctx->netns;
	sock_rare_w(s)->cid = m->vdiag_src_cid;
	s->rare->portid = m->vdiag_src_port;
	s->rare->peer_cid = m->vdiag_dst_cid;
	s->rare->peer_portid = m->vdiag_dst_port;
	return MNL_CB_OK;
}
