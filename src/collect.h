/* collect: the /proc scan, the sock_diag dumps and the kernel counters
 * into one host model.  Never prints. */
#ifndef SKC_COLLECT_H
#define SKC_COLLECT_H

#include <stddef.h>

#include "model.h"
#include "options.h"

/* Returns 0, or -errno with a message in err when nothing useful could
 * be collected (no /proc, no sock_diag). */
int collect_host(struct skc_host *h, const struct skc_opts *o, char *err,
		 size_t errlen);

#endif
