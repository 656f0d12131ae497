# Sourced by bench/soak.sh: starting, stopping and watching lvsd, and the faults. Expects the
# variables and functions soak.sh defines (spawn, forget, event, lvsadm, RAW, SOCK, CONF, …).

LVSD_PID=0 INCARNATION=0 CRASHES=0
start_lvsd() {  # starts lvsd and waits (bounded: 30 s) until it answers a listing
  local i
  INCARNATION=$((INCARNATION + 1))
  rm -f "$SOCK"
  spawn $D "$RAW/lvsd.$INCARNATION.log" "$LVSD_BIN" --control-socket "$SOCK" --config "$CONF" \
    --interface d0 --interface d1 --packet-workers 1 --reactors 1
  LVSD_PID=$LAST_PID
  for i in $(seq 300); do
    [ -S "$SOCK" ] && lvsadm -L -n >/dev/null 2>&1 && break
    kill -0 "$LVSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! lvsadm -L -n >/dev/null 2>&1; then
    say "lvsd did not start"; tail -20 "$RAW/lvsd.$INCARNATION.log" >&2; exit 1
  fi
  event lvsd_ready "$INCARNATION"
  say "lvsd $INCARNATION ready (pid $LVSD_PID)"
}
record_lvsd() {  # the incarnation's counters before it stops
  local tag=$RAW/lvsd.$INCARNATION
  lvsadm --engine-stats >"$tag.engine-stats" 2>&1
  lvsadm -L -n --stats >"$tag.stats" 2>&1
  python3 "$HERE/soak/ping.py" "$SOCK" >"$tag.pong" 2>&1
  sample
}
stop_lvsd() {  # SIGTERM, then a bounded wait (15 s) for its exit status
  local i status
  record_lvsd
  event lvsd_stop "$INCARNATION"
  kill -TERM "$LVSD_PID" 2>/dev/null
  for i in $(seq 150); do kill -0 "$LVSD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$LVSD_PID" 2>/dev/null; then
    echo "$INCARNATION stop_timeout" >>"$RAW/exits"; kill -9 "$LVSD_PID" 2>/dev/null
  fi
  wait "$LVSD_PID"; status=$?
  echo "$INCARNATION asked $status" >>"$RAW/exits"
  forget "$LVSD_PID"; LVSD_PID=0
}
check_lvsd() {  # an lvsd that exited without being asked is a crash: record it and start another
  local status
  kill -0 "$LVSD_PID" 2>/dev/null && return 0
  wait "$LVSD_PID"; status=$?
  echo "$INCARNATION crashed $status" >>"$RAW/exits"
  event lvsd_stop "$INCARNATION"
  say "lvsd $INCARNATION exited by itself with status $status"
  forget "$LVSD_PID"; CRASHES=$((CRASHES + 1))
  start_lvsd
}
sample() {  # time, incarnation, RSS (kB), open descriptors
  local fds rss
  fds=$(ls "/proc/$LVSD_PID/fd" 2>/dev/null | wc -l)
  rss=$(awk '/^VmRSS:/{print $2}' "/proc/$LVSD_PID/status" 2>/dev/null)
  echo "$(date +%s),$INCARNATION,$LVSD_PID,${rss:-0},$fds" >>"$RAW/samples.csv"
}

# ---- faults ----------------------------------------------------------------------------------
RELOADS=0
reload() {  # the next configuration variant, by SIGHUP and by lvsadm --reload in turn
  RELOADS=$((RELOADS + 1))
  write_config "$RELOADS"
  cp "$CONF" "$RAW/keepalived.conf.$RELOADS"
  event reload "$RELOADS"
  if [ $((RELOADS % 2)) = 0 ]; then
    kill -HUP "$LVSD_PID" 2>/dev/null
  elif ! lvsadm --reload >>"$RAW/reloads.log" 2>&1; then
    echo "$(date +%s.%N | cut -c1-14) reload $RELOADS refused" >>"$RAW/control-failures"
  fi
}
FLAPPED=-1
flap_down() { FLAPPED=$(((FLAPPED + 1) % 3)); stop_rs $FLAPPED; }
flap_up() { [ "${RS_PID[$FLAPPED]:-0}" = 0 ] && start_rs $FLAPPED; }
drain() {  # weight 0 on one real server of each TCP service; the next reload restores it
  local a=${RS[$(($1 % 2))]}
  event drain "$a"
  lvsadm -e -t $VIP:80 -r "$a:8080" -m -w 0 >>"$RAW/drains.log" 2>&1 \
    || echo "$(date +%s.%N | cut -c1-14) drain $a refused" >>"$RAW/control-failures"
  lvsadm -e -t $PVIP:8080 -r "$a:9080" --proxy -w 0 >>"$RAW/drains.log" 2>&1 \
    || echo "$(date +%s.%N | cut -c1-14) drain $a (proxy) refused" >>"$RAW/control-failures"
}
bad_control() { timeout 60 python3 "$HERE/soak/badcontrol.py" "$SOCK" >>"$RAW/badcontrol.jsonl" 2>>"$RAW/badcontrol.err"; }
bad_packets() {
  ip netns exec $C timeout 20 python3 "$HERE/soak/badpackets.py" c0 "$DMAC" 10.204.1.2 $VIP 80 53 $PVIP 8080 \
    >>"$RAW/badpackets.jsonl" 2>>"$RAW/badpackets.err"
}
listings() {  # a bounded loop of the four listings until the file STOP appears
  local i c
  for i in $(seq $((DURATION * 4))); do
    [ -e "$WORK/stop-listings" ] && break
    for c in "-L -n" "-L -c -n" "-L -n --stats" "--engine-stats"; do
      # shellcheck disable=SC2086
      if ! timeout 20 "$LVSADM_BIN" --control-socket "$SOCK" $c >/dev/null 2>>"$RAW/listings.err"; then
        echo "$(date +%s.%N | cut -c1-14) listing $c" >>"$RAW/listing-failures"
      fi
      echo x >>"$RAW/listings.count"
    done
    sleep 0.5
  done
}
