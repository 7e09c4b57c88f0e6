/* The stall event threshold (--stall-event-min): see evgate.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "evgate.h"
#include "util.h"

struct gate_key {
	uint64_t inode;
	enum skc_event_kind begin;	/* EV_STALL_BEGIN or EV_TX_STALL_BEGIN */
};

struct evgate {
	uint64_t min;
	struct gate_key *v;	/* stalls whose begin was shown, not ended */
	size_t n, cap;
};

struct evgate *evgate_new(uint64_t min_bytes)
{
	struct evgate *g = xcalloc(1, sizeof(*g));

	g->min = min_bytes;
	return g;
}

void evgate_free(struct evgate *g)
{
	if (!g)
		return;
	free(g->v);
	free(g);
}

static ssize_t find(const struct evgate *g, uint64_t inode, enum skc_event_kind begin)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->v[i].inode == inode && g->v[i].begin == begin)
			return (ssize_t)i;
	return -1;
}

/* A begin: quiet below the threshold, else remembered. */
static bool begin_quiet(struct evgate *g, const struct skc_event *ev, uint64_t bytes)
{
	if (bytes < g->min)
		return true;
	if (find(g, ev->inode, ev->kind) < 0) {
		grow_array((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v));
		g->v[g->n].inode = ev->inode;
		g->v[g->n++].begin = ev->kind;
	}
	return false;
}

/* An end: shown when its begin was, which it then forgets. */
static bool end_quiet(struct evgate *g, const struct skc_event *ev, enum skc_event_kind begin)
{
	ssize_t i = find(g, ev->inode, begin);

	if (i < 0)
		return true;
	g->v[i] = g->v[--g->n];
	return false;
}

void evgate_apply(struct evgate *g, struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nevents; i++) {
		struct skc_event *ev = &h->events[i];

		ev->quiet = false;
		if (!g->min || !ev->inode)
			continue;
		switch (ev->kind) {
		case EV_STALL_BEGIN:
			ev->quiet = begin_quiet(g, ev, ev->recv_q);
			break;
		case EV_TX_STALL_BEGIN:
			ev->quiet = begin_quiet(g, ev, ev->send_q);
			break;
		case EV_STALL_END:
			ev->quiet = end_quiet(g, ev, EV_STALL_BEGIN);
			break;
		case EV_TX_STALL_END:
			ev->quiet = end_quiet(g, ev, EV_TX_STALL_BEGIN);
			break;
		default:
			break;
		}
	}
}
