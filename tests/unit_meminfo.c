/* Unit tests for the /proc/meminfo breakdown (src/meminfo.c) on recorded
 * files (tests/data/meminfo, see its README) and for sockstat6. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meminfo.h"
#include "sockstat.h"

#define KB 1024LL

static void load(const char *name, struct skc_memory *m)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/meminfo/%s",
		 getenv("TESTS_DATADIR") ? getenv("TESTS_DATADIR") : "tests/data", name);
	f = fopen(path, "re");
	assert_non_null(f);
	memset(m, 0x5a, sizeof(*m));
	assert_int_equal(meminfo_parse(f, m), 0);
	fclose(f);
	assert_true(m->valid);
}

/* The parts add up to MemTotal, and the two subtotals to their parts. */
static void check_sums(const struct skc_memory *m)
{
	int64_t sum = 0, kernel = 0;
	unsigned i;

	for (i = 0; i < SKC_MEM_PARTS; i++)
		sum += m->part[i];
	assert_int_equal(sum, (int64_t)m->total);
	assert_int_equal(m->applications, m->part[SKC_MEM_ANON] +
			 m->part[SKC_MEM_FILE] + m->part[SKC_MEM_SHMEM]);
	for (i = SKC_MEM_SLAB_RECLAIMABLE; i <= SKC_MEM_KERNEL_OTHER; i++)
		kernel += m->part[i];
	assert_int_equal((int64_t)m->kernel, kernel);
}

static void test_618(void **state)
{
	struct skc_memory m;

	(void)state;
	load("6.18-idle", &m);
	check_sums(&m);
	/* input figures of the file, in kB */
	assert_int_equal(m.total, 24683656 * KB);
	assert_int_equal(m.part[SKC_MEM_FREE], 23465436 * KB);
	assert_int_equal(m.part[SKC_MEM_ANON], 32788 * KB);
	/* Buffers + Cached - Shmem */
	assert_int_equal(m.part[SKC_MEM_FILE], (7864 + 997580 - 8952) * KB);
	assert_int_equal(m.part[SKC_MEM_SHMEM], 8952 * KB);
	assert_int_equal(m.part[SKC_MEM_SLAB_RECLAIMABLE], 79268 * KB);
	assert_int_equal(m.part[SKC_MEM_SLAB_UNRECLAIMABLE], 30036 * KB);
	assert_int_equal(m.part[SKC_MEM_KERNEL_STACK], 1968 * KB);
	assert_int_equal(m.part[SKC_MEM_PAGE_TABLES], (3136 + 0) * KB);
	/* VmallocUsed - KernelStack (vmap'ed stacks counted once) */
	assert_int_equal(m.part[SKC_MEM_VMALLOC], (6196 - 1968) * KB);
	assert_int_equal(m.part[SKC_MEM_PERCPU], 760 * KB);
	assert_int_equal(m.part[SKC_MEM_HUGETLB], 0);
	/* KReclaimable == SReclaimable here */
	assert_int_equal(m.part[SKC_MEM_KERNEL_OTHER], 0);
	assert_true(m.part[SKC_MEM_UNACCOUNTED] > 0);
}

static void test_618_pinned(void **state)
{
	struct skc_memory idle, pinned;

	(void)state;
	load("6.18-idle", &idle);
	load("6.18-pinned-3000", &pinned);
	check_sums(&pinned);
	/* 3000 x 32 KiB = 93.75 MiB went to pages no counter names; the
	 * busy machine moved other figures too, so only a loose bound */
	assert_true(pinned.part[SKC_MEM_UNACCOUNTED] -
		    idle.part[SKC_MEM_UNACCOUNTED] > 80 * 1024 * KB);
}

