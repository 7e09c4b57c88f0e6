/* rollup: per-process, per-container, per-namespace, per-protocol and
 * host figures from judged (and tracked) sockets; the selection
 * filters, ranking, and which sockets each listed process lists. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns.h"
#include "rollup.h"
#include "util.h"

/* The protocol and port filters. */
static bool sock_matches(const struct skc_sock *s, const struct skc_select_opts *o)
{
	if (!(o->protos & SKC_PROTO_BIT(s->proto)))
		return false;
	if (o->port >= 0)
		return (s->family == AF_INET || s->family == AF_INET6) &&
		       s->proto != SKC_RAW &&
		       (s->local.port == o->port || s->peer.port == o->port);
	return true;
}

static void match_sockets(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i;

	for (i = 0; i < h->socks.n; i++)
		h->socks.v[i].matches = sock_matches(&h->socks.v[i], o);
}

/* A process may hold one socket through several fds (dup): count once.
 * join adds a process's owners one after the other, so a repeat is
 * always the previous entry. */
static bool first_owner_of_proc(const struct skc_sock *s, uint32_t k)
{
	return k == 0 || s->owners[k - 1].proc != s->owners[k].proc;
}

static void rollup_procs(struct skc_host *h)
{
	struct skc_socktab *t = &h->socks;
	size_t i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		const struct skc_sock *s = &t->v[i];

		if (!s->matches)
			continue;
		for (k = 0; k < s->nowners; k++) {
			struct skc_proc *p = &h->procs.v[s->owners[k].proc];

			if (!first_owner_of_proc(s, k))
				continue;
			figures_add(&p->fig, s);
			if (sock_rare(s)->close_wait_age > p->close_wait_oldest)
				p->close_wait_oldest = sock_rare(s)->close_wait_age;
		}
	}
}

/* Host, protocol and namespace totals over every socket, once every
 * flag (stalls included) is known. */
static void host_totals(struct skc_host *h)
{
	struct skc_netns *ns = NULL;
	size_t i;

	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (s->subflow)
			continue;	/* part of its MPTCP socket */
		figures_add(&h->total, s);
		figures_add(&h->protos[s->proto], s);
		/* sockets arrive grouped by namespace: remember the last one */
		if (!ns || ns->ino != s->netns) {
			long k = netns_find(&h->nets, s->netns);

			ns = k >= 0 ? &h->nets.v[k] : NULL;
		}
		if (ns)
			figures_add(&ns->fig, s);
	}
}

/* Process flags that count descriptors rather than judge one socket:
 * the leak checks of sysak skcheck (open sockets, sockets in no table)
 * and CLOSE-WAIT piles (the peer closed, the application never did). */
static void judge_proc_counts(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i;

	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		p->fig.leaked = p->nleaks;
		if (p->nleaks)
			p->fig.flags |= SKC_F_LEAKED;
		if (p->nleaks >= o->leaked_sockets_max)
			p->fig.flags |= SKC_F_LEAKED_SOCKETS;
		if (p->nfds >= o->many_sockets_max)
			p->fig.flags |= SKC_F_MANY_SOCKETS;
		if (p->fig.close_wait >= o->close_wait_max)
			p->fig.flags |= SKC_F_CLOSE_WAIT;
	}
}

static bool prefix_in(const char *s, char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(s, list[i], strlen(list[i])) == 0)
			return true;
	return false;
}

static bool pid_in(pid_t pid, const pid_t *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == pid)
			return true;
	return false;
}

/* The filters on what a process is (pid, comm, container, pod), which
 * can be judged without reading its fds. */
static bool proc_may_match(const struct skc_proc *p, const struct skc_select_opts *o)
{
	size_t i;

	if (o->npids && !pid_in(p->pid, o->pids, o->npids))
		return false;
	if (o->ncomms) {
		for (i = 0; i < o->ncomms && strcmp(o->comms[i], p->comm); i++)
			;
		if (i == o->ncomms)
			return false;
	}
	if (o->ncontainers && (!p->cont.id[0] ||
	    !prefix_in(p->cont.id, o->containers, o->ncontainers)))
		return false;
	if (o->npods && (!p->cont.pod[0] ||
	    !prefix_in(p->cont.pod, o->pods, o->npods)))
		return false;
	return true;
}

