#include "config.h"

#include <errno.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "links.h"

static bool any_bound(const struct skc_host *h, size_t from, size_t to)
{
	for (; from < to; from++)
		if (h->socks.v[from].ifindex)
			return true;
	return false;
}

int links_resolve(struct skc_host *h, size_t from, size_t to)
{
	struct nl_sock *sk;
	struct nl_cache *cache = NULL;
	int ret = 0;

	/* most hosts have no device-bound sockets: skip the rtnl dump */
	if (!any_bound(h, from, to))
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0) {
		ret = -EIO;
		goto out;
	}
	for (; from < to; from++) {
		struct skc_sock *s = &h->socks.v[from];

		if (s->ifindex)
			rtnl_link_i2name(cache, (int)s->ifindex,
					 sock_rare_w(s)->ifname,
					 sizeof(s->rare->ifname));
	}
out:
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	return ret;
}
