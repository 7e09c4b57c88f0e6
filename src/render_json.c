/* JSON output (json-c).  The schema is documented in skcheck(8); keep
 * the two in step.  All sizes are integers in bytes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "escape.h"
#include "format.h"
#include "jsonx.h"
#include "netns.h"
#include "render.h"
#include "why.h"

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	jset(o, k, jx(json_object_new_uint64(v)));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	jset(o, k, jx(json_object_new_string(v)));
}

/* "fd": the number; null for a socket no process holds ("unowned");
 * for an io_uring fixed file the ring's fd plus "io_uring_slot". */
static void add_fd(json_object *o, int fd)
{
	if (SKC_FD_IS_RING(fd)) {
		jset(o, "fd", jx(json_object_new_int(SKC_FD_RING_FD(fd))));
		jset(o, "io_uring_slot",
		     jx(json_object_new_int(SKC_FD_RING_SLOT(fd))));
	} else {
		jset(o, "fd", fd >= 0 ? jx(json_object_new_int(fd)) : NULL);
	}
}

/* Untrusted bytes: escaped so the document is valid UTF-8 whatever the
 * kernel or the process handed us. */
static void add_bytes(json_object *o, const char *k, const char *v, size_t len)
{
	char *e = escape_json(v, len);

	add_str(o, k, e);
	free(e);
}

/* A JSON string from untrusted bytes (see add_bytes). */
static json_object *json_str(const char *v)
{
	char *e = escape_json(v, strlen(v));
	json_object *j = jx(json_object_new_string(e));

	free(e);
	return j;
}

static json_object *flags_array(unsigned flags)
{
	json_object *a = jx(json_object_new_array());
	unsigned i;

	for (i = 0; i < SKC_NFLAGS; i++)
		if (flags & (1u << i))
			jpush(a, jx(json_object_new_string(flag_name(i))));
	return a;
}

/* Pinned bytes under key, null when the sample has no pinned figures. */
static void add_pinned_key(json_object *o, const struct skc_host *h,
			   const char *key, uint64_t v)
{
	jset(o, key, h->pinned_avail ? jx(json_object_new_uint64(v)) : NULL);
}

static void add_pinned(json_object *o, const struct skc_host *h, uint64_t v)
{
	add_pinned_key(o, h, "pinned", v);
}

/* The figures of a process or container row. */
static void add_figures(json_object *o, const struct skc_host *h,
			const struct skc_figures *f)
{
	add_u64(o, "nsockets", f->sockets);
	add_u64(o, "recv_q", f->recv_q);
	add_u64(o, "send_q", f->send_q);
	add_u64(o, "mem", f->mem);
	add_pinned(o, h, f->pinned);
	add_u64(o, "drops", f->drops);
	add_u64(o, "accept_q", f->accept_q);
	add_u64(o, "stalled_sockets", f->stalled_sockets);
	add_u64(o, "stalled_bytes", f->stalled_bytes);
	add_u64(o, "close_wait", f->close_wait);
	add_u64(o, "leaked_fds", f->leaked);
	jset(o, "flags", flags_array(f->flags));
}

/* The figures of the host and selected totals. */
static json_object *totals_obj(const struct skc_host *h, const struct skc_figures *t)
{
	json_object *o = jx(json_object_new_object());
	json_object *s = jx(json_object_new_object());
	unsigned i;

	add_u64(s, "total", t->sockets);
	for (i = 0; i < SKC_PROTO_MAX; i++)
		add_u64(s, proto_name(i), t->by_proto[i]);
	jset(o, "sockets", s);
	add_u64(o, "recv_q", t->recv_q);
	add_u64(o, "send_q", t->send_q);
	add_u64(o, "mem", t->mem);
	add_pinned(o, h, t->pinned);
	add_u64(o, "drops", t->drops);
	add_u64(o, "accept_q", t->accept_q);
	add_u64(o, "flagged_sockets", t->flagged_sockets);
	add_u64(o, "stalled_sockets", t->stalled_sockets);
	add_u64(o, "stalled_bytes", t->stalled_bytes);
	add_u64(o, "cgroup_checked", t->cgroup_checked);
	add_u64(o, "cgroup_mismatches", t->cgroup_mismatches);
	return o;
}

