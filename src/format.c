#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "format.h"

void format_size(char *buf, size_t len, uint64_t v, bool exact)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (exact || v < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	}
	/* pick the unit after rounding: 1048575 is "1.0M", not "1024K" */
	while (u < 5 && d >= 1023.5) {
		d /= 1024;
		u++;
	}
	if (d < 9.95)
		snprintf(buf, len, "%.1f%c", d, units[u]);
	else
		snprintf(buf, len, "%.0f%c", d, units[u]);
}

const char *format_state(const struct skc_sock *s)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING", "SYN-RECV", "BOUND-INACTIVE",
	};

	/* TCP_CLOSE (7) is how unconnected UDP and UNIX sockets report */
	if (s->state == SKC_ST_CLOSE && s->proto == SKC_TCP)
		return "CLOSE";
	return s->state < sizeof(names) / sizeof(names[0]) ? names[s->state]
							     : "UNKNOWN";
}

const char *format_type(const struct skc_sock *s)
{
	switch (s->type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	}
	return "other";
}

const char *format_netid(const struct skc_sock *s)
{
	if (s->proto != SKC_UNIX)
		return proto_name(s->proto);
	switch (s->type) {
	case SOCK_STREAM: return "u_str";
	case SOCK_DGRAM: return "u_dgr";
	case SOCK_SEQPACKET: return "u_seq";
	}
	return "unix";
}

static void format_inet(char *buf, size_t len, uint8_t family,
			const struct skc_endpoint *ep, const char *dev)
{
	static const uint8_t zero[16];
	char a[INET6_ADDRSTRLEN];
	size_t alen = family == AF_INET ? 4 : 16;

	if (memcmp(ep->addr, zero, alen) == 0) {
		snprintf(buf, len, "*%s:%s", dev, "");
		snprintf(buf + strlen(buf), len - strlen(buf), ep->port ? "%u" : "*",
			 ep->port);
		return;
	}
	inet_ntop(family, ep->addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]%s:%u", a, dev, ep->port);
	else
		snprintf(buf, len, "%s%s:%u", a, dev, ep->port);
}

void format_where(char *buf, size_t len, const struct skc_where *w)
{
	char dev[IF_NAMESIZE + 2] = "";
	size_t i, n;

	if (w->family != AF_UNIX) {
		if (w->ifname[0])
			snprintf(dev, sizeof(dev), "%%%s", w->ifname);
		else if (w->ifindex)
			snprintf(dev, sizeof(dev), "%%%u", w->ifindex);
		format_inet(buf, len, w->family, &w->ep, dev);
		return;
	}
	if (!w->path_len) {
		snprintf(buf, len, "*");
		return;
	}
	/* raw bytes; abstract names (leading NUL) and any NUL inside them
	 * print as '@', as ss does.  The caller escapes for its medium. */
	n = w->path_len < len - 1 ? w->path_len : len - 1;
	for (i = 0; i < n; i++)
		buf[i] = w->path[i] ? w->path[i] : '@';
	buf[n] = '\0';
}

void format_local(char *buf, size_t len, const struct skc_sock *s)
{
	struct skc_where w;

	sock_where(s, &w);
	format_where(buf, len, &w);
}

void format_peer(char *buf, size_t len, const struct skc_sock *s)
{
	if (s->family != AF_UNIX)
		format_inet(buf, len, s->family, &s->peer, "");
	else if (s->unix_peer)
		snprintf(buf, len, "peer:%u", s->unix_peer);
	else
		snprintf(buf, len, "*");
}

void format_flags(char *buf, size_t len, unsigned flags)
{
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < SKC_NFLAGS && off < len; i++)
		if (flags & (1u << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "," : "", flag_name(i));
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
