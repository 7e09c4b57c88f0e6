/* Unit tests for the sock_diag parsers, fed with dumps recorded from a real
 * kernel (tests/data/README says how and what the known values are), and
 * with damaged copies of those messages built here. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include "diag.h"
#include "fixture.h"
#include "format.h"
#include "join.h"
#include "judge.h"
#include "options.h"
#include "sample.h"
#include "socktab.h"

/* kernel TCP_SYN_SENT (the others come with fixture.h) */
enum { ST_SYN_SENT = 2 };

/* tests/data/README: the recordings were made in this namespace */
#define REC_NETNS 4026532177ULL

#define NLH_LEN ((size_t)MNL_NLMSG_HDRLEN)
#define INET_HDR sizeof(struct inet_diag_msg)
#define UNIX_HDR sizeof(struct unix_diag_msg)
#define SKMEM_MIN (sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1))
#define TCPI_MIN (offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(uint64_t))

struct rec {
	char *buf;
	size_t len;
};

struct recs {
	struct rec tcp4, tcp6, udp4, unx;
};

static const char *datadir(void)
{
	const char *d = getenv("TESTS_DATADIR");

	return d && *d ? d : "tests/data";
}

/* The buffer is exactly the file's size, so ASan sees any over-read. */
static int load(const char *name, struct rec *r)
{
	char path[4096];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", datadir(), name);
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size <= 0) {
		fprintf(stderr, "cannot read %s: %s (set TESTS_DATADIR)\n", path,
			strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	r->len = (size_t)st.st_size;
	r->buf = malloc(r->len);
	if (!r->buf || fread(r->buf, 1, r->len, f) != r->len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int setup_recs(void **state)
{
	struct recs *R = calloc(1, sizeof(*R));

	if (!R || load("tcp4.nl", &R->tcp4) || load("tcp6.nl", &R->tcp6) ||
	    load("udp4.nl", &R->udp4) || load("unix.nl", &R->unx))
		return -1;
	*state = R;
	return 0;
}

static int teardown_recs(void **state)
{
	struct recs *R = *state;

	if (R) {
		free(R->tcp4.buf);
		free(R->tcp6.buf);
		free(R->udp4.buf);
		free(R->unx.buf);
		free(R);
	}
	return 0;
}

/* Run a buffer through libmnl as nl_dump does, minus seq/portid checks. */
static int run(const void *buf, size_t len, mnl_cb_t cb, struct diag_ctx *ctx)
{
	return mnl_cb_run(buf, len, 0, 0, cb, ctx);
}

static void ctx_init(struct diag_ctx *ctx, struct skc_socktab *t, uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	memset(ctx, 0, sizeof(*ctx));
	ctx->t = t;
	ctx->netns = REC_NETNS;
	ctx->proto = proto;
}

static const struct skc_sock *by_inode(const struct skc_socktab *t, uint64_t ino)
{
	const struct skc_sock *found = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].inode != ino)
			continue;
		if (found)
			fail_msg("inode %llu twice", (unsigned long long)ino);
		found = &t->v[i];
	}
	if (!found)
		fail_msg("inode %llu not parsed", (unsigned long long)ino);
	return found;
}

/* Pending children have no inode yet: find them by peer port. */
static const struct skc_sock *child_by_peer(const struct skc_socktab *t,
					    uint16_t peer_port)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!t->v[i].inode && t->v[i].peer.port == peer_port)
			return &t->v[i];
	fail_msg("no pending child with peer port %u", peer_port);
	return NULL;
}

/* i-th message of a recording */
static const struct nlmsghdr *nth_msg(const struct rec *r, int n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)r->buf;
	int len = (int)r->len;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		if (n-- == 0)
			return nlh;
	fail_msg("recording has too few messages");
	return NULL;
}

static size_t count_msgs(const char *buf, size_t blen, size_t *complete_bytes)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int len = (int)blen;
	size_t n = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
			n++;
	if (complete_bytes)
		*complete_bytes = blen - (size_t)(len > 0 ? len : 0);
	return n;
}

struct inet_expect {
	uint64_t inode;		/* 0: pending child, found by peer port */
	uint8_t state;
	uint16_t lport, pport;
	uint32_t rq, wq;
	uint32_t skmem[SK_MEMINFO_VARS];
	uint64_t bytes_received, bytes_acked;
};

