/* failmalloc.so: LD_PRELOAD'ed into skcheck by tests/live_faults.sh to
 * make memory run out at a chosen point.  Every malloc, calloc and
 * realloc of the process (skcheck's own and its libraries': json-c,
 * libsmartcols, libmnl, libnl, libbpf, glibc's strdup and stdio) is
 * counted; from call number FAILMALLOC_AFTER on, every one fails with
 * NULL and ENOMEM, as when memory is really exhausted.  free is not
 * wrapped (the real allocator's).
 *
 * FAILMALLOC_REPORT=FILE: "failed" is written to FILE when the first
 * call fails, followed by the stack of that call (to tell where a
 * failure was absorbed), and "calls N" at a normal exit (the count of a
 * run that gets every allocation, to pick failure points from).
 *
 * The real functions come from dlsym(RTLD_NEXT); dlsym itself may
 * calloc, which is served from a static buffer meanwhile. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *malloc(size_t n);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *p, size_t n);

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static unsigned long fail_after;
/* skcheck allocates on several threads (namespace dumps): the count and
 * the first failure are atomic, and a failing call returns only once
 * the report of the first one is written -- else a second thread's
 * failure could end the process (oom's _exit) before that report
 * existed, and the run would look like one that never failed. */
static atomic_ulong calls, failed;
static atomic_int reported;
static int resolving, ready;
static _Alignas(16) char boot[4096];
static size_t boot_used;

static void setup(void)
{
	if (ready)
		return;
	resolving = 1;
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	resolving = 0;
	ready = 1;
}

/* The environment is read once libc is up: a sanitizer runtime
 * allocates before that, when getenv cannot answer yet. */
__attribute__((constructor)) static void read_env(void)
{
	const char *s = getenv("FAILMALLOC_AFTER");
	void *frame;

	/* backtrace() loads libgcc_s on its first call: not when
	 * allocations already fail */
	backtrace(&frame, 1);
	fail_after = s ? strtoul(s, NULL, 10) : 0;
}

/* Write one line to FAILMALLOC_REPORT, with the caller's stack when
 * stack is set: no stdio, no allocation. */
static void report(const char *line, int flags, int stack)
{
	const char *path = getenv("FAILMALLOC_REPORT");
	void *frames[32];
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, strlen(line)) < 0) {
		/* the test then sees no report and says so */
	}
	if (stack)
		backtrace_symbols_fd(frames, backtrace(frames, 32), fd);
	close(fd);
}

static int must_fail(void)
{
	unsigned long n;

	setup();
	n = atomic_fetch_add(&calls, 1) + 1;
	if (!fail_after || n < fail_after)
		return 0;
	if (atomic_fetch_add(&failed, 1) == 0) {
		report("failed\n", O_TRUNC, 1);
		atomic_store(&reported, 1);
	}
	while (!atomic_load(&reported))
		sched_yield();
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t n)
{
	return must_fail() ? NULL : real_malloc(n);
}

void *calloc(size_t nmemb, size_t size)
{
	if (resolving) {	/* dlsym's own, before the real one is known */
		void *p = boot + boot_used;

		if (size && nmemb > (sizeof(boot) - boot_used) / size)
			return NULL;
		boot_used += (nmemb * size + 15) & ~(size_t)15;
		memset(p, 0, nmemb * size);
		return p;
	}
	return must_fail() ? NULL : real_calloc(nmemb, size);
}

void *realloc(void *p, size_t n)
{
	return must_fail() ? NULL : real_realloc(p, n);
}

__attribute__((destructor)) static void at_exit(void)
{
	char line[64];

	if (atomic_load(&failed))
		return;
	snprintf(line, sizeof(line), "calls %lu\n", atomic_load(&calls));
	report(line, O_TRUNC, 0);
}
