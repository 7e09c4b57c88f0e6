/* Each sample builds a fresh table of entries from the sockets it saw,
 * carrying over the state of the entries the previous sample had; what
 * is left in the old table closed in between.  Rebuilding keeps the
 * cost linear and memory flat however long --watch runs.
 *
 * Progress, per socket kind:
 *   TCP receive side: consumed = tcpi_bytes_received - Recv-Q moved.
 *   TCP send side:    tcpi_bytes_acked moved (or Send-Q drained).
 *   UDP, UNIX:        Recv-Q went down (no byte counter exists).
 *   listeners:        a connection that was queued last sample left the
 *                     queue (accepted), or the queue shrank.
 * A queue that is non-empty and made no progress for the whole window
 * is stalled; the stall began at the last sample that saw progress. */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"
#include "util.h"

/* One stall state machine serves every kind of stall; a kind is a row
 * of stall_kinds[] below (its flag, its events, and how a sample shows
 * queued work and progress).  A new kind (a connect stall, say) is one
 * enum value, one row and one input function. */
enum stall_kind { STALL_RX, STALL_TX, STALL_ACCEPT, STALL_CONNECT, STALL_KINDS };

struct stall {
	double progress;	/* mono: last sample that saw progress */
	uint64_t queued_then;	/* what was queued at that sample */
	bool stalled;
};

struct entry {
	uint64_t cookie, inode;	/* key; cookie 0 marks an empty slot */
	uint64_t netns;
	bool seen;
	uint8_t proto;
	pid_t pid;
	int fd;
	char comm[16];		/* TASK_COMM_LEN */
	uint64_t recv_q, send_q, drops;
	uint64_t consumed, acked;
	uint32_t accept_q, npending;
	bool accept_full;
	uint64_t pending_of;	/* child: listener cookie while queued */
	struct stall st[STALL_KINDS];
	bool dropping;
	bool has_rx_head;	/* rx_head/rx_qlen (BPF) were known */
	bool has_rx_reads;	/* rx_reads (BPF) was known */
	uint64_t rx_head, rx_reads, peer_wmem;
	uint32_t rx_qlen;
	double cw_first;	/* mono when first seen in CLOSE-WAIT, or 0 */
};

/* What one sample shows a stall kind. */
struct stall_input {
	uint64_t queued;	/* bytes or connections waiting; 0: idle */
	bool moved;		/* progress since the last sample */
};

typedef bool stall_applies_fn(const struct skc_sock *s);
/* Does a lack of progress prove a stall (NULL: always)?  If not, the
 * socket is only no-progress-seen. */
typedef bool stall_proves_fn(const struct skc_sock *s);
typedef struct stall_input stall_input_fn(const struct skc_sock *s,
					  const struct entry *old,
					  uint32_t survivors);

struct table {
	struct entry *v;
	size_t nslots, n;
};

struct tracker {
	struct table cur;
	double window;
	double last_mono;
	unsigned long samples;
	uint64_t overflows;	/* ListenOverflows at the last sample */
	bool have_overflows;
	uint64_t *complete_ns;	/* namespaces fully dumped last sample */
	size_t ncomplete_ns;
	bool ns_unknown;	/* last sample listed no namespaces */
};

struct tracker *track_new(double window)
{
	struct tracker *tr = xcalloc(1, sizeof(*tr));

	tr->window = window;
	return tr;
}

void track_free(struct tracker *tr)
{
	if (!tr)
		return;
	free(tr->cur.v);
	free(tr->complete_ns);
	free(tr);
}

unsigned long track_samples(const struct tracker *tr)
{
	return tr->samples;
}

/* Open addressing with linear probing.  insert() grows the table before
 * it is half full, so a probe always meets a free slot; the probe is
 * bounded by the table size all the same.  Returns the slot holding the
 * key or the free slot where it would go, SIZE_MAX for a full table. */