static void test_419_layout(void **state)
{
	struct skc_memory m;

	(void)state;
	load("4.19-layout", &m);
	check_sums(&m);
	/* no Hugetlb line: HugePages_Total x Hugepagesize */
	assert_int_equal(m.part[SKC_MEM_HUGETLB], 64 * 2048 * KB);
	/* VmallocUsed 0 (4.4 - 5.2): nothing to subtract from */
	assert_int_equal(m.part[SKC_MEM_VMALLOC], 0);
	/* no KReclaimable: nothing beyond the slab */
	assert_int_equal(m.part[SKC_MEM_KERNEL_OTHER], 0);
	assert_int_equal(m.part[SKC_MEM_PAGE_TABLES], 40120 * KB);
	assert_int_equal(m.part[SKC_MEM_FILE], (212344 + 3700112 - 109000) * KB);
	assert_int_equal(m.part[SKC_MEM_UNACCOUNTED],
		(8155468 - 1203348 - 2030584 - (212344 + 3700112 - 109000) - 109000 -
		 301552 - 100560 - 14400 - 40120 - 0 - 5440 - 64 * 2048) * KB);
}

static FILE *text(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	return f;
}

static void test_other_named(void **state)
{
	struct skc_memory m;
	FILE *f;

	(void)state;
	/* other named kernel memory, and an overlap that makes the
	 * remainder negative: reported as it is, the sum still holds */
	f = text("MemTotal: 1000 kB\nMemFree: 100 kB\nKReclaimable: 300 kB\n"
		 "SReclaimable: 200 kB\nZswap: 50 kB\nUnaccepted: 7 kB\n"
		 "Balloon: 3 kB\nAnonPages: 700 kB\nHugetlb: 4 kB\n"
		 "HugePages_Total: 99\nHugepagesize: 2048 kB\n");
	assert_int_equal(meminfo_parse(f, &m), 0);
	fclose(f);
	check_sums(&m);
	assert_int_equal(m.part[SKC_MEM_KERNEL_OTHER], (100 + 50 + 7 + 3) * KB);
	/* Hugetlb wins over the default pool's count */
	assert_int_equal(m.part[SKC_MEM_HUGETLB], 4 * KB);
	assert_int_equal(m.part[SKC_MEM_UNACCOUNTED],
			 (1000 - 100 - 700 - 200 - 160 - 4) * KB);
}

static void test_bad(void **state)
{
	struct skc_memory m;
	FILE *f;

	(void)state;
	f = text("MemFree: 100 kB\n");
	assert_int_equal(meminfo_parse(f, &m), -EINVAL);
	fclose(f);
	assert_false(m.valid);
	f = text("MemTotal: 0 kB\nMemFree: 0 kB\n");
	assert_int_equal(meminfo_parse(f, &m), -EINVAL);
	fclose(f);
	f = text("");
	assert_int_equal(meminfo_parse(f, &m), -EINVAL);
	fclose(f);
	/* a prefix of a known name is not that name */
	f = text("MemTotal: 10 kB\nMemFree: 1 kB\nShmemHugePages: 5 kB\nCachedX: 3 kB\n");
	assert_int_equal(meminfo_parse(f, &m), 0);
	fclose(f);
	assert_int_equal(m.part[SKC_MEM_SHMEM], 0);
	assert_int_equal(m.part[SKC_MEM_FILE], 0);
	/* a hostile file: amounts far beyond any machine are kept at 2^56
	 * bytes, so the signed breakdown cannot overflow (UBSan would say) */
	f = text("MemTotal: 18446744073709551615 kB\nMemFree: 18446744073709551615 kB\n"
		 "AnonPages: 18446744073709551615 kB\nCached: 18446744073709551615 kB\n"
		 "Buffers: 18446744073709551615 kB\nShmem: 1 kB\n"
		 "KReclaimable: 18446744073709551615 kB\nZswap: 18446744073709551615 kB\n"
		 "Bounce: 18446744073709551615\nHugePages_Total: 4294967296\n"
		 "Hugepagesize: 4294967296 kB\n");
	assert_int_equal(meminfo_parse(f, &m), 0);
	fclose(f);
	assert_true(m.total == UINT64_C(1) << 56);
	assert_true(m.part[SKC_MEM_ANON] == INT64_C(1) << 56);
	assert_true(m.part[SKC_MEM_HUGETLB] == INT64_C(1) << 56);
	meminfo_add_pcp(&m, UINT64_MAX);
	assert_true(m.part[SKC_MEM_FREE_PCP] == INT64_C(1) << 56);
	/* 2^62 bytes each: anon + shmem was a signed overflow */
	f = text("MemTotal: 16 kB\nMemFree: 1 kB\nAnonPages: 4611686018427387904\n"
		 "Shmem: 4611686018427387904\nCached: 4611686018427387904\n");
	assert_int_equal(meminfo_parse(f, &m), 0);
	fclose(f);
	assert_true(m.applications == UINT64_C(2) << 56);
	assert_int_equal(meminfo_read("/nonexistent", &m), -ENOENT);
	assert_string_equal(meminfo_part_name(SKC_MEM_UNACCOUNTED), "unaccounted");
	assert_null(meminfo_part_name(SKC_MEM_PARTS));
}

