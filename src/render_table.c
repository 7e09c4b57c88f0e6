/* Table output through libsmartcols (the util-linux convention): the
 * column table (render_cols.c) drives -o, headings and raw mode; here
 * the cells of process, socket, leak and container rows. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libsmartcols.h>
#include <sys/socket.h>

#include "format.h"
#include "netns.h"
#include "render.h"
#include "render_cols.h"
#include "socktab.h"
#include "util.h"
#include "why.h"

static void size_cell(char *buf, size_t len, uint64_t v, const struct skc_render_opts *o)
{
	format_size(buf, len, v, o->bytes);
}

/* PINNED: "-" when the figures are unavailable; ">=" marks a lower
 * bound (a queue longer than the BPF walk goes). */
static void pinned_cell(char *buf, size_t len, const struct skc_host *h,
			uint64_t v, bool capped, const struct skc_render_opts *o)
{
	if (!h->pinned_avail) {
		snprintf(buf, len, "-");
		return;
	}
	if (capped && len > 2) {
		memcpy(buf, ">=", 2);
		size_cell(buf + 2, len - 2, v, o);
		return;
	}
	size_cell(buf, len, v, o);
}

/* The figure columns of process and container rows. */
static char *figures_cell(int col, const struct skc_host *h,
			  const struct skc_figures *f, const struct skc_render_opts *o)
{
	char buf[128];

	switch (col) {
	case COL_PINNED: pinned_cell(buf, sizeof(buf), h, f->pinned, false, o); break;
	case COL_SOCKETS: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->sockets); break;
	case COL_ACCEPTQ: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->accept_q); break;
	case COL_RECVQ: size_cell(buf, sizeof(buf), f->recv_q, o); break;
	case COL_SENDQ: size_cell(buf, sizeof(buf), f->send_q, o); break;
	case COL_MEM: size_cell(buf, sizeof(buf), f->mem, o); break;
	case COL_DROPS: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->drops); break;
	case COL_FLAGS: format_flags(buf, sizeof(buf), f->flags); break;
	case COL_STALLED: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->stalled_sockets); break;
	case COL_CLOSE_WAIT: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->close_wait); break;
	case COL_LEAKED: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->leaked); break;
	default: return NULL;
	}
	return xstrdup(buf);
}

static char *proc_cell(int col, const struct skc_host *h, const struct skc_proc *p,
		       const struct skc_render_opts *o)
{
	char buf[128];

	switch (col) {
	case COL_NETNS: return xstrdup(netns_label(&h->nets, p->netns, buf, sizeof(buf)));
	case COL_CONTAINER: snprintf(buf, sizeof(buf), "%.12s", p->cont.id); break;
	case COL_POD: return xstrdup(p->cont.pod);
	case COL_QOS: return xstrdup(p->cont.qos);
	case COL_RUNTIME: return xstrdup(p->cont.runtime);
	case COL_PID:	/* "(no process)" rows have none */
		if (!p->pid)
			return xstrdup("-");
		snprintf(buf, sizeof(buf), "%d", (int)p->pid);
		break;
	/* untrusted bytes go in raw: libsmartcols writes anything that is
	 * not printable in the locale (and the backslash) as \xNN */
	case COL_COMM: return xstrdup(p->comm);
	case COL_CMDLINE: return xstrdup(p->cmdline);
	case COL_UID: snprintf(buf, sizeof(buf), "%u", (unsigned)p->uid); break;
	case COL_WHY: why_format_kinds(buf, sizeof(buf), p->why_kinds); break;
	default: return figures_cell(col, h, &p->fig, o);
	}
	return xstrdup(buf);
}

/* PEER; a UNIX peer whose socket a process holds as "PID/COMM" (its
 * first owner; "+" when there are more), else as format_peer says. */
static void peer_cell(char *buf, size_t len, const struct skc_host *h,
		      const struct skc_sock *s)
{
	const struct skc_sock *peer;
	const struct skc_proc *p;
	long k;

	format_peer(buf, len, s);
	if (s->family != AF_UNIX || !s->unix_peer)
		return;
	k = socktab_find(&h->socks, s->unix_peer);
	if (k < 0)
		return;
	peer = &h->socks.v[k];
	if (!peer->nowners)
		return;
	p = &h->procs.v[peer->owners[0].proc];
	snprintf(buf, len, "%d/%s%s", (int)p->pid, p->comm,
		 peer->nowners > 1 && peer->owners[peer->nowners - 1].proc != peer->owners[0].proc ?
		 "+" : "");
}