static size_t slot_of(const struct table *t, uint64_t cookie, uint64_t inode)
{
	uint64_t x = cookie * 0x9e3779b97f4a7c15ULL ^ inode;
	size_t mask = t->nslots - 1, h, step;

	x ^= x >> 29;
	h = (size_t)x & mask;
	for (step = 0; step < t->nslots; step++, h = (h + 1) & mask)
		if (!t->v[h].cookie ||
		    (t->v[h].cookie == cookie && t->v[h].inode == inode))
			return h;
	return SIZE_MAX;
}

static void table_alloc(struct table *t, size_t want)
{
	t->nslots = 64;
	while (t->nslots < want * 2)
		t->nslots *= 2;
	t->n = 0;
	t->v = xcalloc(t->nslots, sizeof(*t->v));
}

static void insert(struct table *t, const struct entry *e);

static void table_grow(struct table *t)
{
	struct table old = *t;
	size_t i;

	table_alloc(t, old.nslots);
	for (i = 0; i < old.nslots; i++)
		if (old.v[i].cookie)
			insert(t, &old.v[i]);
	free(old.v);
}

/* Insert or replace the entry with e's key. */
static void insert(struct table *t, const struct entry *e)
{
	size_t h;

	assert(e->cookie);
	if ((t->n + 1) * 2 > t->nslots)
		table_grow(t);
	h = slot_of(t, e->cookie, e->inode);
	assert(h != SIZE_MAX);
	if (!t->v[h].cookie)
		t->n++;
	t->v[h] = *e;
}

static struct entry *lookup(const struct table *t, uint64_t cookie, uint64_t inode)
{
	size_t h;

	if (!t->nslots)
		return NULL;
	h = slot_of(t, cookie, inode);
	return h != SIZE_MAX && t->v[h].cookie ? &t->v[h] : NULL;
}

/* Does the sample h is know this namespace's sockets (netns_sockets_known:
 * dumped completely, or vanished)?  A namespace no longer listed is gone
 * with its sockets. */
static bool ns_known_now(const struct skc_host *h, uint64_t netns)
{
	size_t i;

	for (i = 0; i < h->nets.n; i++)
		if (h->nets.v[i].ino == netns)
			return netns_sockets_known(&h->nets.v[i]);
	return true;
}

static bool ns_complete_before(const struct tracker *tr, uint64_t netns)
{
	size_t i;

	if (tr->ns_unknown)
		return true;	/* a host model built without namespaces */
	for (i = 0; i < tr->ncomplete_ns; i++)
		if (tr->complete_ns[i] == netns)
			return true;
	return false;
}

static void remember_complete_ns(struct tracker *tr, const struct skc_host *h)
{
	size_t i;

	free(tr->complete_ns);
	tr->complete_ns = xcalloc(h->nets.n, sizeof(*tr->complete_ns));
	tr->ncomplete_ns = 0;
	tr->ns_unknown = h->nets.n == 0;
	for (i = 0; i < h->nets.n; i++)
		if (h->nets.v[i].state == SKC_NS_COMPLETE)
			tr->complete_ns[tr->ncomplete_ns++] = h->nets.v[i].ino;
}

static bool window_passed(const struct tracker *tr, double since, double mono)
{
	/* 10 ms of slack: a --settle sleep is never exactly the window */
	return mono - since >= tr->window - 0.01;
}