static void check_inet(const struct skc_socktab *t, const struct inet_expect *e,
		       int family, uint8_t proto)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t zero[16];
	const struct skc_sock *s = e->inode ? by_inode(t, e->inode)
					    : child_by_peer(t, e->pport);
	size_t alen = family == AF_INET ? 4 : 16;
	const uint8_t *lo = family == AF_INET ? lo4 : lo6;
	int k;

	assert_int_equal(s->proto, proto);
	assert_int_equal(s->family, family);
	assert_int_equal(s->type, proto == SKC_TCP ? SOCK_STREAM : SOCK_DGRAM);
	assert_int_equal(s->state, e->state);
	assert_int_equal(s->netns, REC_NETNS);
	assert_int_equal(s->uid, 0);
	assert_int_not_equal(s->cookie, 0);
	assert_int_equal(s->rqueue, e->rq);
	assert_int_equal(s->wqueue, e->wq);
	assert_int_equal(s->local.port, e->lport);
	assert_int_equal(s->peer.port, e->pport);
	assert_memory_equal(s->local.addr, lo, alen);
	assert_memory_equal(s->peer.addr, e->pport ? lo : zero, alen);
	assert_int_equal(s->ifindex, 0);
	assert_true(s->has_skmem);
	for (k = 0; k < SK_MEMINFO_VARS; k++) {
		if (s->skmem[k] != e->skmem[k])
			fail_msg("inode %llu skmem[%d]: %u, expected %u",
				 (unsigned long long)e->inode, k, s->skmem[k],
				 e->skmem[k]);
	}
	/* the root cgroup's id */
	assert_true(s->has_cgroup);
	assert_int_equal(s->cgroup_id, 1);
	assert_int_equal(s->has_tcpi, proto == SKC_TCP);
	assert_int_equal(s->bytes_received, e->bytes_received);
	assert_int_equal(s->bytes_acked, e->bytes_acked);
	assert_int_equal(s->listener, -1);
}

/* skmem order: rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc,
 * wmem_queued, optmem, backlog, drops */
static const struct inet_expect tcp4_expect[] = {
	/* tcp.rx / tcp.tx: a loopback pair, 100000 and 3000 bytes unread */
	{ 14692, ST_ESTABLISHED, 56491, 51910, 100000, 0,
	  { 101664, 924288, 0, 924288, 736, 0, 0, 0, 0 }, 100000, 3000 },
	{ 14691, ST_ESTABLISHED, 51910, 56491, 3000, 0,
	  { 3832, 924288, 0, 924288, 264, 0, 0, 0, 0 }, 3000, 100001 },
	/* listen=1,4,500: backlog 1 holds 2, 8 handshakes dropped */
	{ 14708, ST_LISTEN, 54145, 0, 2, 1,
	  { 0, 131072, 0, 16384, 0, 0, 0, 0, 8 }, 0, 0 },
	{ 0, ST_ESTABLISHED, 54145, 44468, 500, 0,
	  { 1332, 131072, 0, 3939840, 2764, 0, 0, 0, 0 }, 500, 0 },
	{ 0, ST_ESTABLISHED, 54145, 44472, 500, 0,
	  { 1332, 131072, 0, 3939840, 2764, 0, 0, 0, 0 }, 500, 0 },
	{ 14709, ST_ESTABLISHED, 44468, 54145, 0, 0,
	  { 0, 131072, 0, 3939840, 0, 0, 0, 0, 0 }, 0, 501 },
	{ 14710, ST_ESTABLISHED, 44472, 54145, 0, 0,
	  { 0, 131072, 0, 3939840, 0, 0, 0, 0, 0 }, 0, 501 },
	{ 14711, ST_SYN_SENT, 44478, 54145, 0, 1,
	  { 0, 131072, 0, 16384, 3264, 832, 0, 0, 0 }, 0, 0 },
	{ 14712, ST_SYN_SENT, 44488, 54145, 0, 1,
	  { 0, 131072, 0, 16384, 3264, 832, 0, 0, 0 }, 0, 0 },
};

static const struct inet_expect tcp6_expect[] = {
	{ 14695, ST_ESTABLISHED, 60891, 53028, 20000, 0,
	  { 20832, 604288, 0, 604288, 3744, 0, 0, 0, 0 }, 20000, 700 },
	{ 14694, ST_ESTABLISHED, 53028, 60891, 700, 0,
	  { 1532, 604288, 0, 604288, 2564, 0, 0, 0, 0 }, 700, 20001 },
};

static const struct inet_expect udp4_expect[] = {
	/* udp=10,1000: all queued; udp=20,1000,4096: 3 queued, 17 dropped */
	{ 14696, ST_CLOSE, 38890, 0, 23040, 0,
	  { 23040, 212992, 0, 212992, 1536, 0, 0, 0, 0 }, 0, 0 },
	{ 14698, ST_CLOSE, 41187, 0, 6912, 0,
	  { 6912, 8192, 0, 212992, 1280, 0, 0, 0, 17 }, 0, 0 },
	{ 14697, ST_ESTABLISHED, 36996, 38890, 0, 0,
	  { 0, 212992, 0, 212992, 0, 0, 0, 0, 0 }, 0, 0 },
	{ 14699, ST_ESTABLISHED, 33340, 41187, 0, 0,
	  { 0, 212992, 0, 212992, 0, 0, 0, 0, 0 }, 0, 0 },
};

