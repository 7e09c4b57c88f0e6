#!/bin/bash
# No false stalls (issue 11), for every kind of receive queue: a UDP
# receiver kept at a full buffer, a bound UNIX datagram receiver flooded
# by an unconnected writer, an AF_PACKET receiver flooded on lo and a
# UNIX stream whose writer refills what is read keep the same (or a
# growing) Recv-Q while their readers work (450 reads a second); a TCP
# reader keeps pace too.  None of them is ever stalled, over 20 one-shot
# runs and a --watch run of 15 samples.  Readers that stopped are
# stalled within the window: the proof is the count of dequeues that
# BPF keeps (it stays; Recv-Q and the head skb alone can stay while a
# busy reader works), for TCP the consumed bytes.  Without BPF
# (--no-pinned, or a --disable-bpf build: SKCHECK_HAVE_BPF=no) nothing
# can prove a non-TCP reader stopped: no-progress-seen, which is not a
# verdict.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "BPF (the read counters), AF_PACKET"
require_jq

# packetbusy binds ethertype 0x88b7 (no other test's); both helpers'
# receivers get both writers' frames, which changes nothing here
start_helper busy udpbusy=200,450 unixbusy=200,450 packetbusy=200,450 \
	streambusy=200,450 slowread=200000,20000,40
hget bu udpbusy.rx inode
hget bx unixbusy.rx inode
hget bp packetbusy.rx inode
hget bs streambusy.rx inode
hget bt slowread.rx inode
start_helper stopped udpflood=200,100 unix-dgram=5,200 packetbusy=200,0 \
	streambusy=200,0 tcp=5000,0
hget su udpflood.rx inode
hget sx udgram.rx inode
hget sp packetbusy.rx inode
hget ss streambusy.rx inode
hget st tcp.rx inode
busy_kinds="$bu $bx $bp $bs"	# proven only by a count (BPF)
stopped_kinds="$su $sx $sp $ss"

# flags_of PID INODE: the socket's flags in $SK_OUT
flags_of() {
	jq -r --argjson p "$1" --argjson i "$2" \
		'[.processes[] | select(.pid == $p) | .sockets[] | select(.inode == $i) | .flags[]] | join(",")' "$SK_OUT"
}

# what a stopped non-TCP reader is: proven stalled with BPF, else only
# no-progress-seen
counted=yes
stopped_word=stalled
if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	counted=no
	stopped_word=no-progress-seen
else
	skj --settle 0.5 --window 0.5 -s -a -p "$busy,$stopped"
	jcheck "BPF walked the datagram queues (their head is known)" \
		'[.processes[].sockets[] | select(.inode == ($u, $x)) | .rx_skbs] | length == 2' \
		--argjson u "$bu" --argjson x "$bx"
	# the proof: what the readers dequeued over the settle window (450/s)
	for ino in $busy_kinds; do
		jcheck "BPF counted busy reader $ino's reads" \
			'[.processes[].sockets[] | select(.inode == $i) | .rx_reads | numbers | select(. >= 50)] | length == 1' \
			--argjson i "$ino"
	done
	for ino in $stopped_kinds; do
		jcheck "BPF counted no read of stopped reader $ino" \
			'[.processes[].sockets[] | select(.inode == $i) | .rx_reads] == [0]' --argjson i "$ino"
	done
fi

# --- 20 one-shot runs: busy never stalled, stopped always stalled ---------------
for ((r = 1; r <= 20; r++)); do
	skj --settle 0.5 --window 0.5 -s -a -p "$busy,$stopped"
	for ino in $busy_kinds "$bt"; do
		f=$(flags_of "$busy" "$ino")
		case ",$f," in
		*,stalled,*) fail "run $r: busy reader $ino stalled: '$f'" ;;
		*,no-progress-seen,*)
			# without BPF nothing counts a non-TCP reader's reads
			[ "$counted" = no ] && [ "$ino" != "$bt" ] ||
				fail "run $r: busy reader $ino no-progress-seen: '$f'" ;;
		esac
	done
	for ino in $stopped_kinds; do
		f=$(flags_of "$stopped" "$ino")
		case ",$f," in
		*,"$stopped_word",*) ;;
		*) fail "run $r: stopped reader $ino not $stopped_word: '$f'" ;;
		esac
	done
	case ",$(flags_of "$stopped" "$st")," in
	*,stalled,*) ;;
	*) fail "run $r: stopped TCP reader $st not stalled: '$(flags_of "$stopped" "$st")'" ;;
	esac
done
ok "20 one-shot runs: busy UDP/UNIX datagram/packet/UNIX stream/TCP readers never stalled, stopped ones always $stopped_word (TCP: stalled)"

# --- --watch, 15 samples -----------------------------------------------------------
skw -i 0.3 -c 15 --window 1 -s -a -p "$busy,$stopped"
for ino in $busy_kinds "$bt"; do
	np=true
	[ "$counted" = no ] && [ "$ino" != "$bt" ] && np=false
	n=$(jq -r --argjson i "$ino" --argjson np "$np" '[.processes[].sockets[] | select(.inode == $i) |
		.flags[] | select(. == "stalled" or (. == "no-progress-seen" and $np))] | length' "$SK_NDJSON" |
		awk '{ s += $1 } END { print s + 0 }')
	expect_eq "watch: busy reader $ino never stalled in 15 samples" 0 "$n"
	n=$(jq -r --argjson i "$ino" '.events[] | select(.inode == $i and .event == "stall-begin") | .inode' "$SK_NDJSON" | wc -l)
	expect_eq "watch: no stall-begin event for busy reader $ino" 0 "$n"
done
watch_line last
for ino in $stopped_kinds; do
	case ",$(flags_of "$stopped" "$ino")," in
	*,"$stopped_word",*) ok "watch: stopped reader $ino $stopped_word" ;;
	*) fail "watch: stopped reader $ino not $stopped_word at the end: $(flags_of "$stopped" "$ino")" ;;
	esac
done
case ",$(flags_of "$stopped" "$st")," in
*,stalled,*) ok "watch: stopped TCP reader stalled" ;;
*) fail "watch: stopped TCP reader not stalled at the end: $(flags_of "$stopped" "$st")" ;;
esac

# --- without BPF: only TCP stalls can be proven ------------------------------------
skj --no-pinned --settle 0.5 --window 0.5 -s -a -p "$stopped"
for ino in $stopped_kinds; do
	f=$(flags_of "$stopped" "$ino")
	case ",$f," in
	*,stalled,*) fail "--no-pinned: reader $ino stalled without proof: '$f'" ;;
	*,no-progress-seen,*) ok "--no-pinned: reader $ino is no-progress-seen" ;;
	*) fail "--no-pinned: reader $ino: '$f'" ;;
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
