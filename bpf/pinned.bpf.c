// SPDX-License-Identifier: GPL-2.0
/* Pages that socket queues pin.  For every TCP, UDP and UNIX socket with
 * something queued, walk its skbs and count the distinct compound pages
 * they reference: each frag page, and the head when it is a page
 * fragment (head_frag).  A page is counted once per run, at its real
 * size (PAGE_SIZE << order), for the first socket that references it.
 * Shape after the kernel's selftests progs/bpf_iter_{tcp4,udp4,unix}.c. */
#include "skc_core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "pinned_rec.h"

char LICENSE[] SEC("license") = "GPL";

/* set by bpf_pinned.c before load */
const volatile __u32 max_skbs = 65536;	/* per queue */
const volatile __u64 page_size = 4096;

/* Addresses of x86-64's vmemmap_base and page_offset_base (virt_to_page
 * for skb heads), found by find_syms; 0 elsewhere (heads skipped).
 * Not __ksym externs: libbpf would parse all of /proc/kallsyms for them
 * on every run (0.15-0.3 s), the kernel's own lookup takes microseconds. */
__u64 vmemmap_base_addr;
__u64 page_offset_base_addr;

#define MAX_FRAGS 45	/* CONFIG_MAX_SKB_FRAGS upper bound */

/* Head page -> 1: each page counted once per run.  bpf_pinned.c empties
 * it after every run. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u8);
} seen SEC(".maps");

/* The walk's state: bpf_loop callbacks get no stack of their caller,
 * and nested bounded loops with state on the stack exceed the
 * verifier's limits. */
struct walk {
	__u64 skb;		/* next skb to look at */
	__u64 end;		/* the queue head: the list's sentinel */
	__u32 tree;		/* walking an rb-tree (TCP rtx, ofo), not a list */
	__u64 shinfo;		/* frags of the current skb */
	__u64 pinned;
	__u32 skbs;		/* walked in this queue */
	__u32 total_skbs;
	__u32 flags;
	__u64 rx_head;		/* see pinned_rec.h */
	__u32 rx_qlen;
	__u32 rx_known;
	__u64 rx_reads;
	__u32 reads_known;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} state SEC(".maps");

/* Datagrams dequeued, per UDP and UNIX socket.  The iterators create
 * the storage for sockets with something queued; the tracepoint
 * program below counts every dequeue of a socket that has it (one
 * pointer test for every other socket on the host); the kernel frees
 * it with the socket.  A head skb that stays proves nothing: a busy reader at a
 * full queue dequeues the head while the sender's next skb reuses the
 * freed slab object at the tail, so after a whole queue's worth of
 * reads the same address is at the head again.  A count cannot
 * come back. */
struct rx_reads {
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rx_reads);
} reads SEC(".maps");

/* Set by bpf_pinned.c once dgram_read is attached: only then is a
 * count a proof. */
__u32 counting;

static __always_inline void count_read(struct sock *sk)
{
	struct rx_reads *r = bpf_sk_storage_get(&reads, sk, 0, 0);

	if (r)
		__sync_fetch_and_add(&r->n, 1);
}

/* sock_recvmsg_nosec, the one way into every family's recvmsg (read,
 * recv*, recvmmsg, io_uring), reports each call's result (tracepoint
 * sock:sock_recv_length, Linux 6.4 on).  On a datagram socket a result
 * >= 0 without MSG_PEEK or MSG_ERRQUEUE dequeued one datagram (the
 * name stays from when only datagrams were counted). */
#define SKC_MSG_ERRQUEUE 0x2000
SEC("tp_btf/sock_recv_length")
int BPF_PROG(dgram_read, struct sock *sk, int ret, int flags)
{
	/* a stream reader (MPTCP) took bytes when ret > 0; 0 is EOF */
	if (ret > 0 || (ret == 0 && sk->sk_type != 1 /* SOCK_STREAM */))
		if (!(flags & (MSG_PEEK | SKC_MSG_ERRQUEUE)))
			count_read(sk);
	return 0;
}

static __always_inline struct walk *walk_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&state, &zero);
}

