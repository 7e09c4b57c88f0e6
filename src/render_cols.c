/* The table's columns: the column table that drives -o, the default
 * columns of each view, and --list-columns (as lsfd -H prints it). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <libsmartcols.h>

#include "render.h"
#include "render_cols.h"
#include "util.h"
#include "why.h"

/* What a column's cells hold, for --list-columns (as lsfd -H says it):
 * size cells are sizes ("3.0M", bytes with -b), durations ">=5s". */
static const char *column_type(int col)
{
	switch (col) {
	case COL_PID: case COL_UID: case COL_SOCKETS: case COL_DROPS:
	case COL_FD: case COL_INODE: case COL_PROCS: case COL_STALLED:
	case COL_LEAKED: case COL_OWNERS:
		return "number";
	case COL_RECVQ: case COL_SENDQ: case COL_MEM: case COL_PINNED:
		return "size";
	case COL_SINCE: case COL_WAITING:
		return "duration";
	default:
		return "string";
	}
}

const struct colinfo render_columns[COL_NCOLS] = {
	[COL_PID] = { "PID", 6, SCOLS_FL_RIGHT, "process id" },
	[COL_COMM] = { "COMM", 15, 0, "command name (escaped)" },
	[COL_CMDLINE] = { "CMDLINE", 30, SCOLS_FL_TRUNC, "full command line (escaped)" },
	[COL_UID] = { "UID", 5, SCOLS_FL_RIGHT, "process owner (effective uid: the owner of /proc/PID)" },
	[COL_SOCKETS] = { "SOCKETS", 7, SCOLS_FL_RIGHT, "sockets of the process that match the filters" },
	[COL_ACCEPTQ] = { "ACCEPTQ", 7, SCOLS_FL_RIGHT, "connections waiting in accept queues (listeners)" },
	[COL_RECVQ] = { "RECV-Q", 7, SCOLS_FL_RIGHT, "unread data in bytes (see RECV-Q in the man page)" },
	[COL_SENDQ] = { "SEND-Q", 7, SCOLS_FL_RIGHT, "data not yet sent or not yet acknowledged" },
	[COL_MEM] = { "MEM", 6, SCOLS_FL_RIGHT, "socket buffer memory charged to the socket(s)" },
	[COL_DROPS] = { "DROPS", 5, SCOLS_FL_RIGHT, "packets dropped by the socket(s)" },
	[COL_FLAGS] = { "FLAGS", 12, 0, "residue, rcvbuf-full, drops, accept-full, stalled, tx-stalled, accept-stalled, connect-stalled, leaked, pins-pages, close-wait, many-sockets, leaked-sockets, no-progress-seen" },
	[COL_FD] = { "FD", 4, SCOLS_FL_RIGHT, "file descriptor (socket rows)" },
	[COL_PROTO] = { "PROTO", 5, 0, "tcp, udp, udplite, u_str, u_dgr, u_seq" },
	[COL_STATE] = { "STATE", 6, 0, "socket state, as ss names it" },
	[COL_LOCAL] = { "LOCAL", 20, 0, "local address:port or UNIX path" },
	[COL_PEER] = { "PEER", 20, 0, "peer address:port, or peer:INODE for UNIX" },
	[COL_INODE] = { "INODE", 8, SCOLS_FL_RIGHT, "socket inode" },
	[COL_NETNS] = { "NETNS", 10, 0, "network namespace: ip netns name, else inode" },
	[COL_CONTAINER] = { "CONTAINER", 12, 0, "container id, first 12 characters" },
	[COL_POD] = { "POD", 36, 0, "Kubernetes pod UID" },
	[COL_QOS] = { "QOS", 10, 0, "Kubernetes QoS class" },
	[COL_RUNTIME] = { "RUNTIME", 10, 0, "container runtime (from the cgroup name)" },
	[COL_PROCS] = { "PROCS", 5, SCOLS_FL_RIGHT, "processes (container rows)" },
	[COL_STALLED] = { "STALLED", 7, SCOLS_FL_RIGHT, "stalled sockets (process rows)" },
	[COL_SINCE] = { "SINCE", 6, SCOLS_FL_RIGHT, "how long the socket has been stalled" },
	[COL_LEAKED] = { "LEAKED", 6, SCOLS_FL_RIGHT, "closed TCP sockets the process still holds open" },
	[COL_PINNED] = { "PINNED", 6, SCOLS_FL_RIGHT, "memory of the pages the queued skbs pin (BPF; - when unavailable)" },
	[COL_CLOSE_WAIT] = { "CLOSE-WAIT", 10, SCOLS_FL_RIGHT, "TCP sockets in CLOSE-WAIT (process and container rows); socket rows: seen so for at least" },
	[COL_WAITING] = { "WAITING", 7, SCOLS_FL_RIGHT, "TCP: unread data has waited at least this long (tcpi_last_data_recv)" },
	[COL_WHY] = { "WHY", 10, 0, "why a stalled or residue socket is not read (socket rows: with the evidence)" },
	[COL_OWNERS] = { "OWNERS", 6, SCOLS_FL_RIGHT, "socket rows: processes holding the socket (more than 1: shared)" },
};

