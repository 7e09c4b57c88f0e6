/*
 * sk_helper - create real sockets holding known unread data, for skcheck's
 * live tests (the model is util-linux tests/helpers/test_mkfds.c).
 *
 * Usage: sk_helper [SPEC...]   (each SPEC one argument, run in order)
 *   comm=NAME                  prctl(PR_SET_NAME)
 *   tcp=N,M   tcp6=N,M         loopback TCP pair: N unread bytes on the
 *                              accepted end, M on the connecting end
 *   udp=K,SIZE[,RCVBUF]        K datagrams of SIZE bytes to a UDP receiver
 *   unix-stream=N[,PATH]       N unread bytes on an AF_UNIX stream socket
 *                              (PATH: bound listener, '@' = abstract)
 *   unix-dgram=K,SIZE          K datagrams on an AF_UNIX dgram socketpair
 *   listen=BACKLOG,CONNS,BYTES TCP listener nobody accepts from
 *   fork                       a child sharing every fd made so far
 *   closewait=N                N TCP sockets in CLOSE-WAIT: the peer closed,
 *                              this process never does ("closewait inode=")
 *   leak                       a TCP socket reset during connect, left open
 *   bound                      a TCP socket bound to 127.0.0.1:0, never
 *                              listening or connected (not leaked)
 *   bindtodev=IFNAME           an idle UDP socket bound to 0.0.0.0:0 and to
 *                              device IFNAME (SO_BINDTODEVICE)
 *   pinpages=N[,FRAG]          N loopback TCP pairs whose receivers hold 1
 *                              unread byte each, each byte's skb the last
 *                              reference to its own page fragment: TCP
 *                              sendmsg copies into the task's page_frag (an
 *                              order-3, 32 KiB page: skb_page_frag_refill),
 *                              so 1 byte to pair i, then FRAG-1 bytes
 *                              (default 32767) to a drain pair that is read
 *                              at once, fill the fragment; the next byte
 *                              needs a new page.  Prints "pinpages n=N
 *                              frag=FRAG first_inode=I last_inode=J"
 *                              ("pinpages.drain" is the drain pair)
 *   pinpend=N[,FRAG]           the same N bytes, each on a connection left
 *                              in a listener's accept queue (no fd: only
 *                              an iterator reaches it).  Prints "pinpend
 *                              n=N frag=FRAG listener_inode=I"
 *   unacked=N                  loopback TCP pair; N bytes are sent without
 *                              waiting for them to arrive, and the helper
 *                              waits until the sender's queue (SIOCOUTQ)
 *                              stops changing: with the test dropping
 *                              data packets (nft), the bytes stay in the
 *                              sender's retransmit queue.  Prints
 *                              "unacked.tx inode= fd= outq=" and
 *                              "unacked.rx inode= fd= inq="
 *   packet=K,SIZE[,RCVBUF]     AF_PACKET socket on lo (ethertype 0x88b5, the
 *                              second spec 0x88b6) with K unread frames of
 *                              SIZE bytes ("packet.rx ... rmem= drops=
 *                              frames="), "packet.tx" the sender
 *   netlink=K,SIZE[,RCVBUF]    NETLINK_USERSOCK listener in its own multicast
 *                              group with K broadcast messages of SIZE bytes
 *                              unread; beyond RCVBUF they are dropped
 *                              (ENOBUFS, drops=)
 *   raw=K,SIZE[,RCVBUF]        raw IPv4 socket (protocol 253, the second spec
 *                              254) with K unread packets of SIZE payload
 *                              bytes from 127.0.0.1
 *   mptcp=N                    loopback MPTCP connection, N unread bytes on the
 *                              accepted end ("mptcp.rx unread=" from SIOCINQ)
 *   iouring=N                  loopback TCP pair, N unread bytes on a reader
 *                              held only as fixed file 0 of an io_uring ring
 *                              ("iouring.rx inode= ring_fd= slot=0 unread=")
 *   reuseport=CONNS,BYTES,DRAIN  SO_REUSEPORT group on 127.0.0.1:8443: worker
 *                              B (here) never accepts; worker A drains every
 *                              connection in a child process (DRAIN 1) or
 *                              never accepts either, here (DRAIN 0); CONNS
 *                              clients send BYTES each ("reuseport.b ...
 *                              acceptq= pending_bytes=", "reuseport.a ... pid=")
 *   unix-listen=CONNS,BYTES    abstract UNIX stream listener nobody accepts
 *                              from; CONNS clients wrote BYTES each
 *   orphan=N                   like txblock, then the sender is closed with its
 *                              data unsent: an orphan in FIN-WAIT-1 that no fd
 *                              holds ("orphan.tx port= peer_port= unsent=")
 *   mptcp-txblock=N            MPTCP connection whose reader never reads; the
 *                              writer is blocked on the full window
 *                              ("mptcp-txblock.tx ... sendq=": SIOCOUTQ)
 *   threadfiles=N              a thread with an fd table of its own
 *                              (unshare(CLONE_FILES)) holds a loopback TCP
 *                              pair with N unread bytes that the process's
 *                              table (/proc/PID/fd) does not have
 *                              ("threadfiles.rx inode= fd= unread=")
 *   hiddenns=N                 (root) sockets in a new network namespace that
 *                              this process left again (setns back): listener
 *                              on 127.0.0.1:7777, a connection with N unread
 *                              bytes ("hiddenns.rx ... netns=INODE")
 *
 * Specs with activity (for stall tests). The activity runs in a thread of
 * this process (so every socket stays owned by this pid only) and starts
 * once READY is printed:
 *   slowread=N,CHUNK,MS        loopback TCP pair with N unread bytes; every
 *                              MS ms the reader reads CHUNK bytes and the
 *                              writer tops the queue up by what was read, so
 *                              it stays between N-CHUNK and N bytes but is
 *                              consumed steadily (not stalled)
 *   pauseread=N,PAUSE_MS       loopback TCP pair with N unread bytes; the
 *                              reader reads nothing for PAUSE_MS ms after
 *                              READY (PAUSE_MS 0: until this process gets
 *                              SIGUSR1, one signal per paused reader), then
 *                              drains all N bytes, prints "pauseread.resumed
 *                              inode=... drained=N", and keeps reading
 *   udpflood=SIZE,RATE[,RCVBUF] UDP receiver that never reads; before READY
 *                              datagrams of SIZE bytes are sent until the
 *                              queue is full and drops > 0, then RATE per
 *                              second keep coming (drops keep rising)
 *   udpbusy=SIZE,RATE          UDP receiver (64 KiB rcvbuf) that a writer
 *                              thread floods with SIZE-byte datagrams as
 *                              fast as it can (its buffer stays full, drops
 *                              rise) while a reader thread reads RATE of
 *                              them per second: busy, never stalled
 *   unixbusy=SIZE,RATE         the same with a bound (abstract) AF_UNIX
 *                              datagram receiver and an unconnected writer
 *                              (sendto, blocking when the queue is full)
 *   packetbusy=SIZE,RATE       the same with an AF_PACKET receiver on lo
 *                              (64 KiB rcvbuf, ethertype 0x88b7)
 *   streambusy=SIZE,RATE       the same with a UNIX stream pair: the writer
 *                              blocks on the full queue and refills it as
 *                              soon as the reader takes SIZE bytes
 *                              (RATE 0, every *busy spec: nobody reads,
 *                              the writer keeps the queue full)
 *   acceptstall=BACKLOG,CONNS  TCP listener nobody accepts from, with CONNS
 *                              clients (like listen=BACKLOG,CONNS,0, labels
 *                              "acceptstall" and "acceptstall.client")
 *   txblock=N                  loopback TCP pair: the sender (small-rcvbuf
 *                              peer that never reads) has written N bytes,
 *                              more than the receiver takes, so its send
 *                              queue stays > 0 behind a zero window and
 *                              bytes_acked stops; "txblock.tx" is the
 *                              blocked sender, "txblock.rx" the receiver
 *
 * Specs whose reader is held up in a known way (for the WHY verdicts);
 * their thread starts once READY is printed:
 *   epoll=N,MODE               loopback TCP pair with N unread bytes on
 *                              "epoll.rx" ("epoll.tx" its writer) and a
 *                              thread that waits in epoll_wait forever on
 *                              an epoll set ("epoll.set fd=E"); by MODE the
 *                              set holds:
 *     other   only an idle pipe ("epoll.idle fd="), not the reader
 *     noin    the reader, with EPOLLOUT|EPOLLET only (no EPOLLIN)
 *     et      the reader, with EPOLLIN|EPOLLET: the thread takes the first
 *             event and waits again without reading, and no new edge
 *             comes (a lost edge-triggered event)
 *   lockread=N                 loopback TCP pair with N unread bytes on
 *                              "lockread.rx"; the thread that would read
 *                              it first locks a mutex the main thread holds
 *                              for good, so it waits in futex
 *
 * Specs whose sockets change on a signal while the process keeps exactly
 * as many open fds (for the --watch owner cache, which carries over a
 * process whose /proc entry and fd count did not change):
 *   churn=N,MODE               a loopback TCP pair, "churn.rx" holding N
 *                              unread bytes ("churn.tx" its writer). Each
 *                              SIGUSR2 applies the change of the next churn
 *                              spec (in spec order; one signal each), in a
 *                              thread, then prints "churn.new mode=MODE
 *                              inode=I fd=F unread=U old_inode=O
 *                              nfds_before=A nfds_after=B": F is churn.rx's
 *                              fd number (MODE new: the new reader's fd),
 *                              now socket I with U (= 2N) unread bytes, O
 *                              the socket F held before (0 for new), A and
 *                              B the open fds before and after (equal).
 *                              Modes live, move and pass make a second
 *                              pair before READY ("churn.spare", its reader
 *                              with 2N unread; its writer stays open here).
 *                              Modes live and pass fork a child that keeps
 *                              one socket (live: churn.rx's, pass:
 *                              churn.spare's) and nothing else of this
 *                              process but stdio, printed as "child pid="
 *                              and "churn.child pid= inode= fd=".
 *                              MODE:
 *     swap   a new pair is made, its reader dup2()'d onto churn.rx's fd
 *            and churn.tx closed: both old sockets leave the dump; the new
 *            ones were never seen in this process
 *     live   a child keeps churn.rx's socket (alive, in the dump, with its
 *            N bytes); churn.spare's reader is dup2()'d onto churn.rx's fd,
 *            so this process holds it twice
 *     new    an idle pipe ("churn.idle fds=R,W") is closed and a new pair
 *            opened in its place; churn.rx stays as it is
 *     move   churn.spare's reader is dup2()'d onto churn.rx's fd and
 *            /dev/null ("churn.idle fds=D") onto churn.tx's: both old
 *            sockets leave the dump; the new one was already held here
 *     pass   churn.spare's reader is held only by a child; it is fetched
 *            with pidfd_getfd(2) onto churn.rx's fd, /dev/null dup2()'d
 *            onto churn.tx's: both old sockets leave the dump, and the new
 *            one is owned (by the child) before and after
 *
 * A load of short-lived connections and socket holders (the churn test):
 *   load=RATE,KEEP,FORKEVERY,HOLDMS  after READY, a thread opens RATE
 *                              loopback TCP pairs per second, 100 unread
 *                              bytes on each accepted end, and keeps the
 *                              last KEEP open (closing the oldest);
 *                              every FORKEVERY-th pair goes to a forked
 *                              child instead, which closes every other fd
 *                              it inherited, holds the pair HOLDMS ms and
 *                              exits.  The record, one line per pair, is
 *                              "load.pair pid=P srv=I cli=J" (held here)
 *                              or "load.child pid=C srv=I cli=J" (held by
 *                              child C); a child also holds, between
 *                              fork() and its closing, what this process
 *                              held then, and this process holds a
 *                              child's pair until just after the fork.
 *
 * Output: "pid=<pid>", then one "label key=value..." line per socket,
 * then "READY". It then holds everything until stdin reaches EOF or
 * SIGTERM/SIGINT arrives, and exits 0. Any failure: message on stderr,
 * exit 1, and READY is never printed (a failure in an activity thread
 * after READY also exits 1, with its message on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sched.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/io_uring.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 3
#define MAX_CONNS 1000
#define MAX_CHILDREN 16
#define CHUNK 65536
/* Give up on data that has not arrived by then: loopback delivers in ms. */
#define ARRIVAL_TIMEOUT_MS 5000
/* How long a queue must stay unchanged to count as settled. */
#define SETTLE_MS 200
/* The first SYN retransmit comes after 1 s (TCP_TIMEOUT_INIT), so a
 * connect that has not completed by then sits behind a full accept queue. */
