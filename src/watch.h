/* --watch: the sampling loop and its screen/line/NDJSON output. */
#ifndef SKC_WATCH_H
#define SKC_WATCH_H

#include "options.h"

/* Returns the exit status. */
int watch_run(const struct skc_opts *o);

#endif
