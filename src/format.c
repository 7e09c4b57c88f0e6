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
	case SOCK_RAW: return "raw";
	}
	return "other";
}

const char *format_netid(const struct skc_sock *s)
{
	if (s->proto == SKC_PACKET)
		return s->type == SOCK_DGRAM ? "p_dgr" : "p_raw";
	if (s->proto == SKC_NETLINK)
		return "nl";
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

/* NETLINK_* protocol names as ss prints them (include/uapi/linux/netlink.h). */
static const char *netlink_proto(uint32_t p, char *buf, size_t len)
{
	static const char *const names[] = {
		[0] = "rtnl", [2] = "usersock", [4] = "tcpdiag", [6] = "xfrm", [7] = "selinux",
		[9] = "audit", [10] = "fiblookup", [11] = "connector",
		[12] = "nft", [15] = "uevent", [16] = "genl",
		[18] = "scsitrans", [19] = "ecryptfs", [20] = "rdma",
		[21] = "crypto", [22] = "smc",
	};

	if (p < sizeof(names) / sizeof(names[0]) && names[p])
		return names[p];
	snprintf(buf, len, "%u", p);
	return buf;
}

/* Sockets that have no UNIX or IP address: packet "IFACE:0xETHERTYPE"
 * ("*" for every interface), netlink "PROTO:PORTID", vsock "CID:PORT",
 * raw "ADDR:IPPROTO".  Returns false for the others. */
static bool format_other(char *buf, size_t len, const struct skc_sock *s,
			 bool local)
{
	const struct skc_sock_rare *r = sock_rare(s);
	char tmp[16];

	switch (s->proto) {
	case SKC_PACKET:
		if (!local)
			snprintf(buf, len, "*");
		else if (r->ifname[0])
			snprintf(buf, len, "%s:0x%04x", r->ifname, r->sproto);
		else if (s->ifindex)
			snprintf(buf, len, "%u:0x%04x", s->ifindex, r->sproto);
		else
			snprintf(buf, len, "*:0x%04x", r->sproto);
		return true;
	case SKC_NETLINK:
		if (local)
			snprintf(buf, len, "%s:%u",
				 netlink_proto(r->sproto, tmp, sizeof(tmp)), r->portid);
		else if (r->peer_portid)
			snprintf(buf, len, "%u", r->peer_portid);
		else
			snprintf(buf, len, "*");
		return true;
	case SKC_VSOCK:
		snprintf(buf, len, "%u:%u", local ? r->cid : r->peer_cid,
			 local ? r->portid : r->peer_portid);
		return true;
	case SKC_RAW: {
		struct skc_endpoint ep = local ? s->local : s->peer;

		ep.port = local ? (uint16_t)sock_rare(s)->sproto : 0;
		format_inet(buf, len, s->family, &ep, "");
		return true;
	}
	}
	return false;
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

	if (format_other(buf, len, s, true))
		return;
	sock_where(s, &w);
	format_where(buf, len, &w);
}

void format_peer(char *buf, size_t len, const struct skc_sock *s)
{
	if (format_other(buf, len, s, false))
		return;
	if (s->family != AF_UNIX)
		format_inet(buf, len, s->family, &s->peer, "");
	else if (s->unix_peer)
		snprintf(buf, len, "peer:%u", s->unix_peer);
	else
		snprintf(buf, len, "*");
}

void format_fd(char *buf, size_t len, int fd)
{
	if (SKC_FD_IS_RING(fd))
		snprintf(buf, len, "%d:ring[%d]", SKC_FD_RING_FD(fd), SKC_FD_RING_SLOT(fd));
	else if (fd < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d", fd);
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