static void add_event(struct skc_host *h, enum skc_event_kind kind,
		      const struct skc_sock *s, const struct entry *e)
{
	struct skc_event *ev;

	grow_array((void **)&h->events, &h->events_cap, h->nevents + 1,
		   sizeof(*h->events));
	ev = &h->events[h->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->time = h->time;
	ev->kind = kind;
	ev->pid = e->pid;
	ev->fd = e->fd;
	memcpy(ev->comm, e->comm, sizeof(e->comm));
	ev->inode = e->inode;
	ev->proto = e->proto;
	ev->recv_q = s ? sock_unread(s) : e->recv_q;
	ev->send_q = s ? s->send_q : e->send_q;
	ev->value = s ? sock_rare(s)->accept_q : 0;
	if (s)
		sock_where(s, &ev->where);
}

static void end_event(struct skc_host *h, enum skc_event_kind kind,
		      const struct skc_sock *s, const struct entry *e,
		      double since, double mono, enum skc_end_reason reason)
{
	add_event(h, kind, s, e);
	h->events[h->nevents - 1].duration = mono - since;
	h->events[h->nevents - 1].reason = reason;
}

/* Owner for events: the first process holding the socket, else (queued
 * connection) whoever holds its listener. */
static void set_owner(struct entry *e, const struct skc_host *h,
		      const struct skc_sock *s)
{
	const struct skc_sock *o = s;

	if (!s->nowners && s->listener >= 0)
		o = &h->socks.v[s->listener];
	/* no owner now (its process is exiting, or was not inspected):
	 * keep the last one seen, which events should name */
	if (!o->nowners && e->pid)
		return;
	e->pid = 0;
	e->fd = -1;
	e->comm[0] = '\0';
	if (o->nowners) {
		const struct skc_proc *p = &h->procs.v[o->owners[0].proc];

		e->pid = p->pid;
		e->fd = o->owners[0].fd;
		memcpy(e->comm, p->comm, sizeof(e->comm) - 1);
		e->comm[sizeof(e->comm) - 1] = '\0';
	}
}

/* Receive side.  TCP: the bytes the application consumed,
 * tcpi_bytes_received - Recv-Q, moved.  UDP and UNIX have no such
 * counter: the queue went down.  A queued connection's bytes stall with
 * its listener (accept), not on their own. */
static bool rx_applies(const struct skc_sock *s)
{
	return !sock_is_listener(s) && s->listener < 0;
}

static struct stall_input rx_input(const struct skc_sock *s,
				   const struct entry *old, uint32_t survivors)
{
	struct stall_input in = { .queued = s->recv_q };

	(void)survivors;
	if (!old)
		return in;
	if (s->proto == SKC_TCP && s->has_tcpi) {
		in.moved = s->bytes_received - s->recv_q != old->consumed;
		return in;
	}
	/* datagrams dequeued, a new head skb, or fewer of them: the reader
	 * read; a count or head seen for the first time is a baseline, as
	 * a new queue is */
	if (s->has_rx_reads && (!old->has_rx_reads || sock_rare(s)->rx_reads != old->rx_reads))
		in.moved = true;
	if (s->has_rx_head && (!old->has_rx_head || sock_rare(s)->rx_head != old->rx_head ||
			       sock_rare(s)->rx_qlen < old->rx_qlen))
		in.moved = true;
	/* UNIX datagrams are charged to their senders */
	if (s->proto == SKC_UNIX && s->type == SOCK_DGRAM &&
	    sock_rare(s)->peer_wmem < old->peer_wmem)
		in.moved = true;
	if (s->recv_q < old->recv_q)
		in.moved = true;
	return in;
}

/* Does "no progress" prove the reader stopped?  A count of the
 * reader's dequeues (BPF) that stayed does, for every kind; so does
 * TCP's consumed bytes (tcpi_bytes_received - Recv-Q).  Nothing else
 * does: a busy reader behind a faster writer keeps any queue full, and
 * a full queue's Recv-Q (UDP, packet, raw, netlink, MPTCP: memory; a
 * UNIX datagram: the first one's length; a UNIX stream: bytes, refilled
 * as soon as read) stays or grows, and so can the head skb's address
 * (the sender's slab reuse brings it back).  Unproven, the socket is
 * no-progress-seen. */
static bool rx_proves(const struct skc_sock *s)
{
	return s->has_rx_reads || (s->proto == SKC_TCP && s->has_tcpi);
}

/* Send side (TCP with tcp_info): tcpi_bytes_acked moved.  MPTCP:
 * bytes_acked holds mptcpi_snd_una (diag_inet.c), which moves as
 * exactly.  Not in SYN-SENT: that is the connect stall's. */
static bool tx_applies(const struct skc_sock *s)
{
	return rx_applies(s) && s->state != SKC_ST_SYN_SENT &&
	       ((s->proto == SKC_TCP && s->has_tcpi) || s->proto == SKC_MPTCP);
}

static struct stall_input tx_input(const struct skc_sock *s,
				   const struct entry *old, uint32_t survivors)
{
	struct stall_input in = { .queued = s->send_q };

	(void)survivors;
	in.moved = old && s->bytes_acked != old->acked;
	return in;
}

/* Listeners: the queue shrank, or a connection queued last sample left
 * it (was accepted) while others arrived. */
static bool accept_applies(const struct skc_sock *s)
{
	return sock_is_listener(s);
}

static struct stall_input accept_input(const struct skc_sock *s,
				       const struct entry *old, uint32_t survivors)
{
	struct stall_input in = { .queued = sock_rare(s)->accept_q };

	in.moved = old && (sock_rare(s)->accept_q < old->accept_q || survivors < old->npending);
	return in;
}

/* Connect: a TCP socket in SYN-SENT (its SYN unanswered) is waiting;
 * leaving SYN-SENT is its progress.  Kept apart from the send side,
 * whose bytes_acked cannot move before the handshake. */
static bool connect_applies(const struct skc_sock *s)
{
	return rx_applies(s) && s->proto == SKC_TCP;
}

static struct stall_input connect_input(const struct skc_sock *s,
					const struct entry *old, uint32_t survivors)
{
	struct stall_input in = { .queued = s->state == SKC_ST_SYN_SENT };

	(void)old;
	(void)survivors;
	return in;
}

static const struct {
	stall_applies_fn *applies;
	stall_input_fn *input;
	stall_proves_fn *proves;
	unsigned flag;
	enum skc_event_kind begin, end;
	bool growth;		/* s->growth: how fast the queue grows */
} stall_kinds[STALL_KINDS] = {
	[STALL_RX] = { rx_applies, rx_input, rx_proves, SKC_F_STALLED,
		       EV_STALL_BEGIN, EV_STALL_END, true },
	[STALL_TX] = { tx_applies, tx_input, NULL, SKC_F_TX_STALLED,
		       EV_TX_STALL_BEGIN, EV_TX_STALL_END, false },
	[STALL_ACCEPT] = { accept_applies, accept_input, NULL, SKC_F_ACCEPT_STALLED,
			   EV_ACCEPT_STALL_BEGIN, EV_ACCEPT_STALL_END, false },
	[STALL_CONNECT] = { connect_applies, connect_input, NULL, SKC_F_CONNECT_STALLED,
			    EV_CONNECT_STALL_BEGIN, EV_CONNECT_STALL_END, false },
};

/* The state machine, for one kind: idle or moving -> progress now;
 * queued and still for the whole window -> stalled (flag, since, events
 * on each change); the stall began at the last progress. */
static void stall_step(struct tracker *tr, struct skc_host *h,
		       struct skc_sock *s, struct entry *e,
		       const struct entry *old, enum stall_kind k,
		       uint32_t survivors, double mono)
{
	struct stall_input in = stall_kinds[k].input(s, old, survivors);
	struct stall *st = &e->st[k];
	bool stalled;

	if (!old || !in.queued || in.moved) {
		st->progress = mono;
		st->queued_then = in.queued;
	}
	stalled = in.queued > 0 && window_passed(tr, st->progress, mono);
	if (stalled && stall_kinds[k].proves && !stall_kinds[k].proves(s)) {
		/* still, but nothing proves the reader stopped */
		s->flags |= SKC_F_NO_PROGRESS;
		stalled = false;
	}
	if (stalled) {
		double dt = mono - st->progress;
		double since = h->time - dt;

		/* the oldest active stall of the socket */
		if (!(s->flags & SKC_F_ANY_STALL) || since < sock_rare(s)->stall_since)
			sock_rare_w(s)->stall_since = since;
		s->flags |= stall_kinds[k].flag;
		if (stall_kinds[k].growth)
			sock_rare_w(s)->growth = dt > 0 ? ((double)in.queued - (double)st->queued_then) / dt : 0;
	}
	if (old && stalled != old->st[k].stalled) {
		if (stalled)
			add_event(h, stall_kinds[k].begin, s, e);
		else
			end_event(h, stall_kinds[k].end, s, e, old->st[k].progress,
				  mono, SKC_END_RECOVERED);
	}
	st->stalled = stalled;
}

/* A listener whose queue went over its limit since the last sample. */
static void track_overflow(struct skc_host *h, struct skc_sock *s,
			   struct entry *e, const struct entry *old)
{
	e->accept_full = s->flags & SKC_F_ACCEPT_FULL;
	if (old && e->accept_full && !old->accept_full)
		add_event(h, EV_ACCEPT_OVERFLOW, s, e);
}

static void track_drops(const struct tracker *tr, struct skc_host *h,
			struct skc_sock *s, struct entry *e,
			const struct entry *old, double dt)
{
	uint64_t before = old ? old->drops : 0, delta;

	/* untracked last sample means no drops then (worth_tracking) --
	 * if its namespace was dumped then; otherwise this is a baseline */
	if (!tr->samples || s->drops < before || dt <= 0 ||
	    (!old && !ns_complete_before(tr, s->netns)))
		return;
	delta = s->drops - before;
	if (delta || s->rare)	/* the rare fields read 0 without */
		sock_rare_w(s)->drops_rate = (double)delta / dt;
	e->dropping = delta > 0;
	if (e->dropping && !(old && old->dropping)) {
		add_event(h, EV_DROPS, s, e);
		h->events[h->nevents - 1].value = delta;
	}
}

/* Entries the sample did not see closed in between -- unless their
 * namespace's sockets are unknown this time (a dump failed, or we could
 * not enter it): then they may just be missing, and are carried over
 * untouched instead.  A namespace that vanished took its sockets along:
 * their stalls end as "closed". */
static void close_ended(struct skc_host *h, const struct table *old,
			struct table *cur, double mono)
{
	size_t i;
	unsigned k;

	for (i = 0; i < old->nslots; i++) {
		const struct entry *e = &old->v[i];

		if (!e->cookie || e->seen)
			continue;
		if (!ns_known_now(h, e->netns)) {
			insert(cur, e);
			continue;
		}
		for (k = 0; k < STALL_KINDS; k++)
			if (e->st[k].stalled)
				end_event(h, stall_kinds[k].end, NULL, e, e->st[k].progress,
					  mono, SKC_END_CLOSED);
	}
}

/* Per listener: how many of this sample's queued connections were
 * already queued under it last sample. */
static uint32_t *count_survivors(const struct table *old, const struct skc_host *h)
{
	uint32_t *surv = xcalloc(h->socks.n, sizeof(*surv));
	size_t i;

	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *c = &h->socks.v[i];
		const struct entry *o;

		if (c->listener < 0)
			continue;
		o = lookup(old, c->cookie, c->inode);
		if (o && o->pending_of == h->socks.v[c->listener].cookie)
			surv[c->listener]++;
	}
	return surv;
}