/* Order of the compound page whose head page is head. */
static __always_inline __u32 folio_order(__u64 head)
{
	__u64 second = head + bpf_core_type_size(struct page);

	if (bpf_core_field_exists(struct folio___old, _folio_order))
		return BPF_CORE_READ((struct folio___old *)head, _folio_order);
	if (bpf_core_field_exists(struct page___old, compound_order))
		return BPF_CORE_READ((struct page___old *)second, compound_order);
	/* folio_order(): _flags_1 & 0xff, _flags_1 being page[1].flags */
	return BPF_CORE_READ((struct folio *)head, _flags_1) & 0xff;
}

static __always_inline void count_page(struct walk *w, __u64 page)
{
	__u64 head = page, ch, flags = 0;
	__u32 order = 0;
	__u8 one = 1;
	long err;

	if (!page)
		return;
	ch = BPF_CORE_READ((struct page *)page, compound_head);
	if (ch & 1)			/* _compound_head() */
		head = ch - 1;
	/* page->flags: the first word (unsigned long, memdesc_flags_t) */
	bpf_probe_read_kernel(&flags, sizeof(flags), (void *)head);
	if (flags & (1ULL << bpf_core_enum_value(enum pageflags, PG_head)))
		order = folio_order(head);
	if (order > 20)
		return;			/* not a page we understand */
	err = bpf_map_update_elem(&seen, &head, &one, BPF_NOEXIST);
	if (err == 0)
		w->pinned += page_size << order;
	else if (err != -17)		/* -EEXIST: already counted */
		w->flags |= PINNED_REC_MAP_FULL;
}

static long frag_cb(__u64 i, void *ctx)
{
	struct walk *w = walk_state();
	__u64 frag, p = 0;
	__u32 size;

	if (!w)
		return 1;
	size = bpf_core_type_exists(struct skb_frag) ?
		bpf_core_type_size(struct skb_frag) : bpf_core_type_size(struct bio_vec);
	frag = w->shinfo + bpf_core_field_offset(struct skb_shared_info, frags) + i * size;
	bpf_probe_read_kernel(&p, sizeof(p), (void *)frag);
	if (p & 1)	/* NET_IOV: device memory, no struct page (netmem.h) */
		return 0;
	count_page(w, p);
	return 0;
}

/* virt_to_page() for x86-64 direct-map addresses (page_to_virt's
 * inverse, arch/x86/include/asm/page.h). */
static __always_inline __u64 head_page(__u64 addr)
{
	__u64 vbase = 0, obase = 0;

	if (!vmemmap_base_addr || !page_offset_base_addr)
		return 0;
	bpf_probe_read_kernel(&vbase, sizeof(vbase), (void *)vmemmap_base_addr);
	bpf_probe_read_kernel(&obase, sizeof(obase), (void *)page_offset_base_addr);
	if (!vbase || addr < obase)
		return 0;
	return vbase + ((addr - obase) / page_size) * bpf_core_type_size(struct page);
}

#define RB_MAX_DEPTH 64	/* 2 log2(n+1) for far more skbs than max_skbs */

static __always_inline __u64 rb_parent(__u64 node)
{
	return BPF_CORE_READ((struct rb_node *)node, __rb_parent_color) & ~3ULL;
}

/* rb_first() */
static __always_inline __u64 rb_leftmost(__u64 node)
{
	__u64 left;
	int i;

	for (i = 0; i < RB_MAX_DEPTH && node; i++) {
		left = (__u64)BPF_CORE_READ((struct rb_node *)node, rb_left);
		if (!left)
			break;
		node = left;
	}
	return node;
}

/* rb_next() (lib/rbtree.c), 0 at the end */
static __always_inline __u64 rb_successor(__u64 node)
{
	__u64 right = (__u64)BPF_CORE_READ((struct rb_node *)node, rb_right), parent;
	int i;

	if (right)
		return rb_leftmost(right);
	for (i = 0; i < RB_MAX_DEPTH; i++) {
		parent = rb_parent(node);
		if (!parent || (__u64)BPF_CORE_READ((struct rb_node *)parent, rb_right) != node)
			return parent;
		node = parent;
	}
	return 0;
}

