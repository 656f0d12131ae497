#!/usr/bin/env bash
# Packet-engine benchmark: lvsd --packet-engine (masquerading) against the kernel's own nftables
# DNAT and plain kernel routing, in one interleaved run, in the peer harness's scenario-D topology
# ($SHARED/bench/d-netns-nat.sh) with its own addresses:
#
#   lvspb-c (client)              lvspb-d (director)              lvspb-s (real servers)
#   c0 10.202.1.2-4/24 <=veth=>  d0 10.202.1.1/24
#                                d1 10.202.2.1/24 <==veth==>    s0 10.202.2.2/24, 10.202.2.3/24
#   client: 10.202.2.0/24 and the VIP 10.202.100.1 via 10.202.1.1; servers: default via
#   10.202.2.1 (LVS-NAT: replies return through the director). nginx (2 workers) serves HTTP on
#   both real-server addresses, udpecho answers UDP on port 7.
#
#   configs  routed    client -> 10.202.2.2 directly; the director kernel only routes
#            nft_dnat  client -> VIP; nftables prerouting dnat, numgen round robin over both
#            lvsd_wN   client -> VIP; lvsd --packet-engine with N workers, -s rr, -m to both
#            lvsdv3_wN the same with --packet-ring blocks (TPACKET_V3) instead of frames (V2);
#                      RINGS="frames blocks" runs both (default: frames)
#            lvsdlk_wN the same as lvsd_wN with --packet-locked: every packet under the director's
#                      lock with hash fanout, as before docs/design/0025 (RINGS="frames locked")
#            lvsdxdp_wN the same as lvsd_wN with --packet-io xdp: an XDP program redirects the
#                      director's flows to AF_XDP sockets (docs/design/0026; RINGS="frames xdp")
#   (each config has its own client source address, .2/.3/.4, as in scenario D, so TIME_WAIT
#    entries of one config never meet the next one's connections; the nft table and lvsd run
#    only during their own runs: lvsd's ingress table would otherwise take the other configs'
#    replies, which come from the same real-server address and port.)
#
#   workloads  ka1k   keep-alive GET of 1 KiB            wrk -t2 -c64 (established flows: packets/s)
#              cc1k   the same with Connection: close    (a new connection per request: connections/s)
#              udp64  UDP request/response, 64 flows     udpload ($SHARED/bench/udp)
#              ka1m   keep-alive GET of 1 MiB            (bulk: full-size frames; not in the default set)
#
#   sudo bench/packet-bench.sh                 # DUR=10 REPS=3 WORKERS="1 2", about 12 minutes
#   sudo DUR=3 REPS=1 bench/packet-bench.sh    # a quick check
#
# Figures per run: requests/s, director packets/s (frames received on d0 + d1 during the run),
# lvsd's CPU seconds, and the machine's busy CPU seconds. Output: $RESULTS/packet.csv,
# summary.md (medians; ratios against nft_dnat), raw/. Must run as root.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${SHARED:=$(dirname "$REPO")/shared}"
: "${DUR:=10}"
: "${REPS:=3}"
: "${WARMUP:=2}"
: "${WORKERS:=1 2}"
: "${RINGS:=frames}"
: "${WORKLOADS:=ka1k cc1k udp64}"
: "${WRK_ARGS:=-t2 -c64}"
: "${RESULTS:=/tmp/lvs-bench-results/packet-$(date +%Y%m%d-%H%M%S)}"
CLK_TCK=$(getconf CLK_TCK)
C=lvspb-c D=lvspb-d S=lvspb-s
VIP=10.202.100.1

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "packet-bench.sh must run as root: it creates network namespaces (try: sudo -E $0)" >&2
  exit 1
fi
missing=()
for tool in ip nft nginx wrk gcc curl timeout awk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
for file in udpecho.c udpload.c; do [ -f "$SHARED/bench/udp/$file" ] || missing+=("$SHARED/bench/udp/$file"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]} (apt-get install -y nginx wrk nftables iproute2 gcc curl; SHARED=...)" >&2
  exit 1
fi
. "$HERE/nat-lab.sh"
release_lvsd

