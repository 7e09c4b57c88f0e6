// SPDX-License-Identifier: GPL-2.0
/* Pages that socket queues pin.  For every TCP, UDP and UNIX socket with
 * something queued, walk its skbs and count the distinct compound pages
 * they reference: each frag page, and the head when it is a page
 * fragment (head_frag).  A page is counted once per run, at its real
 * size (PAGE_SIZE << order), for the first socket that references it.
 * Sockets are reached through the files of every process first
 * (pinned_files), then by each namespace's tcp/udp/unix iterator for
 * what no fd holds; each is walked once per run (walked).  Shape after
 * the kernel's selftests progs/bpf_iter_{tcp4,udp4,unix,task_file}.c. */
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

/* Socket -> 1: each socket walked once per run, whichever pass reaches
 * it first (the files pass, then a namespace's iterator for what no
 * file holds; a socket shared by several fds is reached once per fd).
 * Emptied with seen. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u8);
} walked SEC(".maps");

/* Inodes of the sockets the dump saw queued, as bits (inode modulo
 * QUEUED_BITS), set by bpf_pinned.c through the mmapped .bss before the
 * files pass when filter_queued is set: the pass then looks at every
 * other file no further than its inode number and one bit (a socket's
 * struct sock is a few cache misses away, a hash lookup a helper call;
 * most sockets hold nothing).  A bit set by another inode only costs
 * that file a closer look. */
#define QUEUED_BITS (1 << 20)
__u64 queued_bits[QUEUED_BITS / 64];
__u32 filter_queued;

/* Walk TCP, UDP and UNIX sockets here (else only their namespaces'
 * iterators do: SKCHECK_PINNED_WALK=iterators). */
__u32 walk_files;

/* The walk's state: bpf_loop callbacks get no stack of their caller,
 * and nested bounded loops with state on the stack exceed the
 * verifier's limits. */
#define MAX_QUEUES 4	/* TCP: receive, out-of-order, write, retransmit */

