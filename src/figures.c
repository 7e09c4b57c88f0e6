#include "config.h"

#include <assert.h>

#include "figures.h"
#include "model.h"

uint64_t sock_unread(const struct skc_sock *s)
{
	return s->recv_q + sock_rare(s)->pending_bytes;
}

uint64_t sock_stalled_bytes(const struct skc_sock *s)
{
	if (s->flags & (SKC_F_STALLED | SKC_F_ACCEPT_STALLED))
		return sock_unread(s);
	return s->send_q;
}

/* The accept-queue rule, for every aggregate: each unread byte counts
 * once, with the socket that owns it in user space.  A connection
 * waiting in an accept queue has no fd yet (join sets its listener); its
 * bytes are credited to its listener (pending_bytes, see judge_host), so
 * here the connection itself adds its socket but not its Recv-Q.  Host,
 * namespace and protocol totals therefore equal the kernel's sum of
 * Recv-Q, and a process's RECV-Q includes its listeners' queued bytes. */
void figures_add(struct skc_figures *f, const struct skc_sock *s)
{
	assert(s->proto < SKC_PROTO_MAX);
	f->sockets++;
	f->by_proto[s->proto]++;
	/* the same for memory and the pages it pins: a queued connection's
	 * are its listener's (pending_mem, pending_pinned) */
	if (s->listener < 0) {
		f->recv_q += sock_unread(s);
		f->mem += sock_mem(s) + sock_rare(s)->pending_mem;
		f->pinned += s->pinned + sock_rare(s)->pending_pinned;
	}
	f->pending_bytes += sock_rare(s)->pending_bytes;
	f->send_q += s->send_q;
	f->drops += s->drops;
	f->accept_q += sock_rare(s)->accept_q;
	f->flags |= s->flags;
	if (s->flags & SKC_F_VERDICTS)
		f->flagged_sockets++;
	f->close_wait += s->proto == SKC_TCP && s->state == SKC_ST_CLOSE_WAIT;
	if (s->flags & SKC_F_ANY_STALL) {
		f->stalled_sockets++;
		f->stalled_bytes += sock_stalled_bytes(s);
	}
	if (s->cgroup_match >= 0) {
		f->cgroup_checked++;
		f->cgroup_mismatches += !s->cgroup_match;
	}
}

uint64_t figures_key(const struct skc_figures *f, enum skc_sort k)
{
	switch (k) {
	case SORT_SEND_Q: return f->send_q;
	case SORT_MEM: return f->mem;
	case SORT_PINNED: return f->pinned;
	case SORT_DROPS: return f->drops;
	case SORT_SOCKETS: return f->sockets;
	case SORT_CLOSE_WAIT: return f->close_wait;
	case SORT_LEAKED: return f->leaked;
	case SORT_RECV_Q: break;
	}
	return f->recv_q;
}

static int cmp_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

void figures_rank(const struct skc_figures *f, enum skc_sort k,
		  struct skc_rank *r)
{
	r->key = figures_key(f, k);
	r->recv_q = f->recv_q;
	r->accept_q = f->accept_q;
	r->mem = f->mem;
}

int rank_cmp(const struct skc_rank *a, const struct skc_rank *b)
{
	int c = cmp_desc(a->key, b->key);

	if (!c)
		c = cmp_desc(a->recv_q, b->recv_q);
	if (!c)
		c = cmp_desc(a->accept_q, b->accept_q);
	if (!c)
		c = cmp_desc(a->mem, b->mem);
	return c;
}

int figures_cmp(const struct skc_figures *a, const struct skc_figures *b,
		enum skc_sort k)
{
	struct skc_rank x, y;

	figures_rank(a, k, &x);
	figures_rank(b, k, &y);
	return rank_cmp(&x, &y);
}

bool figures_any(const struct skc_figures *f)
{
	return f->recv_q || f->send_q || f->accept_q || f->flags;
}