static long skb_cb(__u64 i, void *ctx)
{
	struct walk *w = walk_state();
	struct sk_buff *skb;
	__u64 head, shinfo;
	__u8 nr = 0;

	if (!w || !w->skb || w->skb == w->end)
		return 1;
	if (w->skbs >= max_skbs) {
		w->flags |= PINNED_REC_CAPPED;
		return 1;
	}
	w->skbs++;
	w->total_skbs++;
	skb = (struct sk_buff *)w->skb;
	head = (__u64)BPF_CORE_READ(skb, head);
	if (BPF_CORE_READ_BITFIELD_PROBED(skb, head_frag))
		count_page(w, head_page(head));
	shinfo = head + BPF_CORE_READ(skb, end);
	bpf_probe_read_kernel(&nr, sizeof(nr), (void *)(shinfo +
			      bpf_core_field_offset(struct skb_shared_info, nr_frags)));
	w->shinfo = shinfo;
	if (nr > MAX_FRAGS)
		nr = MAX_FRAGS;
	bpf_loop(nr, frag_cb, NULL, 0);
	w->skb = w->tree ? rb_successor(w->skb) : (__u64)BPF_CORE_READ(skb, next);
	return 0;
}

static __always_inline void walk_queue(struct sk_buff_head *q)
{
	struct walk *w = walk_state();

	if (!w || !BPF_CORE_READ(q, qlen))
		return;
	w->end = (__u64)q;
	w->skb = (__u64)BPF_CORE_READ(q, next);
	w->skbs = 0;
	w->tree = 0;
	bpf_loop(max_skbs + 1, skb_cb, NULL, 0);
}

/* A queue kept as an rb-tree of skbs, in order. */
static __always_inline void walk_tree(struct rb_root *root)
{
	struct walk *w = walk_state();
	__u64 top;

	if (!w)
		return;
	top = (__u64)BPF_CORE_READ(root, rb_node);
	if (!top)
		return;
	w->end = 0;
	w->skb = rb_leftmost(top);
	w->skbs = 0;
	w->tree = 1;
	bpf_loop(max_skbs + 1, skb_cb, NULL, 0);
}

static __always_inline struct walk *walk_begin(void)
{
	struct walk *w = walk_state();

	if (w)
		__builtin_memset(w, 0, sizeof(*w));
	return w;
}

/* The head of the queue a reader dequeues from next: first (UDP's
 * reader_queue) when it holds skbs, else second; and both lengths. */
static __always_inline void note_rx(struct sk_buff_head *first,
				    struct sk_buff_head *second)
{
	struct walk *w = walk_state();
	__u32 n1 = first ? BPF_CORE_READ(first, qlen) : 0;
	__u32 n2 = BPF_CORE_READ(second, qlen);

	if (!w)
		return;
	w->rx_qlen = n1 + n2;
	w->rx_head = (__u64)(n1 ? BPF_CORE_READ(first, next) : BPF_CORE_READ(second, next));
	w->rx_known = 1;
}

/* The reads counted on sk so far; its storage made now when counting is
 * on, so the next sample has a baseline. */
static __always_inline void note_reads(struct sock *sk, bool counting)
{
	struct walk *w = walk_state();
	struct rx_reads *r;

	if (!w || !counting)
		return;
	r = bpf_sk_storage_get(&reads, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!r)
		return;
	w->rx_reads = r->n;
	w->reads_known = 1;
}

static __always_inline int emit(struct seq_file *seq, struct sock *sk)
{
	struct walk *w = walk_state();
	struct pinned_rec rec = {};

	if (!w || (!w->pinned && !w->flags && !w->rx_known && !w->reads_known))
		return 0;
	rec.rx_head = w->rx_head;
	rec.rx_qlen = w->rx_qlen;
	rec.rx_known = w->rx_known;
	rec.rx_reads = w->rx_reads;
	rec.reads_known = w->reads_known;
	rec.cookie = bpf_get_socket_cookie(sk);
	rec.ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	rec.pinned = w->pinned;
	rec.skbs = w->total_skbs;
	rec.flags = w->flags;
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}