static void check_recording(const struct rec *r, const struct inet_expect *e,
			    size_t ne, int family, uint8_t proto)
{
	struct skc_socktab t;
	struct diag_ctx ctx;
	size_t i;

	ctx_init(&ctx, &t, proto);
	assert_int_equal(run(r->buf, r->len, diag_inet_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(ctx.bad, 0);
	assert_int_equal(t.n, ne);
	for (i = 0; i < ne; i++)
		check_inet(&t, &e[i], family, proto);
	socktab_free(&t);
}

static void test_tcp4(void **state)
{
	const struct recs *R = *state;

	check_recording(&R->tcp4, tcp4_expect, sizeof(tcp4_expect) / sizeof(tcp4_expect[0]),
			AF_INET, SKC_TCP);
}

static void test_tcp6(void **state)
{
	const struct recs *R = *state;

	check_recording(&R->tcp6, tcp6_expect, sizeof(tcp6_expect) / sizeof(tcp6_expect[0]),
			AF_INET6, SKC_TCP);
}

static void test_udp4(void **state)
{
	const struct recs *R = *state;

	check_recording(&R->udp4, udp4_expect, sizeof(udp4_expect) / sizeof(udp4_expect[0]),
			AF_INET, SKC_UDP);
}

struct unix_expect {
	uint64_t inode, peer;
	uint8_t type;
	uint32_t rq, wq;
	uint32_t wmem_alloc, sndbuf;
};

static const struct unix_expect unix_expect[] = {
	/* unix-stream=5000,/tmp/skc-test.sock: accepted end rx, client tx */
	{ 14702, 14701, SOCK_STREAM, 5000, 0, 0, 212992 },
	{ 14701, 14702, SOCK_STREAM, 0, 6400, 6400, 544288 },
	/* unix-stream=10,@skc-abstract */
	{ 14705, 14704, SOCK_STREAM, 10, 0, 0, 212992 },
	{ 14704, 14705, SOCK_STREAM, 0, 768, 768, 524328 },
	/* unix-dgram=3,700: RQLEN of a dgram socket is the first datagram */
	{ 14707, 14706, SOCK_DGRAM, 700, 0, 0, 212992 },
	{ 14706, 14707, SOCK_DGRAM, 0, 3840, 3840, 534632 },
};

static void parse_unix(const struct rec *r, struct skc_socktab *t)
{
	struct diag_ctx ctx;

	ctx_init(&ctx, t, SKC_UNIX);
	assert_int_equal(run(r->buf, r->len, diag_unix_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(ctx.bad, 0);
}

static void test_unix(void **state)
{
	const struct recs *R = *state;
	struct skc_socktab t;
	size_t i;

	parse_unix(&R->unx, &t);
	assert_int_equal(t.n, sizeof(unix_expect) / sizeof(unix_expect[0]));
	for (i = 0; i < t.n; i++) {
		const struct unix_expect *e = &unix_expect[i];
		const struct skc_sock *s = by_inode(&t, e->inode);

		assert_int_equal(s->proto, SKC_UNIX);
		assert_int_equal(s->family, AF_UNIX);
		assert_int_equal(s->type, e->type);
		assert_int_equal(s->state, ST_ESTABLISHED);
		assert_int_equal(s->netns, REC_NETNS);
		assert_int_equal(s->unix_peer, e->peer);
		assert_int_equal(s->rqueue, e->rq);
		assert_int_equal(s->wqueue, e->wq);
		assert_int_not_equal(s->cookie, 0);
		assert_true(s->has_skmem);
		/* UNIX data is charged to the sender: rmem_alloc stays 0 */
		assert_int_equal(s->skmem[SK_MEMINFO_RMEM_ALLOC], 0);
		assert_int_equal(s->skmem[SK_MEMINFO_RCVBUF], 212992);
		assert_int_equal(s->skmem[SK_MEMINFO_WMEM_ALLOC], e->wmem_alloc);
		assert_int_equal(s->skmem[SK_MEMINFO_SNDBUF], e->sndbuf);
		assert_int_equal(s->skmem[SK_MEMINFO_DROPS], 0);
		assert_false(s->has_tcpi);
	}
	/* only the accepted ends carry a name (unix_stream_connect copies it) */
	assert_null(by_inode(&t, 14701)->unix_path);
	assert_null(by_inode(&t, 14704)->unix_path);
	assert_int_equal(by_inode(&t, 14705)->unix_path_len, 13);
	assert_memory_equal(by_inode(&t, 14705)->unix_path, "\0skc-abstract", 13);
	/* the kernel's UNIX_DIAG_NAME has 19 bytes, the terminating NUL
	 * that bind() passed included: it is not part of the name */
	assert_int_equal(by_inode(&t, 14702)->unix_path_len, 18);
	assert_memory_equal(by_inode(&t, 14702)->unix_path, "/tmp/skc-test.sock", 19);
	socktab_free(&t);
}

/* What a user sees for the recorded names. */
static void test_unix_names_formatted(void **state)
{
	const struct recs *R = *state;
	struct skc_socktab t;
	char abstract[FMT_ADDR_MAX], unnamed[FMT_ADDR_MAX], peer[FMT_ADDR_MAX];
	char path[FMT_ADDR_MAX];

	parse_unix(&R->unx, &t);
	format_local(abstract, sizeof(abstract), by_inode(&t, 14705));
	format_local(unnamed, sizeof(unnamed), by_inode(&t, 14701));
	format_peer(peer, sizeof(peer), by_inode(&t, 14701));
	format_local(path, sizeof(path), by_inode(&t, 14702));
	socktab_free(&t);
	assert_string_equal(abstract, "@skc-abstract");
	assert_string_equal(unnamed, "*");
	assert_string_equal(peer, "peer:14702");
	/* ss prints "/tmp/skc-test.sock": the terminating NUL that the
	 * kernel includes in UNIX_DIAG_NAME is not part of the name */
	assert_string_equal(path, "/tmp/skc-test.sock");
}

/* Every prefix of a recording, as if a read had stopped there: whole
 * messages are parsed, the cut one is never seen, nothing is over-read. */
static void sweep_prefixes(const struct rec *r, mnl_cb_t cb, uint8_t proto)
{
	size_t cut;

	for (cut = 0; cut <= r->len; cut++) {
		char *b = malloc(cut ? cut : 1);
		struct skc_socktab t;
		struct diag_ctx ctx;
		size_t whole;
		int ret;

		memcpy(b, r->buf, cut);
		ctx_init(&ctx, &t, proto);
		ret = run(b, cut, cb, &ctx);
		assert_int_equal(t.n, count_msgs(b, cut, &whole));
		assert_int_equal(ctx.bad, 0);
		assert_int_equal(ret, cut == r->len ? MNL_CB_STOP : MNL_CB_OK);
		socktab_free(&t);
		free(b);
	}
}

static void test_truncated_buffers(void **state)
{
	const struct recs *R = *state;

	sweep_prefixes(&R->tcp4, diag_inet_parse, SKC_TCP);
	sweep_prefixes(&R->tcp6, diag_inet_parse, SKC_TCP);
	sweep_prefixes(&R->udp4, diag_inet_parse, SKC_UDP);
	sweep_prefixes(&R->unx, diag_unix_parse, SKC_UNIX);
}

/* Copy one message with nlmsg_len shrunk to len; the buffer holds the
 * message and its alignment padding only (netlink pads every message). */
static char *shrunk_copy(const struct nlmsghdr *src, size_t len, size_t *blen)
{
	char *b;

	*blen = MNL_ALIGN(len);
	b = calloc(1, *blen);
	assert_non_null(b);
	memcpy(b, src, len);
	((struct nlmsghdr *)b)->nlmsg_len = (uint32_t)len;
	return b;
}

/* nlmsg_len below the fixed header is malformed and counted; inside the
 * attributes the message still parses, without the attributes that no
 * longer fit. */
static void sweep_shrink(const struct nlmsghdr *src, mnl_cb_t cb, uint8_t proto,
			 size_t hdr)
{
	size_t len;

	for (len = NLH_LEN; len <= src->nlmsg_len; len++) {
		struct skc_socktab t;
		struct diag_ctx ctx;
		size_t blen;
		char *b = shrunk_copy(src, len, &blen);

		ctx_init(&ctx, &t, proto);
		assert_int_equal(run(b, blen, cb, &ctx), MNL_CB_OK);
		if (len < NLH_LEN + hdr) {
			assert_int_equal(ctx.bad, 1);
			assert_int_equal(t.n, 0);
		} else {
			assert_int_equal(ctx.bad, 0);
			assert_int_equal(t.n, 1);
		}
		if (len == NLH_LEN + hdr) {
			assert_false(t.v[0].has_skmem);
			assert_false(t.v[0].has_tcpi);
			assert_false(t.v[0].has_cgroup);
			if (t.v[0].family == AF_UNIX)	/* the path's storage is the endpoints' */
				assert_null(t.v[0].unix_path);
		}
		socktab_free(&t);
		free(b);
	}
}

static void test_truncated_messages(void **state)
{
	const struct recs *R = *state;
	int i;

	for (i = 0; i < 9; i++)
		sweep_shrink(nth_msg(&R->tcp4, i), diag_inet_parse, SKC_TCP, INET_HDR);
	sweep_shrink(nth_msg(&R->tcp6, 0), diag_inet_parse, SKC_TCP, INET_HDR);
	sweep_shrink(nth_msg(&R->udp4, 1), diag_inet_parse, SKC_UDP, INET_HDR);
	for (i = 0; i < 6; i++)
		sweep_shrink(nth_msg(&R->unx, i), diag_unix_parse, SKC_UNIX, UNIX_HDR);
}

/* Rebuild a recorded message: header and diag struct copied, attribute
 * `type` resized to newlen bytes (zero-extended; -1 drops it), every other
 * attribute copied, then one extra attribute appended if extra_len >= 0. */
struct edit {
	int type;
	long newlen;
	int extra_type;
	long extra_len;
	const void *extra;
};

static char *rebuild(const struct nlmsghdr *src, size_t hdr, const struct edit *ed,
		     size_t *blen)
{
	static uint8_t zeros[1024];
	char *tmp = calloc(1, 16384), *out;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tmp);
	const struct nlattr *attr;

	assert_non_null(tmp);
	nlh->nlmsg_type = src->nlmsg_type;
	nlh->nlmsg_flags = src->nlmsg_flags;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdr), mnl_nlmsg_get_payload(src), hdr);
	mnl_attr_for_each(attr, src, hdr) {
		uint16_t type = mnl_attr_get_type(attr);
		size_t plen = mnl_attr_get_payload_len(attr);

		if (type == ed->type) {
			char *p;

			if (ed->newlen < 0)
				continue;
			p = calloc(1, (size_t)ed->newlen + 1);
			memcpy(p, mnl_attr_get_payload(attr),
			       plen < (size_t)ed->newlen ? plen : (size_t)ed->newlen);
			mnl_attr_put(nlh, type, (size_t)ed->newlen, p);
			free(p);
		} else {
			mnl_attr_put(nlh, type, plen, mnl_attr_get_payload(attr));
		}
	}
	if (ed->extra_len >= 0)
		mnl_attr_put(nlh, (uint16_t)ed->extra_type, (size_t)ed->extra_len,
			     ed->extra ? ed->extra : zeros);
	*blen = nlh->nlmsg_len;
	out = malloc(*blen);
	memcpy(out, tmp, *blen);
	free(tmp);
	return out;
}

/* Parse one rebuilt message; returns the table (one socket expected). */
static void parse_edited(const struct nlmsghdr *src, mnl_cb_t cb, uint8_t proto,
			 const struct edit *ed, struct skc_socktab *t,
			 unsigned expect_bad)
{
	struct diag_ctx ctx;
	size_t blen;
	char *b = rebuild(src, proto == SKC_UNIX ? UNIX_HDR : INET_HDR, ed, &blen);

	ctx_init(&ctx, t, proto);
	assert_int_equal(run(b, blen, cb, &ctx), MNL_CB_OK);
	assert_int_equal(ctx.bad, expect_bad);
	assert_int_equal(t->n, expect_bad ? 0 : 1);
	free(b);
}

#define EDIT(ty, len) (&(struct edit){ .type = (ty), .newlen = (len), .extra_len = -1 })
#define EXTRA(ty, len, p) (&(struct edit){ .type = -1, .extra_type = (ty), .extra_len = (len), .extra = (p) })

static void test_inet_attr_lengths(void **state)
{
	const struct recs *R = *state;
	/* tcp.rx: skmem rmem 101664, tcp_info bytes_received 100000 */
	const struct nlmsghdr *rx = nth_msg(&R->tcp4, 3);
	struct skc_socktab t;

	/* unchanged copy: the baseline the edits are compared with */
	parse_edited(rx, diag_inet_parse, SKC_TCP, EDIT(-1, 0), &t, 0);
	assert_int_equal(t.v[0].inode, 14692);
	assert_true(t.v[0].has_skmem && t.v[0].has_tcpi && t.v[0].has_cgroup);
	socktab_free(&t);

	/* SKMEMINFO: 4 bytes and one short of drops are absent, exact and
	 * longer (a newer kernel) are read */
	parse_edited(rx, diag_inet_parse, SKC_TCP, EDIT(INET_DIAG_SKMEMINFO, 4), &t, 0);
	assert_false(t.v[0].has_skmem);
	assert_int_equal(t.v[0].skmem[SK_MEMINFO_RMEM_ALLOC], 0);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_SKMEMINFO, (long)SKMEM_MIN - 1), &t, 0);
	assert_false(t.v[0].has_skmem);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_SKMEMINFO, (long)SKMEM_MIN), &t, 0);
	assert_true(t.v[0].has_skmem);
	assert_int_equal(t.v[0].skmem[SK_MEMINFO_RMEM_ALLOC], 101664);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_SKMEMINFO, (long)SKMEM_MIN + 64), &t, 0);
	assert_true(t.v[0].has_skmem);
	assert_int_equal(t.v[0].skmem[SK_MEMINFO_RCVBUF], 924288);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP, EDIT(INET_DIAG_SKMEMINFO, -1), &t, 0);
	assert_false(t.v[0].has_skmem);
	assert_true(t.v[0].has_tcpi);
	socktab_free(&t);

	/* INFO: shorter than the minimum is absent; shorter than
	 * tcpi_bytes_received is read but not trusted; longer is fine */
	parse_edited(rx, diag_inet_parse, SKC_TCP, EDIT(INET_DIAG_INFO, 7), &t, 0);
	assert_false(t.v[0].has_tcpi);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_INFO, (long)TCPI_MIN - 1), &t, 0);
	assert_false(t.v[0].has_tcpi);
	assert_int_equal(t.v[0].bytes_received, 0);
	assert_true(t.v[0].has_skmem);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_INFO, (long)TCPI_MIN), &t, 0);
	assert_true(t.v[0].has_tcpi);
	assert_int_equal(t.v[0].bytes_received, 100000);
	assert_int_equal(t.v[0].bytes_acked, 3000);
	socktab_free(&t);
	parse_edited(rx, diag_inet_parse, SKC_TCP,
		     EDIT(INET_DIAG_INFO, (long)sizeof(struct tcp_info) + 512), &t, 0);
	assert_true(t.v[0].has_tcpi);
	assert_int_equal(t.v[0].bytes_received, 100000);
	socktab_free(&t);

	/* CGROUP_ID: a u64 or nothing */
	parse_edited(rx, diag_inet_parse, SKC_TCP, EDIT(INET_DIAG_CGROUP_ID, 4), &t, 0);
	assert_false(t.v[0].has_cgroup);
	socktab_free(&t);
}

