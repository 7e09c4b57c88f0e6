/* rollup: rows and totals from judged (and tracked) sockets.  Applies
 * the selection filters, fills every struct skc_figures of the host
 * (figures_add), ranks processes and containers, picks the sockets
 * each listed process lists, and keeps the events of the selection.
 * Renderers read only what this leaves in the model. */
#ifndef SKC_ROLLUP_H
#define SKC_ROLLUP_H

#include "model.h"
#include "options.h"

void rollup_host(struct skc_host *h, const struct skc_select_opts *o);

/* After rollup_host: pins-pages on process and container sums, the host
 * memory figures and memory-suspect (rollup_mem.c). */
void rollup_memory(struct skc_host *h, const struct skc_judge_opts *o);
/* The "(no process)" row of each namespace (rollup_unowned.c), called
 * by rollup_host; rollup_unowned_free releases them. */
void rollup_unowned(struct skc_host *h, const struct skc_select_opts *o);
void rollup_unowned_free(struct skc_host *h);

/* Container rows (rollup_cont.c), called by rollup_host. */
void rollup_containers(struct skc_host *h, const struct skc_select_opts *o);

/* Command rows (rollup_cmd.c), called by rollup_host: every process
 * that passes the filters, grouped by comm, container and pod. */
void rollup_commands(struct skc_host *h);

#endif