# ---- processes and namespaces: everything started is killed by PID on exit ---------------
WORK=$(mktemp -d /tmp/lvspb.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  stop_started
  for ns in $C $D $S; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cpu_ticks() { local f; f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; set -- $f; echo $((${12} + ${13})); }
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
director_frames() { ip netns exec $D awk '/d0:|d1:/{sub(/^.*:/, ""); split($0, f, " "); n += f[2]} END{print n+0}' /proc/net/dev; }
seconds_of() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h}'; }

for ns in $C $D $S; do
  ip netns del "$ns" 2>/dev/null
  ip netns add "$ns" && ip -n "$ns" link set lo up || { say "cannot create namespace $ns"; exit 1; }
done
ip link add c0 netns $C type veth peer name d0 netns $D
ip link add d1 netns $D type veth peer name s0 netns $S
for a in 2 3 4; do ip -n $C addr add 10.202.1.$a/24 dev c0; done
ip -n $D addr add 10.202.1.1/24 dev d0
ip -n $D addr add 10.202.2.1/24 dev d1
ip -n $S addr add 10.202.2.2/24 dev s0
ip -n $S addr add 10.202.2.3/24 dev s0
for l in "$C c0" "$D d0" "$D d1" "$S s0"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n $C route add 10.202.2.0/24 via 10.202.1.1 src 10.202.1.2
ip -n $C route add $VIP/32 via 10.202.1.1 src 10.202.1.3
ip -n $S route add default via 10.202.2.1
ip netns exec $D sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_time_wait=5 2>/dev/null \
  || ip netns exec $D sysctl -qw net.ipv4.ip_forward=1
ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1
ip netns exec $S sysctl -qw net.core.somaxconn=4096

mkdir -p "$RESULTS/raw" "$WORK/www"
head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
chmod -R a+rX "$WORK/www"
gcc -O2 -o "$WORK/udpecho" "$SHARED/bench/udp/udpecho.c" && gcc -O2 -o "$WORK/udpload" "$SHARED/bench/udp/udpload.c" \
  || { say "cannot compile the UDP tools"; exit 1; }
cat >"$WORK/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 2; pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
events { worker_connections 8192; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 10000000; keepalive_timeout 120s;
  default_type application/octet-stream;
  server { listen 80 backlog=4096; root $WORK/www; add_header X-Server \$server_addr always; }
}
CONF
cat >"$WORK/dnat.nft" <<CONF
table ip lvspb_nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr $VIP tcp dport 80 dnat to numgen inc mod 2 map { 0 : 10.202.2.2, 1 : 10.202.2.3 }
    ip daddr $VIP udp dport 7 dnat to numgen inc mod 2 map { 0 : 10.202.2.2, 1 : 10.202.2.3 }
  }
}
CONF
cat >"$WORK/rules" <<RULES
-A -t $VIP:80 -s rr
-a -t $VIP:80 -r 10.202.2.2:80 -m -w 1
-a -t $VIP:80 -r 10.202.2.3:80 -m -w 1
-A -u $VIP:7 -s rr
-a -u $VIP:7 -r 10.202.2.2:7 -m -w 1
-a -u $VIP:7 -r 10.202.2.3:7 -m -w 1
RULES
{
  echo "date: $(date -Is)"; echo "nproc: $(nproc)"; echo "kernel: $(uname -r)"
  echo "cpu:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "lvsd: $LVSD_BIN $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)"
  echo "DUR=$DUR REPS=$REPS WARMUP=$WARMUP WORKERS=$WORKERS RINGS=$RINGS WRK_ARGS=$WRK_ARGS"
} >"$RESULTS/env.txt"
cp "$WORK/dnat.nft" "$WORK/rules" "$RESULTS/"

spawn $S "$RESULTS/raw/nginx.log" nginx -c "$WORK/nginx.conf"
# One echo server per address: a wildcard-bound UDP socket would answer from the primary address,
# which neither NAT can match to the connection.
spawn $S "$RESULTS/raw/udpecho2.log" "$WORK/udpecho" 10.202.2.2 7
spawn $S "$RESULTS/raw/udpecho3.log" "$WORK/udpecho" 10.202.2.3 7
for i in $(seq 50); do ip netns exec $S bash -c 'exec 3<>/dev/tcp/10.202.2.2/80' 2>/dev/null && break; sleep 0.1; done

