#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "nlsock.h"
#include "util.h"

/* Dumps arrive in skbs of up to 32 KiB; a larger buffer saves syscalls. */
#define NL_BUFSZ (64 * 1024)

struct dump_state {
	mnl_cb_t cb;
	void *data;
	struct skc_err *err;
	int error;		/* -errno reported by the kernel */
};

int nl_open_diag(struct mnl_socket **out)
{
	struct mnl_socket *nl;
	int one = 1, err;

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	/* best effort: older kernels lack extended acks */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	*out = nl;
	return 0;
}

/* Pull NLMSGERR_ATTR_MSG out of an error or done message, if present. */
static void extack_msg(const struct nlmsghdr *nlh, size_t off,
		       struct skc_err *err)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(err->msg, sizeof(err->msg), "%s",
				 mnl_attr_get_str(attr));
			return;
		}
	}
}

/* A positive errno from a kernel field; anything else is a protocol
 * error (and -INT_MIN would overflow). */
static int sane_errno(int error)
{
	return error > 0 && error < 4096 ? error : EPROTO;
}

static void set_errno_msg(struct dump_state *st, int error)
{
	error = sane_errno(error);
	st->error = -error;
	if (!st->err->msg[0])
		snprintf(st->err->msg, sizeof(st->err->msg), "%s",
			 strerror(error));
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		set_errno_msg(st, EBADMSG);
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	/* attributes follow the echoed request unless it was capped */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off <= mnl_nlmsg_get_payload_len(nlh))
		extack_msg(nlh, off, st->err);
	set_errno_msg(st, e->error == INT_MIN ? EPROTO : -e->error);
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	int error;

	/* a dump that failed half-way reports the error in NLMSG_DONE */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
		if (error < 0) {
			extack_msg(nlh, sizeof(int), st->err);
			set_errno_msg(st, error == INT_MIN ? EPROTO : -error);
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;

	return st->cb(nlh, st->data);
}

/* Length of the prefix of buf made of whole, sane messages.  libmnl's
 * mnl_nlmsg_ok() compares (int)nlmsg_len, so a length above 2 GiB reads
 * as negative and walks off the buffer: check before libmnl sees it. */
static size_t valid_prefix(const void *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);
		size_t n = nlh->nlmsg_len;

		/* attributes are walked up to the aligned end, so the
		 * padding must be in the buffer too */
		if (n < sizeof(*nlh) || MNL_ALIGN(n) > len - off)
			break;
		off += MNL_ALIGN(n);
	}
	return off;
}

/* Did this buffer end the dump (NLMSG_DONE or NLMSG_ERROR)? */
static bool has_end(const char *buf, size_t n)
{
	const struct nlmsghdr *nlh;
	int len = (int)valid_prefix(buf, n);

	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len))
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			return true;
	return false;
}

/* A fresh sequence number per request: the replies to a dump we gave
 * up on must not pass for replies to the next one (libmnl checks). */
static unsigned int next_seq(void)
{
	/* only ever counts up; shared by nsdump.c's worker threads */
	static atomic_uint seq;
	unsigned int cur = atomic_load(&seq), v;

	if (!cur)
		atomic_compare_exchange_strong(&seq, &cur,
			(unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16));
	v = atomic_fetch_add(&seq, 1) + 1;
	return v ? v : atomic_fetch_add(&seq, 1) + 1;
}

/* After an interrupted dump, read and discard the rest of it so the
 * socket can serve the retry. */
static void drain(struct mnl_socket *nl, char *buf)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUFSZ);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || has_end(buf, (size_t)n))
			return;
	}
}

int nl_dump_process(const void *buf, size_t len, unsigned int seq,
		    unsigned int portid, mnl_cb_t cb, void *data,
		    struct skc_err *err)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct dump_state st = { .cb = cb, .data = data, .err = err };
	int ret;

	errno = 0;
	ret = mnl_cb_run2(buf, valid_prefix(buf, len), seq, portid, data_cb, &st,
			  ctl, ARRAY_SIZE(ctl));
	if (ret == MNL_CB_STOP)
		return 0;
	if (ret > 0)
		return 1;
	/* libmnl reports NLM_F_DUMP_INTR as EINTR */
	if (!st.error && errno == EINTR)
		return -EINTR;
	ret = st.error ? st.error : (errno ? -errno : -EPROTO);
	if (!err->msg[0])
		return err_set(err, ret, "%s", strerror(-ret));
	err->code = ret;	/* the kernel's extended-ack text stays */
	return ret;
}

int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
	    void *data, int record_fd, struct skc_err *err)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	char *buf = xmalloc(NL_BUFSZ);
	size_t last_len = 0;
	int ret;

	err->code = 0;
	err->msg[0] = '\0';
	req->nlmsg_seq = next_seq();
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = err_set(err, -errno, "%s", strerror(errno));
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUFSZ);

		last_len = n > 0 ? (size_t)n : 0;
		if (n < 0) {
			if (errno == EINTR) {
				ret = 1;
				continue;
			}
			ret = err_set(err, -errno, "%s", strerror(errno));
			goto out;
		}
		if (record_fd >= 0 && write(record_fd, buf, (size_t)n) != n) {
			ret = err_set(err, -EIO, "cannot write netlink recording");
			goto out;
		}
		ret = nl_dump_process(buf, (size_t)n, req->nlmsg_seq, portid,
				      cb, data, err);
	} while (ret > 0);
	/* the kernel may flag the DONE message itself: nothing left then */
	if (ret == -EINTR && !has_end(buf, last_len))
		drain(nl, buf);
out:
	free(buf);
	return ret;
}