static char *sock_cell(int col, const struct skc_host *h, const struct skc_sock *s,
		       int fd, const struct skc_render_opts *o)
{
	char buf[FMT_ADDR_MAX];

	switch (col) {
	case COL_NETNS: return xstrdup(netns_label(&h->nets, s->netns, buf, sizeof(buf)));
	case COL_FD: format_fd(buf, sizeof(buf), fd); break;
	case COL_PROTO: return xstrdup(format_netid(s));
	case COL_STATE: return xstrdup(format_state(s));
	case COL_LOCAL: format_local(buf, sizeof(buf), s); break;
	case COL_PEER: peer_cell(buf, sizeof(buf), h, s); break;
	case COL_OWNERS: snprintf(buf, sizeof(buf), "%u", sock_nprocs(s)); break;
	case COL_INODE: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s->inode); break;
	case COL_ACCEPTQ:
		if (!sock_is_listener(s))
			return NULL;
		snprintf(buf, sizeof(buf), "%u/%u", sock_rare(s)->accept_q, sock_rare(s)->accept_max);
		break;
	case COL_RECVQ:
		/* a listener's own Recv-Q is a connection count, shown in
		 * ACCEPTQ; here it shows the bytes its queued children hold */
		/* the kernel does not dump embryo UNIX connections: a UNIX
		 * listener's pending bytes are unknown, not 0 */
		if (sock_is_listener(s) && s->proto == SKC_UNIX)
			return xstrdup("-");
		size_cell(buf, sizeof(buf), s->recv_q + sock_rare(s)->pending_bytes, o);
		/* a reuseport group's queued bytes, on one of its members */
		if (s->pending_ambiguous)
			strcat(buf, "?");
		break;
	case COL_SENDQ: size_cell(buf, sizeof(buf), s->send_q, o); break;
	case COL_MEM: size_cell(buf, sizeof(buf), sock_mem(s) + sock_rare(s)->pending_mem, o); break;
	case COL_PINNED:
		/* a listener's: its queued connections' too, as MEM */
		pinned_cell(buf, sizeof(buf), h, s->pinned + sock_rare(s)->pending_pinned,
			    s->pinned_capped, o);
		break;
	case COL_DROPS: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s->drops); break;
	case COL_FLAGS: format_flags(buf, sizeof(buf), s->flags); break;
	case COL_SINCE:
		if (!(s->flags & SKC_F_ANY_STALL))
			return NULL;
		format_duration(buf, sizeof(buf), h->time - sock_rare(s)->stall_since);
		break;
	case COL_CLOSE_WAIT:
		if (s->proto != SKC_TCP || s->state != SKC_ST_CLOSE_WAIT)
			return NULL;
		buf[0] = '>';
		buf[1] = '=';
		format_duration(buf + 2, sizeof(buf) - 2, sock_rare(s)->close_wait_age);
		break;
	case COL_WAITING:
		if (sock_unread_age(s) < 0)
			return NULL;
		buf[0] = '>';
		buf[1] = '=';
		format_duration(buf + 2, sizeof(buf) - 2, sock_unread_age(s));
		break;
	case COL_WHY: return sock_rare(s)->why ? why_format_full(sock_rare(s)->why) : NULL;
	default: return NULL;
	}
	return xstrdup(buf);
}

/* A leaked descriptor's row under its process (-s): no dump knows its
 * socket, so only what the descriptor says. */
static char *leak_cell(int col, const struct skc_leak *l)
{
	char buf[32];
	size_t i;

	switch (col) {
	case COL_FD: snprintf(buf, sizeof(buf), "%d", l->fd); break;
	case COL_PROTO:
		/* system.sockprotoname: "TCP", "TCPv6" */
		for (i = 0; l->proto[i] && i < sizeof(buf) - 1; i++)
			buf[i] = (char)tolower((unsigned char)l->proto[i]);
		buf[i] = '\0';
		break;
	case COL_STATE: return xstrdup("CLOSED");
	case COL_INODE: snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->inode); break;
	case COL_FLAGS: return xstrdup("leaked");
	default: return NULL;
	}
	return xstrdup(buf);
}

/* With -r or -o, socket rows carry their process's PID, COMM and the
 * other process columns, so each row stands alone (grep, as with lsof
 * and lsfd); the aligned default view leaves them to the process row. */
static bool fill_ident(int col, const struct skc_render_opts *o)
{
	if (!o->raw && !o->columns)
		return false;
	switch (col) {
	case COL_PID: case COL_COMM: case COL_CMDLINE: case COL_UID:
	case COL_CONTAINER: case COL_POD: case COL_QOS: case COL_RUNTIME:
		return true;
	default:
		return false;
	}
}

/* Put v (malloc'ed or NULL) in cell i; FLAGS cells coloured by the
 * flags they show (--color). */
static void set_cell(struct libscols_line *ln, size_t i, int col, char *v,
		     unsigned flags, const struct skc_render_opts *o)
{
	struct libscols_cell *c;

	if (!v)
		return;
	if (scols_line_refer_data(ln, i, v) < 0) {
		free(v);
		return;
	}
	if (col != COL_FLAGS || !o->use_color || o->raw)
		return;
	c = scols_line_get_cell(ln, i);
	if (c && (flags & SKC_F_VERDICTS))
		scols_cell_set_color(c, "red");
	else if (c && (flags & SKC_F_NO_PROGRESS))
		scols_cell_set_color(c, "yellow");
}

static int add_leak_rows(struct libscols_table *tb, const struct skc_host *h,
			 const struct skc_proc *p, const int *cols, size_t ncols,
			 const struct skc_render_opts *o)
{
	size_t i, j;

	for (j = 0; j < p->nleaks; j++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			return -ENOMEM;
		for (i = 0; i < ncols; i++) {
			char *v = fill_ident(cols[i], o) ? proc_cell(cols[i], h, p, o)
							  : leak_cell(cols[i], &p->leaks[j]);

			set_cell(ln, i, cols[i], v, SKC_F_LEAKED, o);
		}
	}
	return 0;
}

