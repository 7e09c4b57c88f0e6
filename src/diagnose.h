/* diagnose: the worst findings of a sample, for the one line above the
 * table (skcheck(8), DIAGNOSIS) and JSON summary.diagnosis. */
#ifndef SKC_DIAGNOSE_H
#define SKC_DIAGNOSE_H

#include "model.h"

/* After rollup and why: fill h->findings from the processes that pass
 * the filters (whatever --top lists), their sockets and the host, one
 * finding per process and kind (its worst socket), worst first; a
 * partial sample always gets a FIND_PARTIAL finding, so an empty list
 * means "nothing wrong" only in a complete view. */
void diagnose_host(struct skc_host *h);

#endif
