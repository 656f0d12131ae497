#!/usr/bin/env bash
# A soak under faults (issue 17, docs/reliability.md): lvsd with both engines under steady traffic
# for DURATION seconds while configuration reloads, real-server flaps, drains, listings, malformed
# control messages, malformed packets and lvsd restarts are injected on schedules, in namespaces
# of its own:
#
#   lvsso-c-PID (client)          lvsso-d-PID (director, lvsd)      lvsso-s-PID (real servers)
#   c0 10.204.1.2/24    <=veth=>  d0 10.204.1.1/24, 10.204.100.2/32
#                                 d1 10.204.2.1/24       <=veth=>   s0 10.204.2.2-4/24
#   packet engine (masquerading): TCP 10.204.100.1:80 -> :8080, UDP 10.204.100.1:53 -> :5300
#   proxy engine:                 TCP 10.204.100.2:8080 -> :9080
#   a fourth service (TCP 10.204.100.1:81) comes and goes with reloads.
#
#   sudo bench/soak.sh                      # DURATION=600
#   sudo DURATION=30 bench/soak.sh          # the CI-sized run (the LVSSoakTests test)
#
# The client (bench/soak/client.py) retries failed requests on new connections and logs every
# failed attempt; bench/soak/summary.py attributes each one to a real server being killed, an
# lvsd restart, or "other" (the goal: none). Exit status 0 only when lvsd never crashed (every
# exit is the one the soak asked for, with status 0), nothing failed as "other", every malformed
# control message left the daemon answering, and no incarnation of lvsd grew its descriptors
# beyond the connection load. Output: $RESULTS/summary.md and raw/. LVSD_BIN names the lvsd
# binary (default: this checkout's .build/debug/lvsd); lvsadm is taken from beside it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${DURATION:=600}"
: "${RELOAD_EVERY:=3}"
: "${SLOTS:=6}"
: "${RESULTS:=/tmp/lvs-bench-results/soak-$(date +%Y%m%d-%H%M%S)}"
: "${LVSD_BIN:=$REPO/.build/debug/lvsd}"
if [ -z "${RESTART_EVERY:-}" ]; then
  if [ "$DURATION" -le 60 ]; then RESTART_EVERY=$((DURATION / 2)); else RESTART_EVERY=$((DURATION / 4)); fi
