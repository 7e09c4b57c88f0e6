/* The diagnosis: which process, which socket, what evidence.  Reads
 * the judged, tracked and rolled-up model; the rules are skcheck(8)'s
 * DIAGNOSIS section. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "util.h"
#include "why.h"

/* The finding a socket stands for: its worst flag; FIND_KINDS if none. */
static enum skc_finding_kind sock_kind(const struct skc_sock *s)
{
	static const struct { unsigned flag; enum skc_finding_kind k; } order[] = {
		{ SKC_F_STALLED, FIND_STALLED },
		{ SKC_F_ACCEPT_STALLED, FIND_ACCEPT_STALLED },
		{ SKC_F_ACCEPT_FULL, FIND_ACCEPT_FULL },
		{ SKC_F_TX_STALLED, FIND_TX_STALLED },
		{ SKC_F_CONNECT_STALLED, FIND_CONNECT_STALLED },
		{ SKC_F_PINS_PAGES, FIND_PINS_PAGES },
		{ SKC_F_RCVBUF_FULL, FIND_RCVBUF_FULL },
		{ SKC_F_DROPS, FIND_DROPS },
		{ SKC_F_RESIDUE, FIND_RESIDUE },
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (s->flags & order[i].flag)
			return order[i].k;
	return FIND_KINDS;
}

static double max_age(double a, double b)
{
	return a > b ? a : b;
}

/* The figures of finding kind k for socket s. */
static void sock_finding(const struct skc_host *h, const struct skc_sock *s,
			 enum skc_finding_kind k, struct skc_finding *f)
{
	double stall = (s->flags & SKC_F_ANY_STALL) ? h->time - sock_rare(s)->stall_since : -1;

