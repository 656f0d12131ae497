#!/usr/bin/env bash
# 100,000 connections opened at once through a masquerading service, held, then each carrying
# bytes: lvsd's packet engine (AF_PACKET rings, the same with --packet-locked, AF_XDP) against
# the kernel's nftables DNAT, in namespaces of its own (docs/design/0024, issue 15).
#
#   lvsbu-c (client)              lvsbu-d (director)              lvsbu-s (real server)
#   c0 10.203.1.2/24    <=veth=>  d0 10.203.1.1/24
#                                 d1 10.203.2.1/24  <=veth=>      s0 10.203.2.2/24
#   VIP 10.203.100.1, ports 8081..(8080+PROCS); the real server routes back through the director.
#
# PROCS client processes each open CONNECTIONS/PROCS connections at once to their own VIP port
# (one echo server process per port on the real server: a process may hold 20,000 descriptors),
# wait until every one is established, then write a line on each and wait for its echo, and hold
# them HOLD (10) seconds more (bench/burst/client.py); the director is measured while it holds them. Namespaces are made afresh for every run, so no run inherits another's
# TIME_WAIT or conntrack entries.
#
#   sudo bench/burst.sh                                    # CONNECTIONS=100000 PROCS=6 REPS=3
#   sudo CONFIGS="nft_dnat lvsd_w2" REPS=1 bench/burst.sh  # a quick look
#   CAPTURE=1 records both hosts' sides (raw/*.pcap); LVSD_OPTIONS adds lvsd options
#
# Figures per run: established and echoed connections, seconds until the last was established and
# until the last echo, the engine's ring drops, the entries lvsd lists afterwards, and lvsd's
# memory: resident set size before the burst and after it, with the rings' mapped pages left out
# ("heap"), divided by the entries listed = bytes per connection entry (all of the director's
# state for a connection: the core's entry and the workers' flow records). Output: burst.csv and
# raw/ under $RESULTS. LVSD_BIN names an lvsd binary (default: a release build here).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${CONNECTIONS:=100000}"
: "${PROCS:=6}"
: "${REPS:=3}"
: "${SECONDS_LIMIT:=180}"
: "${HOLD:=10}"
: "${CONFIGS:=nft_dnat lvsdlk_w2 lvsd_w2 lvsdxdp_w2}"
: "${RESULTS:=/tmp/lvs-bench-results/burst-$(date +%Y%m%d-%H%M%S)}"
C=lvsbu-c D=lvsbu-d S=lvsbu-s
VIP=10.203.100.1

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { echo "burst.sh must run as root: it creates network namespaces" >&2; exit 1; }
for tool in ip nft python3 timeout awk; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
. "$HERE/nat-lab.sh"
release_lvsd
mkdir -p "$RESULTS/raw"
WORK=$(mktemp -d /tmp/lvsbu.XXXXXX)
chmod 755 "$WORK"
cp "$HERE/burst/echo.py" "$HERE/burst/client.py" "$WORK/" && chmod 644 "$WORK"/*.py

stop_all() {
  stop_started
  for ns in $C $D $S; do ip netns del "$ns" 2>/dev/null; done
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

topology() {
  three_namespaces $C $D $S $VIP
  ip netns exec $D sysctl -qw net.netfilter.nf_conntrack_max=1048576 2>/dev/null
  ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
  ip netns exec $S sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
}

# The resident pages of lvsd's own memory: every mapping except the packet rings and UMEMs
# (mapped from their sockets, "socket:[…]" or anonymous shared), in kB.
heap_kb() { awk '/^[0-9a-f]+-[0-9a-f]+ /{skip = ($6 ~ /^socket:/ || $2 ~ /s$/)} /^Rss:/{if (!skip) n += $2} END{print n+0}' "/proc/$1/smaps"; }
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
counter() { "$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" --engine-stats 2>/dev/null | awk -v n="$1" '$1 == n || $1 == n":" {print $2}' | head -1; }

echo "config,rep,connections,established,echoed,connect_s,total_s,ring_drops,listed,rss_before_kb,rss_after_kb,heap_before_kb,heap_after_kb,bytes_per_entry" >"$RESULTS/burst.csv"
read -r -a CFGS <<<"$CONFIGS"
n=${#CFGS[@]}
each=$((CONNECTIONS / PROCS)); CONNECTIONS=$((each * PROCS))
for rep in $(seq 1 "$REPS"); do
  for i in $(seq 0 $((n - 1))); do
    cfg=${CFGS[$(((i + rep - 1) % n))]}
    raw=$RESULTS/raw/$cfg.r$rep
    topology
    rules=$WORK/rules; : >"$rules"; : >"$WORK/dnat.nft"
    printf "table ip lvsbu_nat {\nchain prerouting {\ntype nat hook prerouting priority dstnat; policy accept;\n" >"$WORK/dnat.nft"
    for p in $(seq 1 "$PROCS"); do
      port=$((8080 + p))
      spawn $S "$raw.echo$p.out" python3 "$WORK/echo.py" "$port" $((SECONDS_LIMIT + 30))
      printf -- "-A -t %s:%d -s rr\n-a -t %s:%d -r 10.203.2.2:%d -m -w 1\n" $VIP $port $VIP $port $port >>"$rules"
      echo "ip daddr $VIP tcp dport $port dnat to 10.203.2.2" >>"$WORK/dnat.nft"
    done
    printf "}\n}\n" >>"$WORK/dnat.nft"
    if [ -n "${CAPTURE:-}" ]; then  # the real server's side, headers only, for following a reset
      spawn $S "$raw.tshark.log" tshark -q -n -i s0 -s 128 -w "$raw.pcap"
      spawn $C "$raw.tshark-client.log" tshark -q -n -i c0 -s 128 -w "$raw.client.pcap"
      chmod 755 "$RESULTS/raw"; sleep 2
    fi
    LVSD_PID=0
    case $cfg in
      nft_dnat) ip netns exec $D nft -f "$WORK/dnat.nft" || { say "nft failed"; exit 1; } ;;
      lvsd*_w*)
        extra=(); case $cfg in lvsdlk_*) extra=(--packet-locked) ;; lvsdxdp_*) extra=(--packet-io xdp) ;; esac
        spawn $D "$raw.lvsd.log" "$LVSD_BIN" --control-socket "$WORK/lvsd.sock" --packet-engine --interface d0 \
          --interface d1 --packet-workers "${cfg#*_w}" --reactors 1 "${extra[@]}" ${LVSD_OPTIONS:-} --rules "$rules"
        LVSD_PID=$LAST_PID
        for t in $(seq 100); do [ -S "$WORK/lvsd.sock" ] && break; sleep 0.1; done
        [ -S "$WORK/lvsd.sock" ] || { say "lvsd did not start"; cat "$raw.lvsd.log" >&2; exit 1; }
        ;;
    esac
    for t in $(seq 100); do
      [ "$(ip netns exec $S ss -Hltn | grep -c ':80[0-9][0-9] ')" -ge "$PROCS" ] && break; sleep 0.1
    done
    sleep 1
    rb=0 hb=0
    [ "$LVSD_PID" != 0 ] && { rb=$(rss_kb "$LVSD_PID"); hb=$(heap_kb "$LVSD_PID"); }
    clients=()
    for p in $(seq 1 "$PROCS"); do
      ip netns exec $C timeout $((SECONDS_LIMIT + HOLD + 10)) python3 "$WORK/client.py" $VIP $((8080 + p)) "$each" \
        "$SECONDS_LIMIT" "$HOLD" >"$raw.client$p.out" 2>&1 &
      clients+=($!)
    done
    # Every client prints its line when its echoes are in, then holds its connections HOLD seconds:
    # the director is measured while it holds them all.
    for t in $(seq $((SECONDS_LIMIT * 10 + 100))); do
      done_=0; for p in $(seq 1 "$PROCS"); do [ -s "$raw.client$p.out" ] && done_=$((done_ + 1)); done
      [ "$done_" = "$PROCS" ] && break; sleep 0.1
    done
    est=0 echoed=0 cs=0 ts=0
    for p in $(seq 1 "$PROCS"); do
      line=$(cat "$raw.client$p.out")
      for f in $line; do
        case $f in
          established=*) est=$((est + ${f#*=})) ;;
          echoed=*) echoed=$((echoed + ${f#*=})) ;;
          connect_seconds=*) cs=$(awk -v a="$cs" -v b="${f#*=}" 'BEGIN{print (b > a ? b : a)}') ;;
          total_seconds=*) ts=$(awk -v a="$ts" -v b="${f#*=}" 'BEGIN{print (b > a ? b : a)}') ;;
        esac
      done
    done
    drops="" listed="" ra="" ha="" per=""
    if [ "$LVSD_PID" != 0 ]; then
      ra=$(rss_kb "$LVSD_PID"); ha=$(heap_kb "$LVSD_PID")
      drops=$(counter packet_ring_drops)
      "$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" --engine-stats >"$raw.engine-stats" 2>&1
      listed=$("$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" -L -c -n | tail -n +3 | wc -l)
      per=$(awk -v a="$ha" -v b="$hb" -v n="$listed" 'BEGIN{if (n > 0) printf "%.0f", (a - b) * 1024 / n}')
    else
      listed=$(ip netns exec $D cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null)
    fi
    for pid in "${clients[@]}"; do wait "$pid"; done
    # Both hosts' TCP counters (resets, listen overflows, retransmissions) for the record.
    for ns in $C $S; do ip netns exec "$ns" nstat -az 2>/dev/null | grep -E '^Tcp' | awk '$2 != 0' >"$raw.nstat.$ns"; done
    echo "$cfg,$rep,$CONNECTIONS,$est,$echoed,$cs,$ts,$drops,$listed,$rb,$ra,$hb,$ha,$per" >>"$RESULTS/burst.csv"
    say "$cfg r$rep: established $est echoed $echoed of $CONNECTIONS; last established ${cs} s, last echo ${ts} s;" \
      "ring drops ${drops:-–}; entries ${listed:-–}; heap ${hb}→${ha} kB (${per:-–} B/entry)"
    stop_all
  done
done
say "results in $RESULTS"
column -s, -t "$RESULTS/burst.csv"