struct walk {
	/* the socket's queues: list heads, or rb-tree roots (bit i of
	 * qtree); walked in order by one loop (skb_cb) */
	__u64 q[MAX_QUEUES];
	__u32 qtree;
	__u32 nq, qi;		/* queues, and the next one to start */
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

/* Start the next non-empty queue of w; false when none is left. */
static __always_inline bool next_queue(struct walk *w)
{
	__u64 q, top;
	__u32 qi;
	int k;

	for (k = 0; k < MAX_QUEUES; k++) {
		qi = w->qi;
		if (qi >= w->nq || qi >= MAX_QUEUES)
			return false;
		w->qi = qi + 1;
		q = w->q[qi];
		w->skbs = 0;
		if (w->qtree & (1u << qi)) {
			top = (__u64)BPF_CORE_READ((struct rb_root *)q, rb_node);
			if (!top)
				continue;
			w->end = 0;
			w->skb = rb_leftmost(top);
			w->tree = 1;
		} else {
			if (!BPF_CORE_READ((struct sk_buff_head *)q, qlen))
				continue;
			w->end = q;
			w->skb = (__u64)BPF_CORE_READ((struct sk_buff_head *)q, next);
			w->tree = 0;
		}
		return true;
	}
	return false;
}

/* One skb, or the step to the next queue.  One bpf_loop walks every
 * queue of a socket: each bpf_loop call site has its callbacks verified
 * again, so one site per program keeps the load short. */
static long skb_cb(__u64 i, void *ctx)
{
	struct walk *w = walk_state();
	struct sk_buff *skb;
	__u64 head, shinfo;
	__u8 nr = 0;

	if (!w)
		return 1;
	if (!w->skb || w->skb == w->end || w->skbs >= max_skbs) {
		if (w->skb && w->skb != w->end)
			w->flags |= PINNED_REC_CAPPED;
		return next_queue(w) ? 0 : 1;
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

static __always_inline void add_queue(struct walk *w, __u64 q, bool tree)
{
	__u32 n = w->nq;

	if (n >= MAX_QUEUES)
		return;
	w->q[n] = q;
	if (tree)
		w->qtree |= 1u << n;
	w->nq = n + 1;
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

/* Every walked socket gets a record, pages or none: bpf_pinned.c tells
 * from the files pass's records which queued sockets it reached. */
static __always_inline void emit(struct seq_file *seq, struct sock *sk)
{
	struct walk *w = walk_state();
	struct pinned_rec rec = {};

	if (!w)
		return;
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
}

/* The first visit of sk in this run?  When the map is full the socket
 * is walked again: its pages are counted already (seen), and
 * bpf_pinned.c adds a socket's records up. */
static __always_inline bool first_visit(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u8 one = 1;

	return bpf_map_update_elem(&walked, &key, &one, BPF_NOEXIST) != -17;
}

/* Plain loads where the pointer's BTF type allows (most sockets are
 * looked at and left: no helper calls on that path). */
static __always_inline bool tcp_queued(struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;

	return sk->sk_receive_queue.qlen || sk->sk_write_queue.qlen ||
	       tp->out_of_order_queue.rb_node || sk->tcp_rtx_queue.rb_node;
}

/* udp_recvmsg dequeues from reader_queue (4.13 on), refilled by
 * splicing the whole receive queue into it when empty; NULL before. */
static __always_inline struct sk_buff_head *udp_reader_queue(struct sock *sk)
{
	if (!bpf_core_field_exists(struct udp_sock, reader_queue))
		return NULL;
	return (struct sk_buff_head *)((__u64)sk +
		bpf_core_field_offset(struct udp_sock, reader_queue));
}

static __always_inline bool udp_queued(struct sock *sk)
{
	struct sk_buff_head *rq = udp_reader_queue(sk);

	return sk->sk_receive_queue.qlen || (rq && BPF_CORE_READ(rq, qlen));
}

#define WALK_TCP 1
#define WALK_UDP 2
#define WALK_UNIX 3
#define WALK_OTHER 4	/* no pages: read counters only (note_other) */

/* Walk sk once per run and report it.  TCP: received, received beyond
 * a hole (tcp_data_queue_ofo), not sent yet, and sent but not
 * acknowledged (tcp_rtx_queue); UDP: the receive queue and the reader
 * queue; UNIX: the receive queue.  Call it from one place per program
 * (its loop's callbacks are verified per call site). */
static __always_inline void walk(struct seq_file *seq, struct sock *sk, __u32 kind)
{
	struct sk_buff_head *rq = NULL;
	struct walk *w;

	if (!first_visit(sk) || !(w = walk_begin()))
		return;
	add_queue(w, (__u64)&sk->sk_receive_queue, false);
	if (kind == WALK_TCP) {
		add_queue(w, (__u64)sk + bpf_core_field_offset(struct tcp_sock,
							       out_of_order_queue), true);
		add_queue(w, (__u64)&sk->sk_write_queue, false);
		add_queue(w, (__u64)&sk->tcp_rtx_queue, true);
	} else {
		if (kind == WALK_UDP)
			rq = udp_reader_queue(sk);
		/* datagrams already moved for the reader */
		if (rq)
			add_queue(w, (__u64)rq, false);
		note_rx(rq, &sk->sk_receive_queue);
		note_reads(sk, counting);
	}
	bpf_loop(MAX_QUEUES * (max_skbs + 1) + MAX_QUEUES, skb_cb, NULL, 0);
	emit(seq, sk);
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

/* The per-namespace iterators walk what the files pass could not reach
 * (sockets without a file: accept queues, orphans, MPTCP subflows; or
 * held by no process's fd table); bpf_pinned.c runs them only then. */
SEC("iter/tcp")
int pinned_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	/* NULL for request and timewait sockets: they hold no data */
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp && tcp_queued(tp))
		walk(ctx->meta->seq, (struct sock *)tp, WALK_TCP);
	return 0;
}

SEC("iter/udp")
int pinned_udp(struct bpf_iter__udp *ctx)
{
	struct sock *sk = (struct sock *)ctx->udp_sk;

	if (sk && udp_queued(sk))
		walk(ctx->meta->seq, sk, WALK_UDP);
	return 0;
}

SEC("iter/unix")
int pinned_unix(struct bpf_iter__unix *ctx)
{
	struct sock *sk = (struct sock *)ctx->unix_sk;

	if (sk && sk->sk_receive_queue.qlen)
		walk(ctx->meta->seq, sk, WALK_UNIX);
	return 0;
}

/* Sockets no walk above covers (packet, raw, netlink, MPTCP, SCTP,
 * vsock...) with something queued: make their read counters and report
 * them.  No pages are walked. */
static __always_inline void note_other(struct seq_file *seq, struct file *file,
				       struct sock *sk)
{
	struct pinned_rec rec = {};
	struct rx_reads *r;

	if (!counting)
		return;
	if (!sk->sk_backlog.rmem_alloc.counter && !sk->sk_receive_queue.qlen)
		return;
	r = bpf_sk_storage_get(&reads, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!r)
		return;
	rec.cookie = bpf_get_socket_cookie(sk);
	rec.ino = BPF_CORE_READ(file, f_inode, i_ino);
	rec.rx_reads = r->n;
	rec.reads_known = 1;
	bpf_seq_write(seq, &rec, sizeof(rec));
}

/* Every socket some process holds by an fd, in every network namespace
 * at once (iter/task_file: all tasks of the caller's pid namespace):
 * one pass over the files is far cheaper than the tcp, udp and unix
 * iterators' walks of every socket of every namespace (about 7 ms for
 * 115,000 socket fds here, against 25 ms for 45,000 TCP sockets). */
SEC("iter/task_file")
int pinned_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct file *file = ctx->file;
	struct tcp_sock *tp;
	struct socket *sock;
	struct sock *sk;
	__u16 family, proto;
	__u32 kind = 0;

	if (!file)
		return 0;
	if (filter_queued) {
		__u64 ino = file->f_inode->i_ino;

		if (!(queued_bits[(ino / 64) & (QUEUED_BITS / 64 - 1)] >> (ino & 63) & 1))
			return 0;
	}
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk)
		return 0;
	family = sk->__sk_common.skc_family;
	proto = sk->sk_protocol;
	/* iterators_only: the iterators make UDP's and UNIX's read
	 * counters too */
	if (family == 1 /* AF_UNIX */) {
		if (walk_files && sk->sk_receive_queue.qlen)
			kind = WALK_UNIX;
	} else if (family == 2 || family == 10) {	/* AF_INET, AF_INET6 */
		tp = bpf_skc_to_tcp_sock(sk);
		if (tp) {
			if (walk_files && tcp_queued(tp))
				kind = WALK_TCP;
		} else if (proto == 17 || proto == 136) {	/* UDP, UDP-Lite */
			if (walk_files && udp_queued(sk))
				kind = WALK_UDP;
		} else if (proto != 6) {	/* TCP: not a full socket */
			kind = WALK_OTHER;
		}
	} else {
		kind = WALK_OTHER;
	}
	if (kind == WALK_OTHER)
		note_other(seq, file, sk);
	else if (kind)
		walk(seq, sk, kind);
	return 0;
}
