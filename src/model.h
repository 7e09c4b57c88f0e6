/* The host model: what collection fills, join links, judge annotates and
 * renderers read.  Plain data, no behaviour. */
#ifndef SKC_MODEL_H
#define SKC_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>
#include <linux/sock_diag.h>

#include "figures.h"

#define SKC_PROTO_BIT(p) (1u << (p))

/* Kernel socket states (include/net/tcp_states.h); UNIX sockets report
 * the same numbers (unix_diag), unconnected UDP and UNIX TCP_CLOSE. */
enum skc_state {
	SKC_ST_ESTABLISHED = 1, SKC_ST_SYN_SENT = 2, SKC_ST_TIME_WAIT = 6,
	SKC_ST_CLOSE = 7, SKC_ST_CLOSE_WAIT = 8, SKC_ST_LAST_ACK = 9,
	SKC_ST_LISTEN = 10, SKC_ST_CLOSING = 11, SKC_ST_NEW_SYN_RECV = 12,
	SKC_ST_BOUND_INACTIVE = 13,	/* Linux 6.5+ */
};
#define SKC_STATE_BIT(st) (1u << (st))
#define SKC_PROTO_ALL ((1u << SKC_PROTO_MAX) - 1)

/* Socket flags; the man page documents each rule (FLAGS). */
enum skc_flag {
	SKC_F_RESIDUE = 1u << 0,
	SKC_F_RCVBUF_FULL = 1u << 1,
	SKC_F_DROPS = 1u << 2,
	SKC_F_ACCEPT_FULL = 1u << 3,
	SKC_F_STALLED = 1u << 4,	/* needs two samples (track.c) */
	SKC_F_TX_STALLED = 1u << 5,
	SKC_F_ACCEPT_STALLED = 1u << 6,
	SKC_F_LEAKED = 1u << 7,		/* process: holds a closed TCP socket */
	SKC_F_PINS_PAGES = 1u << 8,	/* pinned bytes far above truesize */
	SKC_F_CONNECT_STALLED = 1u << 9,	/* SYN-SENT for the window */
	/* a datagram queue that showed no progress for the window, where
	 * nothing can prove the reader stopped (UDP and UNIX datagram
	 * sockets have no consumed-bytes counter): information, it does
	 * not flag a process (SKC_F_VERDICTS) */
	SKC_F_NO_PROGRESS = 1u << 10,
	/* process flags: the socket-leak checks of sysak skcheck */
	SKC_F_CLOSE_WAIT = 1u << 11,	/* >= --close-wait sockets in CLOSE-WAIT */
	SKC_F_MANY_SOCKETS = 1u << 12,	/* >= --many-sockets socket fds */
	SKC_F_LEAKED_SOCKETS = 1u << 13, /* >= --leaked-sockets leaked fds */
	SKC_F_UNWATCHED = 1u << 14,	/* no thread waits for its input (why.c) */
};
#define SKC_NFLAGS 15
/* Flags judged on a process's fds as a whole, not on its sockets. */
#define SKC_F_PROC_COUNTS (SKC_F_LEAKED | SKC_F_CLOSE_WAIT | SKC_F_MANY_SOCKETS | \
			   SKC_F_LEAKED_SOCKETS)
/* The flags that are verdicts: they count as flagged (exit status 1). */
#define SKC_F_VERDICTS (((1u << SKC_NFLAGS) - 1) & ~SKC_F_NO_PROGRESS)
#define SKC_F_ANY_STALL (SKC_F_STALLED | SKC_F_TX_STALLED | SKC_F_ACCEPT_STALLED | \
			 SKC_F_CONNECT_STALLED)

/* Container and pod of a process, from its cgroup path (cgroup.c). */
struct skc_container {
	char runtime[16];	/* containerd, cri-o, docker, podman, "" */
	char id[80];		/* full container id, "" if none */
	char pod[48];		/* Kubernetes pod UID (dashes), "" if none */
	char qos[16];		/* guaranteed, burstable, besteffort, "" */
};

struct skc_endpoint {
	uint8_t addr[16];	/* network byte order, 4 or 16 bytes used */
	uint16_t port;		/* host byte order */
};

struct skc_owner {
	uint32_t proc;		/* index into skc_proctab.v */
	int fd;
};

/* Fields few sockets set, kept out of the record every socket has (at
 * 100k sockets each byte of skc_sock is 100 KB): a socket gets one on
 * the first write (sock_rare_w), readers see zeros where it has none
 * (sock_rare).  Owned by the socket (socktab_release frees it). */