static json_object *time_str(double t)
{
	char buf[32];

	format_time(buf, sizeof(buf), t);
	return jx(json_object_new_string(buf));
}

static json_object *namespaces_array(const struct skc_host *h)
{
	json_object *a = jx(json_object_new_array());
	size_t i;

	for (i = 0; i < h->nets.n; i++) {
		const struct skc_netns *ns = &h->nets.v[i];
		json_object *o = jx(json_object_new_object());

		add_u64(o, "inode", ns->ino);
		jset(o, "name", ns->name ? json_str(ns->name) : NULL);
		jset(o, "current",
		     jx(json_object_new_boolean(ns->ino == h->netns)));
		jset(o, "scanned", jx(json_object_new_boolean(netns_scanned(ns))));
		/* how it was found: a process in it, its /run/netns name, or
		 * only a socket some process holds (SIOCGSKNS) */
		add_str(o, "found_via", ns->via_socket ? "socket" : ns->name ? "name" : "process");
		if (ns->via_socket) {
			jset(o, "via_pid", jx(json_object_new_int(ns->via_pid)));
			jset(o, "via_fd", jx(json_object_new_int(ns->via_fd)));
		}
		add_u64(o, "nsockets", ns->fig.sockets);
		add_u64(o, "sockets", ns->fig.sockets);	/* old name, one release */
		add_u64(o, "recv_q", ns->fig.recv_q);
		add_u64(o, "mem", ns->fig.mem);
		add_pinned(o, h, ns->fig.pinned);
		if (ns->error)
			add_bytes(o, "error", ns->error, strlen(ns->error));
		jpush(a, o);
	}
	return a;
}

/* null when the process is in no container or pod */
static json_object *container_obj(const struct skc_container *c, const char *cgroup)
{
	json_object *o;

	if (!c->id[0] && !c->pod[0])
		return NULL;
	o = jx(json_object_new_object());
	add_str(o, "id", c->id);
	add_str(o, "runtime", c->runtime);
	add_str(o, "pod", c->pod);
	add_str(o, "qos", c->qos);
	if (cgroup)
		add_bytes(o, "cgroup", cgroup, strlen(cgroup));
	return o;
}

static json_object *netns_obj(const struct skc_host *h, uint64_t ino)
{
	json_object *o = jx(json_object_new_object());
	long k = netns_find(&h->nets, ino);

	add_u64(o, "inode", ino);
	jset(o, "name", k >= 0 && h->nets.v[k].name ?
	     json_str(h->nets.v[k].name) : NULL);
	return o;
}

static json_object *containers_array(const struct skc_host *h)
{
	json_object *a = jx(json_object_new_array());
	size_t i;

	for (i = 0; i < h->nranked_conts; i++) {
		const struct skc_cont_row *r = h->ranked_conts[i];
		json_object *o = jx(json_object_new_object());

		add_str(o, "id", r->c->id);
		add_str(o, "runtime", r->c->runtime);
		add_str(o, "pod", r->c->pod);
		add_str(o, "qos", r->c->qos);
		add_u64(o, "nprocs", r->nprocs);
		add_figures(o, h, &r->fig);
		jpush(a, o);
	}
	return a;
}

/* How each family was dumped; see family_src in model.h. */
static json_object *families_obj(const struct skc_host *h)
{
	json_object *o = jx(json_object_new_object());
	unsigned i;

	for (i = 0; i < SKC_PROTO_MAX; i++)
		jset(o, proto_name(i), h->family_src[i] ?
		     jx(json_object_new_string(h->family_src[i])) : NULL);
	return o;
}

static const char *family_name(const struct skc_sock *s)
{
	switch (s->family) {
	case AF_UNIX: return "unix";
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_PACKET: return "packet";
	case AF_NETLINK: return "netlink";
	case AF_VSOCK: return "vsock";
	}
	return "other";
}