static void test_inet_unknown_attrs(void **state)
{
	const struct recs *R = *state;
	const struct nlmsghdr *rx = nth_msg(&R->tcp4, 3);
	static const uint8_t junk[64] = { 0xff, 0xff, 0xff, 0xff };
	struct skc_socktab t;
	int ty;

	/* above INET_DIAG_MAX (a newer kernel): ignored, any length */
	for (ty = INET_DIAG_MAX + 1; ty < INET_DIAG_MAX + 4; ty++) {
		parse_edited(rx, diag_inet_parse, SKC_TCP, EXTRA(ty, 0, NULL), &t, 0);
		assert_true(t.v[0].has_skmem && t.v[0].has_tcpi);
		socktab_free(&t);
		parse_edited(rx, diag_inet_parse, SKC_TCP, EXTRA(ty, 3, junk), &t, 0);
		assert_int_equal(t.v[0].skmem[SK_MEMINFO_RMEM_ALLOC], 101664);
		socktab_free(&t);
	}
	parse_edited(rx, diag_inet_parse, SKC_TCP, EXTRA(NLA_TYPE_MASK, 64, junk), &t, 0);
	assert_int_equal(t.v[0].rqueue, 100000);
	socktab_free(&t);

	/* tcp_info in a UDP dump is not TCP's: ignored */
	parse_edited(nth_msg(&R->udp4, 3), diag_inet_parse, SKC_UDP,
		     EXTRA(INET_DIAG_INFO, (long)sizeof(struct tcp_info), NULL), &t, 0);
	assert_false(t.v[0].has_tcpi);
	assert_int_equal(t.v[0].inode, 14696);
	socktab_free(&t);
}

