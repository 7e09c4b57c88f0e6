/* Per-command rollup: the processes that pass the filters, grouped by
 * command, container and pod, for Prometheus series without a pid
 * label (a restarted process keeps its series).  A socket held by
 * several processes of one group counts once for it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "util.h"

static int cmp_cmd(const struct skc_proc *a, const struct skc_proc *b)
{
	int c = strcmp(a->comm, b->comm);

	if (!c)
		c = strcmp(a->cont.id, b->cont.id);
	if (!c)
		c = strcmp(a->cont.pod, b->cont.pod);
	return c;
}

static int cmp_proc_ptr(const void *a, const void *b)
{
	const struct skc_proc *x = *(struct skc_proc *const *)a;
	const struct skc_proc *y = *(struct skc_proc *const *)b;
	int c = cmp_cmd(x, y);

	return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

/* Group the matching processes: sorted by (comm, container, pod), each
 * run of equal keys is one row, in that order. */
static void assign_commands(struct skc_host *h)
{
	struct skc_proc **v = xcalloc(h->procs.n ? h->procs.n : 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < h->procs.n; i++) {
		h->procs.v[i].cmd_idx = -1;
		if (h->procs.v[i].matches)
			v[n++] = &h->procs.v[i];
	}
	qsort(v, n, sizeof(*v), cmp_proc_ptr);
	h->cmds = xcalloc(n ? n : 1, sizeof(*h->cmds));
	for (i = 0; i < n; i++) {
		struct skc_cmd_row *r;

		if (!h->ncmds || cmp_cmd(h->cmds[h->ncmds - 1].p, v[i]))
			h->cmds[h->ncmds++].p = v[i];
		r = &h->cmds[h->ncmds - 1];
		v[i]->cmd_idx = (int32_t)(h->ncmds - 1);
		r->nprocs++;
		r->nflagged += (v[i]->fig.flags & SKC_F_VERDICTS) != 0;
		/* what counts a process's fds, not its sockets' queues */
		r->fig.leaked += v[i]->nleaks;
		r->fig.flags |= v[i]->fig.flags & SKC_F_PROC_COUNTS;
	}
	free(v);
}

void rollup_commands(struct skc_host *h)
{
	size_t i;
	uint32_t k;

	free(h->cmds);
	h->cmds = NULL;
	h->ncmds = 0;
	assign_commands(h);
	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (!s->matches)
			continue;
		for (k = 0; k < s->nowners; k++) {
			const struct skc_proc *p = &h->procs.v[s->owners[k].proc];
			struct skc_cmd_row *r;

			if (p->cmd_idx < 0)
				continue;
			r = &h->cmds[p->cmd_idx];
			if (r->last_sock == i + 1)
				continue;
			r->last_sock = i + 1;
			figures_add(&r->fig, s);
		}
	}
}
