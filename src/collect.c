#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "bpf_owners.h"
#include "bpf_pinned.h"
#include "cgroup.h"
#include "collect.h"
#include "diag.h"
#include "mptcp.h"
#include "netns.h"
#include "nsdump.h"
#include "nsearly.h"
#include "proccache.h"
#include "procscan.h"
#include "socktab.h"
#include "stop.h"
#include "util.h"
#include "sockstat.h"
#include "meminfo.h"

/* Our namespace: proc_root's self (a recorded tree says which one was
 * current), else the real one. */
static uint64_t own_netns(const char *proc_root)
{
	uint64_t ino = procscan_netns_at(AT_FDCWD, "/proc/self/ns/net");
	char path[4096];

	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root);
	if (strcmp(proc_root, "/proc") != 0 && procscan_netns_at(AT_FDCWD, path))
		ino = procscan_netns_at(AT_FDCWD, path);
	return ino;
}

int collect_ns_fd(struct skc_host *h, struct skc_netns *ns, int nsfd,
		  const struct skc_opts *o, struct skc_err *err)
{
	struct skc_err why = { 0, "" };
	size_t from = h->socks.n;
	int selffd, ret;

	selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (selffd < 0)
		return 0;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		ns->error = xstrdup(strerror(errno));
		ns->state = SKC_NS_FAILED;
		h->partial = true;
		host_warn(h, "netns %llu (found through a socket): %s",
			  (unsigned long long)ns->ino, ns->error);
		close(selffd);
		return 0;
	}
	ret = nsdump_netns(h, ns->ino, o, &why);
	if (ret == 0 && !o->replay_dir)
		pinned_collect_ns(h, from);
	if (netns_leave(selffd, err) < 0) {
		close(selffd);
		return -ENOTRECOVERABLE;
	}
	close(selffd);
	if (ret < 0) {
		ns->error = xstrdup(why.msg);
		ns->state = SKC_NS_FAILED;
		h->partial = true;
		host_warn(h, "netns %llu: %s", (unsigned long long)ns->ino, why.msg);
		return 0;
	}
	if (ns->state == SKC_NS_PENDING)
		ns->state = SKC_NS_COMPLETE;	/* diag marks INCOMPLETE */
	else
		h->partial = true;
	return 0;
}

/* The inode of a process's cgroup2 directory is its cgroup id, which
 * sock_diag reports per inet socket (INET_DIAG_CGROUP_ID): judge uses
 * the two to cross-check the container attribution. */
void collect_cgroup_ids(struct skc_host *h, const char *proc_root)
{
	char path[4096], mnt[1024];
	size_t i;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/self/mountinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return;
	ret = cgroup2_mount_point(f, mnt, sizeof(mnt));
	fclose(f);
	if (ret < 0)
		return;
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];
		struct stat st;

		if (!p->cgroup2 || p->cgroup_id)
			continue;
		snprintf(path, sizeof(path), "%s%s", mnt, p->cgroup2);
		if (stat(path, &st) == 0)
			p->cgroup_id = st.st_ino;
	}
}

/* Use the BPF owner join?  Not on a recorded tree, nor when told not
 * to (SKCHECK_OWNERS=proc); when told to (=bpf) always; --watch loads it
 * once for every sample; a one-shot run only on a host with enough open
 * files that loading pays off (owners_bpf_pays). */
static bool want_bpf_join(const struct skc_opts *o)
{
	if (o->replay_dir || strcmp(o->proc_root, "/proc") != 0)
		return false;
	if (o->owners)
		return strcmp(o->owners, "bpf") == 0;
	return o->watch || owners_bpf_pays();
}

/* Processes and their socket fds: from the BPF iterator when it can be
 * used (want_bpf_join), else by the /proc walk, incremental with a
 * cache.  With BPF a whole join costs less than the cache's checks, so
 * the cache is not used (h->owners_bpf tells sample.c and watch.c). */
static int scan_procs(struct skc_host *h, const struct skc_opts *o, bool light,
		      bool bpf_join, struct proccache *cache, struct skc_err *err)
{
	struct procscan_fdlist list = { 0 };
	char why[256] = "";
	int ret = -ENOTSUP;

	if (!light && bpf_join) {
		ret = owners_bpf_collect(&list, why, sizeof(why));
		if (ret == 0) {
			ret = procscan_run_list(o->proc_root, &h->procs, &list);
			h->owners_bpf = ret == 0;
		}
		free(list.v);
	}
	/* a light sample reads no fds: nothing to join either way */
	if (!light && o->owners && strcmp(o->owners, "bpf") == 0 && !h->owners_bpf)
		return err_set(err, -ENOTSUP, "SKCHECK_OWNERS=bpf: BPF owner join not used: %s",
			       why[0] ? why : "not the real /proc");
	if (h->owners_bpf)
		return 0;
	proctab_free(&h->procs);	/* a failed run_list may have begun */
	ret = cache ? proccache_scan(cache, o->proc_root, &h->procs)
		    : procscan_run(o->proc_root, &h->procs, !light);
	if (ret < 0)
		return err_set(err, ret, "cannot read %s: %s", o->proc_root,
			       strerror(-ret));
	return 0;
}

