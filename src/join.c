#include "config.h"

#include <assert.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "join.h"
#include "socktab.h"
#include "util.h"

/* Every socket's owners in one block (h->socks.owners), in the order of
 * processes and their fds: two passes over the fds, one to count each
 * socket's owners, one to fill the ranges.  One allocation instead of one
 * array per socket (most sockets have one owner: a per-socket array cost
 * a 128-byte minimum each). */
static void join_owners(struct skc_host *h)
{
	struct skc_socktab *t = &h->socks;
	size_t i, j, total = 0;

	for (i = 0; i < t->n; i++)
		t->v[i].nowners = 0;
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		for (j = 0; j < p->nfds; j++) {
			long k = socktab_find(t, p->fds[j].inode);

			assert(k < (1L << 30));	/* fits skc_sockfd.sock */
			p->fds[j].matched = k >= 0;
			p->fds[j].sock = (int32_t)k;
			if (k < 0) {
				p->unmatched++;
				continue;
			}
			t->v[k].nowners++;
			total++;
		}
	}
	socktab_owners_alloc(t, total);
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		for (j = 0; j < p->nfds; j++) {
			struct skc_sock *s;

			if (p->fds[j].sock < 0)
				continue;
			s = &t->v[p->fds[j].sock];
			s->owners[s->nowners].proc = (uint32_t)i;
			s->owners[s->nowners].fd = p->fds[j].fd;
			s->nowners++;
		}
	}
}

static bool is_wildcard(const struct skc_sock *s)
{
	static const uint8_t zero[16];

	return memcmp(s->local.addr, zero, s->family == AF_INET ? 4 : 16) == 0;
}

/* Listeners sorted by (netns, port) so children find theirs by bsearch. */
static int cmp_listener(const void *a, const void *b, void *arg)
{
	const struct skc_sock *v = arg;
	const struct skc_sock *x = &v[*(const uint32_t *)a];
	const struct skc_sock *y = &v[*(const uint32_t *)b];

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (int)x->local.port - (int)y->local.port;
}

/* A child's listener: same namespace, port and family (a dual-stack v6
 * listener's IPv4 children are AF_INET6 sockets with mapped addresses),
 * and the child's address, or the wildcard. */
static bool listener_matches(const struct skc_sock *l, const struct skc_sock *c,
			     bool exact)
{
	if (l->netns != c->netns || l->local.port != c->local.port ||
	    l->family != c->family)
		return false;
	if (!exact)
		return is_wildcard(l);
	return memcmp(l->local.addr, c->local.addr,
		      c->family == AF_INET ? 4 : 16) == 0;
}

/* A child's listener among several with its address and port (a
 * SO_REUSEPORT group).  sock_diag does not say which accept queue holds
 * the child, only each listener's queue length: a member whose queue is
 * empty holds none of them.  One non-empty member: it.  Several: every
 * non-empty one is marked pending_ambiguous, and the first takes the
 * children (the group's bytes stay in one row, not split by a guess). */
static long pick_member(struct skc_socktab *t, const uint32_t *ls, size_t from,
			size_t n, const struct skc_sock *c, bool exact)
{
	long first = -1, queued = -1;
	unsigned nqueued = 0;
	size_t i;

	for (i = from; i < n; i++) {
		struct skc_sock *l = &t->v[ls[i]];

		if (l->netns != c->netns || l->local.port != c->local.port)
			break;
		if (!listener_matches(l, c, exact))
			continue;
		if (first < 0)
			first = (long)ls[i];
		if (l->rqueue && nqueued++ == 0)
			queued = (long)ls[i];
	}
	if (nqueued < 2)
		return queued >= 0 ? queued : first;
	for (i = from; i < n; i++) {
		struct skc_sock *l = &t->v[ls[i]];

		if (l->netns != c->netns || l->local.port != c->local.port)
			break;
		if (listener_matches(l, c, exact) && l->rqueue)
			l->pending_ambiguous = true;
	}
	return queued;
}

static long find_listener(struct skc_socktab *t, const uint32_t *ls,
			  size_t n, const struct skc_sock *c)
{
	size_t lo = 0, hi = n;
	long k;
	int pass;

	while (lo < hi) {	/* first listener with key >= child's */
		size_t mid = (lo + hi) / 2;
		const struct skc_sock *m = &t->v[ls[mid]];

		if (m->netns < c->netns ||
		    (m->netns == c->netns && m->local.port < c->local.port))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a listener on the child's own address wins over a wildcard one */
	for (pass = 1; pass >= 0; pass--) {
		k = pick_member(t, ls, lo, n, c, pass);
		if (k >= 0)
			return k;
	}
	return -1;
}

/* A connection waiting in an accept queue has no fd yet (inode 0) but
 * may already hold data; it belongs to whoever owns the listener. */
static void join_pending(struct skc_host *h)
{
	struct skc_socktab *t = &h->socks;
	uint32_t *ls = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].proto != SKC_TCP || t->v[i].state != TCP_LISTEN ||
		    t->v[i].subflow)
			continue;
		grow_array((void **)&ls, &cap, n + 1, sizeof(*ls));
		ls[n++] = (uint32_t)i;
	}
	if (!n)
		return;
	qsort_r(ls, n, sizeof(*ls), cmp_listener, t->v);
	for (i = 0; i < t->n; i++) {
		struct skc_sock *c = &t->v[i];

		if (c->proto != SKC_TCP || c->inode || c->subflow ||
		    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
			continue;
		c->listener = (int32_t)find_listener(t, ls, n, c);
	}
	free(ls);
}

void join_reset(struct skc_host *h)
{
	size_t i;

	socktab_owners_alloc(&h->socks, 0);
	for (i = 0; i < h->socks.n; i++) {
		h->socks.v[i].listener = -1;
		h->socks.v[i].pending_ambiguous = false;
	}
	for (i = 0; i < h->procs.n; i++)
		h->procs.v[i].unmatched = 0;
}

void join_host(struct skc_host *h)
{
	if (!h->socks.slots)
		socktab_index(&h->socks);
	join_owners(h);
	join_pending(h);
}
