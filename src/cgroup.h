/* Container and pod attribution from cgroup paths. */
#ifndef SKC_CGROUP_H
#define SKC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"


/* Parse one cgroup path (systemd or cgroupfs driver layouts).  Returns
 * true when it found a container or a pod. */
bool cgroup_parse_path(const char *path, struct skc_container *c);

/* Pick the most telling path of a /proc/PID/cgroup text (cgroup v2 and
 * v1/hybrid lines) and parse it.  *path gets a malloc'ed copy of the
 * chosen path (the v2 one when nothing matched). */
bool cgroup_parse_file(const char *text, struct skc_container *c, char **path);

/* The cgroup v2 path ("0::PATH" line) of a /proc/PID/cgroup text, as a
 * malloc'ed string, or NULL. */
char *cgroup_v2_path(const char *text);

/* Where cgroup2 is mounted, from an open mountinfo file. 0 or -ENOENT. */
int cgroup2_mount_point(FILE *mountinfo, char *buf, size_t len);

#endif
