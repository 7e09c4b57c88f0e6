/* /proc/net/sockstat: the kernel's own socket counters, for the summary. */
#ifndef SKC_SOCKSTAT_H
#define SKC_SOCKSTAT_H

#include <stdio.h>

#include "model.h"

int sockstat_read(const char *proc_root, struct skc_sockstat *ss);
/* Parse an open sockstat file (exposed for unit tests). */
void sockstat_parse(FILE *f, struct skc_sockstat *ss);
/* Add an open sockstat6 (TCP6/UDP6 inuse, FRAG6 memory) to ss. */
void sockstat6_parse(FILE *f, struct skc_sockstat *ss);

/* ListenOverflows and ListenDrops from /proc/net/netstat (TcpExt). */
int netstat_read(const char *proc_root, uint64_t *overflows, uint64_t *drops);
void netstat_parse(FILE *f, uint64_t *overflows, uint64_t *drops);

#endif