struct skc_sock_rare {
	char ifname[IF_NAMESIZE];	/* of ifindex, "" unknown (links.c) */
	uint32_t sproto;	/* raw: IP protocol; packet: ethertype (host
				 * order); netlink: NETLINK_* protocol */
	uint32_t portid, peer_portid;	/* netlink port ids; vsock ports */
	uint32_t cid, peer_cid;	/* vsock context ids */
	uint32_t mptcp_token;	/* MPTCP socket, or subflow: its MPTCP
				 * connection's local token (0: unknown) */
	uint32_t nsubflows;	/* MPTCP socket: subflows joined to it */
	uint32_t rx_qlen;	/* BPF: the receive queue's length in skbs
				 * (with rx_head, below: has_rx_head) */

	/* judge */
	uint64_t pending_bytes;	/* listeners: unread bytes of queued children */
	uint64_t pending_mem;	/* listeners: memory of queued children */
	uint64_t pending_pinned;	/* listeners: pinned bytes of queued children */
	/* UNIX datagram receivers: wmem_alloc of the connected senders
	 * (their memory holds this queue: unix_dgram_sendmsg charges the
	 * sender), so a fall means the reader consumed */
	uint64_t peer_wmem;
	uint32_t accept_q, accept_max;	/* listeners only */
	/* why.c (stalled and residue sockets only), else NULL */
	struct skc_why *why;

	/* track (only with two samples or more) */
	/* seconds this socket has been seen in CLOSE-WAIT (the peer
	 * closed, the application did not), at least; 0 on a first look */
	double close_wait_age;
	double stall_since;	/* wall clock, of the oldest active stall */
	double growth;		/* recv_q bytes per second over the stall */
	double drops_rate;	/* drops per second since the last sample */

	/* The receive queue's head skb (its address, an identity only) and
	 * length in skbs, where a BPF iterator could read them
	 * (has_rx_head): a head that stays while the queue is not empty
	 * proves the reader read nothing (UDP, UNIX datagrams). */
	uint64_t rx_head;	/* its queue's length: rx_qlen, above */
	/* Reads of a queued socket's reader (UDP, UNIX, packet, raw,
	 * netlink, MPTCP) since skcheck's BPF counters first saw its queue
	 * non-empty (has_rx_reads; tracepoint sock:sock_recv_length in
	 * sock_recvmsg_nosec, bpf/pinned.bpf.c).  Unlike the head's
	 * address, which a busy reader at a full queue brings back (slab
	 * reuse), a count that stayed proves no read. */
	uint64_t rx_reads;
};

/* One socket.  Ordered by size to leave no padding, bools as bits: the
 * table holds one per socket of the host (200 bytes on 64-bit
 * machines, 1 of them tail padding). */
struct skc_sock {
	uint64_t cookie;
	struct skc_sock_rare *rare;	/* NULL: all zero (sock_rare) */
	uint64_t bytes_received, bytes_acked;	/* tcp_info */
	uint64_t cgroup_id;

	/* join */
	struct skc_owner *owners;	/* a range of skc_socktab.owners, or NULL */

	/* judge */
	uint64_t pinned;	/* bytes of pages its queues pin (bpf_pinned.c) */

	/* Where it is: the inet families (TCP, UDP, raw, MPTCP, SCTP) have
	 * endpoints, AF_UNIX a path and a peer; the two share storage, so
	 * read each only for its family (packet, netlink and vsock sockets
	 * keep theirs in the rare record and leave these zero). */
	union {
		struct {
			struct skc_endpoint local, peer;
			/* tcp_info (TCP only: tcp_times): milliseconds
			 * since data last arrived / was last sent
			 * (tcp_get_info: now - icsk_ack.lrcvtime /
			 * tp->lsndtime), and the segments sent but not
			 * acknowledged */
			uint32_t last_data_recv, last_data_sent, unacked;
		};
		struct {
			/* raw bytes, abstract names start with NUL; NULL:
			 * unnamed.  In the table's string pool (socktab.h). */
			char *unix_path;
			uint32_t unix_path_len;
			uint32_t unix_peer;	/* peer inode, 0 if none */
		};
	};