#define CONNECT_WAIT_MS 300
#define MAX_WORKERS 16
#define TXBLOCK_SETTLE_MS 1000

static volatile sig_atomic_t stop_requested;
/* Forked children, stopped and reaped on exit so that a test sees them
 * gone once the helper is gone. */
static pid_t children[MAX_CHILDREN];
static int nchildren;
static char chunk[CHUNK];

/* Activity threads, started once READY is out (start_workers). */
struct worker {
	void *(*fn)(void *);
	void *arg;
};
static struct worker workers[MAX_WORKERS];
static int nworkers;

union addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;
	struct sockaddr_storage ss;
};

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sk_helper: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define fail_errno(what) fail("%s: %s", (what), strerror(errno))

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	poll(NULL, 0, ms);
}

/* Parse "a,b[,c]" into vals; returns how many numbers were given. */
static int parse_nums(const char *spec, const char *args, unsigned long long *vals,
		      int min, int max)
{
	const char *p = args;
	int n = 0;

	for (;;) {
		char *end;

		if (n == max || *p < '0' || *p > '9')
			fail("%s: expected %d to %d comma-separated numbers", spec, min, max);
		errno = 0;
		vals[n++] = strtoull(p, &end, 10);
		if (errno || vals[n - 1] > INT_MAX)
			fail("%s: number out of range", spec);
		if (*end == '\0')
			break;
		if (*end != ',')
			fail("%s: bad number", spec);
		p = end + 1;
	}
	if (n < min)
		fail("%s: expected %d to %d comma-separated numbers", spec, min, max);
	return n;
}

static int xsocket(int family, int type)
{
	int fd = socket(family, type, 0);

	if (fd < 0)
		fail_errno("socket");
	return fd;
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		fail_errno("fstat");
	return (unsigned long)st.st_ino;
}

static unsigned int port_of(int fd, int peer)
{
	union addr a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername(fd, &a.sa, &len) : getsockname(fd, &a.sa, &len)))
		fail_errno(peer ? "getpeername" : "getsockname");
	if (a.sa.sa_family == AF_INET6)
		return ntohs(a.in6.sin6_port);
	return ntohs(a.in4.sin_port);
}

static socklen_t loopback_addr(int family, unsigned int port, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET6) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_addr = in6addr_loopback;
		a->in6.sin6_port = htons(port);
		return sizeof(a->in6);
	}
	a->in4.sin_family = AF_INET;
	a->in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->in4.sin_port = htons(port);
	return sizeof(a->in4);
}

/* Bind fd to the loopback address on an ephemeral port; returns the port. */
static unsigned int bind_loopback(int fd, int family)
{
	union addr a;
	socklen_t len = loopback_addr(family, 0, &a);

	if (bind(fd, &a.sa, len))
		fail_errno("bind");
	return port_of(fd, 0);
}

static void connect_loopback(int fd, int family, unsigned int port)
{
	union addr a;
	socklen_t len = loopback_addr(family, port, &a);

	if (connect(fd, &a.sa, len))
		fail_errno("connect");
}

/*
 * How much can sit unread is bounded by the receiver's rcvbuf (TCP window,
 * UDP rmem) and, for UNIX sockets, by the sender's sndbuf. As root the
 * FORCE variants lift the net.core.[rw]mem_max cap; otherwise we take what
 * the plain option gives and report the amount that really got queued.
 */
static void set_buf(int fd, int opt_force, int opt, size_t bytes)
{
	int v = bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, opt_force, &v, sizeof(v)) == 0)
		return;
	if (errno != EPERM)
		fail_errno("setsockopt(SO_*BUFFORCE)");
	if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)))
		fail_errno("setsockopt(SO_*BUF)");
}

static int ioctl_int(int fd, unsigned long req, const char *what)
{
	int v;

	if (ioctl(fd, req, &v))
		fail_errno(what);
	return v;
}

/*
 * Send n bytes from tx without anybody reading them on rx; returns how many
 * bytes rx holds unread. SIOCINQ on a TCP or UNIX stream socket is the
 * whole unread byte count (tcp_inq, unix_inq_len), the same number
 * sock_diag reports. If the buffers cannot take all n (no root to raise
 * them), stop once nothing moves and report what did arrive.
 */
static size_t stream_fill(int tx, int rx, size_t n)
{
	long long start = now_ms(), last_change = start;
	size_t sent = 0;
	int inq = -1;

	for (;;) {
		int prev_inq = inq;
		size_t prev_sent = sent;

		while (sent < n) {
			size_t len = n - sent < CHUNK ? n - sent : CHUNK;
			ssize_t r = send(tx, chunk, len, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r < 0)
				fail_errno("send");
			sent += (size_t)r;
		}
		inq = ioctl_int(rx, SIOCINQ, "ioctl(SIOCINQ)");
		if (sent == n && (size_t)inq == n)
			return n;
		if (inq != prev_inq || sent != prev_sent)
			last_change = now_ms();
		else if (sent < n && now_ms() - last_change > SETTLE_MS)
			return (size_t)inq;	/* buffers full: partial */
		if (now_ms() - start > ARRIVAL_TIMEOUT_MS)
			fail("only %d of %zu sent bytes arrived", inq, sent);
		sleep_ms(2);
	}
}

/*
 * Loopback TCP pair. Buffers are sized before the handshake because the
 * window scale is fixed by the SYN, and an accepted socket inherits the
 * listener's buffers (sk_clone_lock).
 */
static void tcp_pair_sized(int family, size_t server_rcv, size_t server_snd,
			   size_t client_rcv, size_t client_snd, int *client, int *server)
{
	int lst = xsocket(family, SOCK_STREAM);
	int c = xsocket(family, SOCK_STREAM);
	unsigned int port;

	set_buf(lst, SO_RCVBUFFORCE, SO_RCVBUF, server_rcv);
	set_buf(lst, SO_SNDBUFFORCE, SO_SNDBUF, server_snd);
	set_buf(c, SO_RCVBUFFORCE, SO_RCVBUF, client_rcv);
	set_buf(c, SO_SNDBUFFORCE, SO_SNDBUF, client_snd);
	port = bind_loopback(lst, family);
	if (listen(lst, 1))
		fail_errno("listen");
	connect_loopback(c, family, port);
	*server = accept(lst, NULL, NULL);
	if (*server < 0)
		fail_errno("accept");
	close(lst);
	*client = c;
}

static void tcp_pair(int family, size_t bufsize, int *client, int *server)
{
	tcp_pair_sized(family, bufsize, bufsize, bufsize, bufsize, client, server);
}

static void print_inet(const char *prefix, const char *end, int fd, size_t unread)
{
	printf("%s.%s inode=%lu fd=%d port=%u peer_port=%u unread=%zu\n",
	       prefix, end, inode_of(fd), fd, port_of(fd, 0), port_of(fd, 1), unread);
}

static void spec_tcp(const char *spec, const char *args, int family)
{
	unsigned long long v[MAX_ARGS];
	const char *prefix = family == AF_INET6 ? "tcp6" : "tcp";
	size_t to_server, to_client, big;
	int c, s;

	parse_nums(spec, args, v, 2, 2);
	big = v[0] > v[1] ? v[0] : v[1];
	/* rcvbuf counts truesize, not payload: leave room for skb overhead */
	tcp_pair(family, 2 * big + 262144, &c, &s);
	to_server = stream_fill(c, s, v[0]);
	to_client = stream_fill(s, c, v[1]);
	print_inet(prefix, "rx", s, to_server);
	print_inet(prefix, "tx", c, to_client);
}

/* Read exactly n bytes from fd (blocking). */
static void read_exact(int fd, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, chunk, n < CHUNK ? n : CHUNK, 0);

		if (r <= 0)
			fail("drain: %s", r ? strerror(errno) : "unexpected EOF");
		n -= (size_t)r;
	}
}

static void raise_nofile(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		fail_errno("getrlimit");
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		fail("pinpages: needs %zu fds, hard limit %llu", need,
		     (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fail_errno("setrlimit");
}

/* 1 byte to fd, then the rest of the page fragment to the drain pair,
 * whose reader frees its references at once: fd's skb is left the last
 * reference to its fragment. */
static void pin_one(int fd, int dtx, int drx, size_t frag)
{
	size_t rest;

	if (send(fd, chunk, 1, MSG_NOSIGNAL) != 1)
		fail_errno("send(1 byte)");
	for (rest = frag - 1; rest; ) {
		ssize_t r = send(dtx, chunk, rest, MSG_NOSIGNAL);

		if (r <= 0)
			fail_errno("send(drain)");
		rest -= (size_t)r;
	}
	read_exact(drx, frag - 1);
}

/* N and FRAG of pinpages= and pinpend=; the drain pair in *dtx, *drx. */
static size_t pin_setup(const char *spec, const char *args, unsigned long long *n,
			int *dtx, int *drx)
{
	unsigned long long v[MAX_ARGS];
	int got = parse_nums(spec, args, v, 1, 2);
	size_t frag = got == 2 ? v[1] : 32768;

	if (!v[0] || frag < 2 || frag > CHUNK)
		fail("%s: need N > 0 and 2 <= FRAG <= %d", spec, CHUNK);
	raise_nofile(2 * v[0] + 64);
	tcp_pair(AF_INET, 4 * frag, dtx, drx);
	*n = v[0];
	return frag;
}

static void spec_pinpages(const char *spec, const char *args)
{
	unsigned long long n;
	unsigned long first = 0, last = 0;
	int dtx, drx, lst, c, s;
	unsigned int port;
	size_t frag = pin_setup(spec, args, &n, &dtx, &drx);

	printf("pinpages.drain inode=%lu fd=%d\n", inode_of(drx), drx);
	lst = xsocket(AF_INET, SOCK_STREAM);
	port = bind_loopback(lst, AF_INET);
	if (listen(lst, 128))
		fail_errno("listen");
	for (unsigned long long i = 0; i < n; i++) {
		c = xsocket(AF_INET, SOCK_STREAM);
		connect_loopback(c, AF_INET, port);
		s = accept(lst, NULL, NULL);
		if (s < 0)
			fail_errno("accept");
		pin_one(c, dtx, drx, frag);
		if (!first)
			first = inode_of(s);
		last = inode_of(s);
	}
	close(lst);
	printf("pinpages n=%llu frag=%zu first_inode=%lu last_inode=%lu\n",
	       n, frag, first, last);
}

static unsigned int accept_queue_len(int lst);

static void spec_pinpend(const char *spec, const char *args)
{
	unsigned long long n;
	int dtx, drx, lst, c;
	unsigned int qlen = 0;
	unsigned int port;
	size_t frag = pin_setup(spec, args, &n, &dtx, &drx);

	lst = xsocket(AF_INET, SOCK_STREAM);
	port = bind_loopback(lst, AF_INET);
	if (listen(lst, (int)n + 16))
		fail_errno("listen");
	for (unsigned long long i = 0; i < n; i++) {
		c = xsocket(AF_INET, SOCK_STREAM);
		connect_loopback(c, AF_INET, port);
		pin_one(c, dtx, drx, frag);
	}
	/* the handshakes and bytes are delivered on loopback at once; wait
	 * until every connection is queued */
	for (int tries = 0; tries < 500 && (qlen = accept_queue_len(lst)) < n; tries++)
		usleep(10000);
	if (qlen < n)
		fail("%s: %u of %llu connections queued", spec, qlen, n);
	printf("pinpend n=%llu frag=%zu listener_inode=%lu\n", n, frag, inode_of(lst));
}

static void spec_unacked(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	size_t sent = 0;
	long long last_change;
	int c, s, outq = -1, prev;

	parse_nums(spec, args, v, 1, 1);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, &s);
	while (sent < v[0]) {
		size_t len = v[0] - sent < CHUNK ? v[0] - sent : CHUNK;
		ssize_t r = send(c, chunk, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0)
			fail_errno("send");
		sent += (size_t)r;
	}
	last_change = now_ms();
	while (now_ms() - last_change < SETTLE_MS) {
		sleep_ms(20);
		prev = outq;
		outq = ioctl_int(c, SIOCOUTQ, "ioctl(SIOCOUTQ)");
		if (outq != prev)
			last_change = now_ms();
	}
	printf("unacked.tx inode=%lu fd=%d outq=%d sent=%zu\n", inode_of(c), c, outq, sent);
	printf("unacked.rx inode=%lu fd=%d inq=%d\n", inode_of(s), s,
	       ioctl_int(s, SIOCINQ, "ioctl(SIOCINQ)"));
}

static void get_meminfo(int fd, uint32_t mem[SK_MEMINFO_VARS])
{
	socklen_t len = sizeof(uint32_t) * SK_MEMINFO_VARS;

	memset(mem, 0, len);
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		fail_errno("getsockopt(SO_MEMINFO)");
}

/*
 * UDP: SIOCINQ is only the first datagram's length (first_packet_length),
 * so settle on SO_MEMINFO instead: rmem_alloc and drops. Datagrams that did
 * not fit the rcvbuf are counted in sk_drops (__udp_enqueue_schedule_skb),
 * so K - drops of them are queued.
 */
static void spec_udp(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	uint32_t mem[SK_MEMINFO_VARS], prev[SK_MEMINFO_VARS];
	int n = parse_nums(spec, args, v, 2, 3);
	int rx = xsocket(AF_INET, SOCK_DGRAM);
	int tx = xsocket(AF_INET, SOCK_DGRAM);
	unsigned int port;
	long long start, last_change;

	if (v[1] > 65507)
		fail("%s: datagram size above 65507", spec);
	if (n == 3)
		set_buf(rx, SO_RCVBUFFORCE, SO_RCVBUF, v[2]);
	port = bind_loopback(rx, AF_INET);
	bind_loopback(tx, AF_INET);
	connect_loopback(tx, AF_INET, port);
	for (unsigned long long i = 0; i < v[0]; i++)
		if (send(tx, chunk, v[1], MSG_NOSIGNAL) != (ssize_t)v[1])
			fail_errno("send(udp)");

	get_meminfo(rx, mem);
	start = last_change = now_ms();
	while (now_ms() - last_change < SETTLE_MS) {
		if (now_ms() - start > ARRIVAL_TIMEOUT_MS)
			fail("udp receive queue did not settle");
		sleep_ms(10);
		memcpy(prev, mem, sizeof(mem));
		get_meminfo(rx, mem);
		if (memcmp(prev, mem, sizeof(mem)))
			last_change = now_ms();
	}
	printf("udp.rx inode=%lu fd=%d port=%u datagrams=%llu drops=%u rmem=%u rcvbuf=%u\n",
	       inode_of(rx), rx, port, v[0] - mem[SK_MEMINFO_DROPS],
	       mem[SK_MEMINFO_DROPS], mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF]);
	printf("udp.tx inode=%lu fd=%d port=%u peer_port=%u\n",
	       inode_of(tx), tx, port_of(tx, 0), port);
}

