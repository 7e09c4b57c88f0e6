#!/bin/bash
# The incident behind skcheck, played by a real nginx: a worker stops
# (SIGSTOP) while a client keeps sending on its connection.  One skcheck
# run must say "stalled, stopped" for that socket, with the worker's
# thread as evidence.  nginx runs on 127.0.0.1 in the test's own network
# namespace, with a configuration, pid file, logs and temp paths in the
# test's temporary directory; cleanup resumes and stops it.
# Variables are set by jget/sget/pget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "nginx's master switches its worker to nobody"
require_jq
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "nginx not installed (tools/dev.sh TEST_DEPS lists it)"
[ -n "${SK_IN_NETNS:-}" ] || skip "needs a private network namespace for port 8080 (run as root with unshare)"

PORT=8080
WORKER=
CLIENT_FD=
nginx_cleanup() {
	local rc=$?
	set +e
	[ -n "$WORKER" ] && kill -CONT "$WORKER" 2>/dev/null
	[ -n "$CLIENT_FD" ] && exec {CLIENT_FD}>&-
	(exit "$rc")
	sk_cleanup	# stops the master (bg_start), which ends its worker
}
trap nginx_cleanup EXIT

chmod 711 "$SK_TMP"	# the worker (nobody) opens nothing here, but may look
cat >"$SK_TMP/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 1;
daemon off;
master_process on;
pid $SK_TMP/nginx.pid;
error_log $SK_TMP/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $SK_TMP/client_body;
	proxy_temp_path $SK_TMP/proxy;
	fastcgi_temp_path $SK_TMP/fastcgi;
	uwsgi_temp_path $SK_TMP/uwsgi;
	scgi_temp_path $SK_TMP/scgi;
	server {
		listen 127.0.0.1:$PORT;
		client_header_timeout 120s;
		large_client_header_buffers 4 64k;
		location / { return 200 "ok\n"; }
	}
}
EOF
bg_start master "$SK_TMP/nginx.out" timeout 120 "$NGINX" -p "$SK_TMP" -e "$SK_TMP/error.log" -c "$SK_TMP/nginx.conf"
# timeout runs nginx as its child: the master is timeout's child, the
# worker the master's
for _ in $(seq 100); do
	ngmaster=$(pgrep -P "$master" -x nginx | head -n 1)
	[ -n "$ngmaster" ] && WORKER=$(pgrep -P "$ngmaster" -x nginx | head -n 1)
	[ -n "$WORKER" ] && ss -Hltn "sport = :$PORT" | grep -q LISTEN && break
	sleep 0.05
done
[ -n "$WORKER" ] || fail "nginx did not start a worker: $(cat "$SK_TMP/nginx.out.err" "$SK_TMP/error.log" 2>/dev/null)"
ok "nginx master $ngmaster, worker $WORKER"

# a request whose header never ends: the worker reads the first part and
# waits for more, holding the connection
exec {CLIENT_FD}<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect to nginx"
printf 'GET / HTTP/1.1\r\nHost: skcheck\r\n' >&"$CLIENT_FD"
for _ in $(seq 100); do
	rq=$(ss -Htn state established "sport = :$PORT" | awk '{ print $1 }')
	[ "$rq" = 0 ] && break
	sleep 0.05
done
[ "$rq" = 0 ] || fail "nginx did not read the first part of the request (Recv-Q '$rq')"
conn_ino=$(ss -Htne state established "sport = :$PORT" | grep -o 'ino:[0-9]*' | cut -d: -f2)
[ -n "$conn_ino" ] || fail "no inode for nginx's connection"

kill -STOP "$WORKER"
for _ in $(seq 50); do [[ $(ps -o stat= -p "$WORKER") == T* ]] && break; sleep 0.02; done
[[ $(ps -o stat= -p "$WORKER") == T* ]] || hard_error "worker $WORKER did not stop"
# 40 header lines of 1000 bytes: queued on the stopped worker's socket
pad=$(head -c 990 /dev/zero | tr '\0' a)
for i in $(seq 40); do printf 'X-Pad-%02d: %s\r\n' "$i" "$pad"; done >&"$CLIENT_FD"
sent=$((40 * (10 + 990 + 2)))
for _ in $(seq 100); do
	rq=$(ss -Htn state established "sport = :$PORT" | awk '{ print $1 }')
	[ "$rq" = "$sent" ] && break
	sleep 0.05
done
expect_eq "all the sent bytes wait on the worker's socket (ss)" "$sent" "$rq"

skj --settle 0.5 -s -p "$WORKER"
expect_rc "stopped nginx worker" 1
sget v "$WORKER" "$conn_ino" .recv_q
expect_eq "worker's connection: recv_q" "$sent" "$v"
sget v "$WORKER" "$conn_ino" '.flags | index("stalled") != null'
expect_eq "worker's connection is stalled" true "$v"
sget v "$WORKER" "$conn_ino" .why.kind
expect_eq "why" stopped "$v"
sget v "$WORKER" "$conn_ino" '[.why.threads[] | select(.pid == .tid and .state == "T")] | length'
expect_eq "evidence: the worker's thread, stopped" 1 "$v"
pget v "$WORKER" .comm
expect_eq "the process is nginx" nginx "$v"

sk --settle 0.5 -s -p "$WORKER" --no-summary
grep -E "tcp +ESTAB +127\.0\.0\.1:$PORT .* stalled +stopped: " "$SK_OUT" >/dev/null ||
	fail "table does not say 'stalled, stopped' for the worker's connection: $(cat "$SK_OUT")"
ok "table: nginx worker's connection: stalled, stopped"
grep -E "^ *$WORKER nginx .* stalled +stopped$" "$SK_OUT" >/dev/null ||
	fail "process row does not say stopped: $(cat "$SK_OUT")"
ok "table: process row says stopped"

# resumed, the worker reads the rest: nothing stalled, no verdict
kill -CONT "$WORKER"
for _ in $(seq 100); do
	rq=$(ss -Htn state established "sport = :$PORT" | awk '{ print $1 }')
	[ "$rq" = 0 ] && break
	sleep 0.05
done
expect_eq "resumed worker drained its socket (ss)" 0 "$rq"
skj --settle 0.3 -s -a -p "$WORKER"
jcheck "resumed worker: no verdict" '[.processes[].sockets[] | select(.why != null)] | length == 0'
exit 0
