/* Small helpers shared by every module: allocation that aborts on OOM,
 * clocks. */
#ifndef SKC_UTIL_H
#define SKC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t n);

/* Grow *v (element size sz) so that it holds at least need elements. */
void grow_array(void **v, size_t *cap, size_t need, size_t sz);

/* Seconds: CLOCK_MONOTONIC (intervals) and CLOCK_REALTIME (time stamps). */
double clock_mono(void);
double clock_wall(void);

#endif
