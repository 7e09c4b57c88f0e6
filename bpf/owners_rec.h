/* One record per interesting fd of a process: what owners.bpf.c writes
 * to the iterator's seq_file and bpf_owners.c reads.  Plain fixed-size
 * fields only: the BPF side and user space share it. */
#ifndef SKC_OWNERS_REC_H
#define SKC_OWNERS_REC_H

/* what the fd is; the /proc walk tells them apart by the link text */
#define OWNERS_SOCKET 1		/* "socket:[INODE]" (sockfs) */
#define OWNERS_EPOLL 2		/* "anon_inode:[eventpoll]" */
#define OWNERS_URING 3		/* "anon_inode:[io_uring]" */

struct owners_rec {
	__u32 tgid;		/* the process (init pid namespace) */
	__u32 fd;
	__u64 ino;		/* socket inode; 0 for the other kinds */
	__u32 kind;		/* OWNERS_* */
	__u32 pad;
};

#endif
