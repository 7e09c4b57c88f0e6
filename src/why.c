/* The verdict: why a socket's queue does not drain, from its owners'
 * threads.  Rules in order (skcheck(8) WHY):
 *   stopped            every live thread is stopped (T) or traced (t)
 *   watched, not read  a thread is blocked reading it (read, recv*,
 *                      accept*), polls it for input (poll, select), or
 *                      waits in epoll_wait on a set that watches it for
 *                      EPOLLIN -- and still the queue stands
 *   unknown            a thread's wait cannot be seen: no ptrace access
 *                      to its syscall, an unreadable poll set or epoll
 *                      set, or io_uring_enter (what a ring reads is not
 *                      in /proc)
 *   threads busy       some thread is running (R)
 *   blocked in kernel  some thread is in uninterruptible sleep (D)
 *   waiting on a lock  some thread waits in futex
 *   unwatched          none of the above: every thread sleeps elsewhere
 * Only the threads of processes holding the socket count. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "socktab.h"
#include "util.h"
#include "why.h"

#define NEST_MAX 4	/* epoll sets inside epoll sets, followed this deep */

const char *why_kind_name(enum skc_why_kind k)
{
	static const char *const names[WHY_KINDS] = {
		[WHY_NONE] = "", [WHY_STOPPED] = "stopped",
		[WHY_WATCHED_NOT_READ] = "watched, not read",
		[WHY_UNKNOWN] = "unknown", [WHY_BUSY] = "threads busy",
		[WHY_BLOCKED] = "blocked in kernel",
		[WHY_LOCK] = "waiting on a lock", [WHY_UNWATCHED] = "unwatched",
	};

	return k < WHY_KINDS ? names[k] : "?";
}

