/* /proc/meminfo into the host memory breakdown (skcheck(8), MEMORY).
 * Field meanings: Documentation/filesystems/proc.rst and meminfo_proc_show
 * in fs/proc/meminfo.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meminfo.h"
#include "util.h"

/* The /proc/meminfo fields the breakdown reads; a field an older kernel
 * does not have reads as 0 (KReclaimable 4.20, Percpu 4.16, Hugetlb
 * 5.16, SecPageTables 6.0, Unaccepted 6.5; Zswap and Balloon later). */
enum field {
	F_MEMTOTAL, F_MEMFREE, F_MEMAVAILABLE, F_BUFFERS, F_CACHED,
	F_ANONPAGES, F_SHMEM, F_KRECLAIMABLE, F_SRECLAIMABLE, F_SUNRECLAIM,
	F_KERNELSTACK, F_PAGETABLES, F_SECPAGETABLES, F_VMALLOCUSED, F_PERCPU,
	F_HUGETLB, F_HUGEPAGES_TOTAL, F_HUGEPAGESIZE, F_ZSWAP, F_UNACCEPTED,
	F_BALLOON, F_BOUNCE, F_WRITEBACKTMP, F_HWCORRUPTED, F_NFIELDS
};

static const char *const field_names[F_NFIELDS] = {
	[F_MEMTOTAL] = "MemTotal", [F_MEMFREE] = "MemFree",
	[F_MEMAVAILABLE] = "MemAvailable", [F_BUFFERS] = "Buffers",
	[F_CACHED] = "Cached", [F_ANONPAGES] = "AnonPages",
	[F_SHMEM] = "Shmem", [F_KRECLAIMABLE] = "KReclaimable",
	[F_SRECLAIMABLE] = "SReclaimable", [F_SUNRECLAIM] = "SUnreclaim",
	[F_KERNELSTACK] = "KernelStack", [F_PAGETABLES] = "PageTables",
	[F_SECPAGETABLES] = "SecPageTables", [F_VMALLOCUSED] = "VmallocUsed",
	[F_PERCPU] = "Percpu", [F_HUGETLB] = "Hugetlb",
	[F_HUGEPAGES_TOTAL] = "HugePages_Total",
	[F_HUGEPAGESIZE] = "Hugepagesize", [F_ZSWAP] = "Zswap",
	[F_UNACCEPTED] = "Unaccepted", [F_BALLOON] = "Balloon",
	[F_BOUNCE] = "Bounce", [F_WRITEBACKTMP] = "WritebackTmp",
	[F_HWCORRUPTED] = "HardwareCorrupted",
};

