/* Unit tests for the small pure helpers: escaping, sizes, addresses,
 * flag names and the /proc/net counters parsers. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "escape.h"
#include "evgate.h"
#include "format.h"
#include "model.h"
#include "options.h"
#include "render.h"
#include "sockstat.h"
#include "socktab.h"
#include "util.h"

/* escape_bytes on exactly len bytes (a heap copy, so ASan sees over-reads) */
static char *esc(const char *s, size_t len)
{
	char *in = calloc(1, len ? len : 1), *out;

	memcpy(in, s, len);
	out = escape_bytes(in, len);
	free(in);
	return out;
}

#define ESC(lit, expect) do { \
	char *e_ = esc(lit, sizeof(lit) - 1); \
	assert_string_equal(e_, expect); \
	free(e_); \
} while (0)

static void test_escape(void **state)
{
	(void)state;
	ESC("", "");
	ESC("nginx: worker process", "nginx: worker process");
	ESC("~!@#$%^&*()_+{}|:\"<>?`-=[];',./", "~!@#$%^&*()_+{}|:\"<>?`-=[];',./");
	/* C0 controls, DEL, the backslash itself */
	ESC("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07");
	ESC("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd");
	ESC("\x7f", "\\x7f");
	ESC("\x01\x1f", "\\x01\\x1f");
	/* a backslash too, so that every \\ in the output starts an escape
	 * (the form libsmartcols uses: it leaves such cells alone) */
	ESC("C:\\dir", "C:\\x5cdir");
	ESC("\\x41", "\\x5cx41");
	ESC("a\0b", "a\\x00b");
	/* valid UTF-8 is kept: 2, 3 and 4 byte sequences, U+00A0, U+10FFFF */
	ESC("h\xc3\xa9llo", "h\xc3\xa9llo");
	ESC("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	ESC("\xc2\xa0", "\xc2\xa0");
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	ESC("\xef\xbf\xbd", "\xef\xbf\xbd");
	/* C1 controls (U+0080..U+009F) are escaped byte by byte */
	ESC("\xc2\x80", "\\xc2\\x80");
	ESC("\xc2\x85", "\\xc2\\x85");
	ESC("\xc2\x9b" "31m", "\\xc2\\x9b31m");
	ESC("\xc2\x9f", "\\xc2\\x9f");
	/* invalid UTF-8: stray bytes, truncation, overlongs, surrogates,
	 * beyond U+10FFFF */
	ESC("\xff", "\\xff");
	ESC("\x80", "\\x80");
	ESC("a\xc3", "a\\xc3");
	ESC("\xe6\x97", "\\xe6\\x97");
	ESC("\xc3(", "\\xc3(");
	ESC("\xc0\x80", "\\xc0\\x80");
	ESC("\xc1\xbf", "\\xc1\\xbf");
	ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	ESC("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	ESC("\xed\xa0\x80", "\\xed\\xa0\\x80");
	ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	ESC("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	/* a valid sequence right after an invalid lead byte survives */
	ESC("\xe6\xc3\xa9", "\\xe6\xc3\xa9");
	/* len, not the NUL, bounds the input */
	{
		char *e = escape_bytes("abcdef", 3);

		assert_string_equal(e, "abc");
		free(e);
	}
}

/* Worst case is 4 output bytes per input byte; and whatever comes in, the
 * output has no control byte and no C1 sequence. */
static void check_safe(const char *e)
{
	const unsigned char *u = (const unsigned char *)e;

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			fail_msg("control byte 0x%02x in escaped output", *u);
		if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			fail_msg("C1 control in escaped output");
	}
}

/* Undo \xNN; every other byte stands for itself. */
static size_t unescape(const char *e, char *out)
{
	size_t n = 0;

	while (*e) {
		unsigned v;

		if (e[0] == '\\') {
			if (e[1] != 'x' || sscanf(e + 2, "%2x", &v) != 1 ||
			    !e[2] || !e[3])
				fail_msg("lone backslash in \"%s\"", e);
			out[n++] = (char)v;
			e += 4;
		} else {
			out[n++] = *e++;
		}
	}
	return n;
}

static void check_round_trip(const char *in, size_t len, const char *e)
{
	char back[4096];

	assert_true(len <= sizeof(back));
	assert_int_equal(unescape(e, back), len);
	assert_memory_equal(back, in, len);
}

static void test_escape_exhaustive(void **state)
{
	char in[3], all[256];
	unsigned a, b;

	(void)state;
	for (a = 0; a < 256; a++) {
		char *e;

		all[a] = (char)(0xff - a);
		in[0] = (char)a;
		e = esc(in, 1);
		check_safe(e);
		check_round_trip(in, 1, e);
		free(e);
		for (b = 0; b < 256; b++) {
			in[1] = (char)b;
			in[2] = (char)0x80;
			e = esc(in, 3);
			check_safe(e);
			check_round_trip(in, 3, e);
			free(e);
		}
	}
	{
		char *e = esc(all, sizeof(all));

		check_safe(e);
		check_round_trip(all, sizeof(all), e);
		assert_true(strlen(e) <= 4 * sizeof(all));
		free(e);
	}
	{
		static char ff[4096];
		char *e;

		memset(ff, 0xff, sizeof(ff));
		e = esc(ff, sizeof(ff));
		assert_int_equal(strlen(e), 4 * sizeof(ff));
		free(e);
	}
}

/* Valid UTF-8 (no overlongs, surrogates or values past U+10FFFF)? */
static bool valid_utf8(const unsigned char *u)
{
	while (*u) {
		uint32_t cp;
		int n, i;

		if (*u < 0x80) {
			u++;
			continue;
		}
		if (*u >= 0xc2 && *u <= 0xdf)
			n = 2, cp = *u & 0x1f;
		else if (*u >= 0xe0 && *u <= 0xef)
			n = 3, cp = *u & 0x0f;
		else if (*u >= 0xf0 && *u <= 0xf4)
			n = 4, cp = *u & 0x07;
		else
			return false;
		for (i = 1; i < n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		u += n;
	}
	return true;
}

static char *ejson(const char *s, size_t len)
{
	char *in = calloc(1, len ? len : 1), *out;

	memcpy(in, s, len);
	out = escape_json(in, len);
	free(in);
	return out;
}

#define EJSON(lit, expect) do { \
	char *e_ = ejson(lit, sizeof(lit) - 1); \
	assert_string_equal(e_, expect); \
	free(e_); \
} while (0)

static void test_escape_json(void **state)
{
	unsigned a, b;

	(void)state;
	EJSON("", "");
	EJSON("plain", "plain");
	/* the JSON writer escapes these itself: kept as they are */
	EJSON("a\x1b[2J\n\\", "a\x1b[2J\n\\");
	EJSON("\x7f", "\x7f");
	EJSON("h\xc3\xa9", "h\xc3\xa9");
	EJSON("\xc2\x9b", "\xc2\x9b");
	EJSON("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	/* not UTF-8: the text \xNN */
	EJSON("\xff", "\\xff");
	EJSON("a\xc3", "a\\xc3");
	EJSON("\xc0\x80", "\\xc0\\x80");
	EJSON("\xed\xa0\x80", "\\xed\\xa0\\x80");
	/* a NUL would end the string and lose what follows (an abstract
	 * UNIX name with NULs inside; tests/fuzz/fuzz_escape found it) */
	EJSON("@a\0b", "@a\\x00b");
	EJSON("\0", "\\x00");
	/* whatever the input, the output is valid UTF-8 */
	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			char in[4] = { (char)a, (char)b, (char)0x80, (char)0xbf };
			char *e = escape_json(in, sizeof(in));

			if (!valid_utf8((const unsigned char *)e))
				fail_msg("escape_json(%02x %02x 80 bf) is not UTF-8", a, b);
			free(e);
		}
	}
}

static int psize(const char *s, uint64_t *v)
{
	*v = 12345;
	return parse_size(s, v);
}

#define SIZE_OK(s, expect) do { \
	uint64_t v_; \
	assert_int_equal(psize(s, &v_), 0); \
	assert_int_equal(v_, (uint64_t)(expect)); \
} while (0)
#define SIZE_BAD(s) do { \
	uint64_t v_; \
	assert_int_equal(psize(s, &v_), -EINVAL); \
} while (0)

