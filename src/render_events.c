/* Event lines and time stamps, shared by the text and watch renderers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "render.h"

const char *event_name(enum skc_event_kind k)
{
	static const char *const names[EV_KINDS] = {
		[EV_STALL_BEGIN] = "stall-begin", [EV_STALL_END] = "stall-end",
		[EV_TX_STALL_BEGIN] = "tx-stall-begin",
		[EV_TX_STALL_END] = "tx-stall-end",
		[EV_ACCEPT_STALL_BEGIN] = "accept-stall-begin",
		[EV_ACCEPT_STALL_END] = "accept-stall-end",
		[EV_ACCEPT_OVERFLOW] = "accept-overflow", [EV_DROPS] = "drops",
	};

	return k < EV_KINDS ? names[k] : "?";
}

void format_time(char *buf, size_t len, double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void format_duration(char *buf, size_t len, double secs)
{
	unsigned long s = secs > 0 ? (unsigned long)(secs + 0.5) : 0;

	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(buf, len, "%luh%02lum", s / 3600, (s % 3600) / 60);
}

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
	if (ev->inode || ev->where[0])
		fprintf(out, " %s inode=%llu", proto_name(ev->proto),
			(unsigned long long)ev->inode);
	if (ev->where[0]) {
		char *w = escape_bytes(ev->where, strlen(ev->where));

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
		fprintf(out, " reason=%s after=%.1fs", ev->reason, ev->duration);
		break;
	default:
		break;
	}
	if (ev->kind != EV_ACCEPT_OVERFLOW || ev->inode)
		fprintf(out, " recv_q=%llu send_q=%llu",
			(unsigned long long)ev->recv_q, (unsigned long long)ev->send_q);
	fputc('\n', out);
}