/* PATH, or "@name" for the abstract namespace (leading NUL, no terminator). */
static socklen_t unix_addr(const char *path, union addr *a)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(a->un.sun_path))
		fail("unix path empty or too long: %zu bytes", len);
	memset(a, 0, sizeof(*a));
	a->un.sun_family = AF_UNIX;
	memcpy(a->un.sun_path, path, len);
	if (path[0] == '@') {
		a->un.sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* Listener on path, connect, accept, close the listener (the accepted
 * socket keeps the bound name; unix_stream_connect copies it). */
static void unix_stream_bound(const char *path, int *client, int *server)
{
	int lst = xsocket(AF_UNIX, SOCK_STREAM);
	union addr a;
	socklen_t len = unix_addr(path, &a);

	if (bind(lst, &a.sa, len))
		fail_errno("bind(unix)");
	if (listen(lst, 1))
		fail_errno("listen(unix)");
	*client = xsocket(AF_UNIX, SOCK_STREAM);
	if (connect(*client, &a.sa, len))
		fail_errno("connect(unix)");
	*server = accept(lst, NULL, NULL);
	if (*server < 0)
		fail_errno("accept(unix)");
	close(lst);
}

static void spec_unix_stream(const char *spec, const char *args)
{
	unsigned long long v[1];
	const char *comma = strchr(args, ',');
	char num[32];
	size_t queued;
	int c, s;

	/* PATH may hold commas: only the part before the first one is N */
	if (comma) {
		if ((size_t)(comma - args) >= sizeof(num))
			fail("%s: bad number", spec);
		memcpy(num, args, (size_t)(comma - args));
		num[comma - args] = '\0';
	} else {
		snprintf(num, sizeof(num), "%s", args);
	}
	parse_nums(spec, num, v, 1, 1);
	if (comma) {
		unix_stream_bound(comma + 1, &c, &s);
	} else {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			fail_errno("socketpair");
		c = sv[0];
		s = sv[1];
	}
	/* UNIX data is charged to the sender (unix_stream_sendmsg ->
	 * sock_alloc_send_pskb), so the sender's sndbuf bounds the queue. */
	set_buf(c, SO_SNDBUFFORCE, SO_SNDBUF, 2 * v[0] + 262144);
	queued = stream_fill(c, s, v[0]);
	printf("ustream.rx inode=%lu fd=%d peer=%lu unread=%zu\n",
	       inode_of(s), s, inode_of(c), queued);
	printf("ustream.tx inode=%lu fd=%d peer=%lu unread=0\n",
	       inode_of(c), c, inode_of(s));
}

/*
 * A socketpair is not limited by net.unix.max_dgram_qlen (unix_dgram_sendmsg
 * only checks it when the receiver's peer is not the sender), only by the
 * sender's sndbuf, which the queued datagrams are charged to.
 */
static void spec_unix_dgram(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS], sent = 0;
	int sv[2];

	parse_nums(spec, args, v, 2, 2);
	if (v[1] > CHUNK)
		fail("%s: datagram size above %d", spec, CHUNK);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		fail_errno("socketpair");
	set_buf(sv[0], SO_SNDBUFFORCE, SO_SNDBUF, v[0] * (v[1] + 1024) + 262144);
	for (; sent < v[0]; sent++) {
		if (send(sv[0], chunk, v[1], MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)v[1])
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_errno("send(unix dgram)");
		break;	/* sndbuf full: report what is queued */
	}
	/* sock_diag's RQLEN for a UNIX dgram socket is the first datagram only */
	printf("udgram.rx inode=%lu fd=%d peer=%lu unread=%llu datagrams=%llu\n",
	       inode_of(sv[1]), sv[1], inode_of(sv[0]), sent ? v[1] : 0, sent);
	printf("udgram.tx inode=%lu fd=%d peer=%lu\n",
	       inode_of(sv[0]), sv[0], inode_of(sv[1]));
}

/* For a listener, tcp_info carries the accept queue (tcp_get_info):
 * tcpi_unacked = sk_ack_backlog, tcpi_sacked = sk_max_ack_backlog. */
static unsigned int accept_queue_len(int lst)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(lst, IPPROTO_TCP, TCP_INFO, &ti, &len))
		fail_errno("getsockopt(TCP_INFO)");
	return ti.tcpi_unacked;
}

struct listen_client {
	int fd;
	int connected;
	size_t sent;
};

/*
 * Connect without blocking: once the accept queue is full the kernel drops
 * the SYN (tcp_conn_request) or the final ACK (tcp_v4_syn_recv_sock), and a
 * blocking connect would wait for retransmits. Data is written only on
 * connections the client sees established.
 */
static void listen_client_start(struct listen_client *cl, unsigned int port, size_t bytes)
{
	struct pollfd p;
	int err = 0;
	socklen_t len = sizeof(err);
	union addr a;
	socklen_t alen = loopback_addr(AF_INET, port, &a);

	cl->fd = xsocket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	cl->connected = 0;
	cl->sent = 0;
	if (connect(cl->fd, &a.sa, alen) && errno != EINPROGRESS)
		fail_errno("connect(listen client)");
	p.fd = cl->fd;
	p.events = POLLOUT;
	if (poll(&p, 1, CONNECT_WAIT_MS) <= 0)
		return;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		fail_errno("getsockopt(SO_ERROR)");
	if (err)
		fail("listen client connect: %s", strerror(err));
	cl->connected = 1;
	while (cl->sent < bytes) {
		size_t n = bytes - cl->sent < CHUNK ? bytes - cl->sent : CHUNK;
		ssize_t r = send(cl->fd, chunk, n, MSG_NOSIGNAL);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0)
			fail_errno("send(listen client)");
		cl->sent += (size_t)r;
	}
}

/* Bytes the server side acknowledged: these sit unread in a connection
 * waiting in the accept queue. Unacked ones were dropped with the ACK. */
static size_t listen_client_delivered(const struct listen_client *cl)
{
	if (!cl->connected)
		return 0;
	return cl->sent - (size_t)ioctl_int(cl->fd, SIOCOUTQ, "ioctl(SIOCOUTQ)");
}

/* v: BACKLOG, CONNS, BYTES per client; label: output line label */
static void make_listener(const char *spec, const char *label,
			  const unsigned long long v[3])
{
	struct listen_client *cl;
	int lst = xsocket(AF_INET, SOCK_STREAM);
	unsigned int port, qlen = 0;
	size_t pending = 0;
	long long start, last_change;

	if (v[1] > MAX_CONNS)
		fail("%s: at most %d connections", spec, MAX_CONNS);
	cl = calloc(v[1] ? v[1] : 1, sizeof(*cl));
	if (!cl)
		fail("out of memory");
	port = bind_loopback(lst, AF_INET);
	if (listen(lst, (int)v[0]))
		fail_errno("listen");
	for (unsigned long long i = 0; i < v[1]; i++)
		listen_client_start(&cl[i], port, v[2]);

	start = last_change = now_ms();
	do {
		unsigned int prev_qlen = qlen;
		size_t prev_pending = pending;

		sleep_ms(20);
		qlen = accept_queue_len(lst);
		pending = 0;
		for (unsigned long long i = 0; i < v[1]; i++)
			pending += listen_client_delivered(&cl[i]);
		if (qlen != prev_qlen || pending != prev_pending)
			last_change = now_ms();
	} while (now_ms() - last_change < SETTLE_MS && now_ms() - start < 2000);

	printf("%s inode=%lu fd=%d port=%u backlog=%llu acceptq=%u pending_bytes=%zu\n",
	       label, inode_of(lst), lst, port, v[0], qlen, pending);
	for (unsigned long long i = 0; i < v[1]; i++)
		printf("%s.client inode=%lu fd=%d port=%u connected=%d sent=%zu delivered=%zu\n",
		       label, inode_of(cl[i].fd), cl[i].fd, port_of(cl[i].fd, 0), cl[i].connected,
		       cl[i].sent, listen_client_delivered(&cl[i]));
	free(cl);
}

static void spec_listen(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];

	parse_nums(spec, args, v, 3, 3);
	make_listener(spec, "listen", v);
}

static void spec_acceptstall(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];

	parse_nums(spec, args, v, 2, 2);
	v[2] = 0;
	make_listener(spec, "acceptstall", v);
}

static void add_worker(void *(*fn)(void *), void *arg)
{
	if (nworkers == MAX_WORKERS)
		fail("at most %d active specs", MAX_WORKERS);
	workers[nworkers].fn = fn;
	workers[nworkers].arg = arg;
	nworkers++;
}

/* Workers run with every signal blocked: SIGTERM/SIGINT must reach the
 * main thread's ppoll (wait_for_end), and SIGUSR1 stays pending for the
 * worker that sigwait()s for it. */
