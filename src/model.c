#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model.h"
#include "socktab.h"
#include "util.h"

void host_init(struct skc_host *h)
{
	memset(h, 0, sizeof(*h));
}

void proctab_free(struct skc_proctab *pt)
{
	size_t i;

	for (i = 0; i < pt->n; i++) {
		free(pt->v[i].cmdline);
		free(pt->v[i].cgroup);
		free(pt->v[i].cgroup2);
		free(pt->v[i].leaks);
		free(pt->v[i].listed);
		free(pt->v[i].fds);
		free(pt->v[i].rings);
		free(pt->v[i].waitfds);
	}
	free(pt->v);
	memset(pt, 0, sizeof(*pt));
}

void proc_reset_sample(struct skc_proc *p)
{
	p->unmatched = 0;
	free(p->leaks);
	p->leaks = NULL;
	p->nleaks = p->leaks_cap = 0;
	memset(&p->fig, 0, sizeof(p->fig));
	free(p->listed);
	p->listed = NULL;
	p->nlisted = 0;
	p->matches = p->selected = false;
	p->cont_idx = -1;
	p->cmd_idx = -1;
	p->why_kinds = 0;
}

void host_free_dump(struct skc_host *out)
{
	size_t i;

	socktab_free(&out->socks);
	for (i = 0; i < out->nwarnings; i++)
		free(out->warnings[i]);
	free(out->warnings);
	out->warnings = NULL;
	out->nwarnings = out->warnings_cap = 0;
}

void host_free(struct skc_host *h)
{
	size_t i;

	socktab_free(&h->socks);
	for (i = 0; i < h->nets.n; i++) {
		free(h->nets.v[i].name);
		free(h->nets.v[i].path);
		free(h->nets.v[i].error);
	}
	free(h->nets.v);
	proctab_free(&h->procs);
	for (i = 0; i < h->nwarnings; i++)
		free(h->warnings[i]);
	free(h->warnings);
	free(h->ranked);
	free(h->events);
	free(h->conts);
	free(h->ranked_conts);
	free(h->cmds);
	free(h->pinned_why);
	for (i = 0; i < h->nunowned; i++) {
		free(h->unowned[i].cmdline);
		free(h->unowned[i].fds);
		free(h->unowned[i].listed);
	}
	free(h->unowned);
	free(h->whys);
	free(h->findings);
	memset(h, 0, sizeof(*h));
}

void host_warn(struct skc_host *h, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	grow_array((void **)&h->warnings, &h->warnings_cap, h->nwarnings + 1,
		   sizeof(*h->warnings));
	h->warnings[h->nwarnings++] = xstrdup(buf);
}

const char *proto_name(unsigned proto)
{
	static const char *const names[SKC_PROTO_MAX] = {
		[SKC_TCP] = "tcp", [SKC_UDP] = "udp",
		[SKC_UDPLITE] = "udplite", [SKC_UNIX] = "unix",
		[SKC_RAW] = "raw", [SKC_PACKET] = "packet",
		[SKC_NETLINK] = "netlink", [SKC_MPTCP] = "mptcp",
		[SKC_SCTP] = "sctp", [SKC_VSOCK] = "vsock",
	};

	return proto < SKC_PROTO_MAX ? names[proto] : "?";
}

const char *flag_name(unsigned bit_index)
{
	static const char *const names[SKC_NFLAGS] = {
		"residue", "rcvbuf-full", "drops", "accept-full", "stalled",
		"tx-stalled", "accept-stalled", "leaked", "pins-pages",
		"connect-stalled", "no-progress-seen", "close-wait", "many-sockets",
		"leaked-sockets", "unwatched",
	};

	return bit_index < SKC_NFLAGS ? names[bit_index] : "?";
}

const char *event_name(enum skc_event_kind k)
{
	static const char *const names[EV_KINDS] = {
		[EV_STALL_BEGIN] = "stall-begin", [EV_STALL_END] = "stall-end",
		[EV_TX_STALL_BEGIN] = "tx-stall-begin",
		[EV_TX_STALL_END] = "tx-stall-end",
		[EV_ACCEPT_STALL_BEGIN] = "accept-stall-begin",
		[EV_ACCEPT_STALL_END] = "accept-stall-end",
		[EV_ACCEPT_OVERFLOW] = "accept-overflow", [EV_DROPS] = "drops",
		[EV_CONNECT_STALL_BEGIN] = "connect-stall-begin",
		[EV_CONNECT_STALL_END] = "connect-stall-end",
	};

	return k < EV_KINDS ? names[k] : "?";
}

