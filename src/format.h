/* Text forms of model values shared by the renderers. */
#ifndef SKC_FORMAT_H
#define SKC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define FMT_ADDR_MAX 512

/* "3.0M", "9.8K", "98K", "512" (IEC powers of 1024: one decimal below
 * 10, none above), or the exact number with bytes. */
void format_size(char *buf, size_t len, uint64_t v, bool exact);
/* ss-style state name: ESTAB, LISTEN, UNCONN, ... */
const char *format_state(const struct skc_sock *s);
/* "tcp", "udp", "u_str", ... as in ss's Netid column. */
const char *format_netid(const struct skc_sock *s);
const char *format_type(const struct skc_sock *s);
/* "127.0.0.1:80", "[::1]:80", "*:80", "127.0.0.1%eth0:80"; UNIX: the
 * path as raw bytes (escape before printing), "@name" for abstract, "*"
 * unnamed; peer: "peer:<ino>".  Raw: "ADDR:IPPROTO"; packet:
 * "IFACE:0xETHERTYPE" ("*" any); netlink: "PROTO:PORTID", peer its
 * destination port id or "*"; vsock: "CID:PORT". */
void format_local(char *buf, size_t len, const struct skc_sock *s);
void format_peer(char *buf, size_t len, const struct skc_sock *s);
/* The same as format_local, from a copy (events). */
void format_where(char *buf, size_t len, const struct skc_where *w);
/* UTC, ISO 8601: "2026-01-31T12:00:00Z" (t: Unix time in seconds). */
void format_time(char *buf, size_t len, double t);
/* "42s", "3m07s", "2h05m" (rounded to the second). */
void format_duration(char *buf, size_t len, double secs);
/* A socket's fd as shown: "7", "-" (no process), "7:ring[0]" (slot 0
 * of the io_uring whose fd is 7; SKC_FD_RING). */
void format_fd(char *buf, size_t len, int fd);
/* Comma-separated flag names, "" when none. */
void format_flags(char *buf, size_t len, unsigned flags);

#endif
