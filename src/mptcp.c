/* MPTCP: tie each TCP subflow to its MPTCP socket.  The application's fd
 * is the MPTCP socket; its subflows are kernel TCP sockets with no fd of
 * their own, and must neither take the fd (the first subflow shares the
 * MPTCP socket's inode: mptcp's subflow_create_socket reuses the
 * parent's) nor count as sockets nobody owns. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mptcp.h"
#include "util.h"

struct key {
	uint64_t netns, inode;
	uint32_t token;
	uint32_t idx;
};

static int cmp_inode(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int cmp_token(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return x->token < y->token ? -1 : x->token > y->token;
}

static void adopt(struct skc_socktab *t, struct skc_sock *s, const struct key *parent)
{
	s->subflow = true;
	if (!parent || s->parent >= 0)
		return;
	s->parent = (int32_t)parent->idx;
	sock_rare_w(&t->v[parent->idx])->nsubflows++;
}

void mptcp_link(struct skc_socktab *t)
{
	struct key *by_ino, *by_tok, k;
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->v[i].proto == SKC_MPTCP;
	if (!n)
		return;
	by_ino = xcalloc(n, sizeof(*by_ino));
	for (i = 0, n = 0; i < t->n; i++) {
		const struct skc_sock *s = &t->v[i];

		if (s->proto != SKC_MPTCP)
			continue;
		by_ino[n].netns = s->netns;
		by_ino[n].inode = s->inode;
		by_ino[n].token = sock_rare(s)->mptcp_token;
		by_ino[n++].idx = (uint32_t)i;
	}
	by_tok = xcalloc(n, sizeof(*by_tok));
	memcpy(by_tok, by_ino, n * sizeof(*by_tok));
	qsort(by_ino, n, sizeof(*by_ino), cmp_inode);
	qsort(by_tok, n, sizeof(*by_tok), cmp_token);
	for (i = 0; i < t->n; i++) {
		struct skc_sock *s = &t->v[i];
		const struct key *p = NULL;

		if (s->proto != SKC_TCP)
			continue;
		k.netns = s->netns;
		k.inode = s->inode;
		k.token = sock_rare(s)->mptcp_token;
		if (s->inode)
			p = bsearch(&k, by_ino, n, sizeof(k), cmp_inode);
		if (!p && s->subflow && sock_rare(s)->mptcp_token)
			p = bsearch(&k, by_tok, n, sizeof(k), cmp_token);
		if (p || s->subflow)
			adopt(t, s, p);
	}
	free(by_ino);
	free(by_tok);
}