static void detail(struct skc_why *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append to w->detail, "; " between parts. */
static void detail(struct skc_why *w, const char *fmt, ...)
{
	size_t n = strlen(w->detail);
	va_list ap;

	if (n && n + 2 < sizeof(w->detail)) {
		memcpy(w->detail + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(w->detail + n, sizeof(w->detail) - n, fmt, ap);
	va_end(ap);
}

static long epoll_index(const struct skc_threads *t, int fd)
{
	size_t i;

	for (i = 0; i < t->nep; i++)
		if (t->ep[i].fd == fd)
			return (long)i;
	return -1;
}

/* Is ino in epoll set e (directly, or through epoll sets it holds)?
 * *in: watched for input along the whole way; *mask: the socket's own
 * event mask in the innermost set. */
static bool ep_holds(const struct skc_threads *t, size_t e, uint64_t ino,
		     int depth, bool *in, uint32_t *mask)
{
	const struct skc_epoll *ep = &t->ep[e];
	const struct epoll_watch *hit = threads_epoll_find(ep, ino);
	size_t i;

	if (hit) {
		*mask = hit->events;
		*in = hit->events & EPOLLIN;
		return true;
	}
	if (depth >= NEST_MAX)
		return false;
	/* anon inodes share one inode number: an epoll set inside another
	 * is recognised by its fd (threads_index lists them) */
	for (i = 0; ep->indexed ? i < ep->nnested : i < ep->n; i++) {
		const struct epoll_watch *w = &ep->v[ep->indexed ? ep->nested[i] : i];
		long k = epoll_index(t, w->tfd);

		if (k >= 0 && (size_t)k != e &&
		    ep_holds(t, (size_t)k, ino, depth + 1, in, mask)) {
			*in = *in && (w->events & EPOLLIN);
			return true;
		}
	}
	return false;
}

static bool has_fd(const struct why_owner *o, int fd)
{
	size_t i;

	for (i = 0; i < o->nfds; i++)
		if (o->fds[i] == fd)
			return true;
	return false;
}

static void add_thread(struct skc_why *w, const struct why_owner *o,
		       const struct skc_thread *t, int fd)
{
	struct why_thread *e;

	if (w->nthreads == WHY_MAX_THREADS)
		return;
	e = &w->threads[w->nthreads++];
	e->pid = o->pid;
	e->tid = t->tid;
	e->state = t->state;
	memcpy(e->wchan, t->wchan, sizeof(e->wchan));
	e->sys = t->sys.state;
	e->nr = t->sys.state == THR_SYS_OK ? t->sys.nr : -1;
	e->syscall = e->sys == THR_SYS_OK ?
		threads_syscall_name(threads_native_arch(), t->sys.nr) : NULL;
	e->fd = fd;
}

static struct why_epoll *add_epoll(struct skc_why *w, pid_t pid, int fd)
{
	unsigned i;

	for (i = 0; i < w->nepolls; i++)
		if (w->epolls[i].pid == pid && w->epolls[i].fd == fd)
			return &w->epolls[i];
	if (w->nepolls == WHY_MAX_EPOLL)
		return NULL;
	w->epolls[w->nepolls].pid = pid;
	w->epolls[w->nepolls].fd = fd;
	return &w->epolls[w->nepolls++];
}

static void count_state(struct why_counts *n, const struct skc_thread *t)
{
	n->total++;
	switch (t->state) {
	case 'R': n->running++; break;
	case 'S': case 'I': n->sleeping++; break;
	case 'D': n->disk++; break;
	case 'T': n->stopped++; break;
	case 't': n->traced++; break;
	case 'Z': case 'X': n->zombie++; break;
	default: n->other++; break;
	}
	if (t->sys.state == THR_SYS_DENIED)
		n->denied++;
	if (t->sys.state == THR_SYS_OK && t->wait == THR_WAIT_FUTEX)
		n->futex++;
}

static bool live(const struct skc_thread *t)
{
	return t->state != 'Z' && t->state != 'X';
}

static bool halted(const struct skc_thread *t)
{
	return t->state == 'T' || t->state == 't';
}

/* Does thread t wait for input on the socket? Returns the fd it waits
 * on (the socket's, or the epoll set's) or -1; *ep the epoll index. */
static int waits_for_input(const struct why_owner *o, const struct skc_thread *t,
			   uint64_t ino, long *ep)
{
	bool in = false;
	uint32_t mask;
	size_t i;
	long k;

	*ep = -1;
	if (t->sys.state != THR_SYS_OK)
		return -1;
	switch (t->wait) {
	case THR_WAIT_READ:
		return has_fd(o, (int)t->sys.args[0]) ? (int)t->sys.args[0] : -1;
	case THR_WAIT_POLL:
	case THR_WAIT_SELECT:
		for (i = 0; i < t->nin_fds; i++)
			if (has_fd(o, t->in_fds[i]))
				return t->in_fds[i];
		return -1;
	case THR_WAIT_EPOLL:
		k = epoll_index(o->t, (int)t->sys.args[0]);
		if (k < 0 || !ep_holds(o->t, (size_t)k, ino, 0, &in, &mask) || !in)
			return -1;
		*ep = k;
		return (int)t->sys.args[0];
	default:
		return -1;
	}
}

/* Is ino among the registered files of ring fd? (io_uring fdinfo) */
static bool ring_holds(const struct skc_threads *t, int fd, uint64_t ino)
{
	size_t i, j;

	for (i = 0; i < t->nrings; i++)
		for (j = 0; t->rings[i].fd == fd && j < t->rings[i].nfiles; j++)
			if (t->rings[i].files[j] == ino)
				return true;
	return false;
}

/* Can we not tell what t waits for? Says why into *why. */
static bool wait_unseen(const struct why_owner *o, const struct skc_thread *t,
			uint64_t ino, const char **why)
{
	if (!live(t) || halted(t))
		return false;
	switch (t->sys.state) {
	case THR_SYS_DENIED: *why = "no ptrace access to its syscall"; return true;
	case THR_SYS_ERROR: *why = "its syscall could not be read"; return true;
	case THR_SYS_OK: break;
	default: return false;
	}
	if ((t->wait == THR_WAIT_POLL || t->wait == THR_WAIT_SELECT) && t->fds_unknown) {
		*why = "its poll/select set could not be read";
		return true;
	}
	if (t->wait == THR_WAIT_EPOLL && epoll_index(o->t, (int)t->sys.args[0]) < 0) {
		*why = "the epoll set it waits on could not be read";
		return true;
	}
	if (t->wait == THR_WAIT_URING) {
		*why = ring_holds(o->t, (int)t->sys.args[0], ino) ?
			"it waits in io_uring_enter on a ring that has the socket among its registered files (what a ring reads is not in /proc)" :
			"it waits in io_uring_enter (what a ring reads is not in /proc)";
		return true;
	}
	return false;
}

/* The epoll sets holding the socket, as evidence. */
static void note_epolls(struct skc_why *w, const struct why_owner *ow,
			size_t nowners, uint64_t ino)
{
	size_t i, e, k;

	for (i = 0; i < nowners; i++) {
		const struct skc_threads *t = ow[i].t;

		for (e = 0; t && e < t->nep; e++) {
			struct why_epoll *we;
			uint32_t mask = 0;
			bool in = false;

			if (!ep_holds(t, e, ino, 0, &in, &mask))
				continue;
			we = add_epoll(w, ow[i].pid, t->ep[e].fd);
			if (!we)
				return;
			we->member = true;
			we->events = mask;
			for (k = 0; k < t->n; k++)
				if (t->v[k].sys.state == THR_SYS_OK &&
				    t->v[k].wait == THR_WAIT_EPOLL &&
				    (int)t->v[k].sys.args[0] == t->ep[e].fd)
					we->waiters++;
		}
	}
}

/* Threads of one kind (state letter, or futex) as evidence. */
static void note_threads(struct skc_why *w, const struct why_owner *ow,
			 size_t nowners, bool (*pick)(const struct skc_thread *))
{
	size_t i, k;

	for (i = 0; i < nowners; i++)
		for (k = 0; ow[i].t && k < ow[i].t->n; k++)
			if (pick(&ow[i].t->v[k]))
				add_thread(w, &ow[i], &ow[i].t->v[k], -1);
}

static bool pick_running(const struct skc_thread *t) { return t->state == 'R'; }
static bool pick_disk(const struct skc_thread *t) { return t->state == 'D'; }
static bool pick_halted(const struct skc_thread *t) { return halted(t); }
static bool pick_any(const struct skc_thread *t) { return live(t); }
static bool pick_futex(const struct skc_thread *t)
{
	return live(t) && t->sys.state == THR_SYS_OK && t->wait == THR_WAIT_FUTEX;
}

static void unwatched_detail(struct skc_why *w)
{
	unsigned i, in_sets = 0;

	detail(w, "no thread reads it, polls it or waits on an epoll set watching it for input");
	for (i = 0; i < w->nepolls; i++) {
		const struct why_epoll *e = &w->epolls[i];

		if (!(e->events & EPOLLIN))
			detail(w, "epoll fd %d of pid %d holds it without EPOLLIN (events 0x%x)",
			       e->fd, (int)e->pid, e->events);
		else
			detail(w, "epoll fd %d of pid %d watches it for EPOLLIN, but no thread waits on that set",
			       e->fd, (int)e->pid);
		in_sets++;
	}
	if (!in_sets)
		detail(w, "it is in no epoll set");
	detail(w, "%u thread%s sleep%s elsewhere", w->n.sleeping,
	       w->n.sleeping == 1 ? "" : "s", w->n.sleeping == 1 ? "s" : "");
}

static bool find_reader(struct skc_why *w, uint64_t ino,
			const struct why_owner *ow, size_t nowners)
{
	size_t i, k;

	for (i = 0; i < nowners; i++) {
		for (k = 0; ow[i].t && k < ow[i].t->n; k++) {
			const struct skc_thread *t = &ow[i].t->v[k];
			const char *name;
			long ep;
			int fd = waits_for_input(&ow[i], t, ino, &ep);

			if (fd < 0 || halted(t))
				continue;
			add_thread(w, &ow[i], t, fd);
			name = threads_syscall_name(threads_native_arch(), t->sys.nr);
			if (ep >= 0)
				detail(w, "thread %d of pid %d waits in %s on epoll fd %d, which watches it for EPOLLIN, yet does not read it",
				       (int)t->tid, (int)ow[i].pid, name, fd);
			else
				detail(w, "thread %d of pid %d waits in %s on fd %d, yet does not read it",
				       (int)t->tid, (int)ow[i].pid, name, fd);
			return true;
		}
	}
	return false;
}

static bool find_unseen(struct skc_why *w, uint64_t ino,
			const struct why_owner *ow, size_t nowners)
{
	const char *why = NULL;
	unsigned n = 0;
	size_t i, k;

	for (i = 0; i < nowners; i++) {
		if (!ow[i].t || ow[i].t->err) {
			detail(w, "the threads of pid %d could not be read", (int)ow[i].pid);
			return true;
		}
		for (k = 0; k < ow[i].t->n; k++) {
			if (!wait_unseen(&ow[i], &ow[i].t->v[k], ino, &why))
				continue;
			add_thread(w, &ow[i], &ow[i].t->v[k], -1);
			n++;
		}
	}
	if (!n)
		return false;
	if (w->n.denied)
		detail(w, "no ptrace access: the syscalls of %u of %u threads are not readable",
		       w->n.denied, w->n.total);
	else
		detail(w, "%u thread(s) cannot be seen: %s", n, why);
	return true;
}

void why_judge_socket(uint64_t ino, const struct why_owner *ow, size_t nowners,
		      struct skc_why *w)
{
	unsigned live_n;
	size_t i, k;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < nowners; i++)
		for (k = 0; ow[i].t && k < ow[i].t->n; k++)
			count_state(&w->n, &ow[i].t->v[k]);
	live_n = w->n.total - w->n.zombie;
	note_epolls(w, ow, nowners, ino);
	if (live_n && w->n.stopped + w->n.traced == live_n) {
		w->kind = WHY_STOPPED;
		note_threads(w, ow, nowners, pick_halted);
		detail(w, "%s %u thread%s %s", live_n == 1 ? "its" : "all", live_n,
		       live_n == 1 ? "" : "s",
		       !w->n.traced ? "stopped (T: SIGSTOP or job control)" :
		       !w->n.stopped ? "traced (t: stopped by a debugger)" :
		       "stopped (T) or traced (t)");
	} else if (find_reader(w, ino, ow, nowners)) {
		w->kind = WHY_WATCHED_NOT_READ;
	} else if (!live_n) {
		w->kind = WHY_UNKNOWN;
		detail(w, "no live thread seen (the process is exiting, or its threads could not be read)");
	} else if (find_unseen(w, ino, ow, nowners)) {
		w->kind = WHY_UNKNOWN;
	} else if (w->n.running) {
		w->kind = WHY_BUSY;
		note_threads(w, ow, nowners, pick_running);
		detail(w, "no thread waits for input on it; %u of %u threads running (R)",
		       w->n.running, live_n);
	} else if (w->n.disk) {
		w->kind = WHY_BLOCKED;
		note_threads(w, ow, nowners, pick_disk);
		detail(w, "no thread waits for input on it; %u of %u threads in uninterruptible sleep (D)%s%s",
		       w->n.disk, live_n, w->threads[0].wchan[0] ? " at " : "",
		       w->threads[0].wchan);
	} else if (w->n.futex) {
		w->kind = WHY_LOCK;
		note_threads(w, ow, nowners, pick_futex);
		detail(w, "no thread waits for input on it; %u of %u threads wait in futex (a lock or condition)",
		       w->n.futex, live_n);
	} else {
		w->kind = WHY_UNWATCHED;
		note_threads(w, ow, nowners, pick_any);
		unwatched_detail(w);
	}
}

static bool needs_why(const struct skc_host *h, const struct skc_sock *s)
{
	uint32_t k;

	if (!s->inode || !s->nowners || !s->matches ||
	    !(s->flags & (SKC_F_STALLED | SKC_F_ACCEPT_STALLED | SKC_F_RESIDUE)))
		return false;
	for (k = 0; k < s->nowners; k++)
		if (h->procs.v[s->owners[k].proc].matches)
			return true;
	return false;
}

/* Read the threads of every process that holds a socket needing a
 * verdict, once each: by_proc[i] for h->procs.v[i], NULL for the others.
 * Caller frees with free_owners. */
static struct skc_threads **collect_owners(struct skc_host *h,
					   const char *proc_root, const bool *need)
{
	struct skc_threads **by_proc = xcalloc(h->procs.n, sizeof(*by_proc));
	size_t i;
	uint32_t k;

	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		for (k = 0; need[i] && k < s->nowners; k++) {
			uint32_t pi = s->owners[k].proc;

			if (by_proc[pi])
				continue;
			by_proc[pi] = xcalloc(1, sizeof(**by_proc));
			threads_collect(proc_root, &h->procs.v[pi], by_proc[pi]);
		}
	}
	return by_proc;
}

static void free_owners(struct skc_threads **by_proc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		threads_free(by_proc[i]);
		free(by_proc[i]);
	}
	free(by_proc);
}

