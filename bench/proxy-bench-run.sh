# shellcheck shell=bash
# The measuring half of bench/proxy-bench.sh (sourced by it once every process listens):
# sanity checks, then per workload a warm-up and REPS interleaved rounds over the configurations,
# then the summary. Uses the arrays and helpers proxy-bench.sh and proxy-lib.sh set up.

DEAD=${NOT_LISTENING:-" "}   # configurations that failed or died (skipped from then on, reported)

# alive CONFIG WHEN: true while CONFIG's process runs; records an anomaly the first time it does not.
alive() {
  local c=$1 pid=${PID[$1]}
  [ "$pid" = 0 ] && return 0
  [[ "$DEAD" == *" $c "* ]] && return 1
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" 2>/dev/null
  local status=$?
  DEAD="$DEAD$c "
  {
    echo "$c (pid $pid) exited with status $status $2; last lines of raw/$c.log:"
    tail -20 "$RESULTS/raw/$c.log" | sed 's/^/    /'
  } >>"$RESULTS/anomalies.txt"
  say "ANOMALY: $c exited with status $status $2 (see $RESULTS/anomalies.txt)"
  return 1
}

# lvsd_stats CONFIG WORKLOAD: lvsd's own view after a workload (connections, packets, bytes).
lvsd_stats() {
  [[ "$1" == lvsd_* ]] || return 0
  alive "$1" "before lvsadm" || return 0
  local option
  for option in --stats ""; do
    # shellcheck disable=SC2086
    timeout 10 ip netns exec "$OUR_NS" "$LVSADM_BIN" --control-socket "$WORK/$1.sock" -L -n $option \
      >>"$RESULTS/raw/lvsadm.$2.$1.txt" 2>&1
    case $? in
      0) ;;
      124) echo "$1 after $2: lvsadm -L -n $option got no answer within 10 s (fds open: $(ls "/proc/${PID[$1]}/fd" 2>/dev/null | wc -l))" \
             >>"$RESULTS/anomalies.txt" ;;
      *) echo "$1 after $2: lvsadm -L -n $option failed (see raw/lvsadm.$2.$1.txt)" >>"$RESULTS/anomalies.txt" ;;
    esac
  done
}

has_workload() { [[ " $WORKLOADS " == *" $1 "* ]]; }

# ---- sanity: every configuration returns the right bytes / answers -----------------------
for c in "${HTTP_CONFIGS[@]}"; do
  alive "$c" "before the HTTP sanity check" || continue
  got=$(in_ns curl -s -m 5 -o /dev/null -w '%{size_download}' "http://127.0.0.1:${HTTP_PORT[$c]}/1k.bin")
  if [ "$got" != 1024 ]; then
    echo "$c: sanity GET /1k.bin returned ${got:-nothing} bytes instead of 1024" >>"$RESULTS/anomalies.txt"
    say "sanity failed for $c over HTTP (${got:-0} bytes)"
    [[ "$c" == lvsd_* ]] || exit 1
    DEAD="$DEAD$c "
  fi
done
if has_workload u64 || has_workload unew; then
  sleep 0.5
  for c in "${UDP_CONFIGS[@]}"; do
    alive "$c" "before the UDP sanity check" || continue
    if ! in_ns "$WORK/udpload" 127.0.0.1 "${UDP_PORT[$c]}" 8 1 64 | grep -q 'requests=[1-9]'; then
      echo "$c: UDP sanity check got no answers on 127.0.0.1:${UDP_PORT[$c]}" >>"$RESULTS/anomalies.txt"
      say "UDP sanity failed for $c"
      [[ "$c" == lvsd_* ]] || exit 1
      DEAD="$DEAD$c "
    fi
  done
fi

# ---- HTTP over TCP: keep-alive and one connection per request ---------------------------
http_header() { case $1 in cc1k) echo "Connection: close" ;; *) echo "X-Bench: 1" ;; esac; }
# shellcheck disable=SC2086
for workload in ka1k cc1k; do
  has_workload "$workload" || continue
  header=$(http_header "$workload")
  for c in "${HTTP_CONFIGS[@]}"; do  # warm-up; for cc1k it also fills TIME_WAIT to its steady state
    alive "$c" "before $workload warm-up" || continue
    timeout $((WARMUP + 10)) ip netns exec "$OUR_NS" wrk $WRK_ARGS -d"${WARMUP}"s -H "$header" \
      "http://127.0.0.1:${HTTP_PORT[$c]}/1k.bin" >/dev/null 2>&1
  done
  count=${#HTTP_CONFIGS[@]}
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((count - 1))); do
      c=${HTTP_CONFIGS[$(rotated "$i" "$rep" "$count")]}
      alive "$c" "before $workload r$rep" || continue
      measure_wrk "$workload" "$c" "${THREADS_OF[$c]}" "$rep" "${PID[$c]}" \
        "http://127.0.0.1:${HTTP_PORT[$c]}/1k.bin" $WRK_ARGS -H "$header"
      alive "$c" "during $workload r$rep" || true
    done
  done
  for c in "${HTTP_CONFIGS[@]}"; do lvsd_stats "$c" "$workload"; done
done

# ---- bulk TCP ----------------------------------------------------------------------------
if has_workload bulk1; then
  count=${#BULK_CONFIGS[@]}
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((count - 1))); do
      c=${BULK_CONFIGS[$(rotated "$i" "$rep" "$count")]}
      alive "$c" "before bulk1 r$rep" || continue
      measure_iperf "$c" "${THREADS_OF[$c]}" "$rep" "${PID[$c]}" "${BULK_PORT[$c]}"
      alive "$c" "during bulk1 r$rep" || true
      sleep 0.5  # let iperf3 -s return to listening
    done
  done
  for c in "${BULK_CONFIGS[@]}"; do lvsd_stats "$c" bulk1; done
fi

# ---- UDP request/response ----------------------------------------------------------------
# Workload outer, as for HTTP: every u64 round runs before the first unew, so whatever unew
# leaves behind (UDP connection entries live for the UDP timeout) cannot change u64's figures.
count=${#UDP_CONFIGS[@]}
for workload in u64 unew; do
  has_workload "$workload" || continue
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((count - 1))); do
      c=${UDP_CONFIGS[$(rotated "$i" "$rep" "$count")]}
      alive "$c" "before $workload r$rep" || continue
      if [ "$workload" = unew ]; then
        measure_udp "$workload" "$c" "${THREADS_OF[$c]}" "$rep" "${PID[$c]}" "${UDPNEW_PORT[$c]}" new
      else
        measure_udp "$workload" "$c" "${THREADS_OF[$c]}" "$rep" "${PID[$c]}" "${UDP_PORT[$c]}" ""
      fi
      alive "$c" "during $workload r$rep" || true
    done
  done
done
for c in "${UDP_CONFIGS[@]}"; do lvsd_stats "$c" udp; done

python3 "$HERE/proxy-summary.py" "$RESULTS" >/dev/null || say "summary failed"
cat "$RESULTS/summary.md"
if [ -s "$RESULTS/anomalies.txt" ]; then
  say "anomalies were recorded:"
  cat "$RESULTS/anomalies.txt" >&2
fi
say "results: $RESULTS"
