#!/bin/bash
# Packet, netlink, raw IP and MPTCP sockets: each holds data nobody reads,
# made for real by sk_helper, and skcheck must credit it to the helper
# with the kernel's own figures (SO_MEMINFO in the helper, ss for MPTCP),
# drops and flags.  SCTP and vsock are dumped when the kernel offers
# them; when it does not, -J says so ("unavailable").
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss
require_root "AF_PACKET and raw sockets need CAP_NET_RAW"

# one receiver of each kind that fits, one that overflows its rcvbuf
start_helper pid packet=10,1000 packet=100,1000,8192 netlink=10,1000 \
	netlink=100,1000,8192 raw=10,1000 raw=100,1000,8192 mptcp=100000 \
	mptcp-txblock=2000000
skj --all -s --pid "$pid"

# check_rx LABEL N PROTO NETID: the Nth LABEL socket of the helper
check_rx() {
	local label=$1 n=$2 proto=$3 ino fd rmem drops v
	hget ino "$label" inode "$n"
	hget fd "$label" fd "$n"
	hget rmem "$label" rmem "$n"
	hget drops "$label" drops "$n"
	sget v "$pid" "$ino" .proto
	expect_eq "$label #$n proto" "$proto" "$v"
	sget v "$pid" "$ino" .fd
	expect_eq "$label #$n fd" "$fd" "$v"
	sget v "$pid" "$ino" .recv_q
	expect_eq "$label #$n recv_q = SO_MEMINFO rmem_alloc" "$rmem" "$v"
	sget v "$pid" "$ino" .mem
	expect_eq "$label #$n mem = rmem_alloc" "$rmem" "$v"
	sget v "$pid" "$ino" .drops
	expect_eq "$label #$n drops = SO_MEMINFO drops" "$drops" "$v"
	if [ "$drops" -gt 0 ]; then
		jcheck "$label #$n flagged drops" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
			 | index("drops") != null' --argjson pid "$pid" --argjson ino "$ino"
	else
		jcheck "$label #$n not flagged" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
			 | length == 0' --argjson pid "$pid" --argjson ino "$ino"
	fi
}

check_rx packet.rx 1 packet
check_rx packet.rx 2 packet
check_rx netlink.rx 1 netlink
check_rx netlink.rx 2 netlink
check_rx raw.rx 1 raw
check_rx raw.rx 2 raw
hget drops packet.rx drops 2
expect_gt "helper: the small packet rcvbuf overflowed" "$drops" 0
hget drops netlink.rx drops 2
expect_gt "helper: the small netlink rcvbuf overflowed (ENOBUFS)" "$drops" 0

# family-specific identity
hget ino packet.rx inode 1
sget v "$pid" "$ino" .ethertype
expect_eq "packet ethertype" $((0x88b5)) "$v"
sget v "$pid" "$ino" .local
expect_eq "packet local (interface:ethertype)" "lo:0x88b5" "$v"
hget et packet.rx ethertype 2
hget ino packet.rx inode 2
sget v "$pid" "$ino" .ethertype
expect_eq "second packet socket's ethertype" "$et" "$v"
hget ino netlink.rx inode 1
hget portid netlink.rx portid 1
sget v "$pid" "$ino" .portid
expect_eq "netlink portid" "$portid" "$v"
sget v "$pid" "$ino" .nl_proto
expect_eq "netlink protocol (NETLINK_USERSOCK)" 2 "$v"
hget ino raw.rx inode 1
sget v "$pid" "$ino" .ip_proto
expect_eq "raw ip_proto" 253 "$v"
# the overflowing packet receiver: rcvbuf-full (rmem_alloc >= rcvbuf)
hget ino packet.rx inode 2
jcheck "full packet receiver flagged rcvbuf-full" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	 | index("rcvbuf-full") != null' --argjson pid "$pid" --argjson ino "$ino"

# where raw sockets came from is said: raw_diag, else /proc/net/raw
jget rawsrc '.summary.families.raw'
case $rawsrc in
sock_diag | procfs) ok "raw sockets from $rawsrc" ;;
*) fail "summary.families.raw is '$rawsrc'" ;;
esac
for f in packet netlink mptcp; do
	jget v ".summary.families.$f"
	expect_eq "families.$f" sock_diag "$v"
done
# SCTP and vsock: dumped when offered, else said to be unavailable
for f in sctp vsock; do
	jget v ".summary.families.$f"
	case $v in
	sock_diag | unavailable) ok "families.$f = $v" ;;
	*) fail "families.$f is '$v'" ;;
	esac