int collect_host(struct skc_host *h, const struct skc_opts *o, bool light,
		 struct proccache *cache, struct skc_err *err)
{
	struct pinned_plan plan = {
		.off = o->no_pinned ? "pinned pages not collected (--no-pinned)" :
		       o->replay_dir ? "pinned pages not collected (replayed dumps)" : NULL,
		.eager = o->watch || owners_bpf_pays(),
		.iterators_only = o->pinned_walk && strcmp(o->pinned_walk, "iterators") == 0,
	};
	/* once: it reads /proc/sys/fs/file-nr, which moves */
	bool bpf_join = want_bpf_join(o);
	struct nsdump_early *early;
	int ret;

	/* first: an eager load overlaps the /proc walk and the dumps.  The
	 * light sample walks queues too: the read counters it starts are
	 * what proves a datagram reader stopped (track.c) */
	pinned_begin(h, &plan);
	/* our own namespace's dump needs nothing from the process scan:
	 * it runs beside the /proc walk (0.46 -> 0.35 s at 110k sockets).
	 * Not beside the BPF join: that takes ~35 ms, while the BPF load
	 * already has the second core, and the dump's table growing
	 * during libbpf's BTF parse raised peak RSS by 5 MiB */
	h->netns = own_netns(o->proc_root);
	early = bpf_join ? NULL : nsdump_early_start(o, h->netns);
	ret = scan_procs(h, o, light, bpf_join, cache, err);
	if (ret < 0)
		goto fail;
	if (!light)
		collect_cgroup_ids(h, o->proc_root);
	ret = netns_enumerate(&h->procs, o->proc_root, o->netns_dir, h->netns, &h->nets);
	if (ret < 0) {
		ret = err_set(err, ret, "cannot list network namespaces: %s",
			      strerror(-ret));
		goto fail;
	}
	ret = netns_select(&h->nets, &h->procs, &o->netns);
	if (ret == -EACCES)
		ret = err_set(err, ret, "cannot read the network namespace of %s: permission denied (another user's process needs root with CAP_SYS_PTRACE)",
			      o->netns_arg);
	else if (ret == -ESRCH)
		ret = err_set(err, ret, "no such network namespace: %s: no process with that pid",
			      o->netns_arg);
	else if (ret < 0)
		ret = err_set(err, ret, "no such network namespace: %s", o->netns_arg);
	if (ret < 0)
		goto fail;
	ret = nsdump_all(h, o, early, err);
	/* also on failure: it empties the page map for the next sample */
	pinned_end(h);
	if (ret < 0)
		return ret;
	if (meminfo_read(o->proc_root, &h->memory) < 0)
		host_warn(h, "cannot read %s/meminfo", o->proc_root);
	mptcp_link(&h->socks);
	if (sockstat_read(o->proc_root, &h->sockstat) < 0)
		host_warn(h, "cannot read %s/net/sockstat", o->proc_root);
	/* ListenOverflows feeds a counter and its events: unknown is 0 */
	if (netstat_read(o->proc_root, &h->listen_overflows, &h->listen_drops) < 0)
		host_warn(h, "cannot read %s/net/netstat", o->proc_root);
	return 0;
fail:
	nsdump_early_cancel(early);
	return ret;
}

/* Leak checks need every namespace dumped: a namespace we could not
 * reach, even one that looked vanished, may still hold sockets through
 * fds passed to other processes. */
static bool all_namespaces_dumped(const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nets.n; i++)
		if (h->nets.v[i].state != SKC_NS_COMPLETE)
			return false;
	return true;
}

/* Does pid's fd (its /proc path into path) still hold the socket with
 * this inode?  A busy process
 * closes sockets and reuses their fd numbers for new ones: a socket the
 * dumps did not find because it was closed meanwhile is not leaked. */
static bool fd_holds(const char *proc_root, pid_t pid, int fd, uint64_t inode,
		     char *path, size_t len)
{
	struct stat st;

	snprintf(path, len, "%s/%d/fd/%d", proc_root, (int)pid, fd);
	return stat(path, &st) == 0 && st.st_ino == inode;
}

