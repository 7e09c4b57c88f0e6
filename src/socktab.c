/* A real hash table keyed by inode: `ss -p` goes quadratic on big hosts
 * because of a fixed 256-bucket chain, which is what we avoid here. */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "socktab.h"
#include "util.h"

struct skc_sock *socktab_add(struct skc_socktab *t)
{
	struct skc_sock *s;

	grow_array((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	s = &t->v[t->n++];
	memset(s, 0, sizeof(*s));
	s->listener = -1;
	s->parent = -1;
	s->cgroup_match = -1;
	return s;
}

void socktab_release(struct skc_sock *s)
{
	free(s->rare);
	s->rare = NULL;
}

#define STRBLOCK_SIZE (64 * 1024)

char *socktab_strdup(struct skc_socktab *t, const void *p, size_t n)
{
	struct skc_strblock *b = t->strings;
	char *d;

	/* each copy ends in a NUL after its n bytes, as xmemdup's do */
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > STRBLOCK_SIZE ? n + 1 : STRBLOCK_SIZE;

		b = xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		/* a string larger than a block has a block of its own,
		 * behind the current one, which keeps its free room */
		if (t->strings && cap > STRBLOCK_SIZE) {
			b->next = t->strings->next;
			t->strings->next = b;
		} else {
			b->next = t->strings;
			t->strings = b;
		}
	}
	d = b->data + b->used;
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static void strings_free(struct skc_strblock *b)
{
	while (b) {
		struct skc_strblock *next = b->next;

		free(b);
		b = next;
	}
}

void socktab_take_strings(struct skc_socktab *dst, struct skc_socktab *src)
{
	struct skc_strblock *last = src->strings;

	if (!last)
		return;
	/* src's blocks go behind dst's current one: dst keeps filling it */
	while (last->next)
		last = last->next;
	if (dst->strings) {
		last->next = dst->strings->next;
		dst->strings->next = src->strings;
	} else {
		dst->strings = src->strings;
	}
	src->strings = NULL;
}

void socktab_truncate(struct skc_socktab *t, size_t n)
{
	while (t->n > n)
		socktab_release(&t->v[--t->n]);
}

static uint64_t hash_inode(uint64_t x)
{
	/* splitmix64 finaliser: inodes are sequential, spread them out */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The index is at most half full, so every probe meets a free slot;
 * the probes are bounded by its size all the same. */
void socktab_index(struct skc_socktab *t)
{
	size_t i, mask;

	free(t->slots);
	t->nslots = 64;
	while (t->nslots < t->n * 2)
		t->nslots *= 2;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	mask = t->nslots - 1;
	for (i = 0; i < t->n; i++) {
		size_t h, step;

		/* an MPTCP subflow shares its MPTCP socket's inode: the
		 * fd is the MPTCP socket's (mptcp.h) */
		if (!t->v[i].inode || t->v[i].subflow)
			continue;
		h = hash_inode(t->v[i].inode) & mask;
		for (step = 0; t->slots[h] && step < t->nslots; step++)
			h = (h + 1) & mask;
		assert(!t->slots[h]);
		t->slots[h] = (uint32_t)(i + 1);
	}
}

long socktab_find(const struct skc_socktab *t, uint64_t inode)
{
	size_t h, mask, step;

	if (!t->slots || !inode)
		return -1;
	mask = t->nslots - 1;
	h = hash_inode(inode) & mask;
	for (step = 0; t->slots[h] && step < t->nslots; step++) {
		long i = (long)t->slots[h] - 1;

		if (t->v[i].inode == inode)
			return i;
		h = (h + 1) & mask;
	}
	return -1;
}

void socktab_owners_alloc(struct skc_socktab *t, size_t total)
{
	size_t i, off = 0;

	free(t->owners);
	t->owners = total ? xcalloc(total, sizeof(*t->owners)) : NULL;
	t->nowners = total;
	for (i = 0; i < t->n; i++) {
		struct skc_sock *s = &t->v[i];

		if (!total)
			s->nowners = 0;
		assert(off + s->nowners <= total);
		s->owners = s->nowners ? t->owners + off : NULL;
		off += s->nowners;
		s->nowners = 0;
	}
}

void socktab_free(struct skc_socktab *t)
{
	socktab_owners_alloc(t, 0);
	socktab_truncate(t, 0);
	strings_free(t->strings);
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
