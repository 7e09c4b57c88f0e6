/* sock_diag collection: requests, message parsers and the per-namespace
 * dump driver.  Parsers are exported for the unit tests, which feed them
 * dumps recorded from a real kernel. */
#ifndef SKC_DIAG_H
#define SKC_DIAG_H

#include <libmnl/libmnl.h>

#include "model.h"
#include "nlsock.h"
#include "util.h"

struct diag_ctx {
	struct skc_socktab *t;
	uint64_t netns;
	uint8_t proto;		/* enum skc_proto, for inet dumps */
	unsigned bad;		/* malformed messages skipped */
};

/* One attribute table: tb[type] for every type up to max, each
 * validated against min[type], the fewest payload bytes the parser
 * reads (0: any).  DIAG_ATTRS sizes it from the arrays and refuses to
 * compile when tb and min differ in length. */
struct diag_attrs {
	const struct nlattr **tb;
	const unsigned short *min;
	unsigned max;
};
#define DIAG_ATTRS(tb_, min_)						\
	(&(struct diag_attrs){ (tb_), (min_),				\
		ARRAY_SIZE(min_) - 1 +					\
		0 * sizeof(char[ARRAY_SIZE(tb_) == ARRAY_SIZE(min_) ? 1 : -1]) })

/* The one attribute callback of every sock_diag parser: parse the
 * attributes after a hdrlen-byte header into a->tb.  Types above max
 * (newer kernels) are ignored; an attribute shorter than its minimum is
 * treated as absent.  Returns 0, or -1 when the attributes are
 * malformed. */
int diag_parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
		     const struct diag_attrs *a);
/* The fixed header (hdrlen bytes) of a sock_diag reply whose family
 * (the first byte of every *_diag_msg) is family or family2, with its
 * attributes parsed into a (NULL: none are read).  NULL, counted in
 * ctx->bad, for a message that is none of that. */
const void *diag_msg(const struct nlmsghdr *nlh, size_t hdrlen, int family,
		     int family2, const struct diag_attrs *a, struct diag_ctx *ctx);
/* The same for the attributes nested in nest. */
int diag_parse_nested(const struct nlattr *nest, const struct diag_attrs *a);

/* SK_MEMINFO (inet and unix alike): copy what fits into s->skmem, which
 * is zeroed beyond what an older kernel sends. */
void diag_read_skmem(struct skc_sock *s, const struct nlattr *attr);

int diag_inet_parse(const struct nlmsghdr *nlh, void *data);
int diag_unix_parse(const struct nlmsghdr *nlh, void *data);
int diag_packet_parse(const struct nlmsghdr *nlh, void *data);
int diag_netlink_parse(const struct nlmsghdr *nlh, void *data);
int diag_vsock_parse(const struct nlmsghdr *nlh, void *data);
/* The netlink dump lists a socket bound to multicast groups twice (once
 * from the port hash, once from the group list: __netlink_diag_dump on
 * 6.18): keep one entry per cookie among t->v[from..]. */
void diag_netlink_dedup(struct skc_socktab *t, size_t from);



/* One line of /proc/net/raw (family AF_INET) or raw6 into t.
 * 0 or -EINVAL (malformed: nothing added).  Exposed for tests. */
int diag_raw_parse_line(const char *line, int family, uint64_t netns,
			struct skc_socktab *t);
/* Every raw socket of the current namespace from
 * proc_root/thread-self/net/raw or raw6 (for kernels without
 * raw_diag); malformed lines are counted in *bad.  0 or -errno. */
int diag_raw_procfs(const char *proc_root, int family, uint64_t netns,
		    struct skc_socktab *t, unsigned *bad);

/* Build a dump request into buf (at least MNL_SOCKET_BUFFER_SIZE);
 * states 0 means the default state mask. */
struct nlmsghdr *diag_inet_request(char *buf, int family, unsigned proto,
				   uint32_t states);
struct nlmsghdr *diag_unix_request(char *buf);
struct nlmsghdr *diag_packet_request(char *buf);
struct nlmsghdr *diag_netlink_request(char *buf);
struct nlmsghdr *diag_vsock_request(char *buf);

struct diag_opts {
	unsigned protos;	/* SKC_PROTO_BIT mask */
	const char *record_dir;	/* test hook: save raw dumps here */
	const char *replay_dir;	/* test hook: read dumps from here, not nl */
	const char *proc_root;	/* for /proc/net/raw without raw_diag */
	/* the namespace's /proc/net/sockstat{,6}, or NULL: TCP and UDP
	 * families it counts no socket of are not dumped (diag_known_empty) */
	const struct skc_sockstat *counts;
};

/* Can the dump of proto (SKC_TCP, SKC_UDP) in family (AF_INET,
 * AF_INET6) find nothing, by the namespace's sockstat counts?  Every
 * such dump walks the kernel's TCP or UDP hash table, which all
 * namespaces share, so a namespace's dump costs as much as the host's
 * sockets, however few it holds.  TCP: "inuse" counts the sockets in
 * the listening and established hashes (sock_prot_inuse_add in
 * inet_hash and inet_ehash_nolisten, also for SYN-SENT and orphans;
 * request sockets need a listener; TIME-WAIT ones are not dumped);
 * UDP: "inuse" counts the bound ones (udp_lib_get_port), the only
 * ones in the table.  false when unsure. */
bool diag_known_empty(int family, unsigned proto, const struct skc_sockstat *ss);

/* Dump every selected protocol through nl (unused with a replay_dir)
 * into h->socks, tagging each
 * socket with netns.  Interrupted dumps are retried; a dump that keeps
 * failing marks the host partial and adds a warning.  A family the
 * kernel has no sock_diag handler for (ENOENT) is skipped quietly (raw
 * falls back to /proc/net/raw); h->family_src says what served each.
 * Returns 0, or -errno when not even one dump worked (err set). */
int diag_collect(struct mnl_socket *nl, uint64_t netns,
		 const struct diag_opts *o, struct skc_host *h,
		 struct skc_err *err);

/* TIME-WAIT and SYN-RECV request sockets hold no queue or memory worth
 * reporting and can number hundreds of thousands on a busy server.
 * TCP_BOUND_INACTIVE is not asked for in the regular dumps: the kernel
 * serves it by walking the whole bind hash, once per dump and
 * namespace; collect.c asks for it only when a leak candidate needs it
 * (diag_tcp_held). */
#define DIAG_ALL_STATES 0xfffu	/* every state up to TCP_CLOSING (11) */
#define DIAG_INET_STATES (DIAG_ALL_STATES & ~(SKC_STATE_BIT(SKC_ST_TIME_WAIT) | \
					      SKC_STATE_BIT(SKC_ST_NEW_SYN_RECV)))
#define DIAG_TCP_HELD_STATES (DIAG_INET_STATES | SKC_STATE_BIT(SKC_ST_BOUND_INACTIVE))

/* Every TCP socket a file descriptor can hold, v4 and v6, into t: all
 * states but TIME-WAIT and SYN-RECV request sockets (no inode), and
 * those bound but neither listening nor connected (TCP_BOUND_INACTIVE,
 * Linux 6.5+; older kernels return none).  The leak check's second
 * look (collect.c): one dump walks the listening, bind and established
 * hashes.  0 or -errno. */
int diag_tcp_held(struct mnl_socket *nl, uint64_t netns,
		  struct skc_socktab *t, struct skc_err *err);

#endif