static void test_parse_size(void **state)
{
	(void)state;
	SIZE_OK("0", 0);
	SIZE_OK("100", 100);
	SIZE_OK("1K", 1024);
	SIZE_OK("1k", 1024);
	SIZE_OK("1KB", 1024);
	SIZE_OK("1KiB", 1024);
	SIZE_OK("1kib", 1024);
	SIZE_OK("512k", 512 * 1024);
	SIZE_OK("2M", 2 * 1024 * 1024);
	SIZE_OK("1MiB", 1024 * 1024);
	SIZE_OK("3G", 3ULL << 30);
	SIZE_OK("1GiB", 1ULL << 30);
	SIZE_OK("1T", 1ULL << 40);
	SIZE_OK("0K", 0);
	SIZE_OK("007", 7);
	/* the largest values that fit, and the first that do not */
	SIZE_OK("18446744073709551615", UINT64_MAX);
	SIZE_BAD("18446744073709551616");
	SIZE_BAD("99999999999999999999999");
	SIZE_OK("16777215T", 16777215ULL << 40);
	SIZE_BAD("16777216T");
	SIZE_OK("17179869183G", 17179869183ULL << 30);
	SIZE_BAD("17179869184G");
	SIZE_BAD("18014398509481984K");
	/* negative, signed, empty, junk */
	SIZE_BAD("-1");
	SIZE_BAD("-0");
	SIZE_BAD("+1");
	SIZE_BAD("");
	SIZE_BAD("K");
	SIZE_BAD("KiB");
	SIZE_BAD("1X");
	SIZE_BAD("1KK");
	SIZE_BAD("1Ki");
	SIZE_BAD("1iB");
	SIZE_BAD("1KiBs");
	SIZE_BAD("1 K");
	SIZE_BAD("1K ");
	/* a fraction, with a unit only, rounded down to a byte */
	SIZE_OK("1.5M", 1572864);
	SIZE_OK("0.5K", 512);
	SIZE_OK("1.25G", 5ULL << 28);
	SIZE_OK("2.0k", 2048);
	SIZE_OK("0.001K", 1);
	SIZE_OK("0.0001K", 0);
	SIZE_OK("1.123456789T", 1235253802809ULL);
	SIZE_BAD("1.5");
	SIZE_BAD("1.");
	SIZE_BAD("1.K");
	SIZE_BAD(".5K");
	SIZE_BAD("1.5.5K");
	SIZE_BAD("1.1234567891K");
	SIZE_BAD("16777215.5T");
	SIZE_BAD("0x10");
	SIZE_BAD("1e3");
	SIZE_BAD("abc");
}

