/* sockfarm: hold many real sockets for the benchmark.
 *   sockfarm TCP_PAIRS UNIX_PAIRS UNREAD_EVERY [UDP_SOCKETS]
 * Makes TCP_PAIRS loopback connections (2 sockets each), UNIX_PAIRS
 * socketpairs and UDP_SOCKETS bound UDP sockets (plus one sender); every
 * UNREAD_EVERY-th pair or UDP socket gets 100 unread bytes.  Prints
 * READY and waits for stdin to close.  One process holds at most ~19000
 * fds here (RLIMIT_NOFILE 20000): run several for big farms. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "sockfarm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(l, 4096) < 0 ||
	    getsockname(l, (struct sockaddr *)sa, &len) < 0)
		die("listen");
	return l;
}

static void tcp_pairs(long n, long every)
{
	struct sockaddr_in sa;
	int l = listener(&sa);
	long i;

	for (i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("connect");
		s = accept(l, NULL, NULL);
		if (s < 0)
			die("accept");
		if (every && i % every == 0 && write(c, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", 100) != 100)
			die("write");
	}
	close(l);
}

static void unix_pairs(long n, long every)
{
	long i;

	for (i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			die("socketpair");
		if (every && i % every == 0 && write(sv[0], "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", 100) != 100)
			die("write");
	}
}

static void udp_sockets(long n, long every)
{
	struct sockaddr_in sa;
	socklen_t len;
	int tx = n ? socket(AF_INET, SOCK_DGRAM, 0) : -1;
	long i;

	if (n && tx < 0)
		die("socket");
	for (i = 0; i < n; i++) {
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		if (u < 0)
			die("socket");
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sa);
		if (bind(u, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    getsockname(u, (struct sockaddr *)&sa, &len) < 0)
			die("bind");
		if (every && i % every == 0 &&
		    sendto(tx, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", 100, 0,
			   (struct sockaddr *)&sa, sizeof(sa)) != 100)
			die("sendto");
	}
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	char buf[64];

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: sockfarm TCP_PAIRS UNIX_PAIRS UNREAD_EVERY [UDP_SOCKETS]\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	tcp_pairs(atol(argv[1]), atol(argv[3]));
	unix_pairs(atol(argv[2]), atol(argv[3]));
	udp_sockets(argc == 5 ? atol(argv[4]) : 0, atol(argv[3]));
	printf("READY %d\n", (int)getpid());
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}
