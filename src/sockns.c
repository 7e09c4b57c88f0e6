/* Namespaces that only sockets keep alive.  A daemon can create sockets
 * in a fresh network namespace and setns() back; the namespace then has
 * no process and no name, so neither /proc/PID/ns/net nor /run/netns
 * leads to it, and its sockets match no dump.  The socket itself knows:
 * duplicate the fd (pidfd_getfd) and ask SIOCGSKNS, as util-linux lsfd
 * does, then dump that namespace too. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sockios.h>

#include "collect.h"
#include "mptcp.h"
#include "sockns.h"
#include "socktab.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* The network namespace of process pidfd's socket fd, as an open
 * namespace file (SIOCGSKNS needs CAP_NET_ADMIN over it: sock_ioctl).
 * -errno when the fd is gone, not a socket, or we may not look. */
static int socket_ns(int pidfd, int fd)
{
	int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0), ns;

	if (dup < 0)
		return -errno;
	ns = ioctl(dup, SIOCGSKNS);
	if (ns < 0)
		ns = -errno;
	close(dup);
	return ns;
}

static struct skc_netns *add_hidden(struct skc_host *h, uint64_t ino, pid_t pid, int fd)
{
	struct skc_netns *ns;

	grow_array((void **)&h->nets.v, &h->nets.cap, h->nets.n + 1, sizeof(*h->nets.v));
	ns = &h->nets.v[h->nets.n++];
	memset(ns, 0, sizeof(*ns));
	ns->ino = ino;
	ns->via_socket = true;
	ns->via_pid = pid;
	ns->via_fd = fd;
	return ns;
}

/* Look up the namespace of each of p's unmatched socket fds; dump the
 * ones nobody enumerated.  *added counts the namespaces dumped. */
static int proc_sockets_ns(struct skc_host *h, struct skc_proc *p,
			   const struct skc_opts *o, unsigned *added,
			   struct skc_err *err)
{
	int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	int ret = 0;
	size_t j;

	if (pidfd < 0)
		return 0;	/* gone, or too old a kernel: nothing learnt */
	for (j = 0; j < p->nfds && ret == 0; j++) {
		struct skc_sockfd *f = &p->fds[j];
		struct stat st;
		int nsfd;

		f->netns = 0;
		if (f->sock >= 0)
			continue;
		nsfd = socket_ns(pidfd, f->fd);
		if (nsfd < 0)
			continue;
		if (fstat(nsfd, &st) == 0) {
			f->netns = st.st_ino;
			if (netns_find(&h->nets, st.st_ino) < 0) {
				struct skc_netns *ns = add_hidden(h, st.st_ino, p->pid, f->fd);

				ret = collect_ns_fd(h, ns, nsfd, o, err);
				*added += netns_scanned(ns);
			}
		}
		close(nsfd);
	}
	close(pidfd);
	return ret;
}

int sockns_discover(struct skc_host *h, const struct skc_opts *o,
		    struct skc_err *err)
{
	unsigned added = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < h->procs.n && ret == 0; i++)
		if (h->procs.v[i].unmatched)
			ret = proc_sockets_ns(h, &h->procs.v[i], o, &added, err);
	if (ret < 0 || !added)
		return ret;
	/* new sockets: link subflows, index and join again */
	mptcp_link(&h->socks);
	socktab_index(&h->socks);
	return 1;
}