	/* sock_diag reports both as 32 bits (idiag_inode, udiag_ino; a
	 * namespace's inum is an unsigned int: ns_common) */
	uint32_t inode;		/* 0: no fd (accept queue, orphan) */
	uint32_t netns;		/* inode of the network namespace */
	/* judge: unread bytes (0 for listeners), unsent bytes, and drops
	 * (sk_drops, an atomic_t: SK_MEMINFO_DROPS) */
	uint32_t recv_q, send_q, drops;
	uint32_t rqueue, wqueue;	/* raw Recv-Q / Send-Q from the kernel */
	uint32_t uid;
	uint32_t ifindex;
	uint32_t skmem[SK_MEMINFO_VARS];
	uint32_t nowners;	/* join */
	int32_t listener;	/* pending child: index of its listener, else -1 */
	int32_t parent;		/* MPTCP subflow: index of its MPTCP socket, else -1 */
	unsigned flags;		/* judge */

	uint8_t proto;		/* enum skc_proto */
	uint8_t family;		/* AF_INET, AF_INET6, AF_UNIX, AF_PACKET,
				 * AF_NETLINK, AF_VSOCK */
	uint8_t type;		/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;		/* kernel TCP_* numbering (UNIX uses the same) */
	int8_t cgroup_match;	/* judge: socket's cgroup id vs. its owner's:
				 * 1, 0, -1 unknown */
	bool subflow : 1;	/* TCP subflow of an MPTCP socket (no fd) */
	bool has_skmem : 1, has_tcpi : 1, has_cgroup : 1;
	bool has_tcp_times : 1;
	bool has_rx_head : 1;	/* rare: rx_head, rx_qlen */
	bool has_rx_reads : 1;	/* rare: rx_reads */
	/* join: listener of a SO_REUSEPORT group in which several members
	 * have queued connections: which waits where is unknown (join.c) */
	bool pending_ambiguous : 1;
	bool pinned_capped : 1;	/* judge: a lower bound: queue longer than walked */
	bool matches : 1;	/* judge: passes the protocol and port filters */
};

/* How long data has waited, in seconds, -1 when unknown: every unread
 * byte arrived at least sock_unread_age ago (TCP, Recv-Q > 0); every
 * unacknowledged byte was sent at least sock_unsent_age ago (TCP, Send-Q
 * > 0 with segments in flight, not SYN-SENT).  From tcp_info's clocks
 * and the judged queues (judge_socket). */
double sock_unread_age(const struct skc_sock *s);
double sock_unsent_age(const struct skc_sock *s);

/* The memory holding a socket's queues, in bytes (what ss -m shows as
 * r and t/w): rmem_alloc plus the larger of wmem_queued and wmem_alloc.
 * UNIX data is charged to the sender (skb_set_owner_w in
 * unix_stream_sendmsg), so its wmem_alloc holds the receiver's queue;
 * TCP's write queue is wmem_queued, which covers wmem_alloc.  0 without
 * skmem. */
static inline uint64_t sock_mem(const struct skc_sock *s)
{
	uint64_t wmem;

	if (!s->has_skmem)
		return 0;
	wmem = s->skmem[SK_MEMINFO_WMEM_QUEUED];
	if (s->skmem[SK_MEMINFO_WMEM_ALLOC] > wmem)
		wmem = s->skmem[SK_MEMINFO_WMEM_ALLOC];
	return s->skmem[SK_MEMINFO_RMEM_ALLOC] + wmem;
}

/* The rarely set fields of s: zeros where it has none. */
static inline const struct skc_sock_rare *sock_rare(const struct skc_sock *s)
{
	static const struct skc_sock_rare none;

	return s->rare ? s->rare : &none;
}
/* The rarely set fields of s, to write: allocated (zeroed) on the first
 * call.  Aborts on out of memory. */
struct skc_sock_rare *sock_rare_w(struct skc_sock *s);

/* A block of the socket table's string pool: the bytes of many
 * sockets' strings (UNIX paths) in one allocation, never moved, freed
 * with the table (socktab_strdup). */
struct skc_strblock {
	struct skc_strblock *next;
	size_t used, cap;
	char data[];
};

struct skc_socktab {
	struct skc_sock *v;
	size_t n, cap;
	struct skc_strblock *strings;	/* newest block first */
	/* open addressing inode -> index+1; 0 marks an empty slot */
	uint32_t *slots;
	size_t nslots;
	/* join: every socket's owners in one block, each socket's a range
	 * (one allocation instead of one array per socket) */
	struct skc_owner *owners;
	size_t nowners;
};

