/* Per-namespace dump driver: one dump per family/protocol, with retry of
 * interrupted dumps and honest reporting of the ones that failed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "diag.h"
#include "netns.h"
#include "replay.h"
#include "socktab.h"

/* NLM_F_DUMP_INTR means the table changed while we walked it; a few
 * retries converge on any real host. */
#define DUMP_RETRIES 5

struct dump_spec {
	int family;
	unsigned proto;
};

static const struct dump_spec dumps[] = {
	{ AF_INET, SKC_TCP }, { AF_INET6, SKC_TCP },
	{ AF_INET, SKC_UDP }, { AF_INET6, SKC_UDP },
	{ AF_INET, SKC_UDPLITE }, { AF_INET6, SKC_UDPLITE },
	{ AF_UNIX, SKC_UNIX },
	{ AF_INET, SKC_RAW }, { AF_INET6, SKC_RAW },
	{ AF_INET, SKC_MPTCP }, { AF_INET6, SKC_MPTCP },
	{ AF_INET, SKC_SCTP }, { AF_INET6, SKC_SCTP },
	{ AF_PACKET, SKC_PACKET }, { AF_NETLINK, SKC_NETLINK },
	{ AF_VSOCK, SKC_VSOCK },
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct diag_attrs *a = data;
	unsigned type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, (uint16_t)a->max) < 0)
		return MNL_CB_OK;	/* newer kernel: ignore */
	if (mnl_attr_get_payload_len(attr) < a->min[type])
		return MNL_CB_OK;	/* too short to trust: treat as absent */
	a->tb[type] = attr;
	return MNL_CB_OK;
}

int diag_parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
		     const struct diag_attrs *a)
{
	return mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, (void *)a) < 0 ? -1 : 0;
}

const void *diag_msg(const struct nlmsghdr *nlh, size_t hdrlen, int family,
		     int family2, const struct diag_attrs *a, struct diag_ctx *ctx)
{
	const uint8_t *m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		goto bad;
	m = mnl_nlmsg_get_payload(nlh);
	if ((m[0] != family && m[0] != family2) ||
	    (a && diag_parse_attrs(nlh, hdrlen, a) < 0))
		goto bad;
	return m;
bad:
	ctx->bad++;
	return NULL;
}

int diag_parse_nested(const struct nlattr *nest, const struct diag_attrs *a)
{
	return mnl_attr_parse_nested(nest, attr_cb, (void *)a) < 0 ? -1 : 0;
}

void diag_read_skmem(struct skc_sock *s, const struct nlattr *attr)
{
	size_t len = mnl_attr_get_payload_len(attr);

	if (len > sizeof(s->skmem))
		len = sizeof(s->skmem);
	memcpy(s->skmem, mnl_attr_get_payload(attr), len);
	s->has_skmem = true;
}

/* DIR/NETNS-PROTO.nl: where a dump is recorded and replayed from. */
static void record_path(char *path, size_t len, const char *dir,
			uint64_t netns, const struct dump_spec *d)
{
	snprintf(path, len, "%s/%llu-%s%s.nl", dir,
		 (unsigned long long)netns, proto_name(d->proto),
		 d->family == AF_INET ? "4" : d->family == AF_INET6 ? "6" : "");
}

/* The parser and the request of one dump. */
static mnl_cb_t parser_for(const struct dump_spec *d)
{
	switch (d->family) {
	case AF_UNIX: return diag_unix_parse;
	case AF_PACKET: return diag_packet_parse;
	case AF_NETLINK: return diag_netlink_parse;
	case AF_VSOCK: return diag_vsock_parse;
	}
	return diag_inet_parse;
}

static struct nlmsghdr *request_for(char *req, const struct dump_spec *d)
{
	switch (d->family) {
	case AF_UNIX: return diag_unix_request(req);
	case AF_PACKET: return diag_packet_request(req);
	case AF_NETLINK: return diag_netlink_request(req);
	case AF_VSOCK: return diag_vsock_request(req);
	}
	return diag_inet_request(req, d->family, d->proto, 0);
}

static int open_record(const char *dir, uint64_t netns,
		       const struct dump_spec *d)
{
	char path[4096];

	if (!dir)
		return -1;
	record_path(path, sizeof(path), dir, netns, d);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static int dump_one(struct mnl_socket *nl, uint64_t netns,
		    const struct dump_spec *d, const struct diag_opts *o,
		    struct skc_host *h, struct skc_err *err)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct diag_ctx ctx = { .t = &h->socks, .netns = netns, .proto = (uint8_t)d->proto };
	size_t mark = h->socks.n;
	mnl_cb_t cb = parser_for(d);
	int tries, ret = -EINTR;

	if (o->replay_dir) {
		record_path(req, sizeof(req), o->replay_dir, netns, d);
		ret = replay_dump(req, cb, &ctx, err);
		goto out;
	}
	for (tries = 0; tries < DUMP_RETRIES && ret == -EINTR; tries++) {
		struct nlmsghdr *nlh;
		int rec = open_record(o->record_dir, netns, d);

		socktab_truncate(&h->socks, mark);
		ctx.bad = 0;
		nlh = request_for(req, d);
		ret = nl_dump(nl, nlh, cb, &ctx, rec, err);
		if (rec >= 0)
			close(rec);
	}
	if (ret == -EINTR)
		err_set(err, ret, "dump interrupted %d times in a row", DUMP_RETRIES);
out:
	if (ret == 0 && d->family == AF_NETLINK)
		diag_netlink_dedup(&h->socks, mark);
	if (ctx.bad)
		host_warn(h, "%u malformed %s messages skipped", ctx.bad,
			  proto_name(d->proto));
	return ret;
}