static void track_overflows(struct tracker *tr, struct skc_host *h, double dt)
{
	if (tr->have_overflows && h->listen_overflows >= tr->overflows && dt > 0) {
		uint64_t delta = h->listen_overflows - tr->overflows;

		h->listen_overflow_rate = (double)delta / dt;
		if (delta) {
			struct entry none = { .fd = -1 };

			add_event(h, EV_ACCEPT_OVERFLOW, NULL, &none);
			h->events[h->nevents - 1].value = delta;
		}
	}
	tr->overflows = h->listen_overflows;
	tr->have_overflows = true;
}

/* Only sockets with something queued, dropped or pending (and
 * listeners, whose overflow is an event) need state:
 * an empty queue is progress by definition, so a socket that starts
 * queueing later begins its window then.  Most sockets on a host are
 * idle, and this keeps the tracker small. */
static bool worth_tracking(const struct skc_sock *s)
{
	return s->recv_q || s->send_q || sock_rare(s)->accept_q || s->drops ||
	       s->listener >= 0 || sock_is_listener(s) ||
	       (s->proto == SKC_TCP && s->state == SKC_ST_CLOSE_WAIT);
}

/* How many entries this sample will track: a first size for the new
 * table (insert() grows it past that, e.g. for entries carried over). */
static size_t count_tracked(const struct skc_host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->socks.n; i++)
		n += worth_tracking(&h->socks.v[i]);
	return n;
}

