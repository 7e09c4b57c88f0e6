/* libFuzzer target: arbitrary bytes as a sock_diag reply stream, through
 * the real inet, unix, packet, netlink and vsock parsers and the dump-ending logic, then the
 * renderers' formatting of whatever sockets came out; the same bytes as
 * /proc thread files (stat, syscall, wchan) and epoll / io_uring fdinfo
 * through threads.c's parsers, and what those yield through why.c's
 * verdict.  Seed corpus: the recorded dumps in tests/data and the
 * recorded /proc files in tests/data/proc (from a real kernel).  Build
 * and run:
 *   make fuzz            (needs clang with libFuzzer)
 *   tests/fuzz/fuzz_parsers -max_total_time=60 tests/data tests/data/proc
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag.h"
#include "escape.h"
#include "format.h"
#include "nlsock.h"
#include "socktab.h"
#include "threads.h"
#include "why.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int either_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_ctx *ctx = arg;

	/* the first payload byte is the family: pick the parser by it */
	if (mnl_nlmsg_get_payload_len(nlh) >= 1)
		switch (*(const uint8_t *)mnl_nlmsg_get_payload(nlh)) {
		case AF_UNIX: return diag_unix_parse(nlh, ctx);
		case AF_PACKET: return diag_packet_parse(nlh, ctx);
		case AF_NETLINK: return diag_netlink_parse(nlh, ctx);
		case AF_VSOCK: return diag_vsock_parse(nlh, ctx);
		}
	return diag_inet_parse(nlh, ctx);
}

/* The bytes as every /proc file threads.c reads, and the results as one
 * thread and one epoll set of a process judged by why.c. */
static void fuzz_proc(const char *buf, size_t size)
{
	static const int fds[] = { 5 };
	struct skc_thread th;
	struct skc_threads t = { .pid = 1, .v = &th, .n = 1 };
	struct skc_epoll ep = { .fd = 3 };
	struct skc_ring r = { .fd = 4 };
	struct why_owner o = { .pid = 1, .fds = fds, .nfds = 1, .t = &t };
	struct skc_why w;

	memset(&th, 0, sizeof(th));
	th.tid = 1;
	if (threads_parse_stat(buf, size, &th.state) < 0)
		th.state = '?';
	threads_parse_wchan(buf, size, th.wchan, sizeof(th.wchan));
	threads_parse_syscall(buf, size, &th.sys);
	if (th.sys.state == THR_SYS_OK)
		th.wait = threads_syscall_wait(threads_native_arch(), th.sys.nr);
	threads_parse_epoll(buf, size, &ep);
	threads_parse_uring(buf, size, &r);
	t.ep = &ep;
	t.nep = 1;
	why_judge_socket(ep.n ? ep.v[0].ino : 1, &o, 1, &w);
	threads_index(&t);
	why_judge_socket(ep.n ? ep.v[ep.n - 1].ino : 1, &o, 1, &w);
	free(ep.v);
	free(ep.nested);
	free(r.files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skc_socktab t = { 0 };
	struct diag_ctx ctx = { .t = &t, .netns = 1, .proto = SKC_TCP };
	struct skc_err err = { 0, "" };
	void *copy = malloc(size ? size : 1);
	size_t i;

	/* mnl wants aligned, writable-looking memory like a recv buffer */
	memcpy(copy, data, size);
	/* the last byte picks the inet flavour: MPTCP's INFO is mptcp_info */
	ctx.proto = size && (data[size - 1] & 1) ? SKC_MPTCP : SKC_TCP;
	fuzz_proc(copy, size);
	nl_dump_process(copy, size, 0, 0, either_cb, &ctx, &err);
	diag_netlink_dedup(&t, 0);
	for (i = 0; i < t.n; i++) {
		char buf[FMT_ADDR_MAX];
		char *e;

		format_local(buf, sizeof(buf), &t.v[i]);
		e = escape_bytes(buf, strlen(buf));
		free(e);
		e = escape_json(buf, strlen(buf));
		free(e);
		format_peer(buf, sizeof(buf), &t.v[i]);
		(void)format_state(&t.v[i]);
	}
	socktab_free(&t);
	free(copy);
	return 0;
}