static void start_workers(void)
{
	sigset_t all, old;

	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &old))
		fail("pthread_sigmask failed");
	for (int i = 0; i < nworkers; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, workers[i].fn, workers[i].arg);

		if (err)
			fail("pthread_create: %s", strerror(err));
		pthread_detach(t);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fail("out of memory");
	return p;
}

/* Send up to n bytes without blocking; returns how many went. */
static size_t send_some(int fd, size_t n)
{
	size_t sent = 0;

	while (sent < n) {
		size_t len = n - sent < CHUNK ? n - sent : CHUNK;
		ssize_t r = send(fd, chunk, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (r < 0)
			fail_errno("send");
		sent += (size_t)r;
	}
	return sent;
}

struct slowread {
	int tx, rx;
	size_t chunk;
	int ms;
};

static void *slowread_run(void *p)
{
	struct slowread *a = p;
	char *buf = xmalloc(a->chunk);
	long long next = now_ms();
	size_t owed = 0;

	for (;;) {
		size_t got = 0;
		long long left;

		next += a->ms;
		while ((left = next - now_ms()) > 0)
			sleep_ms((int)left);
		while (got < a->chunk) {
			ssize_t r = recv(a->rx, buf + got, a->chunk - got, MSG_DONTWAIT);

			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (r < 0)
				fail_errno("slowread: recv");
			if (r == 0)
				return NULL;
			got += (size_t)r;
		}
		/* top up by what was read: the queue never runs dry */
		owed += got;
		owed -= send_some(a->tx, owed);
	}
	return NULL;
}

static void spec_slowread(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct slowread *a = xmalloc(sizeof(*a));
	size_t queued;
	int c, s;

	parse_nums(spec, args, v, 3, 3);
	if (!v[0] || !v[1] || v[1] > v[0] || !v[2])
		fail("%s: need N >= CHUNK > 0 and MS > 0", spec);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, &s);
	queued = stream_fill(c, s, v[0]);
	if (queued != v[0])
		fail("%s: only %zu of %llu bytes queued", spec, queued, v[0]);
	a->tx = c;
	a->rx = s;
	a->chunk = v[1];
	a->ms = (int)v[2];
	add_worker(slowread_run, a);
	printf("slowread.rx inode=%lu fd=%d port=%u peer_port=%u unread=%zu chunk=%llu ms=%llu\n",
	       inode_of(s), s, port_of(s, 0), port_of(s, 1), queued, v[1], v[2]);
	print_inet("slowread", "tx", c, 0);
}

struct pauseread {
	int rx;
	int pause_ms;
	size_t queued;
};

static void *pauseread_run(void *p)
{
	struct pauseread *a = p;
	size_t drained = 0;
	int told = 0;

	if (a->pause_ms > 0) {
		sleep_ms(a->pause_ms);
	} else {
		sigset_t usr1;
		int sig;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		if (sigwait(&usr1, &sig))
			fail("sigwait failed");
	}
	for (;;) {
		char buf[CHUNK];
		ssize_t r;

		if (!told && drained >= a->queued) {
			printf("pauseread.resumed inode=%lu drained=%zu\n", inode_of(a->rx), drained);
			fflush(stdout);
			told = 1;
		}
		r = recv(a->rx, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("pauseread: recv");
		if (r == 0)
			return NULL;
		drained += (size_t)r;
	}
}

static void spec_pauseread(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct pauseread *a = xmalloc(sizeof(*a));
	int c, s;

	parse_nums(spec, args, v, 2, 2);
	if (!v[0])
		fail("%s: N must be > 0", spec);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, &s);
	a->queued = stream_fill(c, s, v[0]);
	if (a->queued != v[0])
		fail("%s: only %zu of %llu bytes queued", spec, a->queued, v[0]);
	a->rx = s;
	a->pause_ms = (int)v[1];
	add_worker(pauseread_run, a);
	printf("pauseread.rx inode=%lu fd=%d port=%u peer_port=%u unread=%zu pause_ms=%llu\n",
	       inode_of(s), s, port_of(s, 0), port_of(s, 1), a->queued, v[1]);
	print_inet("pauseread", "tx", c, 0);
}

struct udpflood {
	int tx;
	size_t size;
	long period_ns;
};

struct epollwait {
	int epfd;
};

static void *epollwait_run(void *p)
{
	struct epollwait *a = p;
	struct epoll_event ev[4];

	/* events are taken and ignored: nothing is ever read */
	for (;;)
		if (epoll_wait(a->epfd, ev, 4, -1) < 0 && errno != EINTR)
			fail_errno("epoll_wait");
	return NULL;
}

struct threadfiles {
	size_t n;
	int done[2];	/* the thread writes a byte when its sockets exist */
};

static void *threadfiles_run(void *p)
{
	struct threadfiles *a = p;
	sigset_t all;
	int c, s;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (unshare(CLONE_FILES))
		fail_errno("unshare(CLONE_FILES)");
	tcp_pair(AF_INET, 2 * a->n + 262144, &c, &s);
	print_inet("threadfiles", "rx", s, stream_fill(c, s, a->n));
	fflush(stdout);
	if (write(a->done[1], "x", 1) != 1)
		fail_errno("write");
	for (;;)
		pause();
	return NULL;
}

static void spec_threadfiles(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct threadfiles *a = xmalloc(sizeof(*a));
	pthread_t t;
	char x;
	int err;

	parse_nums(spec, args, v, 1, 1);
	a->n = v[0];
	if (pipe(a->done))
		fail_errno("pipe");
	err = pthread_create(&t, NULL, threadfiles_run, a);
	if (err)
		fail("pthread_create: %s", strerror(err));
	pthread_detach(t);
	if (read(a->done[0], &x, 1) != 1)
		fail_errno("read");
}

static void spec_epoll(const char *spec, const char *args)
{
	struct epollwait *a = xmalloc(sizeof(*a));
	struct epoll_event ev = { 0 };
	const char *mode = strchr(args, ',');
	char num[32];
	unsigned long long v[1];
	size_t unread;
	int c, s, target;

	if (!mode || (size_t)(mode - args) >= sizeof(num))
		fail("%s: expected N,MODE", spec);
	memcpy(num, args, (size_t)(mode - args));
	num[mode - args] = '\0';
	mode++;
	parse_nums(spec, num, v, 1, 1);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, &s);
	unread = stream_fill(c, s, v[0]);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		fail_errno("epoll_create1");
	target = s;
	if (strcmp(mode, "other") == 0) {
		int pfd[2];

		if (pipe2(pfd, O_CLOEXEC))
			fail_errno("pipe2");
		target = pfd[0];
		ev.events = EPOLLIN;
		printf("epoll.idle fd=%d\n", pfd[0]);
	} else if (strcmp(mode, "noin") == 0) {
		ev.events = EPOLLOUT | EPOLLET;
	} else if (strcmp(mode, "et") == 0) {
		ev.events = EPOLLIN | EPOLLET;
	} else {
		fail("%s: MODE is other, noin or et", spec);
	}
	ev.data.fd = target;
	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, target, &ev))
		fail_errno("epoll_ctl");
	add_worker(epollwait_run, a);
	print_inet("epoll", "rx", s, unread);
	print_inet("epoll", "tx", c, 0);
	printf("epoll.set fd=%d events=%u mode=%s\n", a->epfd, ev.events, mode);
}

/* Held by the main thread from the first lockread spec on, for good. */
static pthread_mutex_t lockread_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool lockread_locked;

static void *lockread_run(void *p)
{
	int rx = *(int *)p;
	char buf[4096];

	pthread_mutex_lock(&lockread_mutex);	/* blocks in futex for good */
	while (recv(rx, buf, sizeof(buf), 0) > 0)
		;
	return NULL;
}

static void spec_lockread(const char *spec, const char *args)
{
	unsigned long long v[1];
	int *rx = xmalloc(sizeof(*rx));
	size_t unread;
	int c;

	parse_nums(spec, args, v, 1, 1);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, rx);
	unread = stream_fill(c, *rx, v[0]);
	if (!lockread_locked) {
		pthread_mutex_lock(&lockread_mutex);
		lockread_locked = true;
	}
	add_worker(lockread_run, rx);
	print_inet("lockread", "rx", *rx, unread);
	print_inet("lockread", "tx", c, 0);
}