LVSD_PID=0
config_on() {  # config_on CONFIG: load the nft table or start lvsd; sets SOURCE
  case $1 in
    routed) SOURCE=10.202.1.2 ;;
    nft_dnat) SOURCE=10.202.1.3; ip netns exec $D nft -f "$WORK/dnat.nft" ;;
    lvsd*_w*)
      SOURCE=10.202.1.4
      ring=frames; case $1 in lvsdv3_*) ring=blocks ;; esac
      locked=(); case $1 in lvsdlk_*) locked=(--packet-locked) ;; lvsdxdp_*) locked=(--packet-io xdp) ;; esac
      spawn $D "$RESULTS/raw/lvsd.$1.log" "$LVSD_BIN" --control-socket "$WORK/lvsd.sock" --packet-engine \
        --interface d0 --interface d1 --packet-workers "${1#*_w}" --packet-ring $ring --reactors 1 \
        "${locked[@]}" --rules "$WORK/rules"
      LVSD_PID=$LAST_PID
      for i in $(seq 100); do [ -S "$WORK/lvsd.sock" ] && break; sleep 0.1; done
      [ -S "$WORK/lvsd.sock" ] || { say "lvsd did not start"; cat "$RESULTS/raw/lvsd.$1.log" >&2; exit 1; }
      ;;
  esac
  ip -n $C route replace $VIP/32 via 10.202.1.1 src $SOURCE
  ip -n $C route replace 10.202.2.0/24 via 10.202.1.1 src $SOURCE
}
config_off() {
  case $1 in
    nft_dnat) ip netns exec $D nft delete table ip lvspb_nat 2>/dev/null ;;
    lvsd*_w*)
      "$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" -L -n --stats >>"$RESULTS/raw/lvsd.$1.stats" 2>&1
      "$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" --engine-stats >>"$RESULTS/raw/lvsd.$1.stats" 2>&1
      kill "$LVSD_PID" 2>/dev/null; wait "$LVSD_PID" 2>/dev/null; forget "$LVSD_PID"; LVSD_PID=0
      rm -f "$WORK/lvsd.sock"
      ;;
  esac
  true
}
target_of() { [ "$1" = routed ] && echo 10.202.2.2 || echo $VIP; }

load() {  # load WORKLOAD CONFIG SECONDS RAW
  local wl=$1 cfg=$2 seconds=$3 raw=$4 host
  host=$(target_of "$cfg")
  case $wl in
    ka1k) timeout $((seconds + 10)) ip netns exec $C wrk $WRK_ARGS -d"${seconds}s" "http://$host/1k.bin" >"$raw" 2>&1 ;;
    ka1m) timeout $((seconds + 10)) ip netns exec $C wrk $WRK_ARGS -d"${seconds}s" "http://$host/1m.bin" >"$raw" 2>&1 ;;
    cc1k) timeout $((seconds + 10)) ip netns exec $C wrk $WRK_ARGS -d"${seconds}s" -H "Connection: close" \
            "http://$host/1k.bin" >"$raw" 2>&1 ;;
    udp64) timeout $((seconds + 10)) ip netns exec $C "$WORK/udpload" "$host" 7 64 "$seconds" 64 >"$raw" 2>&1 ;;
  esac
}
requests_of() {  # requests per second from the raw output
  case $1 in
    udp64) awk '/^requests=/{for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) {sub(/rps=/, "", $i); print $i}}' "$2" ;;
    *) awk '/^Requests\/sec:/{print $2}' "$2" ;;
  esac
}

# Sanity: every config answers, and both balancers reach both real servers.
CONFIGS="routed nft_dnat"
for r in $RINGS; do
  for w in $WORKERS; do
    case $r in
      frames) CONFIGS="$CONFIGS lvsd_w$w" ;;
      blocks) CONFIGS="$CONFIGS lvsdv3_w$w" ;;
      locked) CONFIGS="$CONFIGS lvsdlk_w$w" ;;
      xdp) CONFIGS="$CONFIGS lvsdxdp_w$w" ;;
    esac
  done