static void judge_one(struct skc_host *h, struct skc_threads *const *by_proc,
		      struct skc_sock *s, struct skc_why *w)
{
	struct why_owner *ow = xcalloc(s->nowners, sizeof(*ow));
	int *fds = xcalloc(s->nowners, sizeof(*fds));
	size_t n = 0;
	uint32_t k;

	/* join lists a process's fds for the socket one after the other:
	 * each owner process gets its run of s->owners (never a scan of all
	 * its fds, which would cost sockets x fds) */
	for (k = 0; k < s->nowners; k++) {
		struct skc_proc *p = &h->procs.v[s->owners[k].proc];

		if (!n || ow[n - 1].pid != p->pid) {
			ow[n].pid = p->pid;
			ow[n].t = by_proc[s->owners[k].proc];
			ow[n].fds = &fds[k];
			n++;
		}
		fds[k] = s->owners[k].fd;
		ow[n - 1].nfds++;
	}
	why_judge_socket(s->inode, ow, n, w);
	sock_rare_w(s)->why = w;
	for (k = 0; k < s->nowners; k++) {
		struct skc_proc *p = &h->procs.v[s->owners[k].proc];

		p->why_kinds |= 1u << w->kind;
		if (w->kind != WHY_UNWATCHED)
			continue;
		/* rollup has run: the socket was flagged (stalled or
		 * residue) already, so only the flag set changes */
		p->fig.flags |= SKC_F_UNWATCHED;
		if (p->cont_idx >= 0 && (size_t)p->cont_idx < h->nconts)
			h->conts[p->cont_idx].fig.flags |= SKC_F_UNWATCHED;
	}
	if (w->kind == WHY_UNWATCHED)
		s->flags |= SKC_F_UNWATCHED;
	free(fds);
	free(ow);
}