static const char *const part_names[SKC_MEM_PARTS] = {
	[SKC_MEM_FREE] = "free", [SKC_MEM_FREE_PCP] = "free_pcp",
	[SKC_MEM_ANON] = "anon",
	[SKC_MEM_FILE] = "file", [SKC_MEM_SHMEM] = "shmem",
	[SKC_MEM_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[SKC_MEM_SLAB_UNRECLAIMABLE] = "slab_unreclaimable",
	[SKC_MEM_KERNEL_STACK] = "kernel_stack",
	[SKC_MEM_PAGE_TABLES] = "page_tables", [SKC_MEM_VMALLOC] = "vmalloc",
	[SKC_MEM_PERCPU] = "percpu", [SKC_MEM_HUGETLB] = "hugetlb",
	[SKC_MEM_KERNEL_OTHER] = "kernel_other",
	[SKC_MEM_UNACCOUNTED] = "unaccounted",
};

const char *meminfo_part_name(unsigned i)
{
	return i < SKC_MEM_PARTS ? part_names[i] : NULL;
}

/* Every amount is kept at or below 2^56 bytes (64 PiB, more than any
 * machine has), so that the breakdown's signed sums and differences of
 * a few dozen of them cannot overflow whatever a file says. */
#define MEM_MAX (UINT64_C(1) << 56)

static uint64_t mem_clamp(uint64_t x)
{
	return x > MEM_MAX ? MEM_MAX : x;
}

/* a * b, kept at MEM_MAX */
static uint64_t mem_mul(uint64_t a, uint64_t b)
{
	return a && b > MEM_MAX / a ? MEM_MAX : mem_clamp(a * b);
}

/* One "Name:   value kB" line into v (bytes; HugePages_* are counts). */
static void parse_line(const char *line, uint64_t *v, bool *seen)
{
	const char *colon = strchr(line, ':');
	unsigned long long n;
	char unit[8] = "";
	size_t len, i;

	if (!colon)
		return;
	len = (size_t)(colon - line);
	for (i = 0; i < F_NFIELDS; i++) {
		if (strlen(field_names[i]) != len || strncmp(line, field_names[i], len))
			continue;
		if (sscanf(colon + 1, "%llu %7s", &n, unit) < 1)
			return;
		v[i] = strcmp(unit, "kB") == 0 ? mem_mul(n, 1024) : mem_clamp(n);
		seen[i] = true;
		return;
	}
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The breakdown; its formula is the one skcheck(8) MEMORY documents. */
static void breakdown(const uint64_t *v, const bool *seen, struct skc_memory *m)
{
	int64_t *p = m->part, rest;
	unsigned i;

	m->total = v[F_MEMTOTAL];
	m->available = v[F_MEMAVAILABLE];
	p[SKC_MEM_FREE] = (int64_t)v[F_MEMFREE];
	p[SKC_MEM_ANON] = (int64_t)v[F_ANONPAGES];
	/* Cached holds shmem (NR_FILE_PAGES minus swap cache and buffers,
	 * see meminfo_proc_show).  SwapCached is left out: a swap-cache
	 * page of a process is counted in AnonPages too. */
	p[SKC_MEM_FILE] = (int64_t)sub0(v[F_BUFFERS] + v[F_CACHED], v[F_SHMEM]);
	p[SKC_MEM_SHMEM] = (int64_t)v[F_SHMEM];
	p[SKC_MEM_SLAB_RECLAIMABLE] = (int64_t)v[F_SRECLAIMABLE];
	p[SKC_MEM_SLAB_UNRECLAIMABLE] = (int64_t)v[F_SUNRECLAIM];
	p[SKC_MEM_KERNEL_STACK] = (int64_t)v[F_KERNELSTACK];
	p[SKC_MEM_PAGE_TABLES] = (int64_t)(v[F_PAGETABLES] + v[F_SECPAGETABLES]);
	/* VmallocUsed counts pages vmalloc allocated (vmalloc_nr_pages,
	 * 5.x on); with CONFIG_VMAP_STACK the kernel stacks are among
	 * them (alloc_thread_stack_node), and KernelStack has them already. */
	p[SKC_MEM_VMALLOC] = (int64_t)sub0(v[F_VMALLOCUSED], v[F_KERNELSTACK]);
	p[SKC_MEM_PERCPU] = (int64_t)v[F_PERCPU];
	/* Hugetlb (5.16) covers every huge page size; before it, the
	 * default size's pool is all /proc/meminfo shows */
	p[SKC_MEM_HUGETLB] = (int64_t)(seen[F_HUGETLB] ? v[F_HUGETLB]
				: mem_mul(v[F_HUGEPAGES_TOTAL], v[F_HUGEPAGESIZE]));
	/* KReclaimable is SReclaimable plus other reclaimable kernel memory
	 * (NR_KERNEL_MISC_RECLAIMABLE) */
	p[SKC_MEM_KERNEL_OTHER] = (int64_t)(sub0(v[F_KRECLAIMABLE], v[F_SRECLAIMABLE]) +
		v[F_ZSWAP] + v[F_UNACCEPTED] + v[F_BALLOON] + v[F_BOUNCE] +
		v[F_WRITEBACKTMP] + v[F_HWCORRUPTED]);
	m->applications = (uint64_t)(p[SKC_MEM_ANON] + p[SKC_MEM_FILE] + p[SKC_MEM_SHMEM]);
	m->kernel = 0;
	for (i = SKC_MEM_SLAB_RECLAIMABLE; i <= SKC_MEM_KERNEL_OTHER; i++)
		m->kernel += (uint64_t)p[i];
	rest = (int64_t)m->total - p[SKC_MEM_FREE] - p[SKC_MEM_FREE_PCP] -
	       (int64_t)m->applications - (int64_t)m->kernel;
	p[SKC_MEM_UNACCOUNTED] = rest;
}

int zoneinfo_pcp_parse(FILE *f, uint64_t *pages)
{
	char line[256];
	unsigned long long n;
	bool any = false;

	*pages = 0;
	while (fgets(line, sizeof(line), f)) {
		/* "    cpu: N" is followed by "              count: N" */
		if (sscanf(line, " count: %llu", &n) == 1) {
			*pages = mem_clamp(*pages + mem_clamp(n));
			any = true;
		}
	}
	return any ? 0 : -ENODATA;
}

int meminfo_parse(FILE *f, struct skc_memory *m)
{
	uint64_t v[F_NFIELDS] = { 0 };
	bool seen[F_NFIELDS] = { false };
	char line[256];

	memset(m->part, 0, sizeof(m->part));
	m->valid = false;
	while (fgets(line, sizeof(line), f))
		parse_line(line, v, seen);
	if (!seen[F_MEMTOTAL] || !seen[F_MEMFREE] || !v[F_MEMTOTAL])
		return -EINVAL;
	breakdown(v, seen, m);
	m->valid = true;
	return 0;
}

void meminfo_add_pcp(struct skc_memory *m, uint64_t bytes)
{
	bytes = mem_clamp(bytes);
	m->part[SKC_MEM_FREE_PCP] = (int64_t)bytes;
	m->part[SKC_MEM_UNACCOUNTED] -= (int64_t)bytes;
}

int meminfo_read(const char *proc_root, struct skc_memory *m)
{
	char path[4096];
	uint64_t pcp;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/meminfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = meminfo_parse(f, m);
	fclose(f);
	if (ret < 0)
		return ret;
	/* optional: without it the lists stay in the remainder */
	snprintf(path, sizeof(path), "%s/zoneinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (zoneinfo_pcp_parse(f, &pcp) == 0)
		meminfo_add_pcp(m, mem_mul(pcp, (uint64_t)sysconf(_SC_PAGESIZE)));
	fclose(f);
	return 0;
}
