#!/bin/bash
# End to end with a real node_exporter: its textfile collector reads the
# file that `skcheck --watch --prometheus=FILE` keeps rewriting, and a
# scrape of /metrics shows skcheck's per-process metrics for a helper with
# a stalled (never read) socket.
# Variables are set by start_helper/hget (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip "node_exporter not installed (Debian package prometheus-node-exporter)"
command -v curl >/dev/null 2>&1 || skip "curl not installed"

dir=$SK_TMP/textfile
mkdir "$dir"

# node_exporter on a free loopback port (in our own network namespace any
# port is free; outside one, ss tells which are taken)
port_taken() { command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$1" | grep -q .; }
scrape() { curl --noproxy '*' -sf --max-time 5 "http://127.0.0.1:$port/metrics"; }
for ((try = 0; try < 5; try++)); do
	port=$((20000 + (RANDOM % 40000)))
	port_taken "$port" && continue
	bg_start nepid "$SK_TMP/node_exporter.log" "$NODE_EXPORTER" \
		--web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$dir"
	for ((i = 0; i < 100; i++)); do
		scrape >/dev/null 2>&1 && break
		sk_running "$nepid" || break
		sleep 0.1
	done
	sk_running "$nepid" && break
	bg_wait "$nepid" 1
	grep -qi 'address already in use' "$SK_TMP/node_exporter.log.err" ||
		hard_error "node_exporter failed to start: $(tail -n 5 "$SK_TMP/node_exporter.log.err")"
done
sk_running "$nepid" || hard_error "no free port for node_exporter after 5 tries"
scrape >/dev/null || hard_error "node_exporter on 127.0.0.1:$port does not answer: $(tail -n 5 "$SK_TMP/node_exporter.log.err")"
ok "node_exporter listening on 127.0.0.1:$port, textfile directory $dir"

start_helper pid tcp=50000,0
hget unread tcp.rx unread
sk --watch -i 0.5 -c 2 --window 0.4 --prometheus="$dir/skcheck.prom" -p "$pid"
[ "$SK_RC" -le 1 ] || fail "skcheck --watch --prometheus=FILE exited $SK_RC: $(cat "$SK_ERR")"
[ ! -s "$SK_ERR" ] || fail "stderr: $(cat "$SK_ERR")"
expect_eq "only the .prom file in the textfile directory" skcheck.prom "$(ls -A "$dir")"

metrics=$SK_TMP/metrics
scrape >"$metrics" || fail "scrape failed"
# the labels come back in node_exporter's order: find pid="PID" anywhere
value() {
	awk -v n="$1" -v pid="pid=\"$2\"" '
		index($0, n "{") == 1 && index($0, pid) { print $NF }' "$metrics"
}
v=$(value skcheck_process_stalled_sockets "$pid")
[ -n "$v" ] || fail "no skcheck_process_stalled_sockets for pid $pid in the scrape: $(grep '^skcheck_process_stalled' "$metrics" | head)"
expect_ge "scraped skcheck_process_stalled_sockets for the helper" "$v" 1
expect_eq "scraped skcheck_process_recv_queue_bytes for the helper" "$unread" \
	"$(value skcheck_process_recv_queue_bytes "$pid")"
v=$(awk '$1 == "node_textfile_scrape_error" { print $2 }' "$metrics")
expect_eq "node_exporter read the file without error" 0 "$v"
grep -q "^node_textfile_mtime_seconds{file=\"[^\"]*skcheck.prom\"}" "$metrics" ||
	fail "node_exporter does not list skcheck.prom: $(grep node_textfile "$metrics")"
ok "node_exporter lists skcheck.prom"
grep -q '^# TYPE skcheck_listen_overflows_total counter$' "$metrics" ||
	fail "the counter type did not survive: $(grep skcheck_listen_overflows "$metrics")"
ok "TYPE lines kept (skcheck_listen_overflows_total is a counter)"