static const int default_cols[] = {
	COL_PID, COL_COMM, COL_SOCKETS, COL_RECVQ, COL_SENDQ, COL_MEM,
	COL_DROPS, COL_FLAGS,
};
static const int default_cont_cols[] = {
	COL_CONTAINER, COL_RUNTIME, COL_POD, COL_QOS, COL_PROCS, COL_SOCKETS,
	COL_RECVQ, COL_SENDQ, COL_MEM, COL_DROPS, COL_FLAGS,
};
static const int default_sock_cols[] = {
	COL_PID, COL_COMM, COL_SOCKETS, COL_FD, COL_PROTO, COL_STATE,
	COL_LOCAL, COL_PEER, COL_RECVQ, COL_SENDQ, COL_MEM, COL_DROPS,
	COL_WAITING, COL_FLAGS,
};

static int column_id(const char *name, size_t len)
{
	int i;

	for (i = 0; i < COL_NCOLS; i++)
		if (strlen(render_columns[i].name) == len &&
		    strncasecmp(render_columns[i].name, name, len) == 0)
			return i;
	return -1;
}

unsigned sock_nprocs(const struct skc_sock *s)
{
	unsigned n = 0;
	uint32_t k;

	for (k = 0; k < s->nowners; k++)
		n += k == 0 || s->owners[k].proc != s->owners[k - 1].proc;
	return n;
}

static bool lists_shared(const struct skc_host *h, const struct skc_proc *p)
{
	size_t j;

	for (j = 0; j < p->nlisted; j++)
		if (sock_nprocs(&h->socks.v[p->listed[j].sock]) > 1)
			return true;
	return false;
}

static bool lists_listener(const struct skc_host *h, const struct skc_proc *p)
{
	size_t j;

	for (j = 0; j < p->nlisted; j++)
		if (sock_is_listener(&h->socks.v[p->listed[j].sock]))
			return true;
	return false;
}

/* Default columns; CONTAINER and POD join them (after COMM) when a
 * listed process runs in a container, NETNS when several namespaces
 * were scanned. */
static size_t default_columns(const struct skc_host *h, const struct skc_render_opts *o,
			      int *out)
{
	const int *def = o->sockets ? default_sock_cols : default_cols;
	size_t ndef = o->sockets ? ARRAY_SIZE(default_sock_cols) : ARRAY_SIZE(default_cols);
	bool cont = false, close_wait = false, leaked = false, listeners = false;
	bool shared = false;
	size_t i, n = 0;

	if (o->by_container) {
		for (i = 0; i < ARRAY_SIZE(default_cont_cols); i++) {
			out[n++] = default_cont_cols[i];
			if (default_cont_cols[i] == COL_MEM && h && h->pinned_avail)
				out[n++] = COL_PINNED;
		}
		return n;
	}
	for (i = 0; h && i < h->nranked; i++) {
		cont |= h->ranked[i]->cont.id[0] || h->ranked[i]->cont.pod[0];
		close_wait |= h->ranked[i]->fig.close_wait > 0;
		leaked |= h->ranked[i]->nleaks > 0;
		listeners |= o->sockets && lists_listener(h, h->ranked[i]);
		shared |= o->sockets && lists_shared(h, h->ranked[i]);
	}
	for (i = 0; i < ndef; i++) {
		/* stall columns once two samples exist */
		if (def[i] == COL_FLAGS && h && h->tracked) {
			out[n++] = COL_STALLED;
			if (o->sockets)
				out[n++] = COL_SINCE;
		}
		/* the leak checks' counts, once some listed process has any */
		if (def[i] == COL_FLAGS && close_wait)
			out[n++] = COL_CLOSE_WAIT;
		if (def[i] == COL_FLAGS && leaked)
			out[n++] = COL_LEAKED;
		/* a listener's queue is connections: cur/max before RECV-Q */
		if (def[i] == COL_RECVQ && listeners)
			out[n++] = COL_ACCEPTQ;
		out[n++] = def[i];
		/* a socket several processes hold (fork, fd passing) */
		if (def[i] == COL_FD && shared)
			out[n++] = COL_OWNERS;
		if (def[i] == COL_MEM && h && h->pinned_avail)
			out[n++] = COL_PINNED;
		if (def[i] != COL_COMM)
			continue;
		if (h && h->nets.n > 1)
			out[n++] = COL_NETNS;
		if (cont) {
			out[n++] = COL_CONTAINER;
			out[n++] = COL_POD;
		}
	}
	/* last: under -s its socket cells carry the whole evidence */
	if (h && why_any_listed(h))
		out[n++] = COL_WHY;
	return n;
}

