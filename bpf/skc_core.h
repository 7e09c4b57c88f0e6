/* The kernel structures pinned.bpf.c reads, declared with only the
 * fields it uses.  preserve_access_index makes every access a CO-RE
 * relocation: libbpf fixes offsets against the running kernel's BTF at
 * load time, so the build needs no vmlinux.h.  Flavours (___old) name
 * layouts of older kernels; bpf_core_field_exists picks one. */
#ifndef SKC_CORE_H
#define SKC_CORE_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u32 uid_t;
typedef _Bool bool;
#define true 1
#define false 0

enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_SK_STORAGE = 24 };
enum { BPF_F_NO_PREALLOC = 1 };
enum { BPF_SK_STORAGE_GET_F_CREATE = 1 };
enum { MSG_PEEK = 2 };

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct sock_common {
	unsigned short skc_family;
};

/* skb->rbnode shares the first words with next/prev (offset 0): in an
 * rb-tree queue the node's address is the skb's. */
struct sk_buff {
	struct sk_buff *next;
	unsigned char *head;
	unsigned int end;	/* offset of skb_shared_info (64-bit kernels) */
	__u8 head_frag:1;
};

struct sk_buff_head {
	struct sk_buff *next;
	struct sk_buff *prev;
	__u32 qlen;
};

struct inode {
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
};

struct sock;

struct socket {
	struct file *file;
	struct sock *sk;
};

struct rb_node {
	unsigned long __rb_parent_color;	/* parent | colour (low 2 bits) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

struct sock {
	struct sock_common __sk_common;
	struct sk_buff_head sk_receive_queue;
	struct sk_buff_head sk_write_queue;
	struct rb_root tcp_rtx_queue;	/* TCP: sent, not yet acknowledged */
	struct socket *sk_socket;
	__u16 sk_type;
	__u16 sk_protocol;	/* a u16 since 5.6 */
	struct {
		struct {
			int counter;
		} rmem_alloc;
	} sk_backlog;		/* sk_rmem_alloc: Recv-Q of packet, raw, netlink, MPTCP */
};

struct tcp_sock {
	struct sock sk;		/* inet_conn.icsk_inet.sk: offset 0 */
	struct rb_root out_of_order_queue;
};

struct udp_sock {
	struct sock sk;		/* inet.sk: offset 0 */
	struct sk_buff_head reader_queue;
};

struct unix_sock {
	struct sock sk;
};

/* Newer kernels: netmem_ref; older: struct bio_vec.  Every layout
 * starts with the page pointer. */
struct skb_frag {
	unsigned long netmem;
	unsigned int len;
	unsigned int offset;
};

struct bio_vec {
	void *bv_page;
	unsigned int bv_len;
	unsigned int bv_offset;
};

struct skb_shared_info {
	__u8 nr_frags;
	struct sk_buff *frag_list;
	struct skb_frag frags[17];
};

/* page->flags is left out: it is the first word of struct page on
 * every kernel, but its type changed (memdesc_flags_t, 6.18) */
struct page {
	unsigned long compound_head;	/* bit 0: a tail page (head + 1) */
};

/* older kernels: the order of a compound page in page[1] */
struct page___old {
	unsigned char compound_order;
};

struct folio {
	unsigned long _flags_1;		/* low byte: order (newer kernels) */
};

/* older kernels */
struct folio___old {
	unsigned char _folio_order;
};

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	uid_t uid;
};

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
	uid_t uid;
	int bucket;
};

struct task_struct;

/* task_file visits each files table once (threads sharing it are skipped) */
struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct bpf_iter__unix {
	struct bpf_iter_meta *meta;
	struct unix_sock *unix_sk;
	uid_t uid;
};

#pragma clang attribute pop

enum pageflags {
	PG_head = 6,	/* placeholder: relocated (bpf_core_enum_value) */
};

#endif