/* Family-specific identity: raw IP protocol, packet ethertype and
 * interface, netlink protocol and port ids, MPTCP token. */
static void add_family_keys(json_object *o, const struct skc_sock *s)
{
	const struct skc_sock_rare *r = sock_rare(s);

	switch (s->proto) {
	case SKC_RAW:
		add_u64(o, "ip_proto", r->sproto);
		break;
	case SKC_PACKET:
		add_u64(o, "ethertype", r->sproto);
		add_u64(o, "ifindex", s->ifindex);
		break;
	case SKC_NETLINK:
		add_u64(o, "nl_proto", r->sproto);
		add_u64(o, "portid", r->portid);
		add_u64(o, "peer_portid", r->peer_portid);
		break;
	case SKC_MPTCP:
		add_u64(o, "mptcp_token", sock_rare(s)->mptcp_token);
		add_u64(o, "subflows", sock_rare(s)->nsubflows);
		break;
	}
}

static json_object *partial_array(const struct skc_host *h)
{
	json_object *a = jx(json_object_new_array());
	unsigned i;

	for (i = 0; i < SKC_NPARTIAL; i++)
		if (h->partial_why & (1u << i))
			jpush(a, jx(json_object_new_string(partial_name(i))));
	return a;
}

static json_object *summary_obj(const struct skc_host *h)
{
	json_object *o = totals_obj(h, &h->total);
	json_object *p = jx(json_object_new_object());
	json_object *w = jx(json_object_new_array());
	size_t i;

	add_u64(p, "scanned", h->procs.scanned);
	add_u64(p, "queued", h->procs_queued);
	add_u64(p, "with_residue", h->procs_queued);	/* old name, one release */
	add_u64(p, "flagged", h->procs_flagged);
	add_u64(p, "denied", h->procs.denied);
	add_u64(p, "failed", h->procs.failed);
	add_u64(p, "matching", h->procs_matching);
	add_u64(p, "not_listed_top", h->cut_procs);
	add_u64(p, "not_listed_top_queued", h->cut_queued);
	add_u64(p, "not_listed_top_flagged", h->cut_flagged);
	add_u64(p, "vanished", h->procs.vanished);
	add_u64(p, "listed", h->nranked);
	jset(o, "processes", p);
	jset(o, "diagnosis", render_diagnosis_json(h));
	jset(o, "selected", totals_obj(h, &h->selected));
	jset(o, "memory", render_memory_json(h));
	/* sockets no visible process holds (every one, listed or not);
	 * unowned_complete false: some may be a process's we could not
	 * inspect */
	jset(o, "unowned", totals_obj(h, &h->unowned_total));
	jset(o, "unowned_complete", jx(json_object_new_boolean(h->unowned_known)));
	if (h->sockstat.valid) {
		json_object *k = jx(json_object_new_object());

		add_u64(k, "sockets_used", (uint64_t)h->sockstat.sockets_used);
		add_u64(k, "tcp_inuse", (uint64_t)h->sockstat.tcp_inuse);
		add_u64(k, "tcp_orphan", (uint64_t)h->sockstat.tcp_orphan);
		add_u64(k, "tcp_tw", (uint64_t)h->sockstat.tcp_tw);
		add_u64(k, "tcp_alloc", (uint64_t)h->sockstat.tcp_alloc);
		add_u64(k, "tcp_mem_pages", (uint64_t)h->sockstat.tcp_mem);
		add_u64(k, "udp_inuse", (uint64_t)h->sockstat.udp_inuse);
		add_u64(k, "udp_mem_pages", (uint64_t)h->sockstat.udp_mem);
		add_u64(k, "tcp_mem_bytes", h->memory.sockstat_tcp);
		add_u64(k, "udp_mem_bytes", h->memory.sockstat_udp);
		jset(o, "sockstat", k);
	}
	jset(o, "namespaces", namespaces_array(h));
	jset(o, "families", families_obj(h));
	jset(o, "time", time_str(h->time));
	add_u64(o, "tick", h->tick);
	jset(o, "duration", jx(json_object_new_double(h->duration)));
	jset(o, "why_duration", jx(json_object_new_double(h->why_duration)));
	jset(o, "tracked", jx(json_object_new_boolean(h->tracked)));
	jset(o, "window", jx(json_object_new_double(h->window)));
	add_u64(o, "listen_overflows", h->listen_overflows);
	add_u64(o, "listen_drops", h->listen_drops);
	jset(o, "listen_overflow_rate",
	     jx(json_object_new_double(h->listen_overflow_rate)));
	jset(o, "partial", jx(json_object_new_boolean(h->partial)));
	jset(o, "partial_reasons", partial_array(h));
	add_u64(o, "unattributed_sockets", h->unattributed_socks);
	add_u64(o, "unattributed_bytes", h->unattributed);
	jset(o, "leaks_checked", jx(json_object_new_boolean(h->leaks_checked)));
	for (i = 0; i < h->nwarnings; i++)
		jpush(w, json_str(h->warnings[i]));
	jset(o, "warnings", w);
	return o;
}

