/* track: socket state across samples (keyed by cookie + inode), stall
 * verdicts and events.  The rules are documented in skcheck(8) STALLS. */
#ifndef SKC_TRACK_H
#define SKC_TRACK_H

#include "model.h"

struct tracker;

/* window: seconds a queue must stand still before it counts as stalled */
struct tracker *track_new(double window);
void track_free(struct tracker *tr);

/* Compare h (judged sockets, owners joined) with the previous sample:
 * set stall flags and rates on sockets, append events to h.  mono is
 * CLOCK_MONOTONIC seconds, h->time the wall clock of the sample. */
void track_update(struct tracker *tr, struct skc_host *h, double mono);

/* Number of samples seen so far. */
unsigned long track_samples(const struct tracker *tr);

#endif
