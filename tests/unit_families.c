/* Unit tests for the packet, netlink, MPTCP and /proc/net/raw parsers, fed
 * with dumps recorded from a real kernel (tests/data/README: "Families
 * beyond TCP, UDP and UNIX" says how, and the known values). */
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

#include "diag.h"
#include "format.h"
#include "mptcp.h"
#include "socktab.h"

#define REC_NETNS 4026532177ULL

struct rec {
	char *buf;
	size_t len;
};

static const char *datadir(void)
{
	const char *d = getenv("TESTS_DATADIR");

	return d && *d ? d : "tests/data";
}

/* The buffer is exactly the file's size, so ASan sees any over-read. */
static void load(const char *name, struct rec *r)
{
	char path[4096];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", datadir(), name);
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size <= 0)
		fail_msg("cannot read %s: %s (set TESTS_DATADIR)", path, strerror(errno));
	r->len = (size_t)st.st_size;
	r->buf = malloc(r->len);
	assert_non_null(r->buf);
	assert_int_equal(fread(r->buf, 1, r->len, f), r->len);
	fclose(f);
}

static void parse(const char *name, mnl_cb_t cb, uint8_t proto, struct skc_socktab *t)
{
	struct diag_ctx ctx;
	struct rec r;

	load(name, &r);
	memset(t, 0, sizeof(*t));
	memset(&ctx, 0, sizeof(ctx));
	ctx.t = t;
	ctx.netns = REC_NETNS;
	ctx.proto = proto;
	assert_int_equal(mnl_cb_run(r.buf, r.len, 0, 0, cb, &ctx), MNL_CB_STOP);
	assert_int_equal(ctx.bad, 0);
	free(r.buf);
}

static const struct skc_sock *by_inode(const struct skc_socktab *t, uint64_t ino,
				       unsigned *count)
{
	const struct skc_sock *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < t->n; i++)
		if (t->v[i].inode == ino) {
			found = &t->v[i];
			(*count)++;
		}
	return found;
}

/* packet=10,1000 packet=100,1000,8192: Recv-Q is rmem_alloc (as ss -0) */
static void test_packet(void **state)
{
	struct skc_socktab t;
	const struct skc_sock *s;
	char buf[FMT_ADDR_MAX];
	unsigned n;

	(void)state;
	parse("packet.nl", diag_packet_parse, SKC_PACKET, &t);
	assert_int_equal(t.n, 4);
	s = by_inode(&t, 7135162, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s->proto, SKC_PACKET);
	assert_int_equal(s->family, AF_PACKET);
	assert_int_equal(s->type, SOCK_DGRAM);
	assert_int_equal(sock_rare(s)->sproto, 0x88b5);
	assert_int_equal(s->ifindex, 1);
	assert_int_equal(s->rqueue, 23040);
	assert_true(s->has_skmem);
	assert_int_equal(s->skmem[SK_MEMINFO_RCVBUF], 212992);
	assert_int_equal(s->skmem[SK_MEMINFO_DROPS], 0);
	assert_int_equal(s->netns, REC_NETNS);
	assert_string_equal(format_netid(s), "p_dgr");
	format_local(buf, sizeof(buf), s);
	assert_string_equal(buf, "1:0x88b5");	/* no name resolved here */
	s = by_inode(&t, 7135649, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sock_rare(s)->sproto, 0x88b6);
	assert_int_equal(s->rqueue, 18432);
	assert_int_equal(s->skmem[SK_MEMINFO_RCVBUF], 16384);
	assert_int_equal(s->skmem[SK_MEMINFO_DROPS], 92);
	/* the unbound senders */
	s = by_inode(&t, 7135163, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sock_rare(s)->sproto, 0);
	assert_int_equal(s->ifindex, 0);
	socktab_free(&t);
}

/* netlink=10,1000 netlink=100,1000,8192: the kernel lists each group
 * member twice; dedup keeps one; skcheck's own dump socket and the
 * kernel's sock_diag one (4:0) are left out at parse time */
static void test_netlink(void **state)
{
	struct skc_socktab t;
	const struct skc_sock *s;
	char buf[FMT_ADDR_MAX];
	unsigned n;
	size_t i, raw;

	(void)state;
	parse("netlink.nl", diag_netlink_parse, SKC_NETLINK, &t);
	raw = t.n;
	s = by_inode(&t, 7135654, &n);
	assert_int_equal(n, 2);		/* as recorded: twice */
	diag_netlink_dedup(&t, 0);
	assert_int_equal(t.n, raw - 2);
	for (i = 0; i < t.n; i++) {
		/* sock_diag sockets (dumps being served) are left out */
		assert_int_not_equal(sock_rare(&t.v[i])->sproto, 4);
		if (i)
			assert_true(t.v[i].cookie != t.v[i - 1].cookie);
	}
	s = by_inode(&t, 7135654, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s->proto, SKC_NETLINK);
	assert_int_equal(sock_rare(s)->sproto, 2);		/* NETLINK_USERSOCK */
	assert_int_equal(sock_rare(s)->portid, 5861);
	assert_int_equal(s->rqueue, 23040);
	assert_int_equal(s->skmem[SK_MEMINFO_DROPS], 0);
	format_local(buf, sizeof(buf), s);
	assert_string_equal(buf, "usersock:5861");
	s = by_inode(&t, 7136344, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s->rqueue, 16128);
	assert_int_equal(s->skmem[SK_MEMINFO_RCVBUF], 16384);
	assert_int_equal(s->skmem[SK_MEMINFO_DROPS], 93);
	/* kernel sockets of the namespace: rtnl, xfrm, audit, fiblookup,
	 * nft, uevent, genl; the helper's 4 (not the two other monitors'
	 * sock_diag sockets, ports 5686 and 6099, tests/data/README) */
	assert_int_equal(t.n, 7 + 4);
	socktab_free(&t);
}

