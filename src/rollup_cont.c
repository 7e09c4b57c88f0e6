/* Per-container rollup: ranks containers like processes.  A socket held
 * by several processes of one container counts once for it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "util.h"

static bool same_container(const struct skc_container *a,
			   const struct skc_container *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->pod, b->pod) == 0;
}

static int32_t cont_index(struct skc_host *h, size_t *cap,
			  const struct skc_container *c)
{
	size_t i;

	for (i = 0; i < h->nconts; i++)
		if (same_container(h->conts[i].c, c))
			return (int32_t)i;
	grow_array((void **)&h->conts, cap, h->nconts + 1, sizeof(*h->conts));
	memset(&h->conts[h->nconts], 0, sizeof(*h->conts));
	h->conts[h->nconts].c = c;
	return (int32_t)h->nconts++;
}

static void assign_containers(struct skc_host *h)
{
	size_t i, cap = 0;

	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		p->cont_idx = -1;
		if (!p->matches)
			continue;
		p->cont_idx = cont_index(h, &cap, &p->cont);
		h->conts[p->cont_idx].nprocs++;
		/* what counts a process's fds, not its sockets' queues */
		h->conts[p->cont_idx].fig.leaked += p->nleaks;
		h->conts[p->cont_idx].fig.flags |= p->fig.flags & SKC_F_PROC_COUNTS;
	}
}

static void rollup_sockets(struct skc_host *h)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (!s->matches)
			continue;
		for (k = 0; k < s->nowners; k++) {
			const struct skc_proc *p = &h->procs.v[s->owners[k].proc];
			struct skc_cont_row *r;

			if (p->cont_idx < 0)
				continue;
			r = &h->conts[p->cont_idx];
			/* several processes of one container: count once */
			if (r->last_sock == i + 1)
				continue;
			r->last_sock = i + 1;
			figures_add(&r->fig, s);
		}
	}
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct skc_cont_row *x = *(struct skc_cont_row *const *)a;
	const struct skc_cont_row *y = *(struct skc_cont_row *const *)b;
	int c = figures_cmp(&x->fig, &y->fig, *(const enum skc_sort *)arg);

	return c ? c : strcmp(x->c->id, y->c->id);
}

void rollup_containers(struct skc_host *h, const struct skc_select_opts *o)
{
	enum skc_sort key = o->sort;
	size_t i;

	assign_containers(h);
	rollup_sockets(h);
	h->ranked_conts = xcalloc(h->nconts, sizeof(*h->ranked_conts));
	for (i = 0; i < h->nconts; i++) {
		struct skc_cont_row *r = &h->conts[i];

		if (r->fig.recv_q < o->min_bytes)
			continue;
		if (o->all || figures_any(&r->fig))
			h->ranked_conts[h->nranked_conts++] = r;
	}
	qsort_r(h->ranked_conts, h->nranked_conts, sizeof(*h->ranked_conts),
		cmp_rows, &key);
	if (o->top > 0 && h->nranked_conts > (size_t)o->top)
		h->nranked_conts = (size_t)o->top;
}