/* strtoull skips leading blanks and then accepts a sign: " -1" must not
 * come back as 2^64-1 (nor " 1" as 1, for symmetry with "+1"). */
static void test_parse_size_leading_space(void **state)
{
	(void)state;
	SIZE_BAD(" -1");
	SIZE_BAD("\t-1K");
	SIZE_BAD(" 1");
}

static const char *fsize(uint64_t v, bool exact)
{
	static char buf[64];

	format_size(buf, sizeof(buf), v, exact);
	return buf;
}

static void test_format_size(void **state)
{
	char small[4];

	(void)state;
	assert_string_equal(fsize(0, false), "0");
	assert_string_equal(fsize(512, false), "512");
	assert_string_equal(fsize(1023, false), "1023");
	assert_string_equal(fsize(1024, false), "1.0K");
	assert_string_equal(fsize(1536, false), "1.5K");
	assert_string_equal(fsize(10 * 1024, false), "10K");
	assert_string_equal(fsize(100000, false), "98K");
	assert_string_equal(fsize(3 * 1024 * 1024, false), "3.0M");
	assert_string_equal(fsize(1ULL << 30, false), "1.0G");
	assert_string_equal(fsize(1ULL << 40, false), "1.0T");
	assert_string_equal(fsize(1ULL << 50, false), "1.0P");
	assert_string_equal(fsize(1ULL << 60, false), "1.0E");
	assert_string_equal(fsize(UINT64_MAX, false), "16E");
	assert_string_equal(fsize(1048576, true), "1048576");
	assert_string_equal(fsize(0, true), "0");
	assert_string_equal(fsize(UINT64_MAX, true), "18446744073709551615");
	/* a short buffer truncates, never overflows */
	format_size(small, sizeof(small), 123456, true);
	assert_string_equal(small, "123");
	format_size(small, sizeof(small), 1536, false);
	assert_string_equal(small, "1.5");
}