int resolve_columns(const struct skc_host *h, const struct skc_render_opts *o,
			   int *out, size_t max, const char **bad, size_t *badlen)
{
	const char *p = o->columns;
	size_t n = 0;

	if (!p || *p == '+') {
		n = default_columns(h, o, out);
		if (!p)
			return (int)n;
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = column_id(p, len);

		if (id < 0 || n >= max) {
			*bad = p;
			*badlen = len;
			return -EINVAL;
		}
		out[n++] = id;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n) {
		*bad = "";
		*badlen = 0;
		return -EINVAL;
	}
	return (int)n;
}

int render_table_check_columns(const struct skc_render_opts *o, char *bad, size_t len)
{
	int cols[64];
	const char *b;
	size_t blen;

	if (resolve_columns(NULL, o, cols, ARRAY_SIZE(cols), &b, &blen) >= 0)
		return 0;
	snprintf(bad, len, "%.*s", (int)blen, b);
	return -EINVAL;
}

/* Where a column is shown without -o (default_columns), in words. */
static const char *const column_default[COL_NCOLS] = {
	[COL_PID] = "process,sockets", [COL_COMM] = "process,sockets",
	[COL_CMDLINE] = "no", [COL_UID] = "no",
	[COL_SOCKETS] = "all", [COL_ACCEPTQ] = "sockets:listeners",
	[COL_RECVQ] = "all", [COL_SENDQ] = "all", [COL_MEM] = "all",
	[COL_DROPS] = "all", [COL_FLAGS] = "all",
	[COL_FD] = "sockets", [COL_PROTO] = "sockets", [COL_STATE] = "sockets",
	[COL_LOCAL] = "sockets", [COL_PEER] = "sockets", [COL_INODE] = "no",
	[COL_NETNS] = "when:several-netns", [COL_CONTAINER] = "container,when:containers",
	[COL_POD] = "container,when:containers", [COL_QOS] = "container",
	[COL_RUNTIME] = "container", [COL_PROCS] = "container",
	[COL_STALLED] = "when:tracked", [COL_SINCE] = "sockets,when:tracked",
	[COL_LEAKED] = "when:leaks", [COL_PINNED] = "when:pinned",
	[COL_WAITING] = "sockets", [COL_CLOSE_WAIT] = "when:close-wait",
	[COL_WHY] = "when:verdicts", [COL_OWNERS] = "sockets,when:shared",
};

int render_list_columns(FILE *out, const struct skc_render_opts *o, bool json)
{
	static const char *const titles[] = { "NAME", "TYPE", "DEFAULT", "DESCRIPTION" };
	struct libscols_table *tb = scols_new_table();
	int i, ret = 0;
	size_t k;

	if (!tb)
		return -ENOMEM;
	scols_table_set_stream(tb, out);
	scols_table_set_name(tb, "columns");
	scols_table_enable_json(tb, json);
	scols_table_enable_raw(tb, o->raw);
	/* as lsfd -H: a list, not a table; the name comes first */
	scols_table_enable_noheadings(tb, !json);
	for (k = 0; k < ARRAY_SIZE(titles); k++)
		if (!scols_table_new_column(tb, titles[k], 0, k == 3 ? SCOLS_FL_WRAP : 0)) {
			ret = -ENOMEM;
			goto out;
		}
	for (i = 0; i < COL_NCOLS && !ret; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		char type[16];

		if (!ln) {
			ret = -ENOMEM;
			break;
		}
		snprintf(type, sizeof(type), json ? "%s" : "<%s>", column_type(i));
		if (scols_line_set_data(ln, 0, render_columns[i].name) < 0 ||
		    scols_line_set_data(ln, 1, type) < 0 ||
		    scols_line_set_data(ln, 2, column_default[i]) < 0 ||
		    scols_line_set_data(ln, 3, render_columns[i].help) < 0)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = scols_print_table(tb);
out:
	scols_unref_table(tb);
	return ret;
}