static void check_fd(struct skc_proc *p, const char *proc_root, int fd,
		     uint64_t inode)
{
	char path[4096], name[16];
	ssize_t n;

	if (!fd_holds(proc_root, p->pid, fd, inode, path, sizeof(path)))
		return;
	n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (n <= 0)
		return;		/* closed meanwhile, or an old kernel */
	name[n] = '\0';
	/* only TCP: an unbound UDP socket kept for ioctl()s is normal,
	 * and every UNIX socket is in the dump */
	if (strncmp(name, "TCP", 3) != 0)
		return;
	grow_array((void **)&p->leaks, &p->leaks_cap, p->nleaks + 1, sizeof(*p->leaks));
	p->leaks[p->nleaks].fd = fd;
	p->leaks[p->nleaks].inode = inode;
	memcpy(p->leaks[p->nleaks].proto, name, (size_t)n + 1);
	p->nleaks++;
}

/* Namespace ns's TCP sockets that an fd can hold, now, into t. */
static int held_in(struct skc_host *h, struct skc_netns *ns, int selffd,
		   const char *proc_root, struct skc_socktab *t,
		   struct skc_err *err)
{
	struct mnl_socket *nl;
	struct skc_err nerr = { 0, "" };
	bool foreign = ns->ino != h->netns;
	int ret;

	if (foreign && netns_enter(&h->procs, ns, proc_root, NULL) < 0)
		return 0;	/* not reachable now: keep the candidates */
	ret = nl_open_diag(&nl);
	if (ret == 0) {
		ret = diag_tcp_held(nl, ns->ino, t, &nerr);
		mnl_socket_close(nl);
	}
	/* unknown: the candidates stay, said so */
	if (ret < 0)
		host_warn(h, "netns %llu: TCP sockets unknown for the leak check (%s): leaked sockets may include bound or new ones",
			  (unsigned long long)ns->ino, nerr.msg[0] ? nerr.msg : strerror(-ret));
	return foreign ? netns_leave(selffd, err) : 0;
}

/* A second look, only in the namespaces of processes that have
 * candidates, at every TCP socket an fd can hold, and the candidates it
 * finds are dropped:
 *  - a socket that is bound but neither listening nor connected is in
 *    no regular dump; it is not leaked (TCP_BOUND_INACTIVE: the query
 *    walks the whole bind hash, hence only when needed);
 *  - a socket that got its fd after its namespace's dump (accept(),
 *    connect(): our own namespace is dumped beside the /proc walk,
 *    nsdump_early_start) was not in it, and is not leaked either. */
static int drop_held(struct skc_host *h, const struct skc_opts *o,
		     struct skc_err *err)
{
	struct skc_socktab held = { 0 };
	char path[4096];
	int selffd = -1, ret = 0;
	size_t i, j, k;

	for (i = 0; i < h->nets.n && ret == 0; i++) {
		for (j = 0; j < h->procs.n; j++)
			if (h->procs.v[j].nleaks && h->procs.v[j].netns == h->nets.v[i].ino)
				break;
		if (j == h->procs.n)
			continue;
		if (selffd < 0)
			selffd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (selffd < 0)
			break;
		/* a recording has no kernel to ask: the candidates stay */
		ret = o->replay_dir ? 0 :
		      held_in(h, &h->nets.v[i], selffd, o->proc_root, &held, err);
	}
	if (selffd >= 0)
		close(selffd);
	socktab_index(&held);
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		/* and after that look, the fd must still hold it: closed
		 * between the first check and the dump, it was in neither */
		for (j = k = 0; j < p->nleaks; j++)
			if (socktab_find(&held, p->leaks[j].inode) < 0 &&
			    fd_holds(o->proc_root, p->pid, p->leaks[j].fd, p->leaks[j].inode,
				     path, sizeof(path)))
				p->leaks[k++] = p->leaks[j];
		p->nleaks = k;
	}
	socktab_free(&held);
	return ret;
}

/* Could an unmatched fd be a leak?  Only if the dump of its socket's
 * own namespace is complete: when SIOCGSKNS told us which namespace
 * (sockns.c), that one; otherwise every namespace must be. */
static bool leak_checkable(const struct skc_host *h, const struct skc_sockfd *f,
			   bool all_dumped)
{
	long k;

	if (!f->netns)
		return all_dumped;
	k = netns_find(&h->nets, f->netns);
	return k >= 0 && h->nets.v[k].state == SKC_NS_COMPLETE;
}

int collect_leaks(struct skc_host *h, const struct skc_opts *o,
		  struct skc_err *err)
{
	size_t i, j, n = 0;
	/* a socket of a namespace we did not dump would look leaked */
	bool all = o->netns.kind == NETNS_ALL && all_namespaces_dumped(h);

	h->leaks_checked = all;
	for (i = 0; i < h->procs.n; i++) {
		struct skc_proc *p = &h->procs.v[i];

		for (j = 0; j < p->nfds && p->unmatched; j++)
			if (p->fds[j].sock < 0 && leak_checkable(h, &p->fds[j], all))
				check_fd(p, o->proc_root, p->fds[j].fd, p->fds[j].inode);
		n += p->nleaks;
	}
	return n ? drop_held(h, o, err) : 0;
}