static void test_inet_bad_headers(void **state)
{
	const struct recs *R = *state;
	struct skc_socktab t;
	struct diag_ctx ctx;
	size_t blen;
	char *b;

	/* not SOCK_DIAG_BY_FAMILY */
	b = rebuild(nth_msg(&R->tcp4, 3), INET_HDR, EDIT(-1, 0), &blen);
	((struct nlmsghdr *)b)->nlmsg_type = SOCK_DIAG_BY_FAMILY + 1;
	ctx_init(&ctx, &t, SKC_TCP);
	run(b, blen, diag_inet_parse, &ctx);
	assert_int_equal(ctx.bad, 1);
	assert_int_equal(t.n, 0);
	/* a UNIX family in an inet dump */
	((struct nlmsghdr *)b)->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	((struct inet_diag_msg *)mnl_nlmsg_get_payload((struct nlmsghdr *)b))->idiag_family = AF_UNIX;
	run(b, blen, diag_inet_parse, &ctx);
	assert_int_equal(ctx.bad, 2);
	assert_int_equal(t.n, 0);
	/* and an inet message handed to the UNIX parser */
	((struct inet_diag_msg *)mnl_nlmsg_get_payload((struct nlmsghdr *)b))->idiag_family = AF_INET;
	run(b, blen, diag_unix_parse, &ctx);
	assert_int_equal(ctx.bad, 3);
	assert_int_equal(t.n, 0);
	free(b);
	socktab_free(&t);
}