/* A socket held only as a registered (fixed) file of an io_uring ring
 * is owned through the ring's fd and slot, encoded in a negative fd
 * (-1 means "no fd"): ring fds below 32768 and slots below 65536. */
#define SKC_FD_RING(ring, slot) (-2 - ((int)(ring) << 16 | (int)(slot)))
#define SKC_FD_IS_RING(fd) ((fd) <= -2)
#define SKC_FD_RING_FD(fd) ((-2 - (fd)) >> 16)
#define SKC_FD_RING_SLOT(fd) ((-2 - (fd)) & 0xffff)

/* One per socket fd of the host: 24 bytes, no padding. */
struct skc_sockfd {
	uint64_t inode;
	uint64_t netns;		/* unmatched fds: the socket's namespace
				 * (SIOCGSKNS, sockns.c), 0 unknown */
	int fd;			/* or SKC_FD_RING(ring fd, slot) */
	int32_t sock : 31;	/* join: index into skc_socktab.v, or -1 */
	bool matched : 1;	/* the last join found the inode */
};

/* Where a socket is bound, copied out of it for what outlives it
 * (events); format_where renders it. */
struct skc_where {
	uint8_t family;		/* 0: unknown */
	struct skc_endpoint ep;
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint16_t path_len;
	char path[108];		/* UNIX: sun_path bytes (UNIX_PATH_MAX) */
};

/* One socket listed under a process: rollup picks and orders them. */
struct skc_listed {
	uint32_t sock;		/* index into skc_socktab.v */
	int fd;			/* the lowest fd the process holds it by */
};

/* A socket fd whose socket no dump knows: a TCP socket that is closed
 * (reset, failed connect) yet still open in the application. */
struct skc_leak {
	int fd;
	uint64_t inode;
	char proto[16];		/* system.sockprotoname */
};

struct skc_proc {
	pid_t pid;
	uid_t uid;
	char comm[64];
	char *cmdline;		/* NUL-separated args joined by spaces */
	uint64_t netns;
	char *cgroup;		/* cgroup path the container came from */
	char *cgroup2;		/* cgroup v2 path ("0::" line), or NULL */
	uint64_t cgroup_id;	/* inode of that cgroup2 directory, 0: unknown */
	struct skc_container cont;
	struct skc_sockfd *fds;
	size_t nfds, fds_cap;
	int *rings;		/* io_uring fds (anon_inode:[io_uring]) */
	size_t nrings, rings_cap;
	int *waitfds;		/* epoll and io_uring fds, for why.c */
	size_t nwaitfds, waitfds_cap;
	uint64_t dir_ino;	/* /proc/PID inode: tells a reused pid apart */
	/* Why its fds could not all be read: 0, EACCES/EPERM (ptrace access
	 * denied: proc_fd_access_allowed), or our own failure (EMFILE...).
	 * Such a process is not inspected: it may hold sockets we miss. */
	int fds_errno;
	uint32_t fds_unread;	/* fds whose target could not be read */
	long nfd_total;		/* open fds of any kind (stat of fd/) */
	bool reused;		/* fds carried over from the last sample */

	/* join */
	uint32_t unmatched;	/* socket fds with no diag entry */
	struct skc_leak *leaks;
	size_t nleaks, leaks_cap;

	/* judge (reset for a carried-over process by proc_reset_sample) */
	struct skc_figures fig;	/* its matching sockets, each once;
				 * fig.flags also carries the process
				 * flags (SKC_F_PROC_COUNTS) */
	double close_wait_oldest;	/* seconds the oldest CLOSE-WAIT was seen */
	bool matches;		/* passes the selection filters */
	bool selected;		/* listed: matches, ranked within --top */
	int32_t cont_idx;	/* index into skc_host.conts */
	int32_t cmd_idx;	/* index into skc_host.cmds, -1: none */
	struct skc_listed *listed;	/* rollup: its sockets to list, worst
					 * first (listed processes only) */
	size_t nlisted;
	unsigned why_kinds;	/* why.c: bits of enum skc_why_kind, the
				 * verdicts of its sockets */
};

struct skc_proctab {
	struct skc_proc *v;
	size_t n, cap;
	unsigned scanned, vanished;
	unsigned denied;	/* fds not readable: permission denied */
	unsigned failed;	/* fds not readable: our own failure */
	int failed_errno;	/* the first such failure */
};

