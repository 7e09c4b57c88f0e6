#!/bin/bash
# No false stalls (issue 11): a UDP receiver kept at a full buffer and a
# bound UNIX datagram receiver flooded by an unconnected writer keep the
# same Recv-Q while their readers work (450 datagrams a second); a TCP
# reader keeps pace too.  None of them is ever stalled, over 20 one-shot
# runs and a --watch run of 15 samples.  Readers that stopped are stalled
# within the window: for datagrams the proof is the count of dequeues
# that BPF programs keep (it stays; the head skb alone can come back).
# Without BPF (--no-pinned) nothing can prove a datagram reader
# stopped: no-progress-seen, which is not a verdict.
# A --disable-bpf build (SKCHECK_HAVE_BPF=no) runs the same cases with
# that expectation for the stopped datagram readers.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "BPF iterators (the head skb of datagram queues)"
require_jq

start_helper busy udpbusy=200,450 unixbusy=200,450 slowread=200000,20000,40
hget bu udpbusy.rx inode
hget bx unixbusy.rx inode
hget bt slowread.rx inode
start_helper stopped udpflood=200,100 unix-dgram=5,200 tcp=5000,0
hget su udpflood.rx inode
hget st tcp.rx inode
hget sx udgram.rx inode

# flags PID INODE: the socket's flags in $SK_OUT (or in line $3 of the NDJSON)
flags_of() {
	jq -r --argjson p "$1" --argjson i "$2" \
		'[.processes[] | select(.pid == $p) | .sockets[] | select(.inode == $i) | .flags[]] | join(",")' "$SK_OUT"
}

# what a stopped datagram reader is: proven stalled with BPF, else only
# no-progress-seen
dgram_stopped=stalled
if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	dgram_stopped=no-progress-seen
else
	skj --settle 0.5 --window 0.5 -s -a -p "$busy,$stopped"
	jcheck "BPF walked the datagram queues (their head is known)" \
		'[.processes[].sockets[] | select(.inode == ($u, $x)) | .rx_skbs] | length == 2' \
		--argjson u "$bu" --argjson x "$bx"
	# the proof: datagrams dequeued over the settle window (450/s)
	jcheck "BPF counted the busy readers' dequeues" \
		'[.processes[].sockets[] | select(.inode == ($u, $x)) | .rx_reads | numbers | select(. >= 50)] | length == 2' \
		--argjson u "$bu" --argjson x "$bx"
	jcheck "and none of the stopped readers'" \
		'[.processes[].sockets[] | select(.inode == ($u, $x)) | .rx_reads] == [0, 0]' \
		--argjson u "$su" --argjson x "$sx"
fi

# want KIND INODE: the flag a stopped reader of that kind must carry
want() { if [ "$1" = dgram ]; then echo "$dgram_stopped"; else echo stalled; fi; }

# --- 20 one-shot runs: busy never stalled, stopped always stalled ---------------
for ((r = 1; r <= 20; r++)); do
	skj --settle 0.5 --window 0.5 -s -a -p "$busy,$stopped"
	for ino in "$bu" "$bx" "$bt"; do
		f=$(flags_of "$busy" "$ino")
		case ",$f," in
		*,stalled,*) fail "run $r: busy reader $ino stalled: '$f'" ;;
		*,no-progress-seen,*)
			# without BPF nothing shows a datagram reader's progress
			[ "$dgram_stopped" = no-progress-seen ] && [ "$ino" != "$bt" ] ||
				fail "run $r: busy reader $ino no-progress-seen: '$f'" ;;
		esac
	done
	for k in "dgram $su" "dgram $sx" "tcp $st"; do
		set -- $k
		f=$(flags_of "$stopped" "$2")
		case ",$f," in
		*,"$(want "$1")",*) ;;
		*) fail "run $r: stopped reader $2 not $(want "$1"): '$f'" ;;
		esac
	done
done
ok "20 one-shot runs: busy UDP/UNIX datagram/TCP readers never stalled, stopped ones always $dgram_stopped (datagrams) / stalled (TCP)"

# --- --watch, 15 samples -----------------------------------------------------------
skw -i 0.3 -c 15 --window 1 -s -a -p "$busy,$stopped"
for ino in "$bu" "$bx" "$bt"; do
	n=$(jq -r --argjson i "$ino" '[.processes[].sockets[] | select(.inode == $i) |
		.flags[] | select(. == "stalled" or (. == "no-progress-seen" and $np))] | length' \
		--argjson np "$([ "$dgram_stopped" = stalled ] || [ "$ino" = "$bt" ] && echo true || echo false)" "$SK_NDJSON" |
		awk '{ s += $1 } END { print s + 0 }')
	expect_eq "watch: busy reader $ino never stalled in 15 samples" 0 "$n"
	n=$(jq -r --argjson i "$ino" '.events[] | select(.inode == $i and .event == "stall-begin") | .inode' "$SK_NDJSON" | wc -l)
	expect_eq "watch: no stall-begin event for busy reader $ino" 0 "$n"
done
watch_line last
for k in "dgram $su" "dgram $sx" "tcp $st"; do
	set -- $k
	case ",$(flags_of "$stopped" "$2")," in
	*,"$(want "$1")",*) ok "watch: stopped reader $2 $(want "$1")" ;;
	*) fail "watch: stopped reader $2 not $(want "$1") at the end: $(flags_of "$stopped" "$2")" ;;
	esac
done

# --- without BPF: datagram stalls cannot be proven --------------------------------------
skj --no-pinned --settle 0.5 --window 0.5 -s -a -p "$stopped"
for ino in "$su" "$sx"; do
	f=$(flags_of "$stopped" "$ino")
	case ",$f," in
	*,stalled,*) fail "--no-pinned: datagram reader $ino stalled without proof: '$f'" ;;
	*,no-progress-seen,*) ok "--no-pinned: datagram reader $ino is no-progress-seen" ;;
	*) fail "--no-pinned: datagram reader $ino: '$f'" ;;
	esac
done
case ",$(flags_of "$stopped" "$st")," in
*,stalled,*) ok "--no-pinned: the TCP reader is still proven stalled (consumed bytes)" ;;
*) fail "--no-pinned: TCP reader not stalled" ;;
esac
# no-progress-seen alone is no verdict: a receiver with nothing else wrong
start_helper quiet unix-dgram=3,100
skj --no-pinned --settle 0.5 --window 0.5 -p "$quiet"
expect_rc "--no-pinned: only no-progress-seen, nothing flagged" 0
pget f "$quiet" '.flags | join(",")'
expect_eq "--no-pinned: the process carries the information flag" no-progress-seen "$f"
exit 0
