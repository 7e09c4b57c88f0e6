/* Netlink plumbing shared by the sock_diag collectors (libmnl). */
#ifndef SKC_NLSOCK_H
#define SKC_NLSOCK_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "util.h"

/* Open and bind a NETLINK_SOCK_DIAG socket in the current namespace.
 * Returns 0 or -errno. */
int nl_open_diag(struct mnl_socket **out);

/* Send a dump request and feed every reply message to cb.
 * record_fd >= 0 receives a copy of every buffer read (test hook).
 * Returns 0, -EINTR when the kernel flagged the dump as interrupted
 * (the caller discards what cb stored and retries), or -errno with
 * err set (msg: the kernel's extended-ack text or the errno text). */
int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
	    void *data, int record_fd, struct skc_err *err);

/* Run one received buffer through cb and the control-message handlers.
 * Returns 1 (more to read), 0 (dump done), -EINTR (the kernel flagged
 * the dump interrupted) or -errno with err->msg set (the kernel's
 * extended-ack text when it sent one).  Exposed for unit tests. */
int nl_dump_process(const void *buf, size_t len, unsigned int seq,
		    unsigned int portid, mnl_cb_t cb, void *data,
		    struct skc_err *err);

#endif
