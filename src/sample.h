/* One sample: collect -> join -> judge -> track -> rollup, timed. */
#ifndef SKC_SAMPLE_H
#define SKC_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "options.h"
#include "track.h"
#include "util.h"

struct proccache;

/* Fill h (initialised here) with one judged sample.  light and cache:
 * see collect_host.  Returns 0, -ECANCELED when SIGINT/SIGTERM asked
 * us to stop (stop.h), or -errno with err set. */
int sample_take(struct skc_host *h, const struct skc_opts *o,
		struct tracker *tr, struct proccache *cache, bool light,
		struct skc_err *err);

/* The phases after join, in order: judge, track (with a tracker:
 * stall flags, events; mono is the CLOCK_MONOTONIC time of the sample
 * in seconds), rollup. */
void sample_judge(struct skc_host *h, const struct skc_opts *o,
		  struct tracker *tr, double mono);

/* The exit status a sample stands for: SKC_EXIT_FLAGGED when anything
 * listed is flagged, else SKC_EXIT_PARTIAL when the sample could not
 * look at everything (h->partial), else SKC_EXIT_OK. */
int sample_status(const struct skc_host *h, const struct skc_opts *o);

#endif