static struct skc_sock inet(int family, const char *laddr, uint16_t lport,
			    const char *paddr, uint16_t pport)
{
	struct skc_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = SKC_TCP;
	s.family = (uint8_t)family;
	s.type = SOCK_STREAM;
	s.state = 1;
	assert_int_equal(inet_pton(family, laddr, s.local.addr), 1);
	assert_int_equal(inet_pton(family, paddr, s.peer.addr), 1);
	s.local.port = lport;
	s.peer.port = pport;
	s.listener = -1;
	return s;
}

static struct skc_sock unx(const char *path, size_t len, uint32_t peer)
{
	struct skc_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = SKC_UNIX;
	s.family = AF_UNIX;
	s.type = SOCK_STREAM;
	s.unix_peer = peer;
	if (path) {
		s.unix_path = malloc(len + 1);
		memcpy(s.unix_path, path, len);
		s.unix_path[len] = '\0';
		s.unix_path_len = (uint32_t)len;
	}
	s.listener = -1;
	return s;
}

static void check_addr(const struct skc_sock *s, const char *local, const char *peer)
{
	char buf[FMT_ADDR_MAX];

	format_local(buf, sizeof(buf), s);
	assert_string_equal(buf, local);
	format_peer(buf, sizeof(buf), s);
	assert_string_equal(buf, peer);
}

static void test_format_inet(void **state)
{
	struct skc_sock s;
	char *small;

	(void)state;
	s = inet(AF_INET, "127.0.0.1", 80, "10.0.0.2", 43210);
	check_addr(&s, "127.0.0.1:80", "10.0.0.2:43210");
	s = inet(AF_INET, "0.0.0.0", 8080, "0.0.0.0", 0);
	check_addr(&s, "*:8080", "*:*");
	s = inet(AF_INET, "0.0.0.0", 0, "0.0.0.0", 0);
	check_addr(&s, "*:*", "*:*");
	s = inet(AF_INET6, "::1", 443, "::1", 50000);
	check_addr(&s, "[::1]:443", "[::1]:50000");
	s = inet(AF_INET6, "::", 22, "::", 0);
	check_addr(&s, "*:22", "*:*");
	s = inet(AF_INET6, "fe80::1:2", 53, "2001:db8::dead:beef", 53);
	check_addr(&s, "[fe80::1:2]:53", "[2001:db8::dead:beef]:53");
	s = inet(AF_INET6, "::ffff:192.0.2.1", 80, "::ffff:192.0.2.2", 1);
	check_addr(&s, "[::ffff:192.0.2.1]:80", "[::ffff:192.0.2.2]:1");
	s = inet(AF_INET, "255.255.255.255", 65535, "1.2.3.4", 65535);
	check_addr(&s, "255.255.255.255:65535", "1.2.3.4:65535");
	/* the device goes with the local address only */
	s = inet(AF_INET, "127.0.0.1", 80, "127.0.0.1", 9);
	s.ifindex = 3;
	check_addr(&s, "127.0.0.1%3:80", "127.0.0.1:9");
	strcpy(sock_rare_w(&s)->ifname, "eth0");
	check_addr(&s, "127.0.0.1%eth0:80", "127.0.0.1:9");
	free(s.rare);
	s = inet(AF_INET6, "::", 67, "::", 0);
	strcpy(sock_rare_w(&s)->ifname, "vrf-blue");
	s.ifindex = 7;
	check_addr(&s, "*%vrf-blue:67", "*:*");
	free(s.rare);
	/* short buffers truncate inside the heap copy */
	s = inet(AF_INET6, "2001:db8::dead:beef", 65535, "::", 0);
	small = malloc(8);
	format_local(small, 8, &s);
	assert_string_equal(small, "[2001:d");
	free(small);
	s = inet(AF_INET, "0.0.0.0", 8080, "0.0.0.0", 0);
	strcpy(sock_rare_w(&s)->ifname, "eth0");
	small = malloc(4);
	format_local(small, 4, &s);
	assert_string_equal(small, "*%e");
	free(small);
	free(s.rare);
}

/* UNIX names come back raw (the renderers escape for their medium);
 * NULs, the abstract marker among them, print as '@' as in ss. */