/* What one sample knows of a namespace's sockets.  The one definition
 * that collection (the partial flag), the tracker (carry entries over
 * or close them) and the renderers share: see netns_sockets_known(). */
enum skc_ns_state {
	SKC_NS_PENDING,		/* not dumped (yet): unknown */
	SKC_NS_COMPLETE,	/* every dump succeeded: sockets known */
	SKC_NS_INCOMPLETE,	/* entered, but some dump failed: unknown */
	SKC_NS_FAILED,		/* could not be entered or dumped: unknown */
	SKC_NS_DENIED,		/* not privileged to enter it: unknown */
	SKC_NS_VANISHED,	/* gone before we could enter it: no sockets */
};

/* Why a sample is partial: what it could not look at.  A partial
 * sample never reads as "all clear" (exit status 4, skcheck(8)). */
enum skc_partial {
	SKC_PARTIAL_NETNS = 1u << 0,	/* namespaces not entered */
	SKC_PARTIAL_DUMP = 1u << 1,	/* a dump failed in one that was */
	/* processes whose fds were not read, and sockets with something
	 * queued that no visible process holds (they may be theirs) */
	SKC_PARTIAL_UNATTRIBUTED = 1u << 2,
};
#define SKC_NPARTIAL 3

/* A network namespace that was (or could not be) dumped. */
struct skc_netns {
	uint64_t ino;
	char *name;		/* `ip netns` name, or NULL */
	char *path;		/* what setns() opens */
	pid_t pid;		/* a process living there, 0 if none */
	enum skc_ns_state state;
	bool via_socket;	/* found only through a socket in it
				 * (SIOCGSKNS): no process lives there */
	pid_t via_pid;		/* that socket's holder and fd */
	int via_fd;
	char *error;		/* why it was not dumped, or NULL */
	struct skc_figures fig;	/* judge: its sockets */
};

struct skc_netnstab {
	struct skc_netns *v;
	size_t n, cap;
};

struct skc_sockstat {
	bool valid;
	long sockets_used;
	long tcp_inuse, tcp_orphan, tcp_tw, tcp_alloc, tcp_mem;
	long udp_inuse, udp_mem, udplite_inuse;
	long frag_memory;	/* bytes, FRAG plus FRAG6 */
	long tcp6_inuse, udp6_inuse;	/* sockstat6 */
	bool valid6;		/* sockstat6 read: its counts are known */
};

/* Host memory (meminfo.c, rollup_mem.c), bytes.  The parts add up to
 * total; SKC_MEM_UNACCOUNTED is the remainder no counter names. */
enum skc_mem_part {
	SKC_MEM_FREE, SKC_MEM_FREE_PCP, SKC_MEM_ANON, SKC_MEM_FILE, SKC_MEM_SHMEM,
	SKC_MEM_SLAB_RECLAIMABLE, SKC_MEM_SLAB_UNRECLAIMABLE,
	SKC_MEM_KERNEL_STACK, SKC_MEM_PAGE_TABLES, SKC_MEM_VMALLOC,
	SKC_MEM_PERCPU, SKC_MEM_HUGETLB, SKC_MEM_KERNEL_OTHER,
	SKC_MEM_UNACCOUNTED, SKC_MEM_PARTS
};

struct skc_memory {
	bool valid;		/* /proc/meminfo was read */
	uint64_t total, available;
	int64_t part[SKC_MEM_PARTS];	/* unaccounted < 0: counters overlap */
	uint64_t applications, kernel;	/* anon+file+shmem; named kernel parts */
	/* rollup_mem.c */
	uint64_t sockstat_bytes;	/* TCP + UDP + FRAG mem of sockstat */
	uint64_t sockstat_tcp, sockstat_udp;	/* its TCP and UDP pages, in bytes */
	uint64_t truesize, pinned;	/* every socket once */
	uint64_t unread[SKC_PROTO_MAX];	/* RECV-Q by protocol */
	bool pinned_valid;
	bool suspect;		/* the memory-suspect host flag */
};

/* Per-container rollup (processes outside containers share one "host"
 * row with an empty id). */
struct skc_cont_row {
	const struct skc_container *c;
	uint32_t nprocs;
	struct skc_figures fig;	/* its processes' matching sockets, each once */
	size_t last_sock;	/* rollup: socket index + 1 counted last */
};

/* Per-command rollup (rollup_cmd.c): the matching processes of one
 * command in one container and pod, for series that outlive a pid. */
