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

/* Every socket of a joined host: its listeners' pending bytes, figures,
 * flags and the cgroup cross-check. */
void judge_host(struct skc_host *h, const struct skc_judge_opts *o);

#endif
