/* nl_dump_process: how a received netlink buffer ends a dump.  The
 * buffers are built here because a kernel cannot be made to interrupt a
 * dump or fail one on demand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "nlsock.h"

#define SEQ 4242
#define PORTID 77

static char buf[8192];

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

static struct nlmsghdr *put(char *at, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	return nlh;
}

static size_t put_data(size_t off, uint16_t flags)
{
	struct nlmsghdr *nlh = put(buf + off, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI | flags);

	mnl_nlmsg_put_extra_header(nlh, 16);
	return off + nlh->nlmsg_len;
}

static size_t put_done(size_t off, int error)
{
	struct nlmsghdr *nlh = put(buf + off, NLMSG_DONE, NLM_F_MULTI);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = error;
	return off + nlh->nlmsg_len;
}

static void test_data_then_done(void **state)
{
	struct skc_err err = { 0, "" };
	int calls = 0;
	size_t len;

	(void)state;
	len = put_data(0, 0);
	assert_int_equal(nl_dump_process(buf, len, SEQ, PORTID, count_cb, &calls, &err), 1);
	len = put_data(0, 0);
	len = put_data(len, 0);
	len = put_done(len, 0);
	assert_int_equal(nl_dump_process(buf, len, SEQ, PORTID, count_cb, &calls, &err), 0);
	assert_int_equal(calls, 3);
	assert_string_equal(err.msg, "");
}

static void test_interrupted(void **state)
{
	struct skc_err err = { 0, "" };
	int calls = 0;
	size_t len;

	(void)state;
	len = put_data(0, 0);
	len = put_data(len, NLM_F_DUMP_INTR);
	len = put_done(len, 0);
	assert_int_equal(nl_dump_process(buf, len, SEQ, PORTID, count_cb, &calls, &err), -EINTR);
}

static void test_done_with_error(void **state)
{
	struct skc_err err = { 0, "" };
	int calls = 0;
	size_t len;

	(void)state;
	len = put_data(0, 0);
	len = put_done(len, -ENOBUFS);
	assert_int_equal(nl_dump_process(buf, len, SEQ, PORTID, count_cb, &calls, &err), -ENOBUFS);
	assert_string_equal(err.msg, strerror(ENOBUFS));
}

/* The kernel's extended ack: the text must reach the user. */
static void test_error_with_extack(void **state)
{
	struct skc_err err = { 0, "" };
	struct nlmsghdr *nlh = put(buf, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	int calls = 0;

	(void)state;
	e->error = -EINVAL;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = SEQ;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "unsupported family");
	assert_int_equal(nl_dump_process(buf, nlh->nlmsg_len, SEQ, PORTID, count_cb,
					 &calls, &err), -EINVAL);
	assert_string_equal(err.msg, "unsupported family");
	assert_int_equal(calls, 0);
}

static void test_error_plain(void **state)
{
	struct skc_err err = { 0, "" };
	struct nlmsghdr *nlh = put(buf, NLMSG_ERROR, 0);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	int calls = 0;

	(void)state;
	e->error = -EPERM;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	assert_int_equal(nl_dump_process(buf, nlh->nlmsg_len, SEQ, PORTID, count_cb,
					 &calls, &err), -EPERM);
	assert_string_equal(err.msg, strerror(EPERM));
}

/* Replies to someone else's request are not ours to parse. */
static void test_wrong_sequence(void **state)
{
	struct skc_err err = { 0, "" };
	int calls = 0;
	size_t len = put_data(0, 0);

	(void)state;
	assert_true(nl_dump_process(buf, len, SEQ + 1, PORTID, count_cb, &calls, &err) < 0);
	assert_int_equal(calls, 0);
	assert_true(err.msg[0] != '\0');
}

/* A buffer cut inside a message: the complete ones are used, the dump
 * goes on (the rest cannot be trusted but is not a crash). */
static void test_truncated_buffer(void **state)
{
	struct skc_err err = { 0, "" };
	int calls = 0;
	size_t len = put_data(0, 0);

	(void)state;
	len = put_data(len, 0);
	assert_int_equal(nl_dump_process(buf, len - 5, SEQ, PORTID, count_cb, &calls, &err), 1);
	assert_int_equal(calls, 1);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const unsigned char *p = mnl_attr_get_payload(attr);
	uint16_t i;

	/* read the whole payload: ASan sees any byte past the buffer */
	for (i = 0; i < mnl_attr_get_payload_len(attr); i++)
		*(unsigned *)data += p[i];
	return MNL_CB_OK;
}

static int walk_cb(const struct nlmsghdr *nlh, void *data)
{
	unsigned sum = 0;

	(*(int *)data)++;
	mnl_attr_parse(nlh, 16, attr_cb, &sum);
	return MNL_CB_OK;
}

/* Found by fuzzing: a last message whose length is not 4-aligned lets
 * libmnl walk attributes into padding that is not in the buffer. */
static void test_unaligned_last_message(void **state)
{
	struct skc_err err = { 0, "" };
	struct nlmsghdr *nlh;
	int calls = 0;
	size_t len;
	char *exact;

	(void)state;
	len = put_data(0, 0);
	nlh = (struct nlmsghdr *)buf;
	mnl_attr_put(nlh, 1, 3, "abc");		/* 4 + 3 bytes, padded to 8 */
	nlh->nlmsg_len -= 1;			/* claims 7 of the 8 */
	len = nlh->nlmsg_len;
	exact = malloc(len);	/* not test_malloc: its guard bytes hide reads */
	assert_non_null(exact);
	memcpy(exact, buf, len);
	assert_int_equal(nl_dump_process(exact, len, SEQ, PORTID, walk_cb, &calls, &err), 1);
	assert_int_equal(calls, 0);		/* not a whole message: skipped */
	free(exact);
}

/* Found by fuzzing: -INT_MIN in an error field. */
static void test_int_min_error(void **state)
{
	struct skc_err err = { 0, "" };
	struct nlmsghdr *nlh = put(buf, NLMSG_ERROR, 0);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	int calls = 0;
	size_t len;

	(void)state;
	e->error = INT32_MIN;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	assert_int_equal(nl_dump_process(buf, nlh->nlmsg_len, SEQ, PORTID, count_cb,
					 &calls, &err), -EPROTO);
	len = put_done(0, INT32_MIN);
	err.msg[0] = '\0';
	assert_int_equal(nl_dump_process(buf, len, SEQ, PORTID, count_cb, &calls, &err), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_then_done),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_done_with_error),
		cmocka_unit_test(test_error_with_extack),
		cmocka_unit_test(test_error_plain),
		cmocka_unit_test(test_wrong_sequence),
		cmocka_unit_test(test_truncated_buffer),
		cmocka_unit_test(test_unaligned_last_message),
		cmocka_unit_test(test_int_min_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