static void annotate_events(struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nevents; i++) {
		struct skc_event *ev = &h->events[i];
		long k;

		if ((ev->kind != EV_STALL_BEGIN && ev->kind != EV_ACCEPT_STALL_BEGIN) ||
		    !ev->inode)
			continue;
		k = socktab_find(&h->socks, ev->inode);
		if (k < 0 || !sock_rare(&h->socks.v[k])->why)
			continue;
		snprintf(ev->why, sizeof(ev->why), "%s", why_kind_name(sock_rare(&h->socks.v[k])->why->kind));
		snprintf(ev->why_detail, sizeof(ev->why_detail), "%s",
			 sock_rare(&h->socks.v[k])->why->detail);
	}
}

void why_host(struct skc_host *h, const char *proc_root)
{
	bool *need = xcalloc(h->socks.n, sizeof(*need));
	struct skc_threads **by_proc;
	size_t i, n = 0;

	for (i = 0; i < h->socks.n; i++) {
		need[i] = needs_why(h, &h->socks.v[i]);
		n += need[i];
	}
	if (n) {
		by_proc = collect_owners(h, proc_root, need);
		h->whys = xcalloc(n, sizeof(*h->whys));
		for (i = 0; i < h->socks.n; i++)
			if (need[i])
				judge_one(h, by_proc, &h->socks.v[i], &h->whys[h->nwhys++]);
		free_owners(by_proc, h->procs.n);
		annotate_events(h);
	}
	free(need);
}

bool why_any_listed(const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nranked; i++)
		if (h->ranked[i]->why_kinds && (h->ranked[i]->fig.flags & SKC_F_ANY_STALL))
			return true;
	return false;
}
