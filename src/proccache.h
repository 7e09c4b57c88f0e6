/* The --watch owner cache: keeps the process table (pid -> socket fds)
 * from sample to sample, so a tick re-reads only the fds that may have
 * changed instead of readlink()ing every fd on the host. */
#ifndef SKC_PROCCACHE_H
#define SKC_PROCCACHE_H

#include "model.h"

struct proccache;

struct proccache *proccache_new(void);
void proccache_free(struct proccache *c);

/* Fill pt: incrementally when the cache holds a previous sample. */
int proccache_scan(struct proccache *c, const char *proc_root,
		   struct skc_proctab *pt);

/* After the dumps, before join: re-read the fds of reused processes
 * whose cached sockets closed, or whose sockets hold data (those must
 * be right; a readlink each confirms them). */
void proccache_verify(struct proccache *c, const char *proc_root,
		      struct skc_host *h);

/* After join: true when a new socket holding data has no owner yet, so
 * the caller should scan everything once more. */
bool proccache_need_full(struct proccache *c, const struct skc_host *h);

/* Replace h's process table with a full scan. 0 or -errno. */
int proccache_rescan_all(struct proccache *c, const char *proc_root,
			 struct skc_host *h);

/* Take h's process table for the next sample (h keeps an empty one). */
void proccache_keep(struct proccache *c, struct skc_host *h);

/* Counters for the summary and tests: fds read vs. carried over. */
void proccache_stats(const struct proccache *c, unsigned long *reused,
		     unsigned long *rescanned);

#endif
