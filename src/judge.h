/* judge: per-socket numbers and flags, per-process rollups, filtering,
 * ranking and totals.  Reads collected+joined data, writes verdicts. */
#ifndef SKC_JUDGE_H
#define SKC_JUDGE_H

#include "model.h"
#include "options.h"

void judge_socket(struct skc_sock *s, const struct skc_opts *o);
struct tracker;

/* Judge a collected, joined host.  With a tracker, the sample is also
 * compared with the previous one (stall flags, events); mono is the
 * CLOCK_MONOTONIC time of the sample in seconds. */
void judge_host(struct skc_host *h, const struct skc_opts *o,
		struct tracker *tr, double mono);

/* Sockets of process p that are listed under it, worst first (all of
 * them with --all, else those with residue). Caller frees *out. */
size_t judge_proc_sockets(const struct skc_host *h, const struct skc_proc *p,
			  const struct skc_opts *o, struct skc_sock ***out,
			  int **fds);

bool judge_is_listener(const struct skc_sock *s);

/* Container rollup (judge_cont.c), called by judge_host. */
void judge_containers(struct skc_host *h, const struct skc_opts *o);

#endif
