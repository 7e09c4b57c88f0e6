/* Netlink plumbing shared by the sock_diag collectors (libmnl). */
#ifndef SKC_NLSOCK_H
#define SKC_NLSOCK_H

#include <stddef.h>
#include <libmnl/libmnl.h>

struct nl_err {
	char msg[256];		/* kernel extended-ack text or errno text */
};

/* Open and bind a NETLINK_SOCK_DIAG socket in the current namespace.
 * Returns 0 or -errno. */
int nl_open_diag(struct mnl_socket **out);

/* Send a dump request and feed every reply message to cb.
 * record_fd >= 0 receives a copy of every buffer read (test hook).
 * Returns 0, -EINTR when the kernel flagged the dump as interrupted
 * (the caller discards what cb stored and retries), or -errno with
 * err->msg set. */
int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
	    void *data, int record_fd, struct nl_err *err);

#endif