static json_object *skmem_obj(const struct skc_sock *s)
{
	static const char *const names[] = {
		"rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc",
		"wmem_queued", "optmem", "backlog", "drops",
	};
	json_object *o = jx(json_object_new_object());
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		add_u64(o, names[i], s->has_skmem ? s->skmem[i] : 0);
	return o;
}

static json_object *owners_array(const struct skc_host *h, const struct skc_sock *s)
{
	json_object *a = jx(json_object_new_array());
	uint32_t k;

	for (k = 0; k < s->nowners; k++) {
		json_object *o = jx(json_object_new_object());

		jset(o, "pid",
		     jx(json_object_new_int(h->procs.v[s->owners[k].proc].pid)));
		add_fd(o, s->owners[k].fd);
		jpush(a, o);
	}
	return a;
}

static json_object *sock_obj(const struct skc_host *h, const struct skc_sock *s, int fd)
{
	json_object *o = jx(json_object_new_object());
	char buf[FMT_ADDR_MAX];

	add_u64(o, "inode", s->inode);
	add_u64(o, "cookie", s->cookie);
	add_str(o, "proto", proto_name(s->proto));
	add_str(o, "family", family_name(s));
	add_str(o, "type", format_type(s));
	add_str(o, "state", format_state(s));
	format_local(buf, sizeof(buf), s);
	add_bytes(o, "local", buf, strlen(buf));
	format_peer(buf, sizeof(buf), s);
	add_str(o, "peer", buf);
	add_family_keys(o, s);
	if (s->family == AF_UNIX) {
		add_u64(o, "unix_peer", s->unix_peer);
	} else if (s->family == AF_INET || s->family == AF_INET6) {
		add_u64(o, "local_port", s->local.port);
		add_u64(o, "peer_port", s->peer.port);
		if (sock_rare(s)->ifname[0])
			add_bytes(o, "dev", s->rare->ifname, strlen(s->rare->ifname));
	}
	add_fd(o, fd);
	add_u64(o, "recv_q", s->recv_q);
	add_u64(o, "send_q", s->send_q);
	if (sock_is_listener(s)) {
		add_u64(o, "accept_q", sock_rare(s)->accept_q);
		add_u64(o, "accept_max", sock_rare(s)->accept_max);
		/* unknown for UNIX: embryo connections are not dumped */
		jset(o, "pending_bytes", s->proto == SKC_UNIX ? NULL :
		     jx(json_object_new_uint64(sock_rare(s)->pending_bytes)));
		add_u64(o, "pending_mem", sock_rare(s)->pending_mem);
		add_pinned_key(o, h, "pending_pinned", sock_rare(s)->pending_pinned);
		jset(o, "pending_ambiguous",
		     jx(json_object_new_boolean(s->pending_ambiguous)));
	}
	add_u64(o, "mem", sock_mem(s));
	add_pinned(o, h, s->pinned);
	if (h->pinned_avail)
		jset(o, "pinned_capped",
		     jx(json_object_new_boolean(s->pinned_capped)));
	if (s->has_rx_head)
		add_u64(o, "rx_skbs", sock_rare(s)->rx_qlen);
	if (s->has_rx_reads)
		add_u64(o, "rx_reads", sock_rare(s)->rx_reads);
	add_u64(o, "drops", s->drops);
	add_u64(o, "uid", s->uid);
	add_u64(o, "netns", s->netns);
	if (s->has_cgroup)
		add_u64(o, "cgroup_id", s->cgroup_id);
	if (s->cgroup_match >= 0)
		jset(o, "cgroup_matches_owner",
		     jx(json_object_new_boolean(s->cgroup_match)));
	if (s->has_tcpi) {
		add_u64(o, "bytes_received", s->bytes_received);
		add_u64(o, "bytes_acked", s->bytes_acked);
	}
	if (s->proto == SKC_TCP && s->state == SKC_ST_CLOSE_WAIT)
		jset(o, "close_wait_seconds",
		     jx(json_object_new_double(sock_rare(s)->close_wait_age)));
	if (s->proto == SKC_TCP) {
		jset(o, "unread_age", sock_unread_age(s) < 0 ? NULL :
		     jx(json_object_new_double(sock_unread_age(s))));
		jset(o, "unsent_age", sock_unsent_age(s) < 0 ? NULL :
		     jx(json_object_new_double(sock_unsent_age(s))));
	}
	jset(o, "flags", flags_array(s->flags));
	if (s->flags & SKC_F_ANY_STALL) {
		json_object *st = jx(json_object_new_object());

		jset(st, "since", time_str(sock_rare(s)->stall_since));
		jset(st, "seconds",
		     jx(json_object_new_double(h->time - sock_rare(s)->stall_since)));
		jset(st, "growth", jx(json_object_new_double(sock_rare(s)->growth)));
		jset(o, "stall", st);
	}
	if (h->tracked)
		jset(o, "drops_rate", jx(json_object_new_double(sock_rare(s)->drops_rate)));
	if (sock_rare(s)->why)
		jset(o, "why", why_json(sock_rare(s)->why));
	jset(o, "owners", owners_array(h, s));
	jset(o, "skmem", skmem_obj(s));
	return o;
}

