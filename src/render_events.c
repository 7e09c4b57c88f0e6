/* Event lines, shared by the text and watch renderers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "format.h"
#include "render.h"

void render_event_line(FILE *out, const struct skc_event *ev)
{
	char t[32];

	format_time(t, sizeof(t), ev->time);
	fprintf(out, "%s %s", t, event_name(ev->kind));
	if (ev->pid) {
		char *c = escape_bytes(ev->comm, strlen(ev->comm));

		fprintf(out, " pid=%d comm=%s fd=%d", (int)ev->pid, c, ev->fd);
		free(c);
	}
	if (ev->inode || ev->where.family)
		fprintf(out, " %s inode=%llu", proto_name(ev->proto),
			(unsigned long long)ev->inode);
	if (ev->where.family) {
		char buf[FMT_ADDR_MAX], *w;

		format_where(buf, sizeof(buf), &ev->where);
		w = escape_bytes(buf, strlen(buf));
		fprintf(out, " local=%s", w);
		free(w);
	}
	switch (ev->kind) {
	case EV_DROPS:
		fprintf(out, " new_drops=%llu", (unsigned long long)ev->value);
		break;
	case EV_ACCEPT_OVERFLOW:
		if (ev->pid || ev->inode)
			fprintf(out, " accept_q=%llu", (unsigned long long)ev->value);
		else
			fprintf(out, " host listen_overflows=+%llu",
				(unsigned long long)ev->value);
		break;
	case EV_STALL_END:
	case EV_TX_STALL_END:
	case EV_ACCEPT_STALL_END:
	case EV_CONNECT_STALL_END:
		fprintf(out, " reason=%s after=%.1fs", end_reason_name(ev->reason),
			ev->duration);
		break;
	default:
		break;
	}
	if (ev->kind != EV_ACCEPT_OVERFLOW || ev->inode)
		fprintf(out, " recv_q=%llu send_q=%llu",
			(unsigned long long)ev->recv_q, (unsigned long long)ev->send_q);
	if (ev->why[0]) {
		char *d = escape_bytes(ev->why_detail, strlen(ev->why_detail));

		/* quoted: kinds and details hold spaces */
		fprintf(out, " why=\"%s\" why_detail=\"%s\"", ev->why, d);
		free(d);
	}
	fputc('\n', out);
}
