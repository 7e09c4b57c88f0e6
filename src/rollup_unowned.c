/* Sockets no process holds: TCP orphans (closed by the application with
 * data still unsent: FIN-WAIT-1, CLOSING, LAST-ACK), sockets in flight in
 * a UNIX message (SCM_RIGHTS), the kernel's own sockets, anything else
 * with no fd.  They hold kernel memory that no process row shows, so each
 * namespace gets one "(no process)" row of its own, built as a process
 * row without a pid (fd -1 per socket) so that every renderer lists it
 * like the others.  Not counted here: connections waiting in an accept
 * queue (their listener's owner holds them) and MPTCP subflows (part of
 * their MPTCP socket). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "util.h"

static bool unowned(const struct skc_sock *s)
{
	return !s->nowners && s->listener < 0 && !s->subflow;
}

static struct skc_proc *row_for(struct skc_host *h, uint64_t netns)
{
	struct skc_proc *p;
	size_t i;

	for (i = 0; i < h->nunowned; i++)
		if (h->unowned[i].netns == netns)
			return &h->unowned[i];
	grow_array((void **)&h->unowned, &h->unowned_cap, h->nunowned + 1,
		   sizeof(*h->unowned));
	p = &h->unowned[h->nunowned++];
	memset(p, 0, sizeof(*p));
	snprintf(p->comm, sizeof(p->comm), "(no process)");
	p->cmdline = xstrdup("");
	p->netns = netns;
	p->cont_idx = -1;
	p->cmd_idx = -1;
	return p;
}

static void add_sock(struct skc_proc *p, const struct skc_sock *s, size_t idx)
{
	grow_array((void **)&p->fds, &p->fds_cap, p->nfds + 1, sizeof(*p->fds));
	memset(&p->fds[p->nfds], 0, sizeof(p->fds[0]));
	p->fds[p->nfds].fd = -1;
	p->fds[p->nfds].sock = (int32_t)idx;
	p->fds[p->nfds].matched = true;
	p->fds[p->nfds].inode = s->inode;
	p->nfds++;
	figures_add(&p->fig, s);
}

void rollup_unowned_free(struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nunowned; i++) {
		free(h->unowned[i].cmdline);
		free(h->unowned[i].fds);
		free(h->unowned[i].listed);
	}
	free(h->unowned);
	h->unowned = NULL;
	h->nunowned = h->unowned_cap = 0;
}

/* A filter that names processes (pid, command, container, pod) asks for
 * those processes only.  --top counts processes: the rows of sockets
 * without one come on top of them. */
static bool process_filter(const struct skc_select_opts *o)
{
	return o->npids || o->ncomms || o->ncontainers || o->npods;
}

void rollup_unowned(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i;

	rollup_unowned_free(h);
	memset(&h->unowned_total, 0, sizeof(h->unowned_total));
	/* A process whose fds we could not read makes its sockets look
	 * unowned: the rows are made all the same (the host totals stay
	 * the sum of the rows), but those with an inode may be such a
	 * process's (unowned_known false; with something queued they make
	 * the view partial: rollup_view). */
	h->unowned_known = !h->procs.denied && !h->procs.failed;
	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (!unowned(s) || !s->matches)
			continue;
		add_sock(row_for(h, s->netns), s, i);
		figures_add(&h->unowned_total, s);
	}
	for (i = 0; i < h->nunowned; i++) {
		struct skc_proc *p = &h->unowned[i];

		p->matches = !process_filter(o);
		p->selected = p->matches && p->fig.recv_q >= o->min_bytes &&
			      (o->all || figures_any(&p->fig) || p->fig.mem);
	}
}
