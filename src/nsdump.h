/* collect: the sock_diag dumps of every selected network namespace,
 * made concurrently on a small thread pool (each extra namespace costs
 * a walk of the kernel's shared socket hash tables, ~35 ms on a busy
 * host) and merged in namespace order, so that the result is the same
 * as one namespace after the other.  Never prints. */
#ifndef SKC_NSDUMP_H
#define SKC_NSDUMP_H

#include <stdint.h>

#include "model.h"
#include "options.h"
#include "util.h"

/* Dump the namespace the calling thread is in now (netns: its inode)
 * into out->socks, with interface names, warnings into out, family
 * sources into out->family_src, and a failed protocol marking netns
 * INCOMPLETE in out->nets.  No BPF walk (pinned_collect_ns is the
 * caller's).  0, or -errno with err set when no dump worked. */
int nsdump_netns(struct skc_host *out, uint64_t netns,
		 const struct skc_opts *o, struct skc_err *err);

struct nsdump_early;	/* nsearly.h */

/* Dump every namespace of h->nets into h->socks (in h->nets order,
 * whatever the pool size), set each one's state, walk the pinned pages
 * of each (pinned_collect_ns, one namespace after the other: the page
 * map counts a page shared by two namespaces' queues in the first), and
 * set h->partial.  The pool has min(online CPUs, 4, namespaces)
 * threads, or min(o->ns_threads, namespaces) when set; one namespace or
 * one thread: no thread at all, the calling thread does it all.  early
 * (from nsdump_early_start, or NULL) is taken as the own namespace's
 * dump, or freed; either way it is gone on return.  0, or -errno with err set:
 * -ECANCELED (SIGINT/SIGTERM), -ENOTRECOVERABLE (a thread could not
 * return to our namespace), -EPERM (no namespace could be scanned), or
 * the failure of our own namespace's dump. */
int nsdump_all(struct skc_host *h, const struct skc_opts *o,
	       struct nsdump_early *early, struct skc_err *err);

#endif