/* mptcp=100000: the MPTCP sockets, with their tokens */
static void test_mptcp(void **state)
{
	struct skc_socktab t;
	const struct skc_sock *s;
	unsigned n;

	(void)state;
	parse("mptcp4.nl", diag_inet_parse, SKC_MPTCP, &t);
	assert_int_equal(t.n, 3);
	s = by_inode(&t, 7136409, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s->proto, SKC_MPTCP);
	assert_int_equal(s->type, SOCK_STREAM);
	assert_int_equal(s->state, 1);
	assert_int_equal(s->rqueue, 102496);	/* rmem_alloc, as ss -M */
	assert_int_equal(s->wqueue, 0);		/* write_seq - snd_una */
	assert_int_not_equal(sock_rare(s)->mptcp_token, 0);
	assert_false(s->has_tcpi);	/* mptcp_info is not tcp_info */
	s = by_inode(&t, 7136405, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s->state, 10);
	assert_true(sock_is_listener(s));
	socktab_free(&t);
}

/* A subflow shares its MPTCP socket's inode; the index skips it. */
static void test_mptcp_link(void **state)
{
	struct skc_socktab t = { 0 };
	struct skc_sock *m, *sf, *other;

	(void)state;
	m = socktab_add(&t);
	m->proto = SKC_MPTCP;
	m->inode = 100;
	m->netns = 1;
	sock_rare_w(m)->mptcp_token = 0xabc;
	sf = socktab_add(&t);
	sf->proto = SKC_TCP;
	sf->inode = 100;
	sf->netns = 1;
	other = socktab_add(&t);	/* a joined subflow: no inode, token */
	other->proto = SKC_TCP;
	other->netns = 1;
	other->subflow = true;
	sock_rare_w(other)->mptcp_token = 0xabc;
	other = socktab_add(&t);	/* a plain TCP socket of another namespace */
	other->proto = SKC_TCP;
	other->inode = 200;
	other->netns = 2;
	sock_rare_w(other)->mptcp_token = 0xabc;	/* stale token, no ULP: not a subflow */
	mptcp_link(&t);
	assert_true(t.v[1].subflow);
	assert_int_equal(t.v[1].parent, 0);
	assert_true(t.v[2].subflow);
	assert_int_equal(t.v[2].parent, 0);
	assert_false(t.v[3].subflow);
	assert_int_equal(sock_rare(&t.v[0])->nsubflows, 2);
	mptcp_link(&t);			/* idempotent */
	assert_int_equal(sock_rare(&t.v[0])->nsubflows, 2);
	socktab_index(&t);
	/* inode 100 is the MPTCP socket's: the fd finds it, not the subflow */
	assert_int_equal(socktab_find(&t, 100), 0);
	assert_int_equal(socktab_find(&t, 200), 3);
	socktab_free(&t);
}

/* /proc/net/raw and raw6 lines as raw_sock_seq_show prints them */
static void test_raw_procfs(void **state)
{
	struct skc_socktab t = { 0 };
	char buf[FMT_ADDR_MAX];

	(void)state;
	assert_int_equal(diag_raw_parse_line(
		"  253: 0100007F:00FD 00000000:0000 07 00000000:00004800 00:00000000 00000000     0        0 7136501 2 0000000000000000 92\n",
		AF_INET, 7, &t), 0);
	assert_int_equal(diag_raw_parse_line(
		"   58: 00000000000000000000000001000000:003A 00000000000000000000000000000000:0000 07 00000100:00000200 00:00000000 00000000  1000        0 99 2 0000000000000000 0\n",
		AF_INET6, 7, &t), 0);
	assert_int_equal(diag_raw_parse_line("garbage\n", AF_INET, 7, &t), -EINVAL);
	assert_int_equal(diag_raw_parse_line(
		"  253: 0100007F:00FD 00000000:0000 07 00000000\n", AF_INET, 7, &t), -EINVAL);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[0].proto, SKC_RAW);
	assert_int_equal(t.v[0].inode, 7136501);
	assert_int_equal(sock_rare(&t.v[0])->sproto, 253);
	assert_int_equal(t.v[0].rqueue, 0x4800);
	assert_int_equal(t.v[0].skmem[SK_MEMINFO_DROPS], 92);
	assert_int_not_equal(t.v[0].cookie, 0);
	format_local(buf, sizeof(buf), &t.v[0]);
	assert_string_equal(buf, "127.0.0.1:253");
	assert_int_equal(t.v[1].family, AF_INET6);
	assert_int_equal(t.v[1].uid, 1000);
	assert_int_equal(t.v[1].wqueue, 0x100);
	assert_int_equal(t.v[1].rqueue, 0x200);
	format_local(buf, sizeof(buf), &t.v[1]);
	assert_string_equal(buf, "[::1]:58");
	socktab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet),
		cmocka_unit_test(test_netlink),
		cmocka_unit_test(test_mptcp),
		cmocka_unit_test(test_mptcp_link),
		cmocka_unit_test(test_raw_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
