#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Out of memory is not something a diagnostic tool can recover from
 * meaningfully: say so and stop (STYLE: OOM aborts with a message).
 * write(2) and _exit(2), not stdio and abort(): nothing here may need
 * memory, the status must be the documented failure status rather than
 * SIGABRT's, and whatever half-built output sits in stdio's buffers is
 * better dropped than flushed. */
void oom(void)
{
	static const char msg[] = "skcheck: out of memory\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to tell it with: the status still says it */
	}
	_exit(3);	/* SKC_EXIT_FAILURE: options.h is not ours to include */
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom();
	p = realloc(p, nmemb * size > 0 ? nmemb * size : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		oom();
	return d;
}

char *xmemdup(const void *p, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

void grow_array(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*v = xreallocarray(*v, c, sz);
	*cap = c;
}

double clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int err_set(struct skc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	assert(code < 0);
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int caps_effective(unsigned long long *eff)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", eff) == 1;
	fclose(f);
	return found ? 0 : -ENOENT;
}

bool caps_bpf(unsigned long long eff)
{
	return (eff >> 21 & 1) ||			/* CAP_SYS_ADMIN */
	       ((eff >> 39 & 1) && (eff >> 38 & 1));	/* CAP_BPF, CAP_PERFMON */
}