/* Run once (BPF_PROG_TEST_RUN) before the iterators. */
SEC("syscall")
int find_syms(void *ctx)
{
#if defined(__TARGET_ARCH_x86)
	char vname[] = "vmemmap_base", oname[] = "page_offset_base";

	bpf_kallsyms_lookup_name(vname, sizeof(vname), 0, &vmemmap_base_addr);
	bpf_kallsyms_lookup_name(oname, sizeof(oname), 0, &page_offset_base_addr);
#endif
	return 0;
}

SEC("iter/tcp")
int pinned_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	struct sock *sk;

	if (!skc)
		return 0;
	/* NULL for request and timewait sockets: they hold no data */
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	/* most sockets hold nothing: plain loads (a BTF pointer), no helper */
	if (!sk->sk_receive_queue.qlen && !sk->sk_write_queue.qlen &&
	    !tp->out_of_order_queue.rb_node && !sk->tcp_rtx_queue.rb_node)
		return 0;
	if (!walk_begin())
		return 0;
	walk_queue(&sk->sk_receive_queue);
	/* received beyond a hole (tcp_data_queue_ofo) */
	walk_tree(&tp->out_of_order_queue);
	/* not sent yet, and sent but not acknowledged (tcp_rtx_queue) */
	walk_queue(&sk->sk_write_queue);
	walk_tree(&sk->tcp_rtx_queue);
	return emit(ctx->meta->seq, sk);
}

SEC("iter/udp")
int pinned_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *up = ctx->udp_sk;
	struct sock *sk;

	if (!up)
		return 0;
	sk = (struct sock *)up;
	if (!sk->sk_receive_queue.qlen &&
	    !(bpf_core_field_exists(up->reader_queue) && up->reader_queue.qlen))
		return 0;
	if (!walk_begin())
		return 0;
	/* udp_recvmsg dequeues from reader_queue (4.13 on), refilled by
	 * splicing the whole receive queue into it when empty */
	if (bpf_core_field_exists(up->reader_queue))
		note_rx(&up->reader_queue, &sk->sk_receive_queue);
	else
		note_rx(NULL, &sk->sk_receive_queue);
	note_reads(sk, counting);
	walk_queue(&sk->sk_receive_queue);
	/* datagrams already moved for the reader (udp_recvmsg, 4.13 on) */
	if (bpf_core_field_exists(up->reader_queue))
		walk_queue(&up->reader_queue);
	return emit(ctx->meta->seq, sk);
}

SEC("iter/unix")
int pinned_unix(struct bpf_iter__unix *ctx)
{
	struct unix_sock *u = ctx->unix_sk;
	struct sock *sk;

	if (!u)
		return 0;
	sk = (struct sock *)u;
	if (!sk->sk_receive_queue.qlen || !walk_begin())
		return 0;
	note_rx(NULL, &sk->sk_receive_queue);
	note_reads(sk, counting);
	walk_queue(&sk->sk_receive_queue);
	return emit(ctx->meta->seq, sk);
}

/* Sockets no other iterator visits (packet, raw, netlink, MPTCP, SCTP,
 * vsock...) with something queued, found through the files that hold
 * them: make their read counters and report them.  Run once per sample,
 * only when the dump saw such a socket queued.  No pages are walked. */
SEC("iter/task_file")
int queued_files(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct pinned_rec rec = {};
	struct rx_reads *r;
	struct socket *sock;
	struct sock *sk;
	__u16 family, proto;

	if (!file || !counting)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk)
		return 0;
	family = sk->__sk_common.skc_family;
	proto = sk->sk_protocol;
	if (family == 1 /* AF_UNIX */)
		return 0;
	/* AF_INET, AF_INET6: TCP, UDP, UDP-Lite have their iterators */
	if ((family == 2 || family == 10) && (proto == 6 || proto == 17 || proto == 136))
		return 0;
	if (!sk->sk_backlog.rmem_alloc.counter && !sk->sk_receive_queue.qlen)
		return 0;
	r = bpf_sk_storage_get(&reads, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!r)
		return 0;
	rec.cookie = bpf_get_socket_cookie(sk);
	rec.ino = BPF_CORE_READ(file, f_inode, i_ino);
	rec.rx_reads = r->n;
	rec.reads_known = 1;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