static void track_one(struct tracker *tr, struct skc_host *h, struct skc_sock *s,
		      struct entry *e, struct entry *old_e, uint32_t survivors,
		      double mono, double dt)
{
	unsigned k;

	memset(e, 0, sizeof(*e));
	if (old_e) {
		*e = *old_e;
		old_e->seen = true;
	}
	e->seen = false;
	e->cookie = s->cookie;
	e->inode = s->inode;
	e->netns = s->netns;
	e->proto = s->proto;
	set_owner(e, h, s);
	for (k = 0; k < STALL_KINDS; k++)
		if (stall_kinds[k].applies(s))
			stall_step(tr, h, s, e, old_e, (enum stall_kind)k, survivors, mono);
	if (sock_is_listener(s))
		track_overflow(h, s, e, old_e);
	track_drops(tr, h, s, e, old_e, dt);
	e->recv_q = s->recv_q;
	e->send_q = s->send_q;
	e->drops = s->drops;
	e->consumed = s->bytes_received - s->recv_q;
	e->acked = s->bytes_acked;
	e->accept_q = sock_rare(s)->accept_q;
	e->has_rx_head = s->has_rx_head;
	e->rx_head = sock_rare(s)->rx_head;
	e->rx_qlen = sock_rare(s)->rx_qlen;
	e->has_rx_reads = s->has_rx_reads;
	e->rx_reads = sock_rare(s)->rx_reads;
	e->peer_wmem = sock_rare(s)->peer_wmem;
	/* how long a socket has sat in CLOSE-WAIT, as far as we saw it */
	if (s->proto == SKC_TCP && s->state == SKC_ST_CLOSE_WAIT) {
		if (!old_e || !old_e->cw_first)
			e->cw_first = mono > 0 ? mono : 1e-9;
		sock_rare_w(s)->close_wait_age = mono - e->cw_first;
	} else {
		e->cw_first = 0;
	}
	e->npending = 0;
	e->pending_of = s->listener >= 0 ? h->socks.v[s->listener].cookie : 0;
}

