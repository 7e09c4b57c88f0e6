/* What may be stale in a carried-over process, and how we notice:
 *  - the pid was reused or the fd count changed: procscan_update reads
 *    the process again (/proc/PID inode and st_size of fd/);
 *  - a socket it held closed and another opened under the same count:
 *    the old inode is gone from the dump -> re-read;
 *  - an fd number reused for another live socket: invisible to both
 *    checks, so every cached fd whose socket holds data is confirmed
 *    with one readlink -- an owner that matters is never guessed;
 *  - a new socket holding data that no process owns: scan all once.
 * Sockets that cannot matter (empty queues) may keep a stale owner for
 * a while; they are never reported as residue. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "proccache.h"
#include "procscan.h"
#include "socktab.h"
#include "util.h"

/* A full scan now and then also refreshes owners of quiet sockets. */
#define FULL_SCAN_EVERY 60

struct proccache {
	struct skc_proctab prev;
	bool have_prev;
	bool full;		/* this sample read every process */
	unsigned long samples;
	uint64_t *unplaced;	/* sorted inodes with no owner last sample */
	size_t nunplaced;
	unsigned long reused, rescanned;
};

struct proccache *proccache_new(void)
{
	return xcalloc(1, sizeof(struct proccache));
}

void proccache_free(struct proccache *c)
{
	if (!c)
		return;
	proctab_free(&c->prev);
	free(c->unplaced);
	free(c);
}

int proccache_scan(struct proccache *c, const char *proc_root,
		   struct skc_proctab *pt)
{
	int ret;
	size_t i;

	c->full = !c->have_prev || ++c->samples % FULL_SCAN_EVERY == 0;
	if (c->full) {
		proctab_free(&c->prev);
		c->have_prev = false;
		return procscan_run(proc_root, pt, true);
	}
	ret = procscan_update(proc_root, &c->prev, pt);
	proctab_free(&c->prev);
	c->have_prev = false;
	for (i = 0; i < pt->n; i++) {
		if (pt->v[i].reused)
			c->reused++;
		else
			c->rescanned++;
	}
	return ret;
}

/* Does fd still point to inode? */
static bool fd_is(const char *proc_root, pid_t pid, int fd, uint64_t inode)
{
	char path[4096], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, fd);
	n = readlink(path, link, sizeof(link));
	return n > 0 && n < (ssize_t)sizeof(link) &&
	       procscan_socket_inode(link, (size_t)n) == inode;
}

static bool proc_stale(const char *proc_root, const struct skc_proc *p,
		       const struct skc_socktab *t)
{
	size_t i;

	for (i = 0; i < p->nfds; i++) {
		const struct skc_sockfd *f = &p->fds[i];
		long k = socktab_find(t, f->inode);

		if (k < 0) {
			if (f->matched)
				return true;	/* that socket closed */
			continue;
		}
		if (sock_has_queue(&t->v[k]) &&
		    !fd_is(proc_root, p->pid, f->fd, f->inode))
			return true;
	}
	return false;
}

void proccache_verify(struct proccache *c, const char *proc_root,
		      struct skc_host *h)
{
	size_t i;
	int ret;

	if (!h->socks.slots)
		socktab_index(&h->socks);
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		if (!p->reused || !proc_stale(proc_root, p, &h->socks))
			continue;
		c->reused--;
		c->rescanned++;
		ret = procscan_rescan_fds(proc_root, p);
		if (ret == -ENOENT || ret == -ESRCH)
			p->nfds = 0;	/* gone: it owns nothing now */
		else
			procscan_count_unread(&h->procs, p);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

bool proccache_need_full(struct proccache *c, const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];
		uint64_t inode = s->inode;	/* the key as the array holds it */

		if (!s->inode || s->nowners || !sock_has_queue(s))
			continue;
		if (!c->unplaced ||
		    !bsearch(&inode, c->unplaced, c->nunplaced,
			     sizeof(*c->unplaced), cmp_u64))
			return true;
	}
	return false;
}

int proccache_rescan_all(struct proccache *c, const char *proc_root,
			 struct skc_host *h)
{
	proctab_free(&h->procs);
	c->full = true;
	return procscan_run(proc_root, &h->procs, true);
}

void proccache_keep(struct proccache *c, struct skc_host *h)
{
	size_t i, cap = 0;

	proctab_free(&c->prev);
	c->prev = h->procs;
	memset(&h->procs, 0, sizeof(h->procs));
	c->have_prev = true;
	/* remember who had no owner after a full look, not to rescan for
	 * them every sample (kernel-held sockets, unreadable processes);
	 * a socket that shows up later without an owner is new */
	if (!c->full)
		return;
	free(c->unplaced);
	c->unplaced = NULL;
	c->nunplaced = 0;
	for (i = 0; i < h->socks.n; i++) {
		if (!h->socks.v[i].inode || h->socks.v[i].nowners)
			continue;
		grow_array((void **)&c->unplaced, &cap, c->nunplaced + 1,
			   sizeof(*c->unplaced));
		c->unplaced[c->nunplaced++] = h->socks.v[i].inode;
	}
	if (c->nunplaced)
		qsort(c->unplaced, c->nunplaced, sizeof(*c->unplaced), cmp_u64);
}

void proccache_stats(const struct proccache *c, unsigned long *reused,
		     unsigned long *rescanned)
{
	*reused = c->reused;
	*rescanned = c->rescanned;
}