static json_object *leaks_array(const struct skc_proc *p)
{
	json_object *a = jx(json_object_new_array());
	size_t i;

	for (i = 0; i < p->nleaks; i++) {
		json_object *o = jx(json_object_new_object());

		jset(o, "fd", jx(json_object_new_int(p->leaks[i].fd)));
		add_u64(o, "inode", p->leaks[i].inode);
		add_str(o, "proto", p->leaks[i].proto);
		jpush(a, o);
	}
	return a;
}

static json_object *proc_obj(const struct skc_host *h, const struct skc_proc *p)
{
	json_object *j = jx(json_object_new_object());

	jset(j, "pid", jx(json_object_new_int(p->pid)));
	add_bytes(j, "comm", p->comm, strlen(p->comm));
	add_bytes(j, "cmdline", p->cmdline, strlen(p->cmdline));
	add_u64(j, "uid", p->uid);
	jset(j, "netns", netns_obj(h, p->netns));
	jset(j, "container", container_obj(&p->cont, p->cgroup));
	if (p->cgroup_id)
		add_u64(j, "cgroup_id", p->cgroup_id);
	add_figures(j, h, &p->fig);
	add_u64(j, "unmatched_fds", p->unmatched);
	jset(j, "inspected", jx(json_object_new_boolean(!p->fds_errno)));
	add_u64(j, "socket_fds", p->nfds);
	jset(j, "close_wait_oldest",
	     jx(json_object_new_double(p->close_wait_oldest)));
	if (p->fds_errno)
		jset(j, "fds_error", json_str(strerror(p->fds_errno)));
	jset(j, "leaked", leaks_array(p));
	jset(j, "why", why_kinds_json(p->why_kinds));
	return j;
}

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Serialise and free one value. */
static void put_value(FILE *out, json_object *j)
{
	fputs(jtext(j, JSON_FLAGS), out);
	json_object_put(j);
}

