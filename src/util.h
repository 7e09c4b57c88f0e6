/* Small helpers shared by every module: allocation that aborts on OOM,
 * clocks. */
#ifndef SKC_UTIL_H
#define SKC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory: "skcheck: out of memory" on standard error and exit
 * with the failure status (3) at once, output buffers dropped (what
 * already reached standard output is cut off: the status and the
 * message say so).  For the x* allocators and libraries that report
 * ENOMEM with NULL. */
void oom(void) __attribute__((noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t n);

/* Grow *v (element size sz) so that it holds at least need elements. */
void grow_array(void **v, size_t *cap, size_t need, size_t sz);

/* The one error channel, from the netlink plumbing up to main: a
 * function that can fail returns 0 or -errno and, when it has something
 * to say, fills one of these with err_set in the same statement:
 *	return err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
 * Only main.c and watch.c print err->msg and pick the exit status. */
struct skc_err {
	int code;		/* -errno, 0 when nothing failed */
	char msg[512];		/* what failed and why, one line */
};

/* Set err (code < 0) from a printf format; returns code. */
int err_set(struct skc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Seconds: CLOCK_MONOTONIC (intervals) and CLOCK_REALTIME (time stamps). */
/* The effective capability set of this process (CapEff in
 * /proc/self/status) in *eff.  0, or -errno (-ENOENT: no CapEff line). */
int caps_effective(unsigned long long *eff);

/* Whether eff may load BPF tracing programs and iterators:
 * CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (kernel: bpf_capable,
 * perfmon_capable). */
bool caps_bpf(unsigned long long eff);

double clock_mono(void);
double clock_wall(void);

#endif
