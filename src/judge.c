/* judge: per-socket figures and flags from one sample's raw kernel
 * numbers.  The rules are documented in skcheck(8) FLAGS. */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "judge.h"
#include "socktab.h"
#include "util.h"

static uint64_t sk(const struct skc_sock *s, int i)
{
	return s->has_skmem ? s->skmem[i] : 0;
}

/* A received FIN takes one sequence number, so until the application
 * reads the end of the stream TCP's Recv-Q (rcv_nxt - copied_seq:
 * tcp_diag_get_info) counts it: a CLOSE-WAIT socket with no data shows
 * Recv-Q 1.  Once read, copied_seq passes it (tcp_recvmsg_locked). */
static uint32_t fin_in_recv_q(const struct skc_sock *s)
{
	if (s->proto != SKC_TCP || !s->rqueue)
		return 0;
	return s->state == SKC_ST_CLOSE_WAIT || s->state == SKC_ST_LAST_ACK ||
	       s->state == SKC_ST_CLOSING;
}

void judge_socket(struct skc_sock *s, const struct skc_judge_opts *o)

{
	s->flags = 0;
	if (sock_is_listener(s)) {
		/* Recv-Q is the accept queue (connections), Send-Q its limit:
		 * see inet_diag_get_info / sk_diag_show_rqlen. */
		s->recv_q = 0;
		s->send_q = 0;
		sock_rare_w(s)->accept_q = s->rqueue;
		s->rare->accept_max = s->wqueue;
		if (s->rqueue > s->wqueue)	/* sk_acceptq_is_full */
			s->flags |= SKC_F_ACCEPT_FULL;
	} else {
		s->recv_q = s->rqueue - fin_in_recv_q(s);
		s->send_q = s->wqueue;
	}
	s->drops = sk(s, SK_MEMINFO_DROPS);

	if (s->recv_q + sock_rare(s)->pending_bytes >= o->residue_bytes)
		s->flags |= SKC_F_RESIDUE;
	if (s->proto != SKC_UNIX && !sock_is_listener(s) &&
	    sk(s, SK_MEMINFO_RCVBUF) > 0 &&
	    sk(s, SK_MEMINFO_RMEM_ALLOC) * 100 >=
		    sk(s, SK_MEMINFO_RCVBUF) * o->rcvbuf_pct)
		s->flags |= SKC_F_RCVBUF_FULL;
	if (s->drops > 0)
		s->flags |= SKC_F_DROPS;
	if (judge_pins_pages(s->pinned, sock_mem(s), o))
		s->flags |= SKC_F_PINS_PAGES;
}

bool judge_pins_pages(uint64_t pinned, uint64_t truesize,
		      const struct skc_judge_opts *o)
{
	return pinned > 0 && pinned >= o->pins_min &&
	       pinned >= (uint64_t)o->pins_ratio * truesize;
}

/* UNIX queues are charged to the sender (MEM, see judge_socket): their
 * pinned pages go the same way, from the receiving socket whose queue
 * the walk found them in to its peer, so pinned and truesize compare on
 * one socket.  A receiver without a peer (unconnected datagrams) keeps
 * them. */
static void credit_unix_pins(struct skc_host *h)
{
	struct skc_socktab *t = &h->socks;
	/* as the walk found them (moves must not chain): only the few UNIX
	 * sockets with pinned pages and a peer, in table order */
	struct { size_t i; uint64_t pinned; } *found = NULL;
	size_t i, j, n = 0, cap = 0;
	long k;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].proto != SKC_UNIX || !t->v[i].pinned || !t->v[i].unix_peer)
			continue;
		grow_array((void **)&found, &cap, n + 1, sizeof(*found));
		found[n].i = i;
		found[n++].pinned = t->v[i].pinned;
	}
	for (j = 0; j < n; j++) {
		struct skc_sock *s = &t->v[found[j].i], *peer;

		k = socktab_find(t, s->unix_peer);
		if (k < 0 || (size_t)k == found[j].i || t->v[k].proto != SKC_UNIX)
			continue;
		peer = &t->v[k];
		peer->pinned += found[j].pinned;
		peer->pinned_capped |= s->pinned_capped;
		s->pinned -= found[j].pinned;
	}
	free(found);
}

/* Cross-check: the cgroup an inet socket was created in (the kernel's
 * cgroup id) against the cgroup of the process holding it now.  They
 * differ for a socket created before its process moved, or passed in
 * from another container: worth knowing, not a flag. */
static void cgroup_cross_check(struct skc_host *h, struct skc_sock *s)
{
	const struct skc_proc *p;

	s->cgroup_match = -1;
	if (!s->has_cgroup || !s->cgroup_id || !s->nowners)
		return;
	p = &h->procs.v[s->owners[0].proc];
	if (p->cgroup_id)
		s->cgroup_match = p->cgroup_id == s->cgroup_id;
}

static bool unix_dgram(const struct skc_sock *s)
{
	return s->proto == SKC_UNIX && s->type == SOCK_DGRAM;
}

/* A UNIX datagram queue is charged to its senders (unix_dgram_sendmsg:
 * skb_set_owner_w): give each receiver the wmem_alloc of the senders
 * connected to it, the progress signal the tracker reads. */
static void add_peer_wmem(struct skc_socktab *t)
{
	size_t i;

	if (!t->slots)
		socktab_index(t);
	for (i = 0; i < t->n; i++) {
		const struct skc_sock *s = &t->v[i];
		long r;

		if (!unix_dgram(s) || !s->unix_peer)
			continue;
		r = socktab_find(t, s->unix_peer);
		if (r >= 0 && unix_dgram(&t->v[r]))
			sock_rare_w(&t->v[r])->peer_wmem += sk(s, SK_MEMINFO_WMEM_ALLOC);
	}
}

void judge_host(struct skc_host *h, const struct skc_judge_opts *o)
{
	struct skc_socktab *t = &h->socks;
	size_t i;

	/* a queued connection's bytes are its listener's (figures_add) */
	for (i = 0; i < t->n; i++)
		if (t->v[i].rare)
			t->v[i].rare->pending_bytes = t->v[i].rare->pending_mem =
				t->v[i].rare->pending_pinned = 0;
	credit_unix_pins(h);
	for (i = 0; i < t->n; i++) {
		assert(t->v[i].listener < (int32_t)t->n);
		if (t->v[i].listener >= 0)
			sock_rare_w(&t->v[t->v[i].listener])->pending_bytes +=
				t->v[i].rqueue - fin_in_recv_q(&t->v[i]);
	}
	add_peer_wmem(t);
	for (i = 0; i < t->n; i++) {
		struct skc_sock *s = &t->v[i];

		judge_socket(s, o);
		cgroup_cross_check(h, s);
	}
	/* a queued connection's memory, like its bytes, is its listener
	 * owner's to answer for */
	for (i = 0; i < t->n; i++)
		if (t->v[i].listener >= 0) {
			struct skc_sock_rare *l = sock_rare_w(&t->v[t->v[i].listener]);

			l->pending_mem += sock_mem(&t->v[i]);
			l->pending_pinned += t->v[i].pinned;
		}
}