/* Append the first len bytes of m to a stream as a message of that length
 * (padded to alignment, as netlink does); returns the copy. */
static struct nlmsghdr *append(char *b, size_t *off, const struct nlmsghdr *m,
			       size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b + *off);

	memcpy(nlh, m, len);
	nlh->nlmsg_len = (uint32_t)len;
	*off += MNL_ALIGN(len);
	return nlh;
}

/* Good and bad messages in one stream: the good ones all arrive, each bad
 * one is counted, the dump still ends at NLMSG_DONE. */
static void test_mixed_stream(void **state)
{
	const struct recs *R = *state;
	const struct nlmsghdr *m0 = nth_msg(&R->udp4, 0), *m1 = nth_msg(&R->udp4, 1);
	const struct nlmsghdr *done = nth_msg(&R->udp4, 4);
	char *b = calloc(1, R->udp4.len * 2);
	struct nlmsghdr *nlh;
	struct skc_socktab t;
	struct diag_ctx ctx;
	size_t off = 0;

	assert_int_equal(done->nlmsg_type, NLMSG_DONE);
	append(b, &off, m0, m0->nlmsg_len);
	/* too short for inet_diag_msg */
	append(b, &off, m0, NLH_LEN + INET_HDR - 4);
	append(b, &off, m1, m1->nlmsg_len);
	/* no such family */
	nlh = append(b, &off, m1, m1->nlmsg_len);
	((struct inet_diag_msg *)mnl_nlmsg_get_payload(nlh))->idiag_family = 0;
	append(b, &off, done, done->nlmsg_len);

	ctx_init(&ctx, &t, SKC_UDP);
	assert_int_equal(run(b, off, diag_inet_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(ctx.bad, 2);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[0].inode, 14698);
	assert_int_equal(t.v[1].inode, 14699);
	socktab_free(&t);
	free(b);
}

static void test_unix_attr_lengths(void **state)
{
	const struct recs *R = *state;
	/* inode 14705: abstract name, peer 14704, 10 bytes queued */
	const struct nlmsghdr *m = nth_msg(&R->unx, 0);
	static const uint32_t uid = 1234;
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct skc_socktab t;

	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(-1, 0), &t, 0);
	assert_int_equal(t.v[0].inode, 14705);
	assert_int_equal(t.v[0].unix_peer, 14704);
	assert_int_equal(t.v[0].rqueue, 10);
	socktab_free(&t);

	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(UNIX_DIAG_PEER, 2), &t, 0);
	assert_int_equal(t.v[0].unix_peer, 0);
	socktab_free(&t);
	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(UNIX_DIAG_RQLEN, 4), &t, 0);
	assert_int_equal(t.v[0].rqueue, 0);
	assert_int_equal(t.v[0].wqueue, 0);
	socktab_free(&t);
	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(UNIX_DIAG_MEMINFO, 4), &t, 0);
	assert_false(t.v[0].has_skmem);
	socktab_free(&t);
	parse_edited(m, diag_unix_parse, SKC_UNIX,
		     EDIT(UNIX_DIAG_MEMINFO, (long)SKMEM_MIN + 40), &t, 0);
	assert_true(t.v[0].has_skmem);
	assert_int_equal(t.v[0].skmem[SK_MEMINFO_RCVBUF], 212992);
	socktab_free(&t);
	/* an empty name: a name of length 0, shown as unnamed */
	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(UNIX_DIAG_NAME, 0), &t, 0);
	assert_int_equal(t.v[0].unix_path_len, 0);
	{
		char buf[FMT_ADDR_MAX];

		format_local(buf, sizeof(buf), &t.v[0]);
		assert_string_equal(buf, "*");
	}
	socktab_free(&t);
	parse_edited(m, diag_unix_parse, SKC_UNIX, EDIT(UNIX_DIAG_UID, -1), &t, 0);
	assert_int_equal(t.v[0].uid, 0);
	socktab_free(&t);
	/* a UID attribute the kernel did not send here: 4 bytes read, 2 not */
	parse_edited(m, diag_unix_parse, SKC_UNIX, EXTRA(UNIX_DIAG_UID, 4, &uid), &t, 0);
	assert_int_equal(t.v[0].uid, 1234);
	socktab_free(&t);
	parse_edited(m, diag_unix_parse, SKC_UNIX, EXTRA(UNIX_DIAG_MAX + 1, 8, junk), &t, 0);
	assert_int_equal(t.v[0].unix_peer, 14704);
	assert_true(t.v[0].has_skmem);
	socktab_free(&t);
}

