#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collect.h"
#include "diag.h"
#include "links.h"
#include "procscan.h"
#include "sockstat.h"

static uint64_t own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

/* Dump the namespace the process is in now. */
static int collect_netns(struct skc_host *h, uint64_t netns,
			 const struct skc_opts *o, char *err, size_t errlen)
{
	/* the summary counts every protocol, so dump them all; protocol
	 * filters apply when processes are listed */
	struct diag_opts dopts = { .protos = SKC_PROTO_ALL, .record_dir = o->record_dir };
	struct mnl_socket *nl;
	struct nl_err nerr;
	size_t from = h->socks.n;
	int ret;

	ret = nl_open_diag(&nl);
	if (ret < 0) {
		snprintf(err, errlen, "cannot open a sock_diag netlink socket: %s",
			 strerror(-ret));
		return ret;
	}
	ret = diag_collect(nl, netns, &dopts, h, &nerr);
	mnl_socket_close(nl);
	if (ret < 0) {
		snprintf(err, errlen, "sock_diag dump failed: %s", nerr.msg);
		return ret;
	}
	if (links_resolve(h, from, h->socks.n) < 0)
		host_warn(h, "interface names unavailable (rtnetlink link dump failed)");
	return 0;
}

int collect_host(struct skc_host *h, const struct skc_opts *o, char *err,
		 size_t errlen)
{
	int ret;

	ret = procscan_run(o->proc_root, &h->procs);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read %s: %s", o->proc_root,
			 strerror(-ret));
		return ret;
	}
	h->netns = own_netns();
	ret = collect_netns(h, h->netns, o, err, errlen);
	if (ret < 0)
		return ret;
	if (sockstat_read(o->proc_root, &h->sockstat) < 0)
		host_warn(h, "cannot read %s/net/sockstat", o->proc_root);
	return 0;
}
