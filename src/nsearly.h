/* collect: our own namespace's dumps, begun on a thread of their own
 * before the process scan (collect.c), which they do not need; most of
 * a host's sockets are usually there, so the two overlap.  nsdump_all
 * takes the result as that namespace's job.  Part of nsdump. */
#ifndef SKC_NSEARLY_H
#define SKC_NSEARLY_H

#include <stdint.h>

#include "model.h"
#include "options.h"
#include "util.h"

struct nsdump_early;

/* Begin dumping the namespace the calling thread is in (netns: its
 * inode) on a new thread, as nsdump_netns does.  NULL when there is no
 * point or no way: one thread asked for (SKCHECK_NS_THREADS=1), one
 * CPU, a --netns selection other than all or current, or no thread
 * could be made; the pool then dumps it as before. */
struct nsdump_early *nsdump_early_start(const struct skc_opts *o, uint64_t netns);

/* The namespace it dumps. */
uint64_t nsdump_early_netns(const struct nsdump_early *e);

/* Wait for it and hand its result over, then free it: its sockets,
 * warnings, partial bits and family sources into out (empty before),
 * nsdump_netns's return into *ret and *err, and the namespace's state
 * (COMPLETE, or INCOMPLETE when a dump was cut) into *state when that
 * is still PENDING. */
void nsdump_early_take(struct nsdump_early *e, struct skc_host *out,
		       enum skc_ns_state *state, int *ret, struct skc_err *err);

/* Wait for it and free it, its result unused (the sample ended before
 * the dumps, or the namespace was not selected).  NULL: nothing. */
void nsdump_early_cancel(struct nsdump_early *e);

#endif
