# shellcheck shell=bash
# Helpers for bench/proxy-bench.sh (sourced, not run). Written to measure exactly what the peer
# harness in $SHARED/bench measures (same counters, same units, same CSV columns), so figures from
# the two are comparable.
#
# Network policy: everything runs inside one private network namespace ($NS, prefix "lvsp-")
# on its loopback; it is deleted on exit. Every process started is recorded and killed by PID.

: "${DUR:=10}"      # seconds per measured run
: "${REPS:=3}"      # repetitions, interleaved across configurations
: "${WARMUP:=2}"    # seconds of unrecorded load per configuration before each workload
CLK_TCK=$(getconf CLK_TCK)

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- processes and the namespace ---------------------------------------------------------
OUR_PIDS=()
OUR_NS=
LAST_PID=

stop_everything() {
  local pid children=()
  for pid in "${OUR_PIDS[@]}"; do
    children+=($(pgrep -P "$pid" 2>/dev/null))
    kill "$pid" 2>/dev/null
  done
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${OUR_PIDS[@]}" "${children[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${OUR_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  OUR_PIDS=()
  if [ -n "$OUR_NS" ]; then ip netns del "$OUR_NS" 2>/dev/null; OUR_NS=; fi
  [ -n "${WORK:-}" ] && [ -d "$WORK" ] && rm -rf "$WORK"
}

# make_namespace NAME: a fresh namespace with loopback up and the same sysctls as the peer runs.
make_namespace() {
  OUR_NS=$1
  ip netns add "$OUR_NS" || { say "cannot create network namespace $OUR_NS"; exit 1; }
  ip -n "$OUR_NS" link set lo up
  ip netns exec "$OUR_NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" \
    net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096
}

# in_ns CMD...: run CMD inside the namespace.
in_ns() { ip netns exec "$OUR_NS" "$@"; }

# spawn LOG CMD...: start CMD (a foreground daemon) in the namespace, output to LOG; its PID
# (ip netns exec execs, so it is the daemon's own) goes to LAST_PID and the kill list.
# Not inside $(...): the PID list would be lost with the subshell.
spawn() {
  local log=$1; shift
  ip netns exec "$OUR_NS" "$@" >"$log" 2>&1 &
  LAST_PID=$!
  OUR_PIDS+=("$LAST_PID")
}

# await_tcp PORT: until something accepts on 127.0.0.1:PORT (at most 10 s).
await_tcp() {
  local i
  for i in $(seq 1 100); do
    in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  say "nothing accepts on 127.0.0.1:$1 in $OUR_NS"
  return 1
}

# ---- CPU accounting (same definitions as the peer harness) -------------------------------
# cpu_ticks PID: utime+stime of PID and of its live children, plus PID's cutime+cstime (reaped
# children). The thread-group leader's /proc/PID/stat already sums all its threads.
cpu_ticks() {
  local root=$1 total=0 pid fields
  for pid in "$root" $(pgrep -P "$root" 2>/dev/null); do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086
    set -- $fields   # $1 = state; utime $12, stime $13, cutime $14, cstime $15
    total=$((total + ${12} + ${13}))
    [ "$pid" = "$root" ] && total=$((total + ${14} + ${15}))
  done
  echo "$total"
}
machine_busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
seconds_of() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN{printf "%.2f", t/h}'; }
ratio_of() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN{ if (b>0 && a!="NA") printf f, a/b; else print "NA"}'; }

# ---- wrk output --------------------------------------------------------------------------
# milliseconds "850.00us" | "1.20ms" | "2.00s" | "1.00m"
milliseconds() {
  awk -v v="$1" 'BEGIN{
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else print "NA" }'
}
# mebibytes "12.3MB" | "1.2GB" | "800KB" | "10B" (wrk counts in 1024s)
mebibytes() {
  awk -v v="$1" 'BEGIN{
    if (v ~ /GB$/) { sub(/GB$/, "", v); printf "%.1f", v * 1024 }
    else if (v ~ /MB$/) { sub(/MB$/, "", v); printf "%.1f", v }
    else if (v ~ /KB$/) { sub(/KB$/, "", v); printf "%.3f", v / 1024 }
    else if (v ~ /B$/) { sub(/B$/, "", v); printf "%.6f", v / 1048576 }
    else print "NA" }'
}

HTTP_COLUMNS="workload,config,threads,rep,req_s,requests,p50_ms,p99_ms,MBps,errors,syn_retrans,proxy_cpu_s,sys_cpu_s,req_per_proxy_cpu_s,req_per_sys_cpu_s"
BULK_COLUMNS="workload,config,threads,rep,gbps,retrans,proxy_cpu_s,sys_cpu_s,gbit_per_proxy_cpu_s,gbit_per_sys_cpu_s"
UDP_COLUMNS="workload,config,threads,rep,req_s,requests,p50_ms,p99_ms,lost,proxy_cpu_s,sys_cpu_s,req_per_proxy_cpu_s,req_per_sys_cpu_s"

# measure_wrk WORKLOAD CONFIG THREADS REP PROXY_PID URL [wrk options...]
# One bounded wrk run; appends a row to $RESULTS/http.csv. PROXY_PID 0 = no proxy (direct).
measure_wrk() {
  local workload=$1 config=$2 threads=$3 rep=$4 proxy=$5 url=$6; shift 6
  local raw=$RESULTS/raw/$workload.$config.r$rep.txt p0=0 p1=0 s0 s1
  [ "$proxy" != 0 ] && p0=$(cpu_ticks "$proxy")
  NSTAT_HISTORY=$WORK/nstat in_ns nstat -n
  s0=$(machine_busy_ticks)
  {
    echo "# $(date -Is) load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# wrk $* --latency -d${DUR}s --timeout 5s $url"
    timeout $((DUR + 20)) ip netns exec "$OUR_NS" wrk "$@" --latency -d"${DUR}"s --timeout 5s "$url" 2>&1
  } >"$raw"
  s1=$(machine_busy_ticks)
  [ "$proxy" != 0 ] && p1=$(cpu_ticks "$proxy")
  {
    echo "# ticks (1/$CLK_TCK s): machine busy $((s1 - s0)), proxy $((p1 - p0))"
    NSTAT_HISTORY=$WORK/nstat in_ns nstat -z TcpExtTCPSynRetrans TcpRetransSegs TcpOutRsts \
      TcpExtListenDrops TcpExtListenOverflows | grep -v '^#' | sed 's/^/# nstat /'
  } >>"$raw"
  local rps reqs p50 p99 mb errors synretx proxy_s sys_s
  rps=$(awk '/^Requests\/sec:/{print $2}' "$raw")
  reqs=$(awk '/ requests in /{print $1}' "$raw")
  p50=$(milliseconds "$(awk '$1=="50%"{print $2}' "$raw")")
  p99=$(milliseconds "$(awk '$1=="99%"{print $2}' "$raw")")
  mb=$(mebibytes "$(awk '/^Transfer\/sec:/{print $2}' "$raw")")
  errors=$(awk '/Socket errors:/{gsub(/,/, ""); n += $4 + $6 + $8 + $10} /Non-2xx/{n += $NF} END{print n + 0}' "$raw")
  synretx=$(awk '$3=="TcpExtTCPSynRetrans"{print $4}' "$raw")
  proxy_s=$(seconds_of $((p1 - p0))); sys_s=$(seconds_of $((s1 - s0)))
  echo "$workload,$config,$threads,$rep,${rps:-NA},${reqs:-NA},$p50,$p99,$mb,$errors,${synretx:-NA},$proxy_s,$sys_s,$(ratio_of "${reqs:-0}" "$proxy_s"),$(ratio_of "${reqs:-0}" "$sys_s")" \
    >>"$RESULTS/http.csv"
  say "$workload $config r$rep: ${rps:-NA} req/s p50 ${p50} ms p99 ${p99} ms errors $errors proxy CPU ${proxy_s} s"
  if [ -z "$rps" ] || [ "$errors" != 0 ]; then
    { echo "$workload $config r$rep: ${rps:-no} req/s, $errors errors; wrk said:"
      grep -E 'errors|Non-2xx|unable|error' "$raw" | sed 's/^/    /'; } >>"$RESULTS/anomalies.txt"
  fi
}

# measure_iperf CONFIG THREADS REP PROXY_PID PORT: one bounded iperf3 stream; appends to bulk.csv.
measure_iperf() {
  local config=$1 threads=$2 rep=$3 proxy=$4 port=$5
  local raw=$RESULTS/raw/bulk1.$config.r$rep.json p0=0 p1=0 s0 s1
  [ "$proxy" != 0 ] && p0=$(cpu_ticks "$proxy")
  s0=$(machine_busy_ticks)
  timeout $((DUR + 20)) ip netns exec "$OUR_NS" iperf3 -c 127.0.0.1 -p "$port" -t "$DUR" -J >"$raw" 2>&1
  s1=$(machine_busy_ticks)
  [ "$proxy" != 0 ] && p1=$(cpu_ticks "$proxy")
  local gbps retrans proxy_s sys_s
  read -r gbps retrans < <(python3 - "$raw" <<'PY'
import json, sys
try:
    end = json.load(open(sys.argv[1]))["end"]
    print("%.2f %d" % (end["sum_received"]["bits_per_second"] / 1e9, end["sum_sent"].get("retransmits", 0)))
except Exception:
    print("NA NA")
PY
)
  proxy_s=$(seconds_of $((p1 - p0))); sys_s=$(seconds_of $((s1 - s0)))
  local gbit
  gbit=$(awk -v g="$gbps" -v d="$DUR" 'BEGIN{ if (g != "NA") printf "%.3f", g * d; else print "NA"}')
  echo "bulk1,$config,$threads,$rep,$gbps,$retrans,$proxy_s,$sys_s,$(ratio_of "$gbit" "$proxy_s" %.2f),$(ratio_of "$gbit" "$sys_s" %.2f)" \
    >>"$RESULTS/bulk.csv"
  say "bulk1 $config r$rep: $gbps Gbit/s retransmits $retrans proxy CPU ${proxy_s} s"
  if [ "$gbps" = NA ]; then
    { echo "bulk1 $config r$rep: iperf3 failed:"; grep -m3 '"error"' "$raw" | sed 's/^/    /'; } >>"$RESULTS/anomalies.txt"
  fi
}

# measure_udp WORKLOAD CONFIG THREADS REP PROXY_PID PORT MODE: one bounded udpload run
# (64 outstanding requests, 64-byte payload; MODE "new" = a new socket per request).
measure_udp() {
  local workload=$1 config=$2 threads=$3 rep=$4 proxy=$5 port=$6 mode=$7
  local raw=$RESULTS/raw/$workload.$config.r$rep.txt p0=0 p1=0 s0 s1
  [ "$proxy" != 0 ] && p0=$(cpu_ticks "$proxy")
  s0=$(machine_busy_ticks)
  {
    echo "# $(date -Is) load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# udpload 127.0.0.1 $port 64 $DUR 64 $mode"
    # shellcheck disable=SC2086
    timeout $((DUR + 10)) ip netns exec "$OUR_NS" "$WORK/udpload" 127.0.0.1 "$port" 64 "$DUR" 64 $mode 2>&1
  } >"$raw"
  s1=$(machine_busy_ticks)
  [ "$proxy" != 0 ] && p1=$(cpu_ticks "$proxy")
  local line field reqs rps lost p50 p99 proxy_s sys_s
  line=$(grep '^requests=' "$raw")
  field() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k{print $2}'; }
  reqs=$(field requests); rps=$(field rps); lost=$(field lost)
  p50=$(awk -v u="$(field p50_us)" 'BEGIN{ if (u != "") printf "%.3f", u / 1000; else print "NA"}')
  p99=$(awk -v u="$(field p99_us)" 'BEGIN{ if (u != "") printf "%.3f", u / 1000; else print "NA"}')
  proxy_s=$(seconds_of $((p1 - p0))); sys_s=$(seconds_of $((s1 - s0)))
  echo "$workload,$config,$threads,$rep,${rps:-NA},${reqs:-NA},$p50,$p99,${lost:-NA},$proxy_s,$sys_s,$(ratio_of "${reqs:-0}" "$proxy_s"),$(ratio_of "${reqs:-0}" "$sys_s")" \
    >>"$RESULTS/udp.csv"
  say "$workload $config r$rep: ${rps:-NA} req/s p50 $p50 ms p99 $p99 ms lost ${lost:-NA} proxy CPU ${proxy_s} s"
  if [ -z "$reqs" ] || [ "$reqs" = 0 ]; then
    { echo "$workload $config r$rep: no UDP answers; udpload said:"; tail -3 "$raw" | sed 's/^/    /'; } \
      >>"$RESULTS/anomalies.txt"
  fi
}

# rotated INDEX REP N: position of the INDEX-th configuration in repetition REP, so that the
# order shifts by one every repetition (interleaving: no configuration always runs first).
rotated() { echo $((($1 + $2 - 1) % $3)); }