void track_update(struct tracker *tr, struct skc_host *h, double mono)
{
	struct table old = tr->cur, cur;
	double dt = tr->samples ? mono - tr->last_mono : 0;
	uint32_t *surv = count_survivors(&old, h);
	size_t i;

	table_alloc(&cur, count_tracked(h));
	h->window = tr->window;
	for (i = 0; i < h->socks.n; i++) {
		struct skc_sock *s = &h->socks.v[i];
		struct entry *old_e, e;
		bool worth = worth_tracking(s);

		if (!s->cookie)
			continue;	/* no key */
		/* most sockets are idle and were idle: one lookup each */
		old_e = lookup(&old, s->cookie, s->inode);
		if (!old_e && !worth)
			continue;
		if (lookup(&cur, s->cookie, s->inode))
			continue;	/* dumped twice */
		/* an idle socket that was tracked still gets its last
		 * sample: that is where a stall ends as recovered */
		track_one(tr, h, s, &e, old_e, surv[i], mono, dt);
		if (worth)
			insert(&cur, &e);
	}
	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *c = &h->socks.v[i];
		struct entry *l;

		if (c->listener < 0)
			continue;
		l = lookup(&cur, h->socks.v[c->listener].cookie,
			   h->socks.v[c->listener].inode);
		if (l)
			l->npending++;
	}
	close_ended(h, &old, &cur, mono);
	track_overflows(tr, h, dt);
	remember_complete_ns(tr, h);
	free(surv);
	free(old.v);
	tr->cur = cur;
	tr->last_mono = mono;
	tr->samples++;
	h->tracked = tr->samples > 1;
}