static void *udpflood_run(void *p)
{
	struct udpflood *a = p;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	for (;;) {
		t.tv_nsec += a->period_ns;
		while (t.tv_nsec >= 1000000000L) {
			t.tv_nsec -= 1000000000L;
			t.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
			;
		/* a full queue drops silently; only real errors end the flood */
		if (send(a->tx, chunk, a->size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
		    errno != ECONNREFUSED && errno != EINTR)
			fail_errno("udpflood: send");
	}
	return NULL;
}

/* A receive queue kept full by one thread and read at a steady rate by
 * another: its Recv-Q (UDP and packet: memory; UNIX datagram: the first
 * datagram's length; UNIX stream: bytes, refilled as soon as read)
 * stays the same while the reader works. */
#define DGRAMBUSY_MAX 8192

enum busy_kind { BUSY_UDP, BUSY_UNIX_DGRAM, BUSY_PACKET, BUSY_UNIX_STREAM };

struct dgrambusy {
	int fd;
	size_t size;
	long period_ns;		/* reader: between reads */
	bool throttle;		/* writer: 1 ms between sends (not blocking) */
	const struct sockaddr *to;
	socklen_t tolen;
};

static void *dgrambusy_write(void *p)
{
	struct dgrambusy *a = p;

	for (;;) {
		if (sendto(a->fd, chunk, a->size, MSG_NOSIGNAL, a->to, a->tolen) < 0 &&
		    errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
			fail_errno("dgrambusy: send");
		if (a->throttle)	/* do not spin at 100% */
			sleep_ms(1);
	}
	return NULL;
}

static void *dgrambusy_read(void *p)
{
	struct dgrambusy *a = p;
	char buf[DGRAMBUSY_MAX];
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	for (;;) {
		t.tv_nsec += a->period_ns;
		while (t.tv_nsec >= 1000000000L) {
			t.tv_nsec -= 1000000000L;
			t.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
			;
		if (recv(a->fd, buf, a->size, MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			fail_errno("dgrambusy: recv");
	}
	return NULL;
}

/* The receiver rx and the writer tx of one busy kind, with w->to/tolen
 * and w->throttle set for the writer. */
static void busy_pair(enum busy_kind kind, int *rx, int *tx, struct dgrambusy *w)
{
	static struct sockaddr_un un;
	static struct sockaddr_ll ll;
	int sv[2];

	switch (kind) {
	case BUSY_UNIX_DGRAM: {
		socklen_t len;

		*rx = xsocket(AF_UNIX, SOCK_DGRAM);
		*tx = xsocket(AF_UNIX, SOCK_DGRAM);
		un.sun_family = AF_UNIX;
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1,
				 "sk_helper.unixbusy.%d", (int)getpid()));
		if (bind(*rx, (struct sockaddr *)&un, len))
			fail_errno("bind(unixbusy)");
		w->to = (const struct sockaddr *)&un;
		w->tolen = len;
		return;		/* sendto blocks on a full queue */
	}
	case BUSY_UDP: {
		unsigned int port;

		*rx = xsocket(AF_INET, SOCK_DGRAM);
		*tx = xsocket(AF_INET, SOCK_DGRAM);
		set_buf(*rx, SO_RCVBUFFORCE, SO_RCVBUF, 65536);
		port = bind_loopback(*rx, AF_INET);
		bind_loopback(*tx, AF_INET);
		connect_loopback(*tx, AF_INET, port);
		if (fcntl(*tx, F_SETFL, O_NONBLOCK))
			fail_errno("fcntl");
		break;
	}
	case BUSY_PACKET:
		/* 0x88b7: local experimental, apart from spec_packet's */
		*rx = socket(AF_PACKET, SOCK_DGRAM, htons(0x88b7));
		*tx = socket(AF_PACKET, SOCK_DGRAM, 0);
		if (*rx < 0 || *tx < 0)
			fail_errno("socket(AF_PACKET)");
		ll.sll_family = AF_PACKET;
		ll.sll_protocol = htons(0x88b7);
		ll.sll_ifindex = (int)if_nametoindex("lo");
		if (!ll.sll_ifindex)
			fail_errno("if_nametoindex(lo)");
		set_buf(*rx, SO_RCVBUFFORCE, SO_RCVBUF, 65536);
		if (bind(*rx, (struct sockaddr *)&ll, sizeof(ll)))
			fail_errno("bind(AF_PACKET)");
		ll.sll_halen = 6;
		w->to = (const struct sockaddr *)&ll;
		w->tolen = sizeof(ll);
		if (fcntl(*tx, F_SETFL, O_NONBLOCK))
			fail_errno("fcntl");
		break;
	case BUSY_UNIX_STREAM:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			fail_errno("socketpair");
		*rx = sv[0];
		*tx = sv[1];
		return;		/* send blocks on a full queue */
	}
	w->throttle = true;
}

static void spec_dgrambusy(const char *spec, const char *args, enum busy_kind kind)
{
	static const char *const labels[] = {
		[BUSY_UDP] = "udpbusy", [BUSY_UNIX_DGRAM] = "unixbusy",
		[BUSY_PACKET] = "packetbusy", [BUSY_UNIX_STREAM] = "streambusy",
	};
	unsigned long long v[MAX_ARGS];
	struct dgrambusy *w = xmalloc(sizeof(*w)), *r = xmalloc(sizeof(*r));
	int rx, tx;
	const char *label = labels[kind];

	parse_nums(spec, args, v, 2, 2);
	if (!v[0] || v[0] > DGRAMBUSY_MAX)
		fail("%s: datagram size must be 1..%d", spec, DGRAMBUSY_MAX);
	if (v[1] > 100000)
		fail("%s: rate must be 0..100000 per second", spec);
	memset(w, 0, sizeof(*w));
	busy_pair(kind, &rx, &tx, w);
	w->fd = tx;
	w->size = v[0];
	*r = *w;
	r->fd = rx;
	r->period_ns = v[1] ? (long)(1000000000ULL / v[1]) : 0;
	/* full before READY, so the first sample sees the queue */
	for (int i = 0; i < 4096; i++)
		if (sendto(tx, chunk, v[0], MSG_DONTWAIT | MSG_NOSIGNAL, w->to, w->tolen) < 0)
			break;
	add_worker(dgrambusy_write, w);
	if (v[1])
		add_worker(dgrambusy_read, r);
	printf("%s.rx inode=%lu fd=%d rate=%llu size=%llu\n", label, inode_of(rx), rx, v[1], v[0]);
	printf("%s.tx inode=%lu fd=%d\n", label, inode_of(tx), tx);
}

static void spec_udpflood(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS], sent = 0;
	struct udpflood *a = xmalloc(sizeof(*a));
	uint32_t mem[SK_MEMINFO_VARS];
	int n = parse_nums(spec, args, v, 2, 3);
	int rx = xsocket(AF_INET, SOCK_DGRAM);
	int tx = xsocket(AF_INET, SOCK_DGRAM);
	unsigned int port;
	long long start;

	if (!v[0] || v[0] > 65507)
		fail("%s: datagram size must be 1..65507", spec);
	if (!v[1] || v[1] > 1000000)
		fail("%s: rate must be 1..1000000 per second", spec);
	if (n == 3)
		set_buf(rx, SO_RCVBUFFORCE, SO_RCVBUF, v[2]);
	port = bind_loopback(rx, AF_INET);
	bind_loopback(tx, AF_INET);
	connect_loopback(tx, AF_INET, port);
	/* fill the queue until the kernel drops (loopback delivers in send) */
	start = now_ms();
	for (;;) {
		if (send(tx, chunk, v[0], MSG_NOSIGNAL) == (ssize_t)v[0])
			sent++;
		else if (errno != EAGAIN && errno != ENOBUFS)
			fail_errno("send(udpflood)");
		get_meminfo(rx, mem);
		if (mem[SK_MEMINFO_DROPS] > 0)
			break;
		if (now_ms() - start > ARRIVAL_TIMEOUT_MS)
			fail("%s: no drops after %llu datagrams", spec, sent);
	}
	a->tx = tx;
	a->size = v[0];
	a->period_ns = (long)(1000000000ULL / v[1]);
	add_worker(udpflood_run, a);
	printf("udpflood.rx inode=%lu fd=%d port=%u rmem=%u rcvbuf=%u drops=%u sent=%llu\n",
	       inode_of(rx), rx, port, mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF],
	       mem[SK_MEMINFO_DROPS], sent);
	printf("udpflood.tx inode=%lu fd=%d port=%u peer_port=%u rate=%llu size=%llu\n",
	       inode_of(tx), tx, port_of(tx, 0), port, v[1], v[0]);
}

/*
 * The receiver's window closes once its small rcvbuf is full; the rest of
 * the N bytes waits in the sender's write queue, and zero-window probes
 * (tcp_send_probe0) carry no new data, so snd_una and tcpi_bytes_acked
 * stop. The first zero-window probe (after ~RTO_MIN, 200 ms) can still
 * find a little room once the receiver has collapsed its queue
 * (tcp_collapse), so settle until neither queue has moved for
 * TXBLOCK_SETTLE_MS, well past it.
 */
/* A loopback pair whose sender (*c) has written up to n bytes, more than
 * the receiver (*s) takes: Send-Q stays > 0 behind a zero window. */
static size_t txblock_pair(const char *spec, size_t n, int *cp, int *sp,
			   int *outqp, int *inqp)
{
	size_t sent = 0;
	int c, s, outq = -1, inq = -1;
	long long start, last_change;

	tcp_pair_sized(AF_INET, 65536, 262144, 262144, 2 * n + 262144, &c, &s);
	start = last_change = now_ms();
	for (;;) {
		int prev_outq = outq, prev_inq = inq;
		size_t prev_sent = sent;

		sent += send_some(c, n - sent);
		sleep_ms(10);
		outq = ioctl_int(c, SIOCOUTQ, "ioctl(SIOCOUTQ)");
		inq = ioctl_int(s, SIOCINQ, "ioctl(SIOCINQ)");
		if (outq != prev_outq || inq != prev_inq || sent != prev_sent)
			last_change = now_ms();
		else if (now_ms() - last_change >= TXBLOCK_SETTLE_MS)
			break;
		if (now_ms() - start > 2 * ARRIVAL_TIMEOUT_MS)
			fail("%s: queues did not settle", spec);
	}
	if (outq <= 0)
		fail("%s: all %zu bytes fit in the receiver; use a larger N", spec, sent);
	*cp = c;
	*sp = s;
	*outqp = outq;
	*inqp = inq;
	return sent;
}

static void spec_txblock(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	int c, s, outq, inq;
	size_t sent;

	parse_nums(spec, args, v, 1, 1);
	sent = txblock_pair(spec, v[0], &c, &s, &outq, &inq);
	printf("txblock.tx inode=%lu fd=%d port=%u peer_port=%u sent=%zu sendq=%d\n",
	       inode_of(c), c, port_of(c, 0), port_of(c, 1), sent, outq);
	printf("txblock.rx inode=%lu fd=%d port=%u peer_port=%u unread=%d\n",
	       inode_of(s), s, port_of(s, 0), port_of(s, 1), inq);
}

/*
 * orphan=N: like txblock, then the sender closes its socket with the
 * unsent data still queued. The kernel keeps it, with no fd, in
 * FIN-WAIT-1 (tcp_close queues a FIN behind the data: one more sequence
 * number in Send-Q), probing the zero window; "orphan.tx" names it by
 * its ports (inode 0 once closed), "orphan.rx" is the receiver.
 */
/* iouring=N: a loopback TCP pair whose reader (N unread bytes) is
 * registered as fixed file 0 of an io_uring ring and then closed: the
 * ring alone keeps it open.  "iouring.rx inode= ring_fd= slot=0 unread=". */
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif
static void spec_iouring(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct io_uring_params params;
	unsigned long ino;
	size_t queued;
	int c, s, ring;

	parse_nums(spec, args, v, 1, 1);
	tcp_pair(AF_INET, 2 * v[0] + 262144, &c, &s);
	queued = stream_fill(c, s, v[0]);
	memset(&params, 0, sizeof(params));
	ring = (int)syscall(SYS_io_uring_setup, 4, &params);
	if (ring < 0)
		fail_errno("io_uring_setup");
	if (syscall(SYS_io_uring_register, ring, IORING_REGISTER_FILES, &s, 1) < 0)
		fail_errno("io_uring_register(IORING_REGISTER_FILES)");
	ino = inode_of(s);
	close(s);
	printf("iouring.rx inode=%lu ring_fd=%d slot=0 unread=%zu\n", ino, ring, queued);
	print_inet("iouring", "tx", c, 0);
}

/* The healthy reuseport worker: accept, read the client's bytes (the
 * client keeps its end open), close, until the parent goes (PDEATHSIG)
 * or the test ends. */
static void reuseport_drain(int lst, size_t bytes)
{
	char buf[CHUNK];

	for (;;) {
		int c = accept(lst, NULL, NULL);
		size_t got = 0;
		ssize_t r;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		while (got < bytes && (r = read(c, buf, sizeof(buf))) > 0)
			got += (size_t)r;
		close(c);
	}
}

/* A client the draining worker served: it read everything and closed,
 * so the client sees end of file. */
static int served_by_drainer(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/*
 * reuseport=CONNS,BYTES,DRAIN: the SO_REUSEPORT group on
 * 127.0.0.1:8443: worker B (this process) then worker A each bind it with
 * SO_REUSEPORT and listen(64); B never accepts. With DRAIN 1, A is a child
 * process that accepts, reads everything and closes; with DRAIN 0, A
 * stays here and never accepts either. CONNS clients each send BYTES.
 * "reuseport.b ... acceptq= pending_bytes=" is what waits on B (pending:
 * bytes delivered to connections A did not serve).
 */
static void spec_reuseport(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct listen_client *cl;
	int b, a, one = 1;
	union addr ad;
	socklen_t alen = loopback_addr(AF_INET, 8443, &ad);
	unsigned int qlen = 0;
	size_t pending = 0;
	long long start, last_change;
	pid_t child = 0;

	parse_nums(spec, args, v, 3, 3);
	if (v[0] > MAX_CONNS)
		fail("%s: at most %d connections", spec, MAX_CONNS);
	b = xsocket(AF_INET, SOCK_STREAM);
	a = xsocket(AF_INET, SOCK_STREAM);
	if (setsockopt(b, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(a, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		fail_errno("setsockopt(SO_REUSEPORT)");
	if (bind(b, &ad.sa, alen) || listen(b, 64))
		fail_errno("bind/listen B on 127.0.0.1:8443");
	if (bind(a, &ad.sa, alen) || listen(a, 64))
		fail_errno("bind/listen A on 127.0.0.1:8443");
	if (v[2]) {
		pid_t parent = getpid();

		fflush(stdout);
		child = fork();
		if (child < 0)
			fail_errno("fork");
		if (child == 0) {
			if (dup2(a, 3) < 0)
				_exit(1);
			close_range(4, ~0U, 0);
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
				_exit(0);
			reuseport_drain(3, v[1]);
		}
		if (nchildren == MAX_CHILDREN)
			fail("at most %d children", MAX_CHILDREN);
		children[nchildren++] = child;
		printf("child pid=%d\n", (int)child);
		printf("reuseport.a inode=%lu fd=3 pid=%d\n", inode_of(a), (int)child);
		close(a);
	} else {
		printf("reuseport.a inode=%lu fd=%d pid=%d\n", inode_of(a), a, (int)getpid());
	}
	cl = calloc(v[0] ? v[0] : 1, sizeof(*cl));
	if (!cl)
		fail("out of memory");
	for (unsigned long long i = 0; i < v[0]; i++)
		listen_client_start(&cl[i], 8443, v[1]);
	start = last_change = now_ms();
	do {
		unsigned int prev_qlen = qlen;
		size_t prev_pending = pending;

		sleep_ms(20);
		qlen = accept_queue_len(b);
		pending = 0;
		for (unsigned long long i = 0; i < v[0]; i++)
			if (!served_by_drainer(cl[i].fd))
				pending += listen_client_delivered(&cl[i]);
		if (qlen != prev_qlen || pending != prev_pending)
			last_change = now_ms();
	} while (now_ms() - last_change < SETTLE_MS && now_ms() - start < 4000);
	printf("reuseport.b inode=%lu fd=%d acceptq=%u pending_bytes=%zu\n",
	       inode_of(b), b, qlen, pending);
	free(cl);	/* the client fds stay open */
}

/* unix-listen=CONNS,BYTES: an abstract UNIX stream listener nobody
 * accepts from, with CONNS clients that each wrote BYTES.  The kernel
 * dumps only the listener (its Recv-Q: CONNS); the bytes sit in embryo
 * sockets that unix_diag does not show. */
static void spec_unix_listen(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	union addr a;
	char name[64];
	socklen_t len;
	int l = xsocket(AF_UNIX, SOCK_STREAM);

	parse_nums(spec, args, v, 2, 2);
	if (v[0] < 1 || v[0] > 64 || v[1] > CHUNK)
		fail("%s: 1..64 connections of at most %d bytes", spec, CHUNK);
	snprintf(name, sizeof(name), "@skh-listen-%d", (int)getpid());
	len = unix_addr(name, &a);
	if (bind(l, &a.sa, len) || listen(l, 128))
		fail_errno("bind/listen(AF_UNIX)");
	for (unsigned long long i = 0; i < v[0]; i++) {
		int c = xsocket(AF_UNIX, SOCK_STREAM);

		if (connect(c, &a.sa, len))
			fail_errno("connect(AF_UNIX)");
		if (v[1] && send(c, chunk, v[1], MSG_NOSIGNAL) != (ssize_t)v[1])
			fail_errno("send(AF_UNIX)");
	}
	printf("unixlisten inode=%lu fd=%d conns=%llu bytes=%llu\n", inode_of(l), l,
	       v[0], v[0] * v[1]);
}

static void spec_orphan(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	int c, s, outq, inq;
	unsigned int port, peer;

	parse_nums(spec, args, v, 1, 1);
	txblock_pair(spec, v[0], &c, &s, &outq, &inq);
	port = port_of(c, 0);
	peer = port_of(c, 1);
	if (close(c))
		fail_errno("close(orphan)");
	printf("orphan.tx port=%u peer_port=%u unsent=%d\n", port, peer, outq);
	printf("orphan.rx inode=%lu fd=%d port=%u peer_port=%u unread=%d\n",
	       inode_of(s), s, port_of(s, 0), port_of(s, 1), inq);
}

/*
 * A connect refused by RST leaves the socket in TCP_CLOSE, unhashed and with
 * its autobound port released (tcp_done -> tcp_set_state), so it is in no
 * sock_diag dump while its fd stays open.
 */
static void spec_leak(void)
{
	int probe = xsocket(AF_INET, SOCK_STREAM);
	int fd = xsocket(AF_INET, SOCK_STREAM);
	unsigned int port = bind_loopback(probe, AF_INET);
	union addr a;
	socklen_t len = loopback_addr(AF_INET, port, &a);

	close(probe);	/* bound, never listened: the port is now closed */
	if (connect(fd, &a.sa, len) == 0)
		fail("leak: connect to closed port %u succeeded", port);
	if (errno != ECONNREFUSED)
		fail_errno("leak: connect");
	printf("leak inode=%lu fd=%d\n", inode_of(fd), fd);
}

/* N loopback TCP pairs whose client end is closed: the accepted end
 * gets the FIN and sits in CLOSE-WAIT until the application closes it,
 * which this one never does (the client end lingers in FIN-WAIT-2 as an
 * orphan, without an fd). */
static void spec_closewait(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];

	parse_nums(spec, args, v, 1, 1);
	for (unsigned long long i = 0; i < v[0]; i++) {
		int c, s;

		tcp_pair(AF_INET, 65536, &c, &s);
		close(c);
		printf("closewait inode=%lu fd=%d\n", inode_of(s), s);
	}
	sleep_ms(100);	/* the FINs are processed on loopback at once */
}

/* The kernel reports the device as idiag_if; skcheck names it through a
 * link cache of the socket's own network namespace. */
static void spec_bindtodev(const char *args)
{
	int fd = xsocket(AF_INET, SOCK_DGRAM);
	struct sockaddr_in sa = { .sin_family = AF_INET };

	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, args, (socklen_t)strlen(args) + 1))
		fail("bindtodev: SO_BINDTODEVICE %s: %s", args, strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail_errno("bindtodev: bind");
	printf("bindtodev inode=%lu fd=%d dev=%s\n", inode_of(fd), fd, args);
}

/* Bound, idle: in no regular dump (only TCP_BOUND_INACTIVE finds it). */
static void spec_bound(void)
{
	int fd = xsocket(AF_INET, SOCK_STREAM);
	unsigned int port = bind_loopback(fd, AF_INET);

	printf("bound inode=%lu fd=%d port=%u\n", inode_of(fd), fd, port);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Hold everything open until the test is done: EOF on stdin (the test
 * closed its end) or SIGTERM/SIGINT. */
static void wait_for_end(void)
{
	struct sigaction sa;
	sigset_t block, during;

	/* Blocked outside ppoll, so a signal cannot slip in between the
	 * flag check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &during))
		fail_errno("sigprocmask");
	sigdelset(&during, SIGTERM);
	sigdelset(&during, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	while (!stop_requested) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		char buf[512];
		ssize_t n;

		if (ppoll(&p, 1, NULL, &during) < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("ppoll");
		}
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

static void spec_fork(void)
{
	pid_t parent = getpid(), pid;

	if (nchildren == MAX_CHILDREN)
		fail("fork: at most %d children", MAX_CHILDREN);
	fflush(stdout);	/* or the child would inherit and repeat buffered lines */
	pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0) {
		nchildren = 0;	/* earlier children are the parent's to stop */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
			_exit(0);
		wait_for_end();
		_exit(0);
	}
	children[nchildren++] = pid;
	printf("child pid=%d\n", (int)pid);
}

static void stop_children(void)
{
	for (int i = 0; i < nchildren; i++) {
		kill(children[i], SIGTERM);
		waitpid(children[i], NULL, 0);
	}
	nchildren = 0;
}

/* The churn specs (see the header); one thread applies their changes. */
enum churn_mode { CHURN_SWAP, CHURN_LIVE, CHURN_NEW, CHURN_MOVE, CHURN_PASS };
struct load {
	unsigned rate, keep, forkevery, holdms;
};

/* A forked holder: keep only the pair (fds a, b), hold it, exit. */
__attribute__((noreturn)) static void load_child(int a, int b, unsigned holdms)
{
	struct timespec ts = { holdms / 1000, (long)(holdms % 1000) * 1000000 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int fd = 3; fd < 4096; fd++)
		if (fd != a && fd != b)
			close(fd);
	nanosleep(&ts, NULL);
	_exit(0);
}

static void *load_run(void *p)
{
	struct load *l = p;
	int lst = xsocket(AF_INET, SOCK_STREAM);
	int *ring = xmalloc(2 * sizeof(int) * l->keep);
	pid_t kids[256];
	unsigned port, nkids = 0, head = 0, n = 0, i;
	long long next = now_ms();

	for (i = 0; i < 2 * l->keep; i++)
		ring[i] = -1;
	port = bind_loopback(lst, AF_INET);
	if (listen(lst, 1024))
		fail_errno("load: listen");
	for (;; n++) {
		int c = xsocket(AF_INET, SOCK_STREAM), s;
		unsigned long srv, cli;

		connect_loopback(c, AF_INET, port);
		s = accept(lst, NULL, NULL);
		if (s < 0)
			fail_errno("load: accept");
		if (send(c, chunk, 100, MSG_NOSIGNAL) != 100)
			fail_errno("load: send");
		srv = inode_of(s);
		cli = inode_of(c);
		/* reap the holders that are done (only ours: other specs
		 * reap their own children at exit) */
		for (i = 0; i < nkids;)
			if (waitpid(kids[i], NULL, WNOHANG) == kids[i])
				kids[i] = kids[--nkids];
			else
				i++;
		if (l->forkevery && n % l->forkevery == 0 && nkids < 256) {
			pid_t pid = fork();

			if (pid < 0)
				fail_errno("load: fork");
			if (pid == 0)
				load_child(s, c, l->holdms);
			kids[nkids++] = pid;
			printf("load.child pid=%d srv=%lu cli=%lu\n", (int)pid, srv, cli);
			close(s);
			close(c);
		} else {
			printf("load.pair pid=%d srv=%lu cli=%lu\n", (int)getpid(), srv, cli);
			if (ring[2 * head] >= 0) {
				close(ring[2 * head]);
				close(ring[2 * head + 1]);
			}
			ring[2 * head] = s;
			ring[2 * head + 1] = c;
			head = (head + 1) % l->keep;
		}
		fflush(stdout);
		next += 1000 / l->rate ? 1000 / l->rate : 1;
		if (next > now_ms())
			sleep_ms((int)(next - now_ms()));
	}
	return NULL;
}

static void spec_load(const char *spec, const char *args)
{
	unsigned long long v[4];
	struct load *l = xmalloc(sizeof(*l));

	parse_nums(spec, args, v, 4, 4);
	if (!v[0] || v[0] > 1000 || !v[1] || v[1] > 1000 || v[3] > 10000)
		fail("%s: need 1 <= RATE <= 1000, 1 <= KEEP <= 1000, HOLDMS <= 10000", spec);
	l->rate = (unsigned)v[0];
	l->keep = (unsigned)v[1];
	l->forkevery = (unsigned)v[2];
	l->holdms = (unsigned)v[3];
	add_worker(load_run, l);
	printf("load rate=%llu keep=%llu forkevery=%llu holdms=%llu\n", v[0], v[1], v[2], v[3]);
}

static const char *const churn_names[] = { "swap", "live", "new", "move", "pass" };
#define MAX_CHURNS 16

struct churn {
	enum churn_mode mode;
	size_t n;
	int tx, rx;		/* the pair whose reader changes */
	int spare_rx;		/* live, move: second reader; pass: -1 */
	int child_fd;		/* pass: the second reader's fd in the child */
	pid_t child;		/* live, pass: keeper, else 0 */
	int idle[2];		/* new: a pipe; move, pass: /dev/null; else -1 */
	unsigned long old_inode;
};
static struct churn churns[MAX_CHURNS];
static int nchurns;

/* Open fds of this process (the directory's own fd not counted). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		fail_errno("opendir(/proc/self/fd)");
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void xdup2(int from, int to)
{
	if (dup2(from, to) < 0)
		fail_errno("dup2");
}

static int open_devnull(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail_errno("open(/dev/null)");
	return fd;
}

/* A child holding only fd keep (and stdio) until the test ends. */
static pid_t fork_keeper(int keep)
{
	pid_t parent = getpid(), pid;

	if (nchildren == MAX_CHILDREN)
		fail("churn: at most %d children", MAX_CHILDREN);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0) {
		nchildren = 0;
		if (keep > 3)
			close_range(3, (unsigned int)keep - 1, 0);
		close_range((unsigned int)keep + 1, ~0U, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
			_exit(0);
		wait_for_end();
		_exit(0);
	}
	children[nchildren++] = pid;
	printf("child pid=%d\n", (int)pid);
	return pid;
}

/* A loopback pair whose reader holds exactly n unread bytes. */
static void churn_pair(const char *what, size_t n, int *tx, int *rx)
{
	size_t queued;

	tcp_pair(AF_INET, 4 * n + 262144, tx, rx);
	queued = stream_fill(*tx, *rx, n);
	if (queued != n)
		fail("churn: %s: only %zu of %zu bytes queued", what, queued, n);
}

/* Another process's fd, as a new fd here (pidfd_getfd needs ptrace
 * access: our own child qualifies). */
static int grab_fd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int got;

	if (pidfd < 0)
		fail_errno("pidfd_open");
	got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (got < 0)
		fail_errno("pidfd_getfd");
	close(pidfd);
	return got;
}

static void churn_apply(struct churn *c)
{
	int before = count_fds(), after, tx2, rx2;
	unsigned long old = c->old_inode;

	switch (c->mode) {
	case CHURN_SWAP:
		churn_pair("swap", 2 * c->n, &tx2, &rx2);
		xdup2(rx2, c->rx);	/* closes the old reader (RST to c->tx) */
		close(rx2);
		close(c->tx);
		c->tx = tx2;
		break;
	case CHURN_LIVE:
		xdup2(c->spare_rx, c->rx);	/* the child keeps the old one */
		break;
	case CHURN_NEW:
		close(c->idle[0]);
		close(c->idle[1]);
		c->idle[0] = c->idle[1] = -1;
		churn_pair("new", 2 * c->n, &tx2, &rx2);
		c->tx = tx2;
		c->rx = rx2;
		old = 0;
		break;
	case CHURN_MOVE:
		xdup2(c->spare_rx, c->rx);
		xdup2(c->idle[0], c->tx);
		break;
	case CHURN_PASS:
		rx2 = grab_fd(c->child, c->child_fd);
		xdup2(rx2, c->rx);
		close(rx2);
		xdup2(c->idle[0], c->tx);
		break;
	}
	after = count_fds();
	printf("churn.new mode=%s inode=%lu fd=%d unread=%d old_inode=%lu nfds_before=%d nfds_after=%d\n",
	       churn_names[c->mode], inode_of(c->rx), c->rx,
	       ioctl_int(c->rx, SIOCINQ, "ioctl(SIOCINQ)"), old, before, after);
	fflush(stdout);
	if (before != after)
		fail("churn %s: %d fds before the change, %d after", churn_names[c->mode],
		     before, after);
}

static void *churn_run(void *p)
{
	sigset_t usr2;
	int sig;

	(void)p;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	for (int i = 0; i < nchurns; i++) {
		if (sigwait(&usr2, &sig))
			fail("sigwait failed");
		churn_apply(&churns[i]);
	}
	return NULL;
}

static void spec_churn(const char *spec, const char *args)
{
	const char *comma = strchr(args, ',');
	unsigned long long v[1];
	struct churn *c;
	char num[32];
	int tx2 = -1, m;

	if (!comma || (size_t)(comma - args) >= sizeof(num))
		fail("%s: expected N,MODE", spec);
	memcpy(num, args, (size_t)(comma - args));
	num[comma - args] = '\0';
	parse_nums(spec, num, v, 1, 1);
	for (m = 0; m <= CHURN_PASS && strcmp(comma + 1, churn_names[m]); m++)
		;
	if (m > CHURN_PASS)
		fail("%s: MODE must be swap, live, new, move or pass", spec);
	if (nchurns == MAX_CHURNS)
		fail("at most %d churn specs", MAX_CHURNS);
	if (!nchurns) {
		/* pending until the churn thread's sigwait() takes it */
		sigset_t usr2;

		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		if (sigprocmask(SIG_BLOCK, &usr2, NULL))
			fail_errno("sigprocmask");
		add_worker(churn_run, NULL);
	}
	c = &churns[nchurns++];
	memset(c, 0, sizeof(*c));
	c->mode = (enum churn_mode)m;
	c->n = v[0];
	c->spare_rx = c->child_fd = c->idle[0] = c->idle[1] = -1;
	churn_pair(spec, c->n, &c->tx, &c->rx);
	c->old_inode = inode_of(c->rx);
	print_inet("churn", "rx", c->rx, c->n);
	print_inet("churn", "tx", c->tx, 0);
	switch (c->mode) {
	case CHURN_SWAP:
		break;
	case CHURN_LIVE:
		c->child = fork_keeper(c->rx);
		printf("churn.child pid=%d inode=%lu fd=%d\n", (int)c->child,
		       c->old_inode, c->rx);
		churn_pair(spec, 2 * c->n, &tx2, &c->spare_rx);
		print_inet("churn", "spare", c->spare_rx, 2 * c->n);
		break;
	case CHURN_NEW:
		if (pipe2(c->idle, O_CLOEXEC))
			fail_errno("pipe2");
		printf("churn.idle fds=%d,%d\n", c->idle[0], c->idle[1]);
		break;
	case CHURN_MOVE:
		churn_pair(spec, 2 * c->n, &tx2, &c->spare_rx);
		print_inet("churn", "spare", c->spare_rx, 2 * c->n);
		c->idle[0] = open_devnull();
		printf("churn.idle fds=%d\n", c->idle[0]);
		break;
	case CHURN_PASS: {
		int rx2;

		churn_pair(spec, 2 * c->n, &tx2, &rx2);
		print_inet("churn", "spare", rx2, 2 * c->n);
		c->child = fork_keeper(rx2);
		c->child_fd = rx2;
		printf("churn.child pid=%d inode=%lu fd=%d\n", (int)c->child,
		       inode_of(rx2), rx2);
		close(rx2);	/* from now on only the child holds it */
		c->idle[0] = open_devnull();
		printf("churn.idle fds=%d\n", c->idle[0]);
		break;
	}
	}
}

/* --- families beyond TCP/UDP/UNIX ---------------------------------- */

/* Wait until SO_MEMINFO of fd stops changing (loopback delivery is
 * asynchronous: softirq), then leave it in mem. */
static void settle_meminfo(int fd, const char *what, uint32_t mem[SK_MEMINFO_VARS])
{
	uint32_t prev[SK_MEMINFO_VARS];
	long long start, last_change;

	get_meminfo(fd, mem);
	start = last_change = now_ms();
	while (now_ms() - last_change < SETTLE_MS) {
		if (now_ms() - start > ARRIVAL_TIMEOUT_MS)
			fail("%s receive queue did not settle", what);
		sleep_ms(10);
		memcpy(prev, mem, sizeof(prev));
		get_meminfo(fd, mem);
		if (memcmp(prev, mem, sizeof(prev)))
			last_change = now_ms();
	}
}

static void print_mem(const char *label, int fd, const uint32_t mem[SK_MEMINFO_VARS])
{
	printf("%s inode=%lu fd=%d rmem=%u rcvbuf=%u wmem=%u drops=%u", label,
	       inode_of(fd), fd, mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_RCVBUF],
	       mem[SK_MEMINFO_WMEM_ALLOC], mem[SK_MEMINFO_DROPS]);
}

/* packet=K,SIZE[,RCVBUF]: an AF_PACKET (SOCK_DGRAM) socket bound to lo
 * for the local experimental ethertype 0x88b5 receives the K frames a
 * second packet socket sends on lo (loopback hands each back to
 * netif_rx), and never reads them. */
static void spec_packet(const char *spec, const char *args)
{
	static int seq;
	/* 0x88b5 and 0x88b6: IEEE local experimental ethertypes, one per
	 * spec so that no receiver sees another spec's frames */
	int ethertype = 0x88b5 + seq++;
	unsigned long long v[MAX_ARGS];
	uint32_t mem[SK_MEMINFO_VARS];
	int n = parse_nums(spec, args, v, 2, 3);
	int rx = socket(AF_PACKET, SOCK_DGRAM, htons(ethertype));
	int tx = socket(AF_PACKET, SOCK_DGRAM, 0);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ethertype) };

	if (seq > 2)
		fail("%s: at most 2 packet specs", spec);
	if (rx < 0 || tx < 0)
		fail_errno("socket(AF_PACKET)");
	if (v[1] < 1 || v[1] > 1400)
		fail("%s: frame size must be 1..1400", spec);
	ll.sll_ifindex = (int)if_nametoindex("lo");
	if (!ll.sll_ifindex)
		fail_errno("if_nametoindex(lo)");
	if (n == 3)
		set_buf(rx, SO_RCVBUFFORCE, SO_RCVBUF, v[2]);
	if (bind(rx, (struct sockaddr *)&ll, sizeof(ll)))
		fail_errno("bind(AF_PACKET)");
	ll.sll_halen = 6;	/* to 00:00:00:00:00:00, lo's address */
	for (unsigned long long i = 0; i < v[0]; i++)
		if (sendto(tx, chunk, v[1], 0, (struct sockaddr *)&ll, sizeof(ll)) != (ssize_t)v[1])
			fail_errno("sendto(AF_PACKET)");
	settle_meminfo(rx, spec, mem);
	print_mem("packet.rx", rx, mem);
	printf(" ifindex=%d ethertype=%d frames=%llu\n", ll.sll_ifindex, ethertype,
	       v[0] - mem[SK_MEMINFO_DROPS]);
	printf("packet.tx inode=%lu fd=%d\n", inode_of(tx), tx);
}