	f->inode = s->inode;
	f->proto = s->proto;
	sock_where(s, &f->where);
	f->age = -1;
	f->why = sock_rare(s)->why ? why_kind_name(sock_rare(s)->why->kind) : NULL;
	switch (k) {
	case FIND_STALLED:
	case FIND_RESIDUE:
		f->bytes = sock_unread(s);
		f->age = max_age(sock_unread_age(s), stall);
		break;
	case FIND_ACCEPT_STALLED:
	case FIND_ACCEPT_FULL:
		f->bytes = sock_rare(s)->pending_bytes;
		f->count = sock_rare(s)->accept_q;
		f->limit = sock_rare(s)->accept_max;
		f->age = stall;
		break;
	case FIND_TX_STALLED:
		f->bytes = s->send_q;
		f->age = max_age(sock_unsent_age(s), stall);
		break;
	case FIND_CONNECT_STALLED:
		f->age = stall;
		/* SYN-SENT: TCP, an inet family, so the endpoint is there */
		f->peer.family = s->family;
		f->peer.ep = s->peer;
		break;
	case FIND_PINS_PAGES:
		f->bytes = s->pinned;
		f->mem = sock_mem(s);
		break;
	case FIND_RCVBUF_FULL:
		f->bytes = s->recv_q;
		f->limit = s->has_skmem ? s->skmem[SK_MEMINFO_RCVBUF] : 0;
		f->mem = sock_mem(s);
		break;
	case FIND_DROPS:
		f->count = s->drops;
		break;
	default:
		break;
	}
}

struct dgn {
	struct skc_finding *v;
	size_t n, cap;
};

static struct skc_finding *dgn_add(struct dgn *d, enum skc_finding_kind k,
				   const struct skc_proc *p)
{
	struct skc_finding *f;

	grow_array((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	f = &d->v[d->n++];
	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->fd = -1;
	f->age = -1;
	if (p) {
		f->pid = p->pid;
		snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
	}
	return f;
}

/* The larger evidence of a kind: what decides which socket stands for
 * a process. */
static uint64_t finding_weight(const struct skc_finding *f)
{
	return f->bytes ? f->bytes : f->count;
}

/* Is fd the first of p's fds for s (a dup'ed socket counts once)?
 * Rows of sockets no process holds have one fd per socket. */
static bool first_fd(const struct skc_host *h, const struct skc_proc *p,
		     const struct skc_sock *s, int fd)
{
	size_t i;

	if (p < h->procs.v || p >= h->procs.v + h->procs.n)
		return true;
	for (i = 0; i < s->nowners; i++)
		if (s->owners[i].proc == (uint32_t)(p - h->procs.v))
			return s->owners[i].fd == fd;
	return true;
}

/* Findings of p's matching sockets: per kind, its worst socket and how
 * many of them there are. */
static void proc_sockets(struct dgn *d, const struct skc_host *h, const struct skc_proc *p)
{
	size_t at[FIND_KINDS] = { 0 };	/* index + 1 into d->v, 0: none yet */
	size_t i;

	for (i = 0; i < p->nfds; i++) {
		const struct skc_sock *s;
		enum skc_finding_kind k;
		struct skc_finding tmp, *f;

		if (p->fds[i].sock < 0)
			continue;
		s = &h->socks.v[p->fds[i].sock];
		k = sock_kind(s);
		if (!s->matches || k == FIND_KINDS || !first_fd(h, p, s, p->fds[i].fd))
			continue;
		if (!at[k]) {
			dgn_add(d, k, p);
			at[k] = d->n;
		}
		f = &d->v[at[k] - 1];
		memset(&tmp, 0, sizeof(tmp));
		sock_finding(h, s, k, &tmp);
		f->nsocks++;
		f->total += finding_weight(&tmp);
		if (f->nsocks == 1 || finding_weight(&tmp) > finding_weight(f)) {
			tmp.kind = k;
			tmp.pid = f->pid;
			memcpy(tmp.comm, f->comm, sizeof(tmp.comm));
			tmp.fd = p->fds[i].fd;
			tmp.nsocks = f->nsocks;
			tmp.total = f->total;
			*f = tmp;
		}
	}
}

/* Findings of p's descriptors as a whole (rollup's process counts),
 * and pins-pages judged on its sums only (rollup_mem.c) when none of
 * its sockets stands for it. */
static void proc_counts(struct dgn *d, const struct skc_proc *p, size_t first)
{
	struct skc_finding *f;
	size_t i;

	if (p->fig.flags & SKC_F_PINS_PAGES) {
		for (i = first; i < d->n && d->v[i].kind != FIND_PINS_PAGES; i++)
			;
		if (i == d->n) {
			f = dgn_add(d, FIND_PINS_PAGES, p);
			f->bytes = f->total = p->fig.pinned;
			f->mem = p->fig.mem;
		}
	}
	if (p->fig.flags & SKC_F_LEAKED) {
		f = dgn_add(d, FIND_LEAKED, p);
		f->count = p->nleaks;
		snprintf(f->what, sizeof(f->what), "%s", p->nleaks ? p->leaks[0].proto : "");
	}
	if (p->fig.flags & SKC_F_CLOSE_WAIT) {
		f = dgn_add(d, FIND_CLOSE_WAIT, p);
		f->count = p->fig.close_wait;
		f->age = p->close_wait_oldest > 0 ? p->close_wait_oldest : -1;
	}
	if (p->fig.flags & SKC_F_MANY_SOCKETS) {
		f = dgn_add(d, FIND_MANY_SOCKETS, p);
		f->count = p->nfds;
	}
}

static void host_findings(struct dgn *d, const struct skc_host *h)
{
	struct skc_finding *f;

	if (h->memory.suspect) {
		f = dgn_add(d, FIND_MEMORY_SUSPECT, NULL);
		f->bytes = (uint64_t)h->memory.part[SKC_MEM_UNACCOUNTED];
		f->mem = h->memory.pinned;
	}
	if (h->partial) {
		f = dgn_add(d, FIND_PARTIAL, NULL);
		f->count = h->uninspected;
		f->bytes = h->unattributed;
	}
}

static int cmp_findings(const void *a, const void *b)
{
	const struct skc_finding *x = a, *y = b;
	/* a process's sum of the kind: 3000 stalled 1-byte sockets outrank
	 * one socket with 2K */
	uint64_t wx = x->total ? x->total : finding_weight(x);
	uint64_t wy = y->total ? y->total : finding_weight(y);

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	if (x->age != y->age)
		return x->age > y->age ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void diagnose_host(struct skc_host *h)
{
	struct dgn d = { 0 };
	size_t i, first;

	for (i = 0; i < h->procs.n; i++) {
		const struct skc_proc *p = &h->procs.v[i];

		if (!p->matches)
			continue;
		first = d.n;
		proc_sockets(&d, h, p);
		proc_counts(&d, p, first);
	}
	for (i = 0; i < h->nunowned; i++)
		if (h->unowned[i].selected)
			proc_sockets(&d, h, &h->unowned[i]);
	host_findings(&d, h);
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), cmp_findings);
	free(h->findings);
	h->findings = d.v;
	h->nfindings = d.n;
	h->diagnosed = true;
}