static void test_format_unix(void **state)
{
	struct skc_sock s;
	char path[108], buf[FMT_ADDR_MAX], *small;

	(void)state;
	s = unx(NULL, 0, 0);
	check_addr(&s, "*", "*");
	s = unx(NULL, 0, 4242);
	check_addr(&s, "*", "peer:4242");
	s = unx("/run/dbus/system_bus_socket", 27, 4294967295u);
	check_addr(&s, "/run/dbus/system_bus_socket", "peer:4294967295");
	free(s.unix_path);
	s = unx("\0/tmp/.X11-unix/X0", 18, 0);
	check_addr(&s, "@/tmp/.X11-unix/X0", "*");
	free(s.unix_path);
	s = unx("\0", 1, 0);
	check_addr(&s, "@", "*");
	free(s.unix_path);
	s = unx("\0a\0b", 4, 0);
	check_addr(&s, "@a@b", "*");
	free(s.unix_path);
	s = unx("\0evil\x1b[2J\n", 10, 0);
	check_addr(&s, "@evil\x1b[2J\n", "*");
	free(s.unix_path);
	/* the longest name fits; a short buffer truncates */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	s = unx(path, sizeof(path), 0);
	format_local(buf, sizeof(buf), &s);
	assert_int_equal(strlen(buf), sizeof(path));
	small = malloc(5);
	format_local(small, 5, &s);
	assert_string_equal(small, "/ppp");
	free(small);
	small = malloc(1);
	format_local(small, 1, &s);
	assert_string_equal(small, "");
	free(small);
	free(s.unix_path);
}

static void test_format_names(void **state)
{
	struct skc_sock s;
	char buf[128], *small;

	(void)state;
	format_flags(buf, sizeof(buf), 0);
	assert_string_equal(buf, "");
	format_flags(buf, sizeof(buf), SKC_F_RESIDUE | SKC_F_DROPS);
	assert_string_equal(buf, "residue,drops");
	format_flags(buf, sizeof(buf), SKC_F_RCVBUF_FULL | SKC_F_ACCEPT_FULL);
	assert_string_equal(buf, "rcvbuf-full,accept-full");
	/* unknown bits are not printed; short buffers truncate */
	format_flags(buf, sizeof(buf), 1u << 31);
	assert_string_equal(buf, "");
	small = malloc(10);
	format_flags(small, 10, SKC_F_RESIDUE | SKC_F_RCVBUF_FULL | SKC_F_DROPS);
	assert_string_equal(small, "residue,r");
	free(small);
	assert_string_equal(flag_name(0), "residue");
	assert_string_equal(flag_name(3), "accept-full");
	assert_string_equal(flag_name(SKC_NFLAGS), "?");
	assert_string_equal(proto_name(SKC_UDPLITE), "udplite");
	assert_string_equal(proto_name(SKC_PROTO_MAX), "?");

	s = inet(AF_INET, "127.0.0.1", 1, "127.0.0.1", 2);
	assert_string_equal(format_state(&s), "ESTAB");
	assert_string_equal(format_netid(&s), "tcp");
	s.state = 7;
	assert_string_equal(format_state(&s), "CLOSE");
	s.state = 10;
	assert_string_equal(format_state(&s), "LISTEN");
	s.state = 200;
	assert_string_equal(format_state(&s), "UNKNOWN");
	s.proto = SKC_UDP;
	s.state = 7;
	assert_string_equal(format_state(&s), "UNCONN");
	s = unx(NULL, 0, 0);
	assert_string_equal(format_netid(&s), "u_str");
	s.type = SOCK_DGRAM;
	assert_string_equal(format_netid(&s), "u_dgr");
	assert_string_equal(format_type(&s), "dgram");
	s.type = SOCK_SEQPACKET;
	assert_string_equal(format_netid(&s), "u_seq");
	s.type = 99;
	assert_string_equal(format_type(&s), "other");
}

static FILE *text(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	return f;
}