/* netlink=K,SIZE[,RCVBUF]: a NETLINK_USERSOCK socket in multicast group
 * 1 that never reads; a second one broadcasts K messages of SIZE bytes
 * to the group.  What does not fit the rcvbuf is lost the way a slow
 * route or uevent listener loses it: ENOBUFS and sk_drops
 * (netlink_overrun). */
static void spec_netlink(const char *spec, const char *args)
{
	static unsigned int group = 1;	/* one group per spec */
	unsigned long long v[MAX_ARGS];
	uint32_t mem[SK_MEMINFO_VARS];
	int n = parse_nums(spec, args, v, 2, 3);
	int rx = socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
	int tx = socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = group };
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = group };
	socklen_t alen = sizeof(a);
	char msg[CHUNK];
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;

	group <<= 1;
	if (!group)
		fail("%s: too many netlink specs", spec);
	if (rx < 0 || tx < 0)
		fail_errno("socket(AF_NETLINK)");
	if (v[1] < NLMSG_HDRLEN || v[1] > 8192)
		fail("%s: message size must be %d..8192", spec, NLMSG_HDRLEN);
	if (n == 3)
		set_buf(rx, SO_RCVBUFFORCE, SO_RCVBUF, v[2]);
	if (bind(rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(rx, (struct sockaddr *)&a, &alen))
		fail_errno("bind(AF_NETLINK)");
	memset(msg, 0, sizeof(msg));
	nlh->nlmsg_len = (uint32_t)v[1];
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	/* the group gets it (netlink_broadcast); the unicast to port 0
	 * that follows finds no kernel socket for NETLINK_USERSOCK and
	 * fails with ECONNREFUSED, which is expected */
	for (unsigned long long i = 0; i < v[0]; i++)
		if (sendto(tx, msg, v[1], 0, (struct sockaddr *)&dst, sizeof(dst)) != (ssize_t)v[1] &&
		    errno != ECONNREFUSED)
			fail_errno("sendto(AF_NETLINK)");
	settle_meminfo(rx, spec, mem);
	print_mem("netlink.rx", rx, mem);
	printf(" portid=%u messages=%llu\n", a.nl_pid, v[0] - mem[SK_MEMINFO_DROPS]);
	printf("netlink.tx inode=%lu fd=%d\n", inode_of(tx), tx);
}

