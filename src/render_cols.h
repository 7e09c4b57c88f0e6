/* The table's columns (render_cols.c): names, widths, help, types and
 * defaults, shared by the table renderer and --list-columns.  Internal
 * to the renderers. */
#ifndef SKC_RENDER_COLS_H
#define SKC_RENDER_COLS_H

#include <stddef.h>

#include "model.h"
#include "options.h"

enum {
	COL_PID, COL_COMM, COL_CMDLINE, COL_UID, COL_SOCKETS, COL_ACCEPTQ,
	COL_RECVQ, COL_SENDQ, COL_MEM, COL_DROPS, COL_FLAGS, COL_FD,
	COL_PROTO, COL_STATE, COL_LOCAL, COL_PEER, COL_INODE, COL_NETNS,
	COL_CONTAINER, COL_POD, COL_QOS, COL_RUNTIME, COL_PROCS, COL_STALLED,
	COL_SINCE, COL_LEAKED, COL_PINNED, COL_WAITING, COL_CLOSE_WAIT, COL_WHY, COL_OWNERS, COL_NCOLS
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	const char *help;
};

extern const struct colinfo render_columns[COL_NCOLS];

/* Processes holding s (its owners are grouped by process: join.c). */
unsigned sock_nprocs(const struct skc_sock *s);

/* The columns of a table of h (NULL: only check the names) as o asks:
 * the count, or -EINVAL with the bad name in *bad (*badlen bytes). */
int resolve_columns(const struct skc_host *h, const struct skc_render_opts *o,
		    int *out, size_t max, const char **bad, size_t *badlen);

#endif
