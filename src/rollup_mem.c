/* rollup: what needs the rolled-up sums and the memory thresholds -- the
 * pins-pages rule on process and container sums, the host memory figures
 * next to the breakdown (socket memory as the kernel counts it, truesize,
 * pinned, unread by protocol) and the memory-suspect host flag.  Rules
 * in skcheck(8), FLAGS and MEMORY. */
#include "config.h"

#include <unistd.h>

#include "judge.h"
#include "rollup.h"

/* Many sockets that each pin a little add up: the pins-pages rule also
 * applies to a process's and a container's sums. */
static void pins_on_sums(struct skc_host *h, const struct skc_judge_opts *o)
{
	size_t i;

	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		if (!judge_pins_pages(p->fig.pinned, p->fig.mem, o) ||
		    (p->fig.flags & SKC_F_PINS_PAGES))
			continue;
		if (!p->fig.flags)
			h->procs_flagged++;	/* as rank_procs counts */
		p->fig.flags |= SKC_F_PINS_PAGES;
	}
	for (i = 0; i < h->nconts; i++)
		if (judge_pins_pages(h->conts[i].fig.pinned, h->conts[i].fig.mem, o))
			h->conts[i].fig.flags |= SKC_F_PINS_PAGES;
}

static void host_memory(struct skc_host *h, const struct skc_judge_opts *o)
{
	struct skc_memory *m = &h->memory;
	const struct skc_sockstat *ss = &h->sockstat;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t i;

	/* sockstat's TCP and UDP mem are pages (sk_memory_allocated),
	 * FRAG memory is bytes */
	if (ss->valid) {
		m->sockstat_tcp = (uint64_t)ss->tcp_mem * page;
		m->sockstat_udp = (uint64_t)ss->udp_mem * page;
		m->sockstat_bytes = m->sockstat_tcp + m->sockstat_udp +
				    (uint64_t)ss->frag_memory;
	}
	m->truesize = h->total.mem;
	for (i = 0; i < SKC_PROTO_MAX; i++)
		m->unread[i] = h->protos[i].recv_q;
	m->pinned_valid = h->pinned_avail;
	m->pinned = h->pinned_avail ? h->total.pinned : 0;
	m->suspect = m->valid && m->pinned_valid &&
		     m->part[SKC_MEM_UNACCOUNTED] >= (int64_t)o->suspect_bytes &&
		     m->pinned >= o->suspect_bytes;
}

void rollup_memory(struct skc_host *h, const struct skc_judge_opts *o)
{
	pins_on_sums(h, o);
	host_memory(h, o);
}