fi
# The namespaces' names end with this script's PID: two runs (a CI test, a bench) never meet.
C=lvsso-c-$$ D=lvsso-d-$$ S=lvsso-s-$$
VIP=10.204.100.1 PVIP=10.204.100.2
RS=(10.204.2.2 10.204.2.3 10.204.2.4)

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { echo "soak.sh must run as root: it creates network namespaces" >&2; exit 2; }
for tool in ip nft python3 timeout awk ss; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }; done
[ "$DURATION" -ge 20 ] || { echo "DURATION must be at least 20 seconds" >&2; exit 2; }
[ -x "$LVSD_BIN" ] || { echo "no lvsd at $LVSD_BIN (build it, or set LVSD_BIN)" >&2; exit 2; }
LVSADM_BIN=$(dirname "$LVSD_BIN")/lvsadm
[ -x "$LVSADM_BIN" ] || { echo "no lvsadm beside $LVSD_BIN" >&2; exit 2; }
mkdir -p "$RESULTS/raw"
RAW=$RESULTS/raw
WORK=$(mktemp -d /tmp/lvsso.XXXXXX)
chmod 755 "$WORK"
SOCK=$WORK/lvsd.sock CONF=$WORK/keepalived.conf EVENTS=$RAW/events
. "$HERE/nat-lab.sh"
cleanup() {
  stop_started
  for ns in $C $D $S; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
event() { echo "$(date +%s.%N | cut -c1-14) $*" >>"$EVENTS"; }
lvsadm() { timeout 20 "$LVSADM_BIN" --control-socket "$SOCK" "$@"; }

# ---- topology --------------------------------------------------------------------------------
for ns in $C $D $S; do
  ip netns del "$ns" 2>/dev/null
  ip netns add "$ns" && ip -n "$ns" link set lo up || { say "cannot create namespace $ns"; exit 2; }
done
ip link add c0 netns $C type veth peer name d0 netns $D
ip link add d1 netns $D type veth peer name s0 netns $S
ip -n $C addr add 10.204.1.2/24 dev c0
ip -n $D addr add 10.204.1.1/24 dev d0
ip -n $D addr add $PVIP/32 dev d0
ip -n $D addr add 10.204.2.1/24 dev d1
for a in "${RS[@]}"; do ip -n $S addr add "$a/24" dev s0; done
for l in "$C c0" "$D d0" "$D d1" "$S s0"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n $C route add 10.204.100.0/24 via 10.204.1.1
ip -n $S route add default via 10.204.2.1
ip netns exec $D sysctl -qw net.ipv4.ip_forward=1
ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="10000 65000" net.ipv4.tcp_tw_reuse=1
DMAC=$(ip -n $D -o link show d0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# ---- real servers: one process per address, killed and restarted to flap it ------------------
RS_PID=()
start_rs() {  # start_rs INDEX: starts it and waits (bounded) until it listens
  local a=${RS[$1]} i
  spawn $S "$RAW/rs$1.log" python3 "$HERE/soak/realserver.py" "$a" $((DURATION + 120)) 8080 9080 -u 5300
  RS_PID[$1]=$LAST_PID
  for i in $(seq 50); do ip netns exec $S ss -Hltn | grep -q "$a:9080 " && break; sleep 0.1; done
  event rs_up "$a"
}
stop_rs() {
  event rs_down "${RS[$1]}"
  kill -9 "${RS_PID[$1]}" 2>/dev/null; wait "${RS_PID[$1]}" 2>/dev/null; forget "${RS_PID[$1]}"; RS_PID[$1]=0
}
for i in 0 1 2; do start_rs $i; done

# ---- the configuration: variant N differs from N-1 in weights, real servers and services ------
real_server() {  # real_server ADDRESS PORT WEIGHT CHECK
  printf '    real_server %s %s {\n        weight %s\n        inhibit_on_failure\n%s\n    }\n' "$1" "$2" "$3" "$4"
}
TCPCHECK='        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }'
UDPCHECK='        UDP_CHECK {
            payload 7069
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }'
write_config() {  # write_config N
  local n=$1
  {
    echo "global_defs {"; echo "    router_id SOAK"; echo "}"
    printf 'virtual_server %s 80 {\n    delay_loop 1\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n' $VIP
    real_server "${RS[0]}" 8080 $((1 + n % 3)) "$TCPCHECK"
    real_server "${RS[1]}" 8080 $(((n % 5 == 4) ? 0 : 1 + (n + 1) % 3)) "$TCPCHECK"
    [ $((n % 2)) = 0 ] && real_server "${RS[2]}" 8080 2 "$TCPCHECK"
    echo "}"
    printf 'virtual_server %s 53 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol UDP\n' $VIP
    real_server "${RS[0]}" 5300 $((1 + n % 2)) "$UDPCHECK"
    real_server "${RS[1]}" 5300 1 "$UDPCHECK"
    [ $((n % 2)) = 1 ] && real_server "${RS[2]}" 5300 1 "$UDPCHECK"
    echo "}"
    printf 'virtual_server %s 8080 {\n    delay_loop 1\n    lb_algo wlc\n    lb_kind PROXY\n    protocol TCP\n' $PVIP
    real_server "${RS[0]}" 9080 $((1 + n % 4)) "$TCPCHECK"
    real_server "${RS[1]}" 9080 $(((n % 5 == 2) ? 0 : 2)) "$TCPCHECK"
    [ $((n % 3)) = 0 ] && real_server "${RS[2]}" 9080 1 "$TCPCHECK"
    echo "}"
    if [ $((n % 4)) -lt 2 ]; then
      printf 'virtual_server %s 81 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n' $VIP
      real_server "${RS[0]}" 8080 1 "$TCPCHECK"
      echo "}"
    fi
  } >"$CONF.new"
  mv "$CONF.new" "$CONF"
}
write_config 0
cp "$CONF" "$RAW/keepalived.conf.0"

. "$HERE/soak/faults.sh"
{
  echo "date: $(date -Is)"; echo "nproc: $(nproc)"; echo "kernel: $(uname -r)"
  echo "lvsd: $LVSD_BIN $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)"
  echo "DURATION=$DURATION RELOAD_EVERY=$RELOAD_EVERY RESTART_EVERY=$RESTART_EVERY SLOTS=$SLOTS"
} >"$RESULTS/env.txt"
echo "time,incarnation,pid,rss_kb,fds" >"$RAW/samples.csv"
: >"$EVENTS"; : >"$RAW/exits"; : >"$RAW/control-failures"; : >"$RAW/listing-failures"
start_lvsd
sample
# Whatever is left of this lvsd's start-up at t=0 is in the first sample; the "start" figures
# are taken under load, 3 s into the run.
listings &
LISTINGS_PID=$!
PIDS+=("$LISTINGS_PID")
spawn $C "$RAW/client.json" python3 "$HERE/soak/client.py" "$DURATION" "$RAW/failures" \
  nat_tcp=tcp:$VIP:80:$SLOTS nat_udp=udp:$VIP:53:2 proxy_tcp=tcp:$PVIP:8080:$SLOTS
CLIENT_PID=$LAST_PID
START=$(date +%s)
BACKGROUND=()
prune() {  # forget the malformed-input rounds that have finished
  local live=() pid
  for pid in "${BACKGROUND[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then live+=("$pid"); else wait "$pid" 2>/dev/null; forget "$pid"; fi
  done
  BACKGROUND=("${live[@]}")
}
next_reload=$RELOAD_EVERY next_flap=4 up_at=-1 next_drain=2 next_control=1 next_packets=3 next_sample=3
next_restart=$RESTART_EVERY
say "soak: ${DURATION} s; reload every ${RELOAD_EVERY} s, restart every ${RESTART_EVERY} s"
# Each fault has its next due time; a slow step (a restart, a busy machine) delays the others
# but never skips them.
for tick in $(seq $((DURATION * 20))); do  # bounded: at most 20 iterations a second
  t=$(($(date +%s) - START))
  [ "$t" -ge "$DURATION" ] && break
  check_lvsd
  if [ "$t" -ge "$next_restart" ] && [ "$next_restart" -le $((DURATION - 8)) ] && [ "$t" -le $((DURATION - 3)) ]; then
    say "restarting lvsd at t=$t"
    stop_lvsd; start_lvsd
    next_restart=$((next_restart + RESTART_EVERY))
    continue
  fi
  [ "$t" -ge "$next_reload" ] && { reload; next_reload=$((t + RELOAD_EVERY)); }
  if [ "$t" -ge "$next_flap" ] && [ "$t" -le $((DURATION - 8)) ]; then
    flap_down; up_at=$((t + 3)); next_flap=$((t + 10))
  fi
  [ "$up_at" -ge 0 ] && [ "$t" -ge "$up_at" ] && { flap_up; up_at=-1; }
  [ "$t" -ge "$next_drain" ] && { drain "$t"; next_drain=$((t + 7)); }
  if [ "$t" -ge "$next_control" ]; then bad_control & BACKGROUND+=($!); PIDS+=($!); next_control=$((t + 5)); fi
  if [ "$t" -ge "$next_packets" ]; then bad_packets & BACKGROUND+=($!); PIDS+=($!); next_packets=$((t + 5)); fi
  [ "$t" -ge "$next_sample" ] && { sample; next_sample=$((t + 5)); }
  prune
  sleep 0.2
done
flap_up
say "waiting for the client"
for i in $(seq 300); do kill -0 "$CLIENT_PID" 2>/dev/null || break; sleep 0.1; done
wait "$CLIENT_PID" 2>/dev/null; forget "$CLIENT_PID"
touch "$WORK/stop-listings"
for i in $(seq 300); do kill -0 "$LISTINGS_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LISTINGS_PID" 2>/dev/null; forget "$LISTINGS_PID"
for pid in "${BACKGROUND[@]}"; do wait "$pid" 2>/dev/null; forget "$pid"; done  # each bounded by its timeout
sleep 2
for ns in $C $D $S; do  # the kernels' own drops, for placing a lost datagram
  ip netns exec "$ns" nstat -az 2>/dev/null | awk '$2 != 0 && $1 ~ /^(Udp|Ip|Icmp|TcpRetransSegs|TcpExtTCP(Backlog|Rcv|OFO)Drop|TcpExtTCPTimeouts)/' >"$RAW/nstat.${ns%-*}"
  ip -n "$ns" -s -o link 2>/dev/null >"$RAW/links.${ns%-*}"
done
check_lvsd
sample
stop_lvsd
grep -h -i -E 'fatal|crash|assert|precondition' "$RAW"/lvsd.*.log >"$RAW/lvsd-alarms" 2>/dev/null
python3 "$HERE/soak/summary.py" "$RAW" "$SLOTS" "$DURATION" >"$RESULTS/summary.md"
status=$?
cat "$RESULTS/summary.md"
say "results in $RESULTS"
exit $status