/* The selection filters, without residue or top-N. */
static bool proc_matches(const struct skc_host *h, const struct skc_proc *p,
			 const struct skc_select_opts *o)
{
	if (!proc_may_match(p, o))
		return false;
	/* with a protocol, port or namespace filter, a process without
	 * such sockets has nothing to show even with --all */
	if ((o->port >= 0 || o->protos != SKC_PROTO_ALL) && !p->fig.sockets)
		return false;
	if (o->netns_filter && !p->fig.sockets &&
	    netns_find(&h->nets, p->netns) < 0)
		return false;
	return true;
}

/* Kernel threads (and zombies) have no command line and hold no
 * socket: --all leaves them out, they can have nothing to show. */
static bool proc_socketless_kernel(const struct skc_proc *p)
{
	return p->pid && (!p->cmdline || !p->cmdline[0]) && !p->nfds &&
	       !p->fig.sockets && !p->nleaks && !p->fds_errno;
}

static bool proc_listed(const struct skc_proc *p, const struct skc_select_opts *o)
{
	if (!p->matches || p->fig.recv_q < o->min_bytes)
		return false;
	if (figures_any(&p->fig))
		return true;
	return o->all && !proc_socketless_kernel(p);
}

static int cmp_procs(const void *a, const void *b, void *arg)
{
	const struct skc_proc *x = *(struct skc_proc *const *)a;
	const struct skc_proc *y = *(struct skc_proc *const *)b;
	int c = figures_cmp(&x->fig, &y->fig, *(const enum skc_sort *)arg);

	if (!c)
		c = x->pid < y->pid ? -1 : x->pid > y->pid;
	return c;
}

static void rank_procs(struct skc_host *h, const struct skc_select_opts *o)
{
	enum skc_sort key = o->sort;
	size_t i;

	h->ranked = xcalloc(h->procs.n, sizeof(*h->ranked));
	h->nranked = 0;
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		p->matches = proc_matches(h, p, o);
		h->procs_matching += p->matches;
		if (figures_any(&p->fig))
			h->procs_queued++;
		if (p->fig.flags & SKC_F_VERDICTS)
			h->procs_flagged++;
		if (proc_listed(p, o))
			h->ranked[h->nranked++] = p;
	}
	qsort_r(h->ranked, h->nranked, sizeof(*h->ranked), cmp_procs, &key);
	/* what --top leaves out is counted, never hidden silently */
	for (i = o->top > 0 ? (size_t)o->top : h->nranked; i < h->nranked; i++) {
		h->cut_procs++;
		h->cut_queued += figures_any(&h->ranked[i]->fig);
		h->cut_flagged += (h->ranked[i]->fig.flags & SKC_F_VERDICTS) != 0;
	}
	if (o->top > 0 && h->nranked > (size_t)o->top)
		h->nranked = (size_t)o->top;
	for (i = 0; i < h->nranked; i++)
		h->ranked[i]->selected = true;
}

/* Totals over the sockets of listed processes, each socket once. */
static void selected_totals(struct skc_host *h)
{
	struct skc_socktab *t = &h->socks;
	size_t i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		struct skc_sock *s = &t->v[i];

		if (!s->matches)
			continue;
		for (k = 0; k < s->nowners; k++) {
			if (h->procs.v[s->owners[k].proc].selected) {
				figures_add(&h->selected, s);
				break;
			}
		}
	}
	/* listed "(no process)" rows */
	for (i = 0; i < h->nunowned; i++)
		for (k = 0; h->unowned[i].selected && k < h->unowned[i].nfds; k++)
			figures_add(&h->selected, &t->v[h->unowned[i].fds[k].sock]);
}

/* Events follow the selection: with --pid or --comm, only events of
 * those processes (host-wide events, pid 0, always). */
static bool event_selected(const struct skc_host *h, const struct skc_event *ev,
			   const struct skc_select_opts *o)
{
	size_t i;

	if (!ev->pid)
		return true;
	for (i = 0; i < h->procs.n; i++)
		if (h->procs.v[i].pid == ev->pid)
			return h->procs.v[i].matches;
	/* the process is gone (its socket closed with it): judge by what
	 * the event remembers */
	if (o->npids && !pid_in(ev->pid, o->pids, o->npids))
		return false;
	for (i = 0; i < o->ncomms; i++)
		if (strcmp(o->comms[i], ev->comm) == 0)
			return true;
	return !o->ncomms && !o->ncontainers && !o->npods;
}

static void filter_events(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i, n = 0;

	for (i = 0; i < h->nevents; i++)
		if (event_selected(h, &h->events[i], o))
			h->events[n++] = h->events[i];
	h->nevents = n;
}