/* A process is streamed: its own fields, then each socket serialised
 * and freed at once, so a process with 20,000 sockets never holds
 * 20,000 json-c objects. */
static void put_proc(FILE *out, const struct skc_host *h,
		     const struct skc_proc *p)
{
	json_object *j = proc_obj(h, p);
	const char *head = jtext(j, JSON_FLAGS);
	size_t i;

	fwrite(head, 1, strlen(head) - 1, out);	/* all but the closing } */
	json_object_put(j);
	fputs(",\"sockets\":[", out);
	for (i = 0; i < p->nlisted; i++) {
		if (i)
			fputc(',', out);
		put_value(out, sock_obj(h, &h->socks.v[p->listed[i].sock],
					p->listed[i].fd));
	}
	fputs("]}", out);
}

/* The sockets of the listed "(no process)" rows, one array for all
 * namespaces (each socket says its netns). */
static void put_unowned(FILE *out, const struct skc_host *h)
{
	size_t i, j, k = 0;

	for (i = 0; i < h->nunowned; i++) {
		const struct skc_proc *p = &h->unowned[i];

		for (j = 0; p->selected && j < p->nlisted; j++) {
			if (k++)
				fputc(',', out);
			put_value(out, sock_obj(h, &h->socks.v[p->listed[j].sock], -1));
		}
	}
}

static json_object *event_obj(const struct skc_event *ev)
{
	json_object *o = jx(json_object_new_object());

	jset(o, "time", time_str(ev->time));
	add_str(o, "event", event_name(ev->kind));
	if (ev->pid) {
		jset(o, "pid", jx(json_object_new_int(ev->pid)));
		add_bytes(o, "comm", ev->comm, strlen(ev->comm));
		jset(o, "fd", jx(json_object_new_int(ev->fd)));
	}
	if (ev->inode || ev->where.family) {
		add_u64(o, "inode", ev->inode);
		add_str(o, "proto", proto_name(ev->proto));
	}
	if (ev->where.family) {
		char buf[FMT_ADDR_MAX];

		format_where(buf, sizeof(buf), &ev->where);
		add_bytes(o, "local", buf, strlen(buf));
	}
	add_u64(o, "recv_q", ev->recv_q);
	add_u64(o, "send_q", ev->send_q);
	if (ev->kind == EV_DROPS)
		add_u64(o, "new_drops", ev->value);
	if (ev->kind == EV_ACCEPT_OVERFLOW)
		add_u64(o, ev->inode ? "accept_q" : "listen_overflows", ev->value);
	if (ev->why[0]) {
		add_str(o, "why", ev->why);
		add_bytes(o, "why_detail", ev->why_detail, strlen(ev->why_detail));
	}
	if (ev->reason != SKC_END_NONE) {
		add_str(o, "reason", end_reason_name(ev->reason));
		jset(o, "duration",
		     jx(json_object_new_double(ev->duration)));
	}
	return o;
}

static json_object *events_array(const struct skc_host *h)
{
	json_object *a = jx(json_object_new_array());
	size_t i;

	for (i = 0; i < h->nevents; i++)
		jpush(a, event_obj(&h->events[i]));
	return a;
}

int render_json(FILE *out, const struct skc_host *h)
{
	return render_json_doc(out, h, false);
}

int render_json_doc(FILE *out, const struct skc_host *h, bool compact)
{
	const char *nl = compact ? "" : "\n";
	size_t i;

	fprintf(out, "{\"version\":\"%s\",%s\"summary\":", PACKAGE_VERSION, nl);
	put_value(out, summary_obj(h));
	fprintf(out, ",%s\"processes\":[%s", nl, nl);
	for (i = 0; i < h->nranked; i++) {
		if (i)
			fprintf(out, ",%s", nl);
		put_proc(out, h, h->ranked[i]);
	}
	fprintf(out, "%s],%s\"unowned\":[", i ? nl : "", nl);
	put_unowned(out, h);
	fprintf(out, "],%s\"containers\":", nl);
	put_value(out, containers_array(h));
	fprintf(out, ",%s\"events\":", nl);
	put_value(out, events_array(h));
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