struct skc_cmd_row {
	const struct skc_proc *p;	/* the first: comm, cont */
	uint32_t nprocs, nflagged;	/* processes; those with a verdict flag */
	struct skc_figures fig;	/* their matching sockets, each once */
	size_t last_sock;	/* rollup: socket index + 1 counted last */
};

enum skc_event_kind {
	EV_STALL_BEGIN, EV_STALL_END, EV_TX_STALL_BEGIN, EV_TX_STALL_END,
	EV_ACCEPT_STALL_BEGIN, EV_ACCEPT_STALL_END, EV_ACCEPT_OVERFLOW,
	EV_DROPS, EV_CONNECT_STALL_BEGIN, EV_CONNECT_STALL_END, EV_KINDS
};

/* Why a stall ended (end_reason_name). */
enum skc_end_reason { SKC_END_NONE, SKC_END_RECOVERED, SKC_END_CLOSED };

struct skc_event {
	double time;		/* wall clock */
	enum skc_event_kind kind;
	pid_t pid;		/* 0: no owner known */
	int fd;
	char comm[64];
	uint64_t inode;
	uint8_t proto;
	enum skc_end_reason reason;	/* stall end events only */
	uint64_t recv_q, send_q;
	uint64_t value;		/* drops delta, accept queue, overflows */
	double duration;	/* stall end: how long it lasted */
	struct skc_where where;	/* local address, family 0 when unknown */
	char why[24];		/* stall begin: the verdict (why.c), or "" */
	char why_detail[256];
	bool quiet;		/* evgate.c: a stall below --stall-event-min,
				 * left out of event lines (JSON has it) */
};

/* What the diagnosis line names (diagnose.c), worst kind first: the
 * order of this enum is the order of the line. */
enum skc_finding_kind {
	FIND_STALLED, FIND_ACCEPT_STALLED, FIND_ACCEPT_FULL, FIND_TX_STALLED,
	FIND_CONNECT_STALLED, FIND_MEMORY_SUSPECT, FIND_PINS_PAGES,
	FIND_RCVBUF_FULL, FIND_DROPS, FIND_LEAKED, FIND_CLOSE_WAIT,
	FIND_MANY_SOCKETS, FIND_RESIDUE, FIND_PARTIAL, FIND_KINDS
};

/* One finding: a process (pid 0: no process, or the host) and, where the
 * finding is one socket's, that socket; figures in the units named. */
struct skc_finding {
	enum skc_finding_kind kind;
	pid_t pid;
	char comm[64];
	int fd;			/* -1: not one socket's */
	uint64_t inode;
	uint8_t proto;
	struct skc_where where;	/* family 0: not one socket's */
	struct skc_where peer;	/* connect-stalled: where it connects */
	char what[16];		/* leaked: the fds' protocol ("TCP") */
	uint64_t bytes;		/* unread, unsent, pinned, or unaccounted */
	uint64_t count;		/* connections queued, drops, fds, sockets */
	uint64_t limit;		/* accept queue limit, receive buffer */
	uint64_t mem;		/* pins-pages: truesize; memory-suspect:
				 * bytes the socket queues pin */
	uint32_t nsocks;	/* sockets of this process of this kind */
	uint64_t total;		/* their main figure summed (bytes, or the
				 * count where a kind has no bytes) */
	double age;		/* seconds the data (or stall) waited at
				 * least, -1 unknown */
	const char *why;	/* why.c verdict name (static), or NULL */
};

struct skc_host {
	struct skc_socktab socks;
	struct skc_proctab procs;
	struct skc_sockstat sockstat;
	struct skc_memory memory;
	uint64_t netns;		/* our own namespace */
	struct skc_netnstab nets;
	bool partial;		/* partial_why != 0 */
	unsigned partial_why;	/* enum skc_partial bits */
	/* judge, when processes the selection covers were not inspected:
	 * selected sockets that have an inode (an fd could hold them), no
	 * visible owner, and something queued or flagged; their bytes */
	uint64_t unattributed_socks, unattributed;
	unsigned uninspected;	/* processes not inspected that the
				 * selection covers */
	bool leaks_checked;	/* every namespace was dumped */
	bool pinned_avail;	/* pinned figures were collected */
	bool owners_bpf;	/* socket fds came from the BPF iterator
				 * (bpf_owners.c), not a /proc walk */
	char *pinned_why;	/* why not, when not */
	/* how each family was dumped: "sock_diag", "procfs" (raw without
	 * raw_diag), "unavailable" (the kernel offers neither), NULL: not
	 * tried.  Static strings. */
	const char *family_src[SKC_PROTO_MAX];
	char **warnings;
	size_t nwarnings, warnings_cap;

