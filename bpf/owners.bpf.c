// SPDX-License-Identifier: GPL-2.0
/* Socket owners: for every process, its socket fds (fd, socket inode)
 * and its epoll and io_uring fds, as a walk of /proc/PID/fd would find
 * them by readlink, without the readlinks.  Shape after the kernel's
 * selftests progs/bpf_iter_task_file.c. */
#include "skc_core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "owners_rec.h"

char LICENSE[] SEC("license") = "GPL";

/* The fields used here, as CO-RE flavours (libbpf drops the ___own
 * suffix when it matches them against the kernel's BTF), so that
 * skc_core.h's shorter struct inode and struct file stay as they are;
 * the iterator's context (struct bpf_iter__task_file) is skc_core.h's. */
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

struct super_block___own {
	unsigned long s_magic;
};

struct inode___own {
	unsigned long i_ino;
	struct super_block___own *i_sb;
};

struct qstr___own {
	const unsigned char *name;
};

struct dentry___own {
	struct qstr___own d_name;
};

struct path___own {
	struct dentry___own *dentry;
};

struct file___own {
	struct inode___own *f_inode;
	struct path___own f_path;
};

struct task_struct___own {
	int pid;
	int tgid;
};

#pragma clang attribute pop

#define SOCKFS_MAGIC 0x534F434B		/* include/uapi/linux/magic.h */
#define ANON_INODE_FS_MAGIC 0x09041934

/* Is the anon inode's name s (at most 15 characters)?  The link text
 * of such a file is "anon_inode:" and that name (anon_inodefs_dname). */
static __always_inline int name_is(const char *name, const char *s, int len)
{
	int i;

#pragma unroll
	for (i = 0; i < 16; i++) {
		if (i > len)
			break;
		if (name[i] != s[i])
			return 0;
	}
	return 1;
}

static __always_inline __u32 anon_kind(struct file___own *file)
{
	char name[16] = {};
	const unsigned char *p = BPF_CORE_READ(file, f_path.dentry, d_name.name);

	if (bpf_probe_read_kernel_str(name, sizeof(name), p) < 0)
		return 0;
	if (name_is(name, "[eventpoll]", 11))
		return OWNERS_EPOLL;
	if (name_is(name, "[io_uring]", 10))
		return OWNERS_URING;
	return 0;
}

SEC("iter/task_file")
int owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct___own *task = (void *)ctx->task;
	struct file___own *file = (void *)ctx->file;
	struct owners_rec r = {};
	struct inode___own *inode;
	unsigned long magic;

	if (!task || !file)
		return 0;
	/* /proc/PID/fd is the thread group leader's table: a thread with
	 * a table of its own (clone without CLONE_FILES) is not in it.
	 * Threads sharing the leader's table are skipped by the kernel
	 * already (task_file_seq_get_next, skip_if_dup_files). */
	if (task->pid != task->tgid)
		return 0;
	/* direct loads (the context's pointers are BTF-typed): the JIT
	 * makes them plain loads with a fault fixup, where BPF_CORE_READ
	 * would call copy_from_kernel_nofault, ~6 times per file of every
	 * process */
	inode = file->f_inode;
	if (!inode)
		return 0;
	/* sockfs, not S_IFSOCK: an O_PATH fd to a socket file on disk is
	 * S_IFSOCK too, and its link is a path, not "socket:[...]" */
	magic = inode->i_sb->s_magic;
	if (magic == SOCKFS_MAGIC) {
		r.kind = OWNERS_SOCKET;
		r.ino = inode->i_ino;
	} else if (magic == ANON_INODE_FS_MAGIC) {
		r.kind = anon_kind(file);
	}
	if (!r.kind)
		return 0;
	r.tgid = (__u32)task->tgid;
	r.fd = ctx->fd;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
