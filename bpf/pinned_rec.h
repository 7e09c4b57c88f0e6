/* One record per walked socket (and per queued socket of another
 * family whose reads are counted): what
 * pinned.bpf.c writes to the iterator's seq_file and bpf_pinned.c reads.
 * Plain fixed-size fields only: the BPF side and user space share it. */
#ifndef SKC_PINNED_REC_H
#define SKC_PINNED_REC_H

#define PINNED_REC_CAPPED 1	/* a queue was longer than max_skbs */
#define PINNED_REC_MAP_FULL 2	/* a page could not be remembered */

struct pinned_rec {
	__u64 cookie;		/* sock_gen_cookie, as sock_diag reports it */
	__u64 ino;		/* socket inode, 0 without a file */
	__u64 pinned;		/* bytes of the pages first seen on this socket */
	__u32 skbs;		/* skbs walked */
	__u32 flags;		/* PINNED_REC_* */
	/* UDP and UNIX: the receive queue's first skb (its address: an
	 * identity, never dereferenced) and length in skbs, so the tracker
	 * can tell a reader that dequeued from one that did not */
	__u64 rx_head;
	__u32 rx_qlen;
	__u32 rx_known;		/* rx_head and rx_qlen were read */
	/* reads since skcheck first saw this socket's queue non-empty
	 * (tracepoint sock:sock_recv_length, counted in socket storage);
	 * a count that did not move proves the reader read nothing */
	__u64 rx_reads;
	__u32 reads_known;	/* rx_reads was read */
	__u32 pad;
};

#endif