/* A kernel without raw_diag: read /proc/net/raw (raw6) instead. */
static int raw_fallback(uint64_t netns, const struct dump_spec *d,
			const struct diag_opts *o, struct skc_host *h,
			struct skc_err *err)
{
	unsigned bad = 0;
	size_t mark = h->socks.n;
	int ret;

	if (o->replay_dir)
		return -ENOENT;	/* a replay has what was recorded, no more */
	ret = diag_raw_procfs(o->proc_root ? o->proc_root : "/proc",
			      d->family, netns, &h->socks, &bad);
	if (ret < 0) {
		socktab_truncate(&h->socks, mark);
		return err_set(err, ret, "no raw_diag, and /proc/net/raw%s: %s",
			       d->family == AF_INET6 ? "6" : "", strerror(-ret));
	}
	if (bad)
		host_warn(h, "%u malformed lines of /proc/net/raw%s skipped", bad,
			  d->family == AF_INET6 ? "6" : "");
	h->family_src[SKC_RAW] = "procfs";
	return 0;
}

/* No sock_diag handler for this family (not built, module not
 * loaded), or no IPv6 / UDP-Lite: not a failure, and said in -J. */
static bool not_offered(int ret)
{
	return ret == -ENOENT || ret == -EAFNOSUPPORT || ret == -EPROTONOSUPPORT ||
	       ret == -EOPNOTSUPP;
}

static void mark_incomplete(struct skc_host *h, uint64_t netns)
{
	long k = netns_find(&h->nets, netns);

	if (k >= 0)
		h->nets.v[k].state = SKC_NS_INCOMPLETE;
	else
		host_set_partial(h, SKC_PARTIAL_DUMP);	/* a model without namespaces */
}

bool diag_known_empty(int family, unsigned proto, const struct skc_sockstat *ss)
{
	bool v6 = family == AF_INET6;

	if (!ss || !ss->valid || (v6 && !ss->valid6))
		return false;
	if (proto == SKC_TCP)
		return (v6 ? ss->tcp6_inuse : ss->tcp_inuse) == 0;
	if (proto == SKC_UDP)
		return (v6 ? ss->udp6_inuse : ss->udp_inuse) == 0;
	return false;
}

int diag_collect(struct mnl_socket *nl, uint64_t netns,
		 const struct diag_opts *o, struct skc_host *h,
		 struct skc_err *err)
{
	size_t i;
	int ok = 0, first_err = 0;

	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		const struct dump_spec *d = &dumps[i];
		int ret;

		if (!(o->protos & SKC_PROTO_BIT(d->proto)))
			continue;
		if (diag_known_empty(d->family, d->proto, o->counts)) {
			h->family_src[d->proto] = "sock_diag";
			ok++;
			continue;
		}
		ret = dump_one(nl, netns, d, o, h, err);
		if (ret == -ENOENT && d->proto == SKC_RAW)
			ret = raw_fallback(netns, d, o, h, err);
		else if (ret == 0)
			h->family_src[d->proto] = "sock_diag";
		if (ret == 0) {
			ok++;
			continue;
		}
		if (not_offered(ret)) {
			if (!h->family_src[d->proto])
				h->family_src[d->proto] = "unavailable";
			continue;
		}
		mark_incomplete(h, netns);
		host_warn(h, "netns %llu: %s%s dump failed: %s",
			  (unsigned long long)netns, proto_name(d->proto),
			  d->family == AF_INET6 ? "6" : "", err->msg);
		if (!first_err)
			first_err = ret;
	}
	return ok || !first_err ? 0 : first_err;
}

int diag_tcp_held(struct mnl_socket *nl, uint64_t netns,
		  struct skc_socktab *t, struct skc_err *err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char req[MNL_SOCKET_BUFFER_SIZE];
	size_t i;
	int ret = 0;

	for (i = 0; i < 2 && ret >= 0; i++) {
		struct diag_ctx ctx = { .t = t, .netns = netns, .proto = SKC_TCP };
		struct nlmsghdr *nlh = diag_inet_request(req, families[i], SKC_TCP,
							 DIAG_TCP_HELD_STATES);

		ret = nl_dump(nl, nlh, diag_inet_parse, &ctx, -1, err);
	}
	return ret;
}
