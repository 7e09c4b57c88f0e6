/* Host memory breakdown from /proc/meminfo: application memory, the
 * kernel memory that has a counter, free memory, and the remainder that
 * no counter names (pages drivers and skbs take straight from the page
 * allocator).  The formula is in skcheck(8), MEMORY. */
#ifndef SKC_MEMINFO_H
#define SKC_MEMINFO_H

#include <stdio.h>

#include "model.h"

/* Parse an open /proc/meminfo into m->parts (bytes) and compute the
 * breakdown.  Returns 0, or -EINVAL when MemTotal or MemFree is missing
 * (m->valid stays false). */
int meminfo_parse(FILE *f, struct skc_memory *m);

/* Pages on the per-CPU free lists from an open /proc/zoneinfo (the
 * "count:" of every pageset): free pages that MemFree does not count
 * (NR_FREE_PAGES drops when rmqueue_bulk moves them to a list), up to
 * hundreds of MB on a busy host.  0, or -ENODATA when there are none. */
int zoneinfo_pcp_parse(FILE *f, uint64_t *pages);
/* Move bytes of per-CPU free pages out of the remainder into free_pcp. */
void meminfo_add_pcp(struct skc_memory *m, uint64_t bytes);

/* proc_root/meminfo, and proc_root/zoneinfo when it can be read.
 * 0 or -errno (about meminfo). */
int meminfo_read(const char *proc_root, struct skc_memory *m);

/* Name of part i (JSON key, Prometheus label), or NULL past the end. */
const char *meminfo_part_name(unsigned i);

#endif