static void test_sockstat(void **state)
{
	static const char sample[] =
		"sockets: used 180\n"
		"TCP: inuse 9 orphan 1 tw 2 alloc 12 mem 350\n"
		"UDP: inuse 2 mem 4\n"
		"UDPLITE: inuse 5\n"
		"RAW: inuse 0\n"
		"FRAG: inuse 0 memory 0\n";
	struct skc_sockstat ss;
	FILE *f;

	(void)state;
	f = text(sample);
	memset(&ss, 0x55, sizeof(ss));
	sockstat_parse(f, &ss);
	fclose(f);
	assert_true(ss.valid);
	assert_int_equal(ss.sockets_used, 180);
	assert_int_equal(ss.tcp_inuse, 9);
	assert_int_equal(ss.tcp_orphan, 1);
	assert_int_equal(ss.tcp_tw, 2);
	assert_int_equal(ss.tcp_alloc, 12);
	assert_int_equal(ss.tcp_mem, 350);
	assert_int_equal(ss.udp_inuse, 2);
	assert_int_equal(ss.udp_mem, 4);
	assert_int_equal(ss.udplite_inuse, 5);

	/* nothing recognisable: zeroed and not valid */
	f = text("");
	memset(&ss, 0x55, sizeof(ss));
	sockstat_parse(f, &ss);
	fclose(f);
	assert_false(ss.valid);
	assert_int_equal(ss.sockets_used, 0);
	f = text("garbage\nTCP6: inuse 3\n\n");
	sockstat_parse(f, &ss);
	fclose(f);
	assert_false(ss.valid);
	assert_int_equal(ss.tcp_inuse, 0);
	/* a line longer than the parser's buffer does not derail it */
	{
		char big[1200];

		memset(big, 'x', 1000);
		strcpy(big + 1000, "\nsockets: used 7\n");
		f = text(big);
		sockstat_parse(f, &ss);
		fclose(f);
		assert_true(ss.valid);
		assert_int_equal(ss.sockets_used, 7);
	}
}

static void test_netstat(void **state)
{
	static const char sample[] =
		"TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPLostRetransmit\n"
		"TcpExt: 0 0 7 9 11\n"
		"IpExt: InNoRoutes InTruncatedPkts\n"
		"IpExt: 0 0\n";
	uint64_t overflows = 1, drops = 1;
	FILE *f;

	(void)state;
	f = text(sample);
	netstat_parse(f, &overflows, &drops);
	fclose(f);
	assert_int_equal(overflows, 7);
	assert_int_equal(drops, 9);
	f = text("IpExt: InNoRoutes\nIpExt: 3\n");
	netstat_parse(f, &overflows, &drops);
	fclose(f);
	assert_int_equal(overflows, 0);
	assert_int_equal(drops, 0);
	/* a header without its value line */
	f = text("TcpExt: ListenOverflows ListenDrops\n");
	netstat_parse(f, &overflows, &drops);
	fclose(f);
	assert_int_equal(overflows, 0);
	assert_int_equal(drops, 0);
}

/* The inode index holds far more sockets than its first size (64
 * slots), finds each, and a miss ends (a full table would spin). */
static void test_socktab_grows(void **state)
{
	struct skc_socktab t = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++)
		socktab_add(&t)->inode = 1000 + 7 * i;
	socktab_add(&t);		/* no inode: not indexed */
	socktab_index(&t);
	assert_true(t.nslots >= 2 * t.n);
	for (i = 0; i < 5000; i++)
		assert_int_equal(socktab_find(&t, 1000 + 7 * i), (long)i);
	assert_int_equal(socktab_find(&t, 1001), -1);
	assert_int_equal(socktab_find(&t, 0), -1);
	/* re-indexing after more sockets arrived sizes again */
	for (i = 0; i < 3000; i++)
		socktab_add(&t)->inode = 900000 + i;
	socktab_index(&t);
	assert_int_equal(socktab_find(&t, 900000 + 2999), (long)(5001 + 2999));
	socktab_free(&t);
}

/* The string pool: paths stay where they were put while the pool
 * grows block by block, a string larger than a block gets one of its
 * own, and a pool moved to another table keeps every path valid there
 * (merge_out).  ASan and valgrind see the blocks freed with the table. */
static void fill_paths(struct skc_socktab *t, char **where, size_t n, unsigned seed)
{
	char buf[200];
	size_t i;

	for (i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "/run/skc-%u/%zu.sock", seed, i);

		where[i] = socktab_strdup(t, buf, (size_t)len);
	}
}

static void check_paths(char *const *where, size_t n, unsigned seed)
{
	char buf[200];
	size_t i;

	for (i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "/run/skc-%u/%zu.sock", seed, i);

		/* with its NUL, as xmemdup's copies */
		assert_memory_equal(where[i], buf, (size_t)len + 1);
	}
}