/* raw=K,SIZE[,RCVBUF]: a raw IPv4 socket for protocol 253 (reserved for
 * experiments) receives K packets of SIZE payload bytes sent to
 * 127.0.0.1 through an IPPROTO_RAW socket (IP_HDRINCL), which itself
 * receives nothing. */
static void spec_raw(const char *spec, const char *args)
{
	static int seq;
	int proto = 253 + seq++;	/* 253, 254: for experiments (RFC 3692) */
	unsigned long long v[MAX_ARGS];
	uint32_t mem[SK_MEMINFO_VARS];
	int n = parse_nums(spec, args, v, 2, 3);
	int rx = socket(AF_INET, SOCK_RAW, proto);
	int tx = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char pkt[20 + 1400];

	if (seq > 2)
		fail("%s: at most 2 raw specs", spec);
	if (rx < 0 || tx < 0)
		fail_errno("socket(SOCK_RAW)");
	if (v[1] < 1 || v[1] > 1400)
		fail("%s: payload size must be 1..1400", spec);
	if (n == 3)
		set_buf(rx, SO_RCVBUFFORCE, SO_RCVBUF, v[2]);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;		/* IPv4, 5 words; length, id, checksum by the kernel */
	pkt[8] = 64;		/* TTL */
	pkt[9] = (unsigned char)proto;
	memcpy(pkt + 12, &to.sin_addr, 4);
	memcpy(pkt + 16, &to.sin_addr, 4);
	for (unsigned long long i = 0; i < v[0]; i++)
		if (sendto(tx, pkt, 20 + v[1], 0, (struct sockaddr *)&to, sizeof(to)) !=
		    (ssize_t)(20 + v[1]))
			fail_errno("sendto(IPPROTO_RAW)");
	settle_meminfo(rx, spec, mem);
	print_mem("raw.rx", rx, mem);
	printf(" ip_proto=%d packets=%llu\n", proto, v[0] - mem[SK_MEMINFO_DROPS]);
	printf("raw.tx inode=%lu fd=%d\n", inode_of(tx), tx);
}