done
for cfg in $CONFIGS; do
  config_on "$cfg"
  seen=$(for i in 1 2 3 4; do ip netns exec $C curl -s -m 3 -D - -o /dev/null "http://$(target_of "$cfg")/1k.bin" \
    | tr -d '\r' | awk '/^X-Server/{print $2}'; done | sort -u | tr '\n' ' ')
  answer=$(timeout 5 ip netns exec $C "$WORK/udpload" "$(target_of "$cfg")" 7 4 1 16 2>&1 | grep -c '^requests=[1-9]')
  config_off "$cfg"
  say "sanity $cfg: HTTP served by: ${seen:-nobody}; UDP answered: $answer"
  [ -n "$seen" ] && [ "$answer" = 1 ] || { say "sanity failed for $cfg"; exit 1; }
done

echo "workload,config,rep,req_s,director_pps,lvsd_cpu_s,busy_cpu_s" >"$RESULTS/packet.csv"
read -r -a CFGS <<<"$CONFIGS"
n=${#CFGS[@]}
for wl in $WORKLOADS; do
  for cfg in $CONFIGS; do config_on "$cfg"; load "$wl" "$cfg" "$WARMUP" /dev/null; config_off "$cfg"; done
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
      cfg=${CFGS[$(((i + rep - 1) % n))]}
      config_on "$cfg"
      raw=$RESULTS/raw/$wl.$cfg.r$rep.txt
      f0=$(director_frames); b0=$(busy_ticks); p0=0
      [ "$LVSD_PID" != 0 ] && p0=$(cpu_ticks "$LVSD_PID")
      t0=$(date +%s.%N)
      load "$wl" "$cfg" "$DUR" "$raw"
      t1=$(date +%s.%N)
      f1=$(director_frames); b1=$(busy_ticks); p1=0
      [ "$LVSD_PID" != 0 ] && p1=$(cpu_ticks "$LVSD_PID")
      config_off "$cfg"
      rps=$(requests_of "$wl" "$raw")
      pps=$(awk -v f="$((f1 - f0))" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", f / (b - a)}')
      echo "$wl,$cfg,$rep,${rps:-NA},$pps,$(seconds_of $((p1 - p0))),$(seconds_of $((b1 - b0)))" >>"$RESULTS/packet.csv"
      say "$wl $cfg r$rep: ${rps:-NA} req/s, director $pps packets/s, lvsd CPU $(seconds_of $((p1 - p0))) s"
    done
  done
done

# Summary: medians per workload and config, ratios against nft_dnat (mawk-compatible).
cat >"$WORK/summary.awk" <<'AWK'
function median(a, key, count,   m, j, t, v) {
  for (m = 1; m <= count; m++) v[m] = a[key, m] + 0
  for (m = 1; m <= count; m++) for (j = m + 1; j <= count; j++) if (v[j] < v[m]) { t = v[m]; v[m] = v[j]; v[j] = t }
  return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
}
NR > 1 {
  key = $1 "," $2; n[key]++; r[key, n[key]] = $4; p[key, n[key]] = $5; c[key, n[key]] = $6; b[key, n[key]] = $7
  if (!(key in seen)) { seen[key] = 1; order[++k] = key }
}
END {
  print "| workload | config | req/s (median) | director packets/s | lvsd CPU s | lvsd CPU s per M packets | machine busy CPU s per M packets | packets/s vs nft_dnat |"
  print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  for (q = 1; q <= k; q++) { key = order[q]; mp[key] = median(p, key, n[key]) }
  for (q = 1; q <= k; q++) {
    key = order[q]; split(key, f, ","); base = mp[f[1] ",nft_dnat"]
    cpu = median(c, key, n[key]); busy = median(b, key, n[key]); packets = mp[key] * dur / 1000000
    printf "| %s | %s | %.0f | %.0f | %.2f | %s | %s | %s |\n", f[1], f[2], median(r, key, n[key]), mp[key], cpu,
      (cpu > 0 && packets > 0 ? sprintf("%.2f", cpu / packets) : ""),
      (packets > 0 ? sprintf("%.2f", busy / packets) : ""), (base > 0 ? sprintf("%.2f", mp[key] / base) : "NA")
  }
}
AWK
awk -F, -v dur="$DUR" -f "$WORK/summary.awk" "$RESULTS/packet.csv" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
say "results in $RESULTS"