static void test_socktab_strings(void **state)
{
	enum { N = 12000 };	/* ~20 bytes each: four 64 KiB blocks */
	static char *a[N], *b[N];
	struct skc_socktab t = { 0 }, u = { 0 };
	size_t big_len = 200000, nblocks = 0;
	char *big = malloc(big_len), *bp;
	const struct skc_strblock *k;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', big_len);
	fill_paths(&t, a, N / 2, 1);
	bp = socktab_strdup(&t, big, big_len);	/* a block of its own */
	fill_paths(&t, a + N / 2, N / 2, 2);
	for (k = t.strings; k; k = k->next)
		nblocks++;
	assert_true(nblocks >= 4 + 1);	/* and the big one */
	check_paths(a, N / 2, 1);
	check_paths(a + N / 2, N / 2, 2);
	assert_memory_equal(bp, big, big_len);
	/* u's pool moves into t, behind t's current block */
	fill_paths(&u, b, N, 3);
	socktab_take_strings(&t, &u);
	assert_null(u.strings);
	socktab_free(&u);	/* frees no string of t's */
	check_paths(b, N, 3);
	check_paths(a, N / 2, 1);
	/* t goes on filling after the move */
	fill_paths(&t, b, N, 4);
	check_paths(b, N, 4);
	check_paths(a + N / 2, N / 2, 2);
	assert_memory_equal(bp, big, big_len);
	socktab_free(&t);
	assert_null(t.strings);
	free(big);
}

/* --- evgate and event lines ------------------------------------------- */

