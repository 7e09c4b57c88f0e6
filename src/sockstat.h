/* /proc/net/sockstat: the kernel's own socket counters, for the summary. */
#ifndef SKC_SOCKSTAT_H
#define SKC_SOCKSTAT_H

#include <stdio.h>

#include "model.h"

int sockstat_read(const char *proc_root, struct skc_sockstat *ss);
/* Parse an open sockstat file (exposed for unit tests). */
void sockstat_parse(FILE *f, struct skc_sockstat *ss);

#endif