/* Per-CPU free lists: the pages recorded in 6.18-pair-zoneinfo (the sum
 * of its pagesets' "count:" lines, 24763), moved from the remainder to
 * free_pcp; the parts still add up.  With the meminfo recorded with it,
 * the remainder stays positive. */
static void test_zoneinfo_pcp(void **state)
{
	struct skc_memory m;
	char path[4096];
	uint64_t pages;
	int64_t rest;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/meminfo/6.18-pair-zoneinfo",
		 getenv("TESTS_DATADIR") ? getenv("TESTS_DATADIR") : "tests/data");
	f = fopen(path, "re");
	assert_non_null(f);
	assert_int_equal(zoneinfo_pcp_parse(f, &pages), 0);
	fclose(f);
	assert_int_equal(pages, 24763);
	load("6.18-idle", &m);
	rest = m.part[SKC_MEM_UNACCOUNTED];
	meminfo_add_pcp(&m, 1000 * 4096);
	assert_int_equal(m.part[SKC_MEM_FREE_PCP], 1000 * 4096);
	assert_int_equal(m.part[SKC_MEM_UNACCOUNTED], rest - 1000 * 4096);
	check_sums(&m);
	load("6.18-pair-meminfo", &m);
	meminfo_add_pcp(&m, pages * 4096);
	check_sums(&m);
	assert_true(m.part[SKC_MEM_UNACCOUNTED] > 0);
	/* no pagesets at all */
	f = text("Node 0, zone      DMA\n  pages free     3840\n");
	assert_int_equal(zoneinfo_pcp_parse(f, &pages), -ENODATA);
	fclose(f);
	assert_int_equal(pages, 0);
}

static void test_sockstat6(void **state)
{
	struct skc_sockstat ss;
	FILE *f;

	(void)state;
	f = text("sockets: used 11\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 239\n"
		 "UDP: inuse 0 mem 2\nFRAG: inuse 1 memory 4096\n");
	sockstat_parse(f, &ss);
	fclose(f);
	f = text("TCP6: inuse 4\nUDP6: inuse 2\nUDPLITE6: inuse 0\nRAW6: inuse 0\n"
		 "FRAG6: inuse 2 memory 8192\n");
	sockstat6_parse(f, &ss);
	fclose(f);
	assert_true(ss.valid);
	assert_int_equal(ss.tcp_mem, 239);
	assert_int_equal(ss.udp_mem, 2);
	assert_int_equal(ss.tcp6_inuse, 4);
	assert_int_equal(ss.udp6_inuse, 2);
	assert_int_equal(ss.frag_memory, 4096 + 8192);
	/* sockstat6 adds, it does not reset */
	assert_int_equal(ss.tcp_inuse, 1);
	/* a hostile file: the sum stays at LONG_MAX (the fuzzer's
	 * signed overflow), a negative amount adds nothing */
	f = text("FRAG: inuse 0 memory 88888888888888888888888888\n"
		 "FRAG6: inuse 0 memory 9223372036854775807\n"
		 "FRAG6: inuse 0 memory -5\n");
	sockstat_parse(f, &ss);
	fclose(f);
	assert_true(ss.frag_memory == LONG_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_618),
		cmocka_unit_test(test_618_pinned),
		cmocka_unit_test(test_419_layout),
		cmocka_unit_test(test_other_named),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_zoneinfo_pcp),
		cmocka_unit_test(test_sockstat6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