static struct skc_event *ev_add(struct skc_host *h, enum skc_event_kind k,
				uint64_t inode, uint64_t rq, uint64_t sq)
{
	struct skc_event *ev;

	h->events = realloc(h->events, (h->nevents + 1) * sizeof(*h->events));
	assert_non_null(h->events);
	ev = &h->events[h->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = k;
	ev->inode = inode;
	ev->recv_q = rq;
	ev->send_q = sq;
	ev->pid = 42;
	ev->fd = 3;
	ev->time = 1000;
	strcpy(ev->comm, "my app");
	return ev;
}

static void test_evgate(void **state)
{
	struct evgate *g = evgate_new(64 * 1024);
	struct skc_host h;

	(void)state;
	memset(&h, 0, sizeof(h));
	ev_add(&h, EV_STALL_BEGIN, 1, 65536, 0);	/* at the threshold: shown */
	ev_add(&h, EV_STALL_BEGIN, 2, 65535, 0);	/* below: quiet */
	ev_add(&h, EV_TX_STALL_BEGIN, 3, 0, 1 << 20);	/* tx: by send_q */
	ev_add(&h, EV_STALL_BEGIN, 0, 1, 0);		/* no inode: never quiet */
	ev_add(&h, EV_DROPS, 2, 0, 0);			/* not a stall: shown */
	evgate_apply(g, &h);
	assert_false(h.events[0].quiet);
	assert_true(h.events[1].quiet);
	assert_false(h.events[2].quiet);
	assert_false(h.events[3].quiet);
	assert_false(h.events[4].quiet);
	/* next sample: ends follow their begins, whatever they hold now */
	h.nevents = 0;
	ev_add(&h, EV_STALL_END, 1, 0, 0);
	ev_add(&h, EV_STALL_END, 2, 0, 0);
	ev_add(&h, EV_STALL_END, 3, 0, 0);		/* 3 was a tx stall */
	ev_add(&h, EV_TX_STALL_END, 3, 0, 0);
	evgate_apply(g, &h);
	assert_false(h.events[0].quiet);
	assert_true(h.events[1].quiet);
	assert_true(h.events[2].quiet);
	assert_false(h.events[3].quiet);
	/* an end is shown once: the begin was forgotten */
	h.nevents = 0;
	ev_add(&h, EV_STALL_END, 1, 0, 0);
	evgate_apply(g, &h);
	assert_true(h.events[0].quiet);
	evgate_free(g);
	/* 0: every stall */
	g = evgate_new(0);
	h.nevents = 0;
	ev_add(&h, EV_STALL_BEGIN, 5, 1, 0);
	evgate_apply(g, &h);
	assert_false(h.events[0].quiet);
	evgate_free(g);
	free(h.events);
}

static char *event_text(const struct skc_event *v, size_t n)
{
	char *buf = xmalloc(4096);
	FILE *m = fmemopen(buf, 4096, "w");

	assert_non_null(m);
	render_event_lines(m, v, n);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static int count_lines(const char *t)
{
	int n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static void test_event_lines(void **state)
{
	struct skc_host h;
	char *t;
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* logfmt: a comm with a space, or a quote, is quoted */
	ev_add(&h, EV_DROPS, 7, 0, 0)->value = 3;
	t = event_text(h.events, h.nevents);
	assert_string_equal(t, "1970-01-01T00:16:40Z drops pid=42 comm=\"my app\" fd=3 tcp inode=7 new_drops=3 recv_q=0 send_q=0\n");
	free(t);
	strcpy(h.events[0].comm, "a\"b");
	t = event_text(h.events, h.nevents);
	assert_non_null(strstr(t, " comm=\"a\\\"b\" "));
	free(t);
	strcpy(h.events[0].comm, "nginx");
	t = event_text(h.events, h.nevents);
	assert_non_null(strstr(t, " comm=nginx "));
	free(t);
	/* 3 of a kind stay lines of their own, a 4th groups them */
	h.nevents = 0;
	for (i = 0; i < 3; i++)
		ev_add(&h, EV_STALL_BEGIN, 10 + i, 100 * (i + 1), 0);
	t = event_text(h.events, h.nevents);
	assert_int_equal(count_lines(t), 3);
	assert_null(strstr(t, "grouped="));
	free(t);
	ev_add(&h, EV_STALL_BEGIN, 13, 1000, 0);
	ev_add(&h, EV_STALL_BEGIN, 14, 5, 0)->quiet = true;	/* left out */
	ev_add(&h, EV_DROPS, 15, 0, 0)->value = 1;		/* another kind */
	t = event_text(h.events, h.nevents);
	assert_string_equal(t,
		"1970-01-01T00:16:40Z stall-begin pid=42 comm=\"my app\" grouped=4 recv_q=1600 send_q=0 largest_fd=3 largest_inode=13\n"
		"1970-01-01T00:16:40Z drops pid=42 comm=\"my app\" fd=3 tcp inode=15 new_drops=1 recv_q=0 send_q=0\n");
	free(t);
	free(h.events);
}

/* The rare fields: a socket without any reads zeros and owns nothing;
 * the first write gives it a zeroed record, later writes the same one;
 * releasing (and truncating the table) frees it. */
static void test_sock_rare(void **state)
{
	struct skc_socktab t = { 0 };
	struct skc_sock *s, *u;
	struct skc_sock_rare *r;

	(void)state;
	s = socktab_add(&t);
	assert_null(s->rare);
	assert_int_equal(sock_rare(s)->sproto, 0);
	assert_int_equal(sock_rare(s)->pending_bytes, 0);
	assert_true(sock_rare(s)->stall_since == 0);
	assert_string_equal(sock_rare(s)->ifname, "");
	assert_null(s->rare);			/* reading allocates nothing */
	r = sock_rare_w(s);
	assert_non_null(r);
	assert_ptr_equal(sock_rare_w(s), r);	/* one record per socket */
	assert_int_equal(r->portid, 0);
	r->portid = 7;
	r->pending_mem = 1u << 20;
	assert_int_equal(sock_rare(s)->portid, 7);
	u = socktab_add(&t);			/* s may have moved */
	assert_null(u->rare);
	assert_int_equal(sock_rare(&t.v[0])->portid, 7);
	assert_int_equal(sock_rare(&t.v[0])->pending_mem, 1u << 20);
	assert_int_equal(sock_rare(u)->portid, 0);
	socktab_release(&t.v[0]);
	assert_null(t.v[0].rare);
	assert_int_equal(sock_rare(&t.v[0])->portid, 0);
	sock_rare_w(&t.v[1])->cid = 3;
	socktab_free(&t);			/* frees v[1]'s */
	assert_null(t.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_exhaustive),
		cmocka_unit_test(test_escape_json),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_leading_space),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_inet),
		cmocka_unit_test(test_format_unix),
		cmocka_unit_test(test_sock_rare),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_sockstat),
		cmocka_unit_test(test_netstat),
		cmocka_unit_test(test_socktab_grows),
		cmocka_unit_test(test_socktab_strings),
		cmocka_unit_test(test_evgate),
		cmocka_unit_test(test_event_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
