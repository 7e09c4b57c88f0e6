/* Renderers: read the judged model, never collect. */
#ifndef SKC_RENDER_H
#define SKC_RENDER_H

#include <stdio.h>

#include "model.h"
#include "options.h"

/* Validate o->columns; prints the problem and returns -EINVAL if bad. */
int render_table_check_columns(const struct skc_opts *o);
void render_list_columns(FILE *out);
int render_table(FILE *out, const struct skc_host *h, const struct skc_opts *o);
void render_summary(FILE *out, const struct skc_host *h, const struct skc_opts *o);
int render_json(FILE *out, const struct skc_host *h, const struct skc_opts *o);

#endif