static void test_unix_bad_headers(void **state)
{
	const struct recs *R = *state;
	struct skc_socktab t;
	struct diag_ctx ctx;
	size_t blen;
	char *b = rebuild(nth_msg(&R->unx, 0), UNIX_HDR, EDIT(-1, 0), &blen);

	((struct unix_diag_msg *)mnl_nlmsg_get_payload((struct nlmsghdr *)b))->udiag_family = AF_INET;
	ctx_init(&ctx, &t, SKC_UNIX);
	run(b, blen, diag_unix_parse, &ctx);
	assert_int_equal(ctx.bad, 1);
	assert_int_equal(t.n, 0);
	free(b);
	socktab_free(&t);
}

/* parse_all + join + judge on the real recordings, with the helper as the
 * only process: the numbers skcheck printed for it (tests/data/README). */
static void test_pipeline_recorded(void **state)
{
	static const struct { int fd; uint64_t inode; } fds[] = {
		{ 3, 14696 }, { 4, 14691 }, { 5, 14692 }, { 6, 14694 },
		{ 7, 14695 }, { 8, 14697 }, { 9, 14698 }, { 11, 14699 },
		{ 12, 14706 }, { 13, 14701 }, { 14, 14702 }, { 15, 14704 },
		{ 16, 14705 }, { 17, 14707 }, { 18, 14708 }, { 19, 14709 },
		{ 20, 14710 }, { 21, 14711 }, { 22, 14712 },
	};
	const struct recs *R = *state;
	struct skc_host h;
	struct skc_opts o;
	struct diag_ctx ctx = { 0 };
	struct skc_proc *p;
	const struct skc_sock *l;
	size_t i;

	host_init(&h);
	ctx.t = &h.socks;
	ctx.netns = REC_NETNS;
	ctx.proto = SKC_TCP;
	assert_int_equal(run(R->tcp4.buf, R->tcp4.len, diag_inet_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(run(R->tcp6.buf, R->tcp6.len, diag_inet_parse, &ctx), MNL_CB_STOP);
	ctx.proto = SKC_UDP;
	assert_int_equal(run(R->udp4.buf, R->udp4.len, diag_inet_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(run(R->unx.buf, R->unx.len, diag_unix_parse, &ctx), MNL_CB_STOP);
	assert_int_equal(ctx.bad, 0);
	assert_int_equal(h.socks.n, 21);

	p = fx_proc(&h, 8586, "skh");
	p->netns = REC_NETNS;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		fx_fd(p, fds[i].fd, fds[i].inode);

	assert_int_equal(fx_parse(&o, "-a", NULL), -1);
	join_host(&h);
	sample_judge(&h, &o, NULL, 0);

	/* both pending children found their listener */
	l = by_inode(&h.socks, 14708);
	assert_int_equal(child_by_peer(&h.socks, 44468)->listener, l - h.socks.v);
	assert_int_equal(child_by_peer(&h.socks, 44472)->listener, l - h.socks.v);
	assert_int_equal(sock_rare(l)->pending_bytes, 1000);
	assert_int_equal(sock_rare(l)->accept_q, 2);
	assert_int_equal(sock_rare(l)->accept_max, 1);
	assert_int_equal(l->flags, SKC_F_ACCEPT_FULL | SKC_F_DROPS);

	assert_int_equal(p->unmatched, 0);
	assert_int_equal(p->fig.sockets, 19);
	assert_int_equal(p->fig.recv_q, 160362);
	assert_int_equal(p->fig.send_q, 11010);
	/* and the memory of the connections queued on its listener */
	assert_true(sock_rare(l)->pending_mem > 0);
	assert_int_equal(sock_rare(l)->pending_mem, sock_mem(child_by_peer(&h.socks, 44468)) +
					 sock_mem(child_by_peer(&h.socks, 44472)));
	assert_int_equal(p->fig.mem, 170484 + sock_rare(l)->pending_mem);
	assert_int_equal(p->fig.drops, 25);
	assert_int_equal(p->fig.accept_q, 2);
	assert_int_equal(p->fig.flags, SKC_F_ACCEPT_FULL | SKC_F_DROPS);
	assert_int_equal(h.nranked, 1);

	/* host: 21 sockets; the children's bytes counted once, as their own */
	assert_int_equal(h.total.sockets, 21);
	assert_int_equal(h.total.by_proto[SKC_TCP], 11);
	assert_int_equal(h.total.by_proto[SKC_UDP], 4);
	assert_int_equal(h.total.by_proto[SKC_UNIX], 6);
	assert_int_equal(h.total.recv_q, 160362);
	assert_int_equal(h.selected.recv_q, 160362);
	assert_int_equal(h.selected.sockets, 19);

	options_free(&o);
	host_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_udp4),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_unix_names_formatted),
		cmocka_unit_test(test_truncated_buffers),
		cmocka_unit_test(test_truncated_messages),
		cmocka_unit_test(test_inet_attr_lengths),
		cmocka_unit_test(test_inet_unknown_attrs),
		cmocka_unit_test(test_inet_bad_headers),
		cmocka_unit_test(test_mixed_stream),
		cmocka_unit_test(test_unix_attr_lengths),
		cmocka_unit_test(test_unix_bad_headers),
		cmocka_unit_test(test_pipeline_recorded),
	};

	return cmocka_run_group_tests(tests, setup_recs, teardown_recs);
}