static int add_proc_rows(struct libscols_table *tb, const struct skc_host *h,
			 const struct skc_proc *p, const int *cols, size_t ncols,
			 const struct skc_render_opts *o)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	size_t i, j;

	if (!ln)
		return -ENOMEM;
	for (i = 0; i < ncols; i++)
		set_cell(ln, i, cols[i], proc_cell(cols[i], h, p, o), p->fig.flags, o);
	if (!o->sockets)
		return 0;
	for (j = 0; j < p->nlisted; j++) {
		const struct skc_listed *l = &p->listed[j];

		ln = scols_table_new_line(tb, NULL);
		if (!ln)
			return -ENOMEM;
		for (i = 0; i < ncols; i++) {
			const struct skc_sock *s = &h->socks.v[l->sock];
			char *v = fill_ident(cols[i], o) ? proc_cell(cols[i], h, p, o)
							  : sock_cell(cols[i], h, s, l->fd, o);

			set_cell(ln, i, cols[i], v, s->flags, o);
		}
	}
	return add_leak_rows(tb, h, p, cols, ncols, o);
}

static char *cont_cell(int col, const struct skc_host *h, const struct skc_cont_row *r,
		       const struct skc_render_opts *o)
{
	const struct skc_container *c = r->c;
	char buf[128];

	switch (col) {
	case COL_CONTAINER:
		snprintf(buf, sizeof(buf), "%.12s", c->id[0] ? c->id : c->pod[0] ? "(pod)" : "(host)");
		break;
	case COL_POD: return xstrdup(c->pod);
	case COL_QOS: return xstrdup(c->qos);
	case COL_RUNTIME: return xstrdup(c->runtime);
	case COL_PROCS: snprintf(buf, sizeof(buf), "%u", r->nprocs); break;
	default: return figures_cell(col, h, &r->fig, o);
	}
	return xstrdup(buf);
}

static int add_cont_row(struct libscols_table *tb, const struct skc_host *h,
			const struct skc_cont_row *r, const int *cols, size_t ncols,
			const struct skc_render_opts *o)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	size_t i;

	if (!ln)
		return -ENOMEM;
	for (i = 0; i < ncols; i++)
		set_cell(ln, i, cols[i], cont_cell(cols[i], h, r, o), r->fig.flags, o);
	return 0;
}

/* libsmartcols makes its default symbols when it starts printing and
 * ignores a failed strdup there: the cells then come out glued together,
 * with success (tests/live_faults.sh found it).  The only ones a flat
 * table uses, set here with every call checked.  0 or -ENOMEM. */
static int set_symbols(struct libscols_table *tb)
{
	struct libscols_symbols *sy = scols_new_symbols();
	int ret = -ENOMEM;

	if (sy && scols_symbols_set_cell_padding(sy, " ") == 0 &&
	    scols_symbols_set_title_padding(sy, " ") == 0)
		ret = scols_table_set_symbols(tb, sy);
	scols_unref_symbols(sy);
	return ret;
}

int render_table(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	struct libscols_table *tb = scols_new_table();
	int cols[64], ret = 0;
	const char *bad;
	size_t badlen, i, ncols, listed = 0;

	if (!tb)
		return -ENOMEM;
	ret = resolve_columns(h, o, cols, ARRAY_SIZE(cols), &bad, &badlen);
	if (ret < 0)
		goto out;
	ncols = (size_t)ret;
	ret = set_symbols(tb);
	if (ret < 0)
		goto out;
	scols_table_set_stream(tb, out);
	if (o->term_width) {	/* out is memory, drawn on a terminal */
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
		scols_table_set_termwidth(tb, o->term_width);
	}
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_enable_raw(tb, o->raw);
	/* libsmartcols colours only a terminal unless told: --color decided */
	scols_table_enable_colors(tb, o->use_color && !o->raw);
	for (i = 0; i < ncols; i++) {
		const struct colinfo *ci = &render_columns[cols[i]];

		if (!scols_table_new_column(tb, ci->name, ci->whint, ci->flags)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (o->by_container) {
		for (i = 0; i < h->nranked_conts && !ret; i++)
			ret = add_cont_row(tb, h, h->ranked_conts[i], cols, ncols, o);
		if (!ret && h->nranked_conts)
			ret = scols_print_table(tb);
		goto out;
	}
	for (i = 0; i < h->nranked && !ret; i++)
		ret = add_proc_rows(tb, h, h->ranked[i], cols, ncols, o);
	/* then one "(no process)" row per namespace, when listed */
	for (i = 0; i < h->nunowned && !ret; i++)
		if (h->unowned[i].selected) {
			ret = add_proc_rows(tb, h, &h->unowned[i], cols, ncols, o);
			listed++;
		}
	if (!ret && (h->nranked || listed))
		ret = scols_print_table(tb);
out:
	scols_unref_table(tb);
	return ret;
}
