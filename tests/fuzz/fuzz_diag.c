/* libFuzzer target: arbitrary bytes as a sock_diag reply stream through
 * the real inet (TCP, UDP, MPTCP with its mptcp_info), unix, packet,
 * netlink and vsock parsers and the dump-ending logic (nl_dump_process),
 * then what came out through netlink de-duplication, the MPTCP subflow
 * join and the renderers' formatting.  Seeds: the .nl files of tests/data, dumps
 * recorded from a real kernel.  Built by tests/fuzz/build.sh (make
 * fuzz), run by .ci/run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag.h"
#include "escape.h"
#include "format.h"
#include "mptcp.h"
#include "nlsock.h"
#include "socktab.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skc_socktab t = { 0 };
	struct diag_ctx ctx = { .t = &t, .netns = 1, .proto = SKC_TCP };
	struct skc_err err = { 0, "" };
	void *copy = malloc(size ? size : 1);
	size_t i;

	/* mnl wants aligned memory, like a recv buffer */
	memcpy(copy, data, size);
	/* the last byte picks the inet flavour: MPTCP's INFO is mptcp_info,
	 * UDP has no tcp_info */
	if (size)
		ctx.proto = (data[size - 1] & 3) == 1 ? SKC_MPTCP :
			    (data[size - 1] & 3) == 2 ? SKC_UDP : SKC_TCP;
	nl_dump_process(copy, size, 0, 0, either_cb, &ctx, &err);
	diag_netlink_dedup(&t, 0);
	mptcp_link(&t);		/* before socktab_index, as collect.c does */
	socktab_index(&t);
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