	/* judge */
	struct skc_figures total;	/* every socket, once */
	struct skc_figures protos[SKC_PROTO_MAX];	/* total, by protocol */
	struct skc_figures selected;	/* sockets of listed processes, once */
	struct skc_proc **ranked;	/* listed processes, best first */
	size_t nranked;
	struct skc_cont_row *conts;	/* --by container */
	size_t nconts;
	struct skc_cont_row **ranked_conts;
	size_t nranked_conts;
	struct skc_cmd_row *cmds;	/* by command, every matching process */
	size_t ncmds;
	/* processes with anything queued or flagged (figures_any; not the
	 * residue flag, which is a threshold), with any flag */
	unsigned procs_queued, procs_flagged;
	/* sockets no process holds, one process-like row per namespace
	 * (pid 0, fds -1; rollup_unowned.c); listed ones have selected set */
	struct skc_proc *unowned;
	size_t nunowned, unowned_cap;
	struct skc_figures unowned_total;
	bool unowned_known;	/* every process's fds could be read: the
				 * unowned rows hold sockets with an inode too */
	unsigned procs_matching;	/* pass the selection filters */
	unsigned cut_procs, cut_queued, cut_flagged;	/* left out by --top */

	/* track: the sample this model is, and what changed since the last */
	double time;		/* wall clock of the sample */
	unsigned long tick;
	bool tracked;		/* stall verdicts are meaningful */
	double window;		/* stall window in seconds */
	struct skc_event *events;
	size_t nevents, events_cap;
	uint64_t listen_overflows, listen_drops;	/* /proc/net/netstat */
	double listen_overflow_rate;
	double duration;	/* collection + judgement, seconds */
	/* the driver: seconds from the run's start (the one-shot's first
	 * sample, --settle included; a watch sample's start) to rendering */
	double run_duration;

	/* diagnose.c: every finding, worst first */
	struct skc_finding *findings;
	size_t nfindings;
	bool diagnosed;		/* diagnose_host ran on this sample */

	/* why.c */
	double why_duration;	/* seconds of it, included in duration */
	struct skc_why *whys;
	size_t nwhys;
};

void host_init(struct skc_host *h);
void proctab_free(struct skc_proctab *pt);
/* Forget what the last sample joined and judged for a process carried
 * over to this one (proccache): owners' leaks, figures, selection. */
void proc_reset_sample(struct skc_proc *p);
void host_free(struct skc_host *h);
/* Free what a namespace's dump put in a host record that does not own
 * its nets (a pool job's, nsdump.c): its sockets and warnings. */
void host_free_dump(struct skc_host *out);
void host_warn(struct skc_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Are the sockets of ns known this sample: dumped completely, or none
 * (the namespace vanished)?  Otherwise its sockets are unknown and the
 * sample is partial. */
bool netns_sockets_known(const struct skc_netns *ns);
/* Was ns dumped, at least in part? */
bool netns_scanned(const struct skc_netns *ns);

/* Mark h partial for reason (enum skc_partial). */
void host_set_partial(struct skc_host *h, unsigned reason);
/* Short name of partial reason bit i (JSON, Prometheus): "netns"... */
const char *partial_name(unsigned bit_index);

const char *proto_name(unsigned proto);
/* A TCP or UNIX listener: its Recv-Q is the accept queue, Send-Q the
 * backlog limit (inet_diag_get_info, sk_diag_show_rqlen). */
bool sock_is_listener(const struct skc_sock *s);
/* Something queued, by the raw kernel figures (a listener's backlog
 * limit is not a queue). */
bool sock_has_queue(const struct skc_sock *s);
const char *flag_name(unsigned bit_index);
/* "stall-begin", ... as in the man page's event list. */
const char *event_name(enum skc_event_kind k);
/* "recovered", "closed"; "" for SKC_END_NONE. */
const char *end_reason_name(enum skc_end_reason r);
/* "stalled", "accept-full", ... as in JSON summary.diagnosis. */
const char *finding_name(enum skc_finding_kind k);
/* Copy where s is bound. */
void sock_where(const struct skc_sock *s, struct skc_where *w);

#endif
