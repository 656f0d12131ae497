#!/bin/bash
# SYN flood through the packet engine (docs/design/0024-packet-bursts.md), in namespaces of its
# own that it deletes on exit: hping3 sends FLOOD seconds of spoofed SYNs to a masquerading
# service; prints lvsd's RSS, engine counters and the listing as the entries live and expire.
# Usage: sudo [BIN=.build/debug] [FLOOD=6] [LISTNOW=1] bench/syn-flood.sh (needs hping3, nft).
set -u
S=$RANDOM; C=flc$S; D=fld$S; R=flr$S; DIR=/tmp/lvs-syn-flood-$S; mkdir -p $DIR; chmod 755 $DIR
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug}
cleanup() { [ -n "${LVSD:-}" ] && kill $LVSD 2>/dev/null; [ -n "${ECHO:-}" ] && kill $ECHO 2>/dev/null; sleep 1; for n in $C $D $R; do ip netns del $n 2>/dev/null; done; }
trap cleanup EXIT
for n in $C $D $R; do ip netns add $n; ip -n $n link set lo up; done
ip link add veth01 netns $C type veth peer name veth10 netns $D
ip link add veth12 netns $D type veth peer name veth21 netns $R
ip -n $C addr add 10.0.0.2/24 dev veth01; ip -n $D addr add 10.0.0.1/24 dev veth10
ip -n $D addr add 172.16.0.1/24 dev veth12; ip -n $R addr add 172.16.0.2/24 dev veth21
for l in veth01; do ip -n $C link set $l up; done; for l in veth10 veth12; do ip -n $D link set $l up; done; ip -n $R link set veth21 up
ip -n $C route add 207.175.44.110 via 10.0.0.1; ip -n $R route add default via 172.16.0.1; ip -n $D route add default via 10.0.0.2
printf -- "-A -t 207.175.44.110:8080 -s rr\n-a -t 207.175.44.110:8080 -r 172.16.0.2:8080 -m -w 1\n" > $DIR/rules
ip netns exec $R python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8080)); s.listen(65535); time.sleep(400)' > $DIR/listener.out 2>&1 & ECHO=$!
ip netns exec $D $BIN/lvsd --control-socket $DIR/sock --packet-engine --interface veth10 --interface veth12 --packet-workers 2 --reactors 1 --rules $DIR/rules > $DIR/lvsd.out 2> $DIR/lvsd.err & 
sleep 3; LVSD=$(pgrep -f "lvsd --control-socket $DIR/sock" | head -1)
rss() { awk '/VmRSS/{print $2" kB"}' /proc/$LVSD/status; }
listed() { $BIN/lvsadm --control-socket $DIR/sock -L -c -n | tail -n +3 | wc -l; }
stat() { $BIN/lvsadm --control-socket $DIR/sock --engine-stats | grep -E "ring_drops|packets_received|forwarded_inbound|drop_table_full|drop_no_route|drop_neighbour" | tr '\n' ' '; }
echo "t=0 before: rss=$(rss) listed=$(listed)"
timeout ${FLOOD:-6} ip netns exec $C hping3 -q -S -p 8080 --rand-source --flood 207.175.44.110 > $DIR/hping.out 2>&1
echo "after flood: rss=$(rss) $(stat)"; [ -n "${LISTNOW:-}" ] && echo "listing now: listed=$(listed) rss-after-listing=$(rss)"
for t in 35 70 105 140; do sleep 35; echo "t+$t s: rss=$(rss) "; done; echo "final: listed=$(listed) rss=$(rss)"
