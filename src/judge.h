/* judge: per-socket figures (recv_q, send_q, mem, drops, accept queue,
 * pending bytes) and flags of one collected, joined sample.  Reads the
 * raw kernel numbers, writes the verdicts; knows nothing of other
 * samples (track) or of rows and totals (rollup). */
#ifndef SKC_JUDGE_H
#define SKC_JUDGE_H

#include "model.h"
#include "options.h"

/* One socket's figures and flags (no stall flags: track sets those). */
void judge_socket(struct skc_sock *s, const struct skc_judge_opts *o);

/* The pins-pages rule: pinned bytes >= --pins-min and >= --pins-ratio
 * times truesize (sockets here; process and container sums in
 * rollup_mem.c). */
bool judge_pins_pages(uint64_t pinned, uint64_t truesize,
		      const struct skc_judge_opts *o);

/* Every socket of a joined host: its listeners' pending bytes, UNIX
 * pinned pages moved to the sender, figures, flags and the cgroup
 * cross-check. */
void judge_host(struct skc_host *h, const struct skc_judge_opts *o);

#endif