done
echo "note: this kernel offers: $(jq -r '.summary.families | to_entries | map("\(.key)=\(.value)") | join(" ")' "$SK_OUT")"

# MPTCP: the fd is the MPTCP socket (not its TCP subflow, which shares
# its inode); its Recv-Q is what the kernel reports (rmem_alloc: truesize,
# as ss -M shows it), at least the unread payload
hget ino mptcp.rx inode
hget fd mptcp.rx fd
hget unread mptcp.rx unread
expect_eq "helper: all MPTCP bytes queued" 100000 "$unread"
sget v "$pid" "$ino" .proto
expect_eq "mptcp socket's proto" mptcp "$v"
sget v "$pid" "$ino" .fd
expect_eq "mptcp fd" "$fd" "$v"
sget rq "$pid" "$ino" .recv_q
ss_get ssq "$ino" recvq -M -a
expect_eq "mptcp recv_q vs ss -M Recv-Q" "$ssq" "$rq"
expect_ge "mptcp recv_q covers the unread bytes" "$rq" "$unread"
sget v "$pid" "$ino" .subflows
expect_eq "mptcp socket has its subflow" 1 "$v"
# a client blocked on a full window: its Send-Q is the MPTCP-level
# write_seq - snd_una, which SIOCOUTQ gives the helper exactly
hget tino mptcp-txblock.tx inode
hget sendq mptcp-txblock.tx sendq
sget v "$pid" "$tino" .send_q
expect_eq "blocked MPTCP writer's send_q = SIOCOUTQ" "$sendq" "$v"
jcheck "no TCP socket listed for the helper (subflows are MPTCP detail)" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.proto == "tcp")] | length == 0' \
	--argjson pid "$pid"
pget v "$pid" .nsockets
expect_eq "helper sockets: rx and tx of each packet, netlink and raw spec, 3 + 2 MPTCP" \
	"$(( $(hcount packet.rx) * 2 + $(hcount netlink.rx) * 2 + $(hcount raw.rx) * 2 + 3 + 2 ))" "$v"
pget v "$pid" .unmatched_fds
expect_eq "every socket fd matched a dump" 0 "$v"
# a multicast netlink listener is dumped twice by the kernel: one socket,
# owned, never a second "(no process)" copy
skj -a -s --netns current
for n in 1 2; do
	hget ino netlink.rx inode "$n"
	jget v '[(.processes[].sockets[], .unowned[]) | select(.inode == $ino)] | length' --argjson ino "$ino"
	expect_eq "netlink listener #$n listed once" 1 "$v"
done
skj --all -s --pid "$pid"
pget v "$pid" '.leaked | length'
expect_eq "nothing leaked" 0 "$v"

# --proto selects the new families
for f in packet netlink raw mptcp; do
	skj -a -s --pid "$pid" --proto "$f"
	jcheck "--proto $f lists only $f sockets" \
		'[.processes[] | select(.pid == $pid) | .sockets[].proto] | length > 0 and all(. == $f)' \
		--argjson pid "$pid" --arg f "$f"
done
sk --proto bogus
expect_rc "unknown protocol is a usage error" 2
grep -q "packet" "$SK_ERR" || fail "usage error does not list the new families: $(cat "$SK_ERR")"
ok "usage error lists the families"

# the table names them as ss does
sk -a -s --pid "$pid" --proto packet,netlink
grep -q ' p_dgr ' "$SK_OUT" || fail "no p_dgr row: $(cat "$SK_OUT")"
grep -q ' nl ' "$SK_OUT" || fail "no nl row: $(cat "$SK_OUT")"
ok "table shows p_dgr and nl rows"

# nobody reads: over two samples every receiver is stalled, proven by
# the count of its reads that BPF keeps (it stayed); without BPF their
# Recv-Q (memory) proves nothing: no-progress-seen
want=stalled
[ "${SKCHECK_HAVE_BPF:-yes}" = no ] && want=no-progress-seen
skj -a -s --pid "$pid" --settle 0.3
for l in packet.rx netlink.rx raw.rx mptcp.rx; do
	hget ino "$l" inode 1
	jcheck "$l $want over two samples" \
		'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
		 | index($w) != null' --argjson pid "$pid" --argjson ino "$ino" --arg w "$want"
done
jcheck "blocked MPTCP writer tx-stalled" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	 | index("tx-stalled") != null' --argjson pid "$pid" --argjson ino "$tino"