/* mptcp=N: a loopback MPTCP connection; the accepted end holds N unread
 * bytes (SIOCINQ at the MPTCP level: mptcp_ioctl), "mptcp.tx" is the
 * connecting end, "mptcp.listen" the listener. */
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
static void spec_mptcp(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	uint32_t mem[SK_MEMINFO_VARS];
	int l = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	int c = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	unsigned int port;
	size_t sent = 0;
	long long start;
	int s, inq = 0;

	parse_nums(spec, args, v, 1, 1);
	if (l < 0 || c < 0)
		fail_errno("socket(IPPROTO_MPTCP)");
	set_buf(l, SO_RCVBUFFORCE, SO_RCVBUF, 2 * v[0] + 262144);
	port = bind_loopback(l, AF_INET);
	if (listen(l, 8))
		fail_errno("listen(mptcp)");
	connect_loopback(c, AF_INET, port);
	s = accept(l, NULL, NULL);
	if (s < 0)
		fail_errno("accept(mptcp)");
	fcntl(c, F_SETFL, O_NONBLOCK);
	start = now_ms();
	while (sent < v[0] || inq < (int)v[0]) {
		if (sent < v[0]) {
			ssize_t w = send(c, chunk, v[0] - sent < CHUNK ? v[0] - sent : CHUNK,
					 MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			else if (errno != EAGAIN)
				fail_errno("send(mptcp)");
		}
		if (ioctl(s, SIOCINQ, &inq))
			fail_errno("ioctl(mptcp, SIOCINQ)");
		if (now_ms() - start > ARRIVAL_TIMEOUT_MS)
			fail("%s: only %d of %llu bytes arrived", spec, inq, v[0]);
		if (inq < (int)v[0])
			sleep_ms(5);
	}
	settle_meminfo(s, spec, mem);
	printf("mptcp.rx inode=%lu fd=%d port=%u unread=%d rmem=%u\n", inode_of(s), s,
	       port, inq, mem[SK_MEMINFO_RMEM_ALLOC]);
	printf("mptcp.tx inode=%lu fd=%d port=%u\n", inode_of(c), c, port_of(c, 0));
	printf("mptcp.listen inode=%lu fd=%d port=%u\n", inode_of(l), l, port);
}

/* mptcp-txblock=N: an MPTCP connection whose accepted end (small rcvbuf)
 * never reads; the connecting end writes up to N bytes until the window
 * is full.  "mptcp-txblock.tx ... sendq=" is SIOCOUTQ at the MPTCP level
 * (write_seq - snd_una: mptcp_ioctl), once it stopped moving. */
static void spec_mptcp_txblock(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	int l = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	int c = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	unsigned int port;
	size_t sent = 0;
	long long start, last_change;
	int s, outq = -1;

	parse_nums(spec, args, v, 1, 1);
	if (l < 0 || c < 0)
		fail_errno("socket(IPPROTO_MPTCP)");
	set_buf(l, SO_RCVBUFFORCE, SO_RCVBUF, 65536);
	set_buf(c, SO_SNDBUFFORCE, SO_SNDBUF, 2 * v[0] + 262144);
	port = bind_loopback(l, AF_INET);
	if (listen(l, 8))
		fail_errno("listen(mptcp)");
	connect_loopback(c, AF_INET, port);
	s = accept(l, NULL, NULL);
	if (s < 0)
		fail_errno("accept(mptcp)");
	close(l);
	fcntl(c, F_SETFL, O_NONBLOCK);
	start = last_change = now_ms();
	for (;;) {
		int prev = outq;
		size_t prev_sent = sent;

		sent += send_some(c, v[0] - sent);
		sleep_ms(10);
		outq = ioctl_int(c, SIOCOUTQ, "ioctl(mptcp, SIOCOUTQ)");
		if (outq != prev || sent != prev_sent)
			last_change = now_ms();
		else if (now_ms() - last_change >= TXBLOCK_SETTLE_MS)
			break;
		if (now_ms() - start > 2 * ARRIVAL_TIMEOUT_MS)
			fail("%s: queues did not settle", spec);
	}
	if (outq <= 0)
		fail("%s: all %zu bytes fit in the receiver; use a larger N", spec, sent);
	printf("mptcp-txblock.tx inode=%lu fd=%d sent=%zu sendq=%d\n", inode_of(c), c, sent, outq);
	printf("mptcp-txblock.rx inode=%lu fd=%d\n", inode_of(s), s);
}

/* hiddenns=N (root): the daemon that goes into a new network
 * namespace, listens on 127.0.0.1:7777 there, connects, accepts, sends
 * N bytes to itself and setns()es back.  Its three sockets are then the
 * only thing keeping that namespace alive: no process lives in it and
 * it has no name.  "hiddenns.rx" holds the N unread bytes. */
static void spec_hiddenns(const char *spec, const char *args)
{
	unsigned long long v[MAX_ARGS];
	struct ifreq ifr;
	struct stat st;
	int self, l, c, s, one = 1;
	size_t queued;

	parse_nums(spec, args, v, 1, 1);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		fail_errno("open(/proc/thread-self/ns/net)");
	if (unshare(CLONE_NEWNET))
		fail_errno("unshare(CLONE_NEWNET)");
	l = xsocket(AF_INET, SOCK_DGRAM);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(l, SIOCGIFFLAGS, &ifr))
		fail_errno("SIOCGIFFLAGS(lo)");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(l, SIOCSIFFLAGS, &ifr))
		fail_errno("SIOCSIFFLAGS(lo)");
	close(l);
	if (stat("/proc/thread-self/ns/net", &st))
		fail_errno("stat(netns)");
	l = xsocket(AF_INET, SOCK_STREAM);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	{
		union addr a;
		socklen_t len = loopback_addr(AF_INET, 7777, &a);

		if (bind(l, &a.sa, len) || listen(l, 8))
			fail_errno("bind/listen 127.0.0.1:7777");
	}
	c = xsocket(AF_INET, SOCK_STREAM);
	set_buf(l, SO_RCVBUFFORCE, SO_RCVBUF, 2 * v[0] + 262144);
	connect_loopback(c, AF_INET, 7777);
	s = accept(l, NULL, NULL);
	if (s < 0)
		fail_errno("accept");
	queued = stream_fill(c, s, v[0]);
	if (setns(self, CLONE_NEWNET))
		fail_errno("setns back");
	close(self);
	printf("hiddenns.rx inode=%lu fd=%d netns=%lu unread=%zu\n", inode_of(s), s,
	       (unsigned long)st.st_ino, queued);
	printf("hiddenns.tx inode=%lu fd=%d netns=%lu\n", inode_of(c), c,
	       (unsigned long)st.st_ino);
	printf("hiddenns.listen inode=%lu fd=%d netns=%lu\n", inode_of(l), l,
	       (unsigned long)st.st_ino);
}

static void run_spec(const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *args = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - spec) : strlen(spec);

#define IS(key) (klen == strlen(key) && strncmp(spec, key, klen) == 0)
	if (IS("comm") && eq) {
		if (prctl(PR_SET_NAME, args))
			fail_errno("prctl(PR_SET_NAME)");
	} else if (IS("tcp") && eq) {
		spec_tcp(spec, args, AF_INET);
	} else if (IS("tcp6") && eq) {
		spec_tcp(spec, args, AF_INET6);
	} else if (IS("udp") && eq) {
		spec_udp(spec, args);
	} else if (IS("unix-stream") && eq) {
		spec_unix_stream(spec, args);
	} else if (IS("unix-dgram") && eq) {
		spec_unix_dgram(spec, args);
	} else if (IS("listen") && eq) {
		spec_listen(spec, args);
	} else if (IS("acceptstall") && eq) {
		spec_acceptstall(spec, args);
	} else if (IS("slowread") && eq) {
		spec_slowread(spec, args);
	} else if (IS("pauseread") && eq) {
		spec_pauseread(spec, args);
	} else if (IS("udpbusy") && eq) {
		spec_dgrambusy(spec, args, BUSY_UDP);
	} else if (IS("unixbusy") && eq) {
		spec_dgrambusy(spec, args, BUSY_UNIX_DGRAM);
	} else if (IS("packetbusy") && eq) {
		spec_dgrambusy(spec, args, BUSY_PACKET);
	} else if (IS("streambusy") && eq) {
		spec_dgrambusy(spec, args, BUSY_UNIX_STREAM);
	} else if (IS("udpflood") && eq) {
		spec_udpflood(spec, args);
	} else if (IS("txblock") && eq) {
		spec_txblock(spec, args);
	} else if (IS("epoll") && eq) {
		spec_epoll(spec, args);
	} else if (IS("threadfiles") && eq) {
		spec_threadfiles(spec, args);
	} else if (IS("lockread") && eq) {
		spec_lockread(spec, args);
	} else if (IS("churn") && eq) {
		spec_churn(spec, args);
	} else if (IS("load") && eq) {
		spec_load(spec, args);
	} else if (IS("fork") && !eq) {
		spec_fork();
	} else if (IS("closewait") && eq) {
		spec_closewait(spec, args);
	} else if (IS("leak") && !eq) {
		spec_leak();
	} else if (IS("bound") && !eq) {
		spec_bound();
	} else if (IS("unacked") && eq) {
		spec_unacked(spec, args);
	} else if (IS("pinpages") && eq) {
		spec_pinpages(spec, args);
	} else if (IS("pinpend") && eq) {
		spec_pinpend(spec, args);
	} else if (IS("bindtodev") && eq) {
		spec_bindtodev(args);
	} else if (IS("packet") && eq) {
		spec_packet(spec, args);
	} else if (IS("netlink") && eq) {
		spec_netlink(spec, args);
	} else if (IS("raw") && eq) {
		spec_raw(spec, args);
	} else if (IS("mptcp") && eq) {
		spec_mptcp(spec, args);
	} else if (IS("iouring") && eq) {
		spec_iouring(spec, args);
	} else if (IS("reuseport") && eq) {
		spec_reuseport(spec, args);
	} else if (IS("unix-listen") && eq) {
		spec_unix_listen(spec, args);
	} else if (IS("orphan") && eq) {
		spec_orphan(spec, args);
	} else if (IS("mptcp-txblock") && eq) {
		spec_mptcp_txblock(spec, args);
	} else if (IS("hiddenns") && eq) {
		spec_hiddenns(spec, args);
	} else {
		fail("unknown spec '%s'", spec);
	}
#undef IS
}

int main(int argc, char **argv)
{
	pid_t parent = getppid();

	/* die with the test that started us */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		fail_errno("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		fail("parent exited before we started");
	signal(SIGPIPE, SIG_IGN);
	/* SIGUSR1 resumes a pauseread reader: blocked in every thread so it
	 * stays pending until that reader's sigwait() takes it */
	{
		sigset_t usr1;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		if (sigprocmask(SIG_BLOCK, &usr1, NULL))
			fail_errno("sigprocmask");
	}
	memset(chunk, 'x', sizeof(chunk));
	atexit(stop_children);

	printf("pid=%d\n", (int)getpid());
	for (int i = 1; i < argc; i++)
		run_spec(argv[i]);
	printf("READY\n");
	if (fflush(stdout) || ferror(stdout))
		fail_errno("stdout");
	start_workers();
	wait_for_end();
	return 0;
}