/* One per socket fd of a process (14,000 on a big one): its figures
 * only as ranked, not whole. */
struct sock_ref {
	struct skc_sock *s;
	int fd;
	struct skc_rank rank;	/* the socket's own figures, ranked */
};

static int cmp_sock_refs(const void *a, const void *b)
{
	const struct sock_ref *x = a, *y = b;
	/* by sockets: every row is one socket, recv_q decides */
	int c = rank_cmp(&x->rank, &y->rank);

	if (!c)
		c = x->fd - y->fd;
	return c;
}

static int cmp_sock_ptr(const void *a, const void *b)
{
	const struct sock_ref *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->fd - y->fd;
}

/* The sockets listed under p, worst first: every matching one with
 * --all, else those with anything queued or flagged. */
static void list_proc_sockets(const struct skc_host *h, struct skc_proc *p,
			      const struct skc_select_opts *o)
{
	struct sock_ref *refs = xcalloc(p->nfds, sizeof(*refs));
	size_t i, j, n = 0;

	for (i = 0; i < p->nfds; i++) {
		long k = p->fds[i].sock;	/* set by join */
		struct skc_figures fig;
		struct skc_sock *s;

		if (k < 0)
			continue;
		s = &h->socks.v[k];
		if (!s->matches)
			continue;
		memset(&fig, 0, sizeof(fig));
		figures_add(&fig, s);
		if (!o->all && !figures_any(&fig))
			continue;
		refs[n].s = s;
		refs[n].fd = p->fds[i].fd;
		figures_rank(&fig, o->sort, &refs[n].rank);
		n++;
	}
	/* a dup'ed fd lists its socket once, under the lowest fd */
	qsort(refs, n, sizeof(*refs), cmp_sock_ptr);
	for (i = j = 0; i < n; i++)
		if (!j || refs[j - 1].s != refs[i].s)
			refs[j++] = refs[i];
	n = j;
	qsort(refs, n, sizeof(*refs), cmp_sock_refs);
	free(p->listed);
	p->listed = xcalloc(n ? n : 1, sizeof(*p->listed));
	p->nlisted = n;
	for (i = 0; i < n; i++) {
		p->listed[i].sock = (uint32_t)(refs[i].s - h->socks.v);
		p->listed[i].fd = refs[i].fd;
	}
	free(refs);
}

static void list_sockets(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i;

	for (i = 0; i < h->nranked; i++)
		list_proc_sockets(h, h->ranked[i], o);
	for (i = 0; i < h->nunowned; i++)
		if (h->unowned[i].selected)
			list_proc_sockets(h, &h->unowned[i], o);
}

/* Could a process we did not inspect hold s, with something in it?
 * Only a socket with an inode can be behind an fd (orphans, queued
 * connections and TIME-WAIT have none; a queued connection's bytes are
 * its listener's, in pending_bytes). */
static bool sock_unattributed(const struct skc_sock *s)
{
	return s->inode && !s->nowners && s->matches &&
	       (s->recv_q || s->send_q || sock_rare(s)->pending_bytes || sock_rare(s)->accept_q ||
		(s->flags & SKC_F_VERDICTS));
}

/* What the sample could not see (skcheck(8), "partial"): when processes
 * the selection covers were not inspected, sockets that nobody visible
 * holds may be theirs.  When there are none, or when every process
 * asked about was inspected, the answer is complete. */
static void rollup_view(struct skc_host *h, const struct skc_select_opts *o)
{
	size_t i;

	for (i = 0; i < h->procs.n; i++)
		h->uninspected += h->procs.v[i].fds_errno && proc_may_match(&h->procs.v[i], o);
	if (!h->uninspected)
		return;
	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (!sock_unattributed(s))
			continue;
		h->unattributed_socks++;
		h->unattributed += (uint64_t)s->recv_q + s->send_q + sock_rare(s)->pending_bytes;
	}
	if (h->unattributed_socks)
		host_set_partial(h, SKC_PARTIAL_UNATTRIBUTED);
}

void rollup_host(struct skc_host *h, const struct skc_select_opts *o)
{
	match_sockets(h, o);
	rollup_view(h, o);
	host_totals(h);
	rollup_procs(h);
	judge_proc_counts(h, o);
	rank_procs(h, o);
	rollup_unowned(h, o);
	selected_totals(h);
	rollup_containers(h, o);
	rollup_commands(h);
	filter_events(h, o);
	if (o->list_sockets)
		list_sockets(h, o);
}
