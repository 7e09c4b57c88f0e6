/* evgate: which stall begin/end events are worth an event line.  A
 * stall-begin (tx-stall-begin) whose socket holds fewer unread (unsent)
 * bytes than the threshold is quiet, and so is the end of a stall
 * whose begin was quiet: thousands of 1-byte stalls do not bury the one
 * that holds megabytes.  State across samples: one gate per run. */
#ifndef SKC_EVGATE_H
#define SKC_EVGATE_H

#include <stdint.h>

#include "model.h"

struct evgate;

/* A gate for stalls of at least min_bytes (0: every stall is shown). */
struct evgate *evgate_new(uint64_t min_bytes);
void evgate_free(struct evgate *g);

/* Set ev->quiet on the events of h (after track and rollup), and
 * remember the stalls whose begin was shown until they end.  Sockets
 * without an inode (orphans) are never quiet: nothing names their end. */
void evgate_apply(struct evgate *g, struct skc_host *h);

#endif