const char *finding_name(enum skc_finding_kind k)
{
	static const char *const names[FIND_KINDS] = {
		[FIND_STALLED] = "stalled",
		[FIND_ACCEPT_STALLED] = "accept-stalled",
		[FIND_ACCEPT_FULL] = "accept-full",
		[FIND_TX_STALLED] = "tx-stalled",
		[FIND_CONNECT_STALLED] = "connect-stalled",
		[FIND_MEMORY_SUSPECT] = "memory-suspect",
		[FIND_PINS_PAGES] = "pins-pages",
		[FIND_RCVBUF_FULL] = "rcvbuf-full", [FIND_DROPS] = "drops",
		[FIND_LEAKED] = "leaked", [FIND_CLOSE_WAIT] = "close-wait",
		[FIND_MANY_SOCKETS] = "many-sockets", [FIND_RESIDUE] = "residue",
		[FIND_PARTIAL] = "partial",
	};

	return k < FIND_KINDS ? names[k] : "?";
}

const char *end_reason_name(enum skc_end_reason r)
{
	switch (r) {
	case SKC_END_RECOVERED: return "recovered";
	case SKC_END_CLOSED: return "closed";
	case SKC_END_NONE: break;
	}
	return "";
}

bool sock_is_listener(const struct skc_sock *s)
{
	/* TCP_LISTEN for TCP and for UNIX (unix_diag reuses it); an MPTCP
	 * listener reports its first subflow's accept queue
	 * (mptcp_diag_get_info), SCTP its own (sctp_diag_get_info) */
	return s->state == SKC_ST_LISTEN &&
	       (s->proto == SKC_TCP || s->proto == SKC_UNIX ||
		s->proto == SKC_MPTCP || s->proto == SKC_SCTP);
}

bool sock_has_queue(const struct skc_sock *s)
{
	return s->rqueue || (s->wqueue && !sock_is_listener(s));
}

bool netns_sockets_known(const struct skc_netns *ns)
{
	return ns->state == SKC_NS_COMPLETE || ns->state == SKC_NS_VANISHED;
}

bool netns_scanned(const struct skc_netns *ns)
{
	return ns->state == SKC_NS_COMPLETE || ns->state == SKC_NS_INCOMPLETE;
}

struct skc_sock_rare *sock_rare_w(struct skc_sock *s)
{
	if (!s->rare)
		s->rare = xcalloc(1, sizeof(*s->rare));
	return s->rare;
}

/* tcp_info's clocks (tcp_get_info): tcpi_last_data_recv is now -
 * icsk_ack.lrcvtime, tcpi_last_data_sent now - tp->lsndtime, in ms. */
static bool tcp_times(const struct skc_sock *s)
{
	return s->proto == SKC_TCP && s->has_tcp_times && !sock_is_listener(s);
}

double sock_unread_age(const struct skc_sock *s)
{
	if (!tcp_times(s) || !s->recv_q)
		return -1;
	return s->last_data_recv / 1000.0;
}

double sock_unsent_age(const struct skc_sock *s)
{
	/* in SYN-SENT nothing was sent yet (lsndtime is 0: the clock is
	 * meaningless); unsent-only data (zero window) has no known age */
	if (!tcp_times(s) || !s->send_q || !s->unacked || s->state == SKC_ST_SYN_SENT)
		return -1;
	return s->last_data_sent / 1000.0;
}

void sock_where(const struct skc_sock *s, struct skc_where *w)
{
	memset(w, 0, sizeof(*w));
	w->family = s->family;
	if (s->family != AF_UNIX)	/* the endpoints' storage is the path's */
		w->ep = s->local;
	w->ifindex = s->ifindex;
	memcpy(w->ifname, sock_rare(s)->ifname, sizeof(w->ifname));
	if (s->family == AF_UNIX && s->unix_path_len) {
		w->path_len = s->unix_path_len < sizeof(w->path) ?
			      (uint16_t)s->unix_path_len : sizeof(w->path);
		memcpy(w->path, s->unix_path, w->path_len);
	}
}

void host_set_partial(struct skc_host *h, unsigned reason)
{
	h->partial_why |= reason;
	h->partial = true;
}

const char *partial_name(unsigned bit_index)
{
	static const char *const names[SKC_NPARTIAL] = {
		"netns", "dump", "unattributed",
	};

	return bit_index < SKC_NPARTIAL ? names[bit_index] : "?";
}
