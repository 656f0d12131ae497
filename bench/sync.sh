#!/usr/bin/env bash
# Connection synchronisation benchmark: what sync costs the master at a high rate of new
# connections, and what share of established connections survives the master's crash.
#
#   sb-o-PID (client O, and the bridges)
#     br0 10.99.0.3/24 -- eth0 of A (10.99.0.1) and B (10.99.0.2); VIP 10.99.0.100 (VI_1)
#     br1 10.98.0.3/24 -- eth1 of A (10.98.0.1) and B (10.98.0.2); gateway VIP 10.98.0.254 (VI_2)
#                      -- eth0 of R1 (10.98.0.11) and R2 (10.98.0.12), direct routing, VIP on lo
#   A (priority 150) and B (100) run lvsd with the same keepalived.conf: VI_1 and VI_2 in one
#   sync group, virtual_server VIP:8080 rr DR over R1 and R2, and (sync on) `lvs_sync_daemon
#   eth1 VI_1 id 7`: A runs a master and a backup daemon, B a backup daemon.
#   R1, R2: bench/sync-load.py server (asyncio; each line answered as "Rn-line").
#
# Phase 1, cost (REPS rounds, each round sync on then off, fresh daemons each run):
#   O runs `sync-load.py load`: COUNT short connections (one line, answer, close), CONC at a
#   time, at most LOAD_SECS seconds, through A. Measured: connections per second; A's lvsd CPU
#   seconds (utime+stime from /proc) over the load; B's too; with sync on, a listener in O
#   joined to 224.0.0.81:8848 on br1 counts sync messages, payload bytes and records. The table
#   gives medians over the rounds.
# Phase 2, survival (SURVIVE_MODES, default "on off"): LONG (200) long-lived connections through
#   A, each writing a numbered line every second for LONG_SECS seconds, while the load of phase
#   1 runs; 8 s into the load A's lvsd is killed with SIGKILL and A's links go down (the host
#   is gone); B takes the VIPs. A connection survived if every line it wrote was answered, in
#   order, by one real server, including lines written after the kill.
#
#   sudo bench/sync.sh
#   sudo REPS=5 COUNT=20000 CONC=64 bench/sync.sh
#
# Environment: LVSD, LVSADM (default .build/release/…, else .build/debug/…; a scratch path's
# build: BUILD=.build-x/release; lvsadm only saves both directors' entries at the kill), REPS (3), COUNT (8000), CONC (48), LOAD_SECS (40), LONG
# (200), LONG_SECS (30), SURVIVE_MODES ("on off"), RESULTS (directory for logs and results),
# CAPTURE (1: tshark records every TCP reset on both bridges during the survival runs).
# Every loop is bounded; every process is killed by PID and every namespace deleted on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${REPS:=3}"
: "${COUNT:=8000}"
: "${CONC:=48}"
: "${LOAD_SECS:=40}"
: "${LONG:=200}"
: "${LONG_SECS:=30}"
: "${SURVIVE_MODES:=on off}"
: "${RESULTS:=/tmp/lvs-bench-results/sync-$(date +%Y%m%d-%H%M%S)}"
if [ -z "${BUILD:-}" ]; then
  BUILD=$REPO/.build/release
  [ -x "$BUILD/lvsd" ] || BUILD=$REPO/.build/debug
fi
: "${LVSD:=$BUILD/lvsd}"
: "${LVSADM:=$BUILD/lvsadm}"
LOADPY=$HERE/sync-load.py
A=sb-a-$$ B=sb-b-$$ O=sb-o-$$ R1=sb-r1-$$ R2=sb-r2-$$
NAMESPACES="$A $B $O $R1 $R2"
VIP=10.99.0.100 PORT=8080

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "sync.sh must run as root: it creates network namespaces (try: sudo -E $0)" >&2
  exit 1
fi
for tool in ip python3 timeout "$LVSD"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
mkdir -p "$RESULTS"

# ---- processes and namespaces: everything started is killed by PID on exit ---------------
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for ns in $NAMESPACES; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  done
  sleep 0.3
  for ns in $NAMESPACES; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waits (bounded: $1 tenths of a second) until the command "$2…" succeeds
wait_for() {
  local tenths=$1; shift
  for _ in $(seq "$tenths"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# ---- topology ------------------------------------------------------------------------------
for ns in $NAMESPACES; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
for br in br0 br1; do ip -n "$O" link add $br type bridge mcast_snooping 0; ip -n "$O" link set $br up; done
for i in 0 1; do
  ip link add eth$i netns "$A" type veth peer name pa$i netns "$O"
  ip link add eth$i netns "$B" type veth peer name pb$i netns "$O"
  for p in pa$i pb$i; do ip -n "$O" link set $p master br$i; ip -n "$O" link set $p up; done
done
ip -n "$O" addr add 10.99.0.3/24 dev br0
ip -n "$A" addr add 10.99.0.1/24 dev eth0; ip -n "$A" addr add 10.98.0.1/24 dev eth1
ip -n "$B" addr add 10.99.0.2/24 dev eth0; ip -n "$B" addr add 10.98.0.2/24 dev eth1
for ns in $A $B; do ip -n "$ns" link set eth0 up; ip -n "$ns" link set eth1 up; done
ip -n "$O" addr add 10.98.0.3/24 dev br1
ip netns exec "$O" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br1.rp_filter=0 \
  net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"
i=1
for r in $R1 $R2; do
  ip link add eth0 netns "$r" type veth peer name pr$i netns "$O"
  ip -n "$O" link set pr$i master br1; ip -n "$O" link set pr$i up
  ip -n "$r" addr add 10.98.0.1$i/24 dev eth0; ip -n "$r" link set eth0 up
  ip -n "$r" route add default via 10.98.0.3
  ip -n "$r" addr add $VIP/32 dev lo
  ip netns exec "$r" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.core.somaxconn=4096
  ip netns exec "$r" python3 "$LOADPY" server R$i $PORT >"$RESULTS/r$i.log" 2>&1 &
  PIDS+=($!)
  i=$((i + 1))
done

configuration() { # priority, sync (on|off)
  [ "$2" = on ] && printf 'global_defs {\n    lvs_sync_daemon eth1 VI_1 id 7\n}\n'
  cat <<EOF
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
}
EOF
  for spec in "VI_1 eth0 61 $VIP/24" "VI_2 eth1 62 10.98.0.254/24"; do
    set -- "$1" "$2" $spec
    cat <<EOF
vrrp_instance $3 {
    state BACKUP
    interface $4
    virtual_router_id $5
    priority $1
    advert_int 0.5
    version 3
    virtual_ipaddress {
        $6
    }
}
EOF
  done
  cat <<EOF
virtual_server $VIP $PORT {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.98.0.11 $PORT {
    }
    real_server 10.98.0.12 $PORT {
    }
}
EOF
}

LVSD_A= LVSD_B=
start_directors() { # sync (on|off), run name
  configuration 150 "$1" >"$RESULTS/$2-a.conf"
  configuration 100 "$1" >"$RESULTS/$2-b.conf"
  ip -n "$A" link set eth0 up; ip -n "$A" link set eth1 up
  ip netns exec "$A" "$LVSD" --config "$RESULTS/$2-a.conf" --control-socket "$RESULTS/a.sock" \
    >"$RESULTS/$2-a.log" 2>&1 &
  LVSD_A=$!; PIDS+=($LVSD_A)
  wait_for 300 grep -q "BACKUP -> MASTER" "$RESULTS/$2-a.log" || { say "A did not become master"; exit 1; }
  ip netns exec "$B" "$LVSD" --config "$RESULTS/$2-b.conf" --control-socket "$RESULTS/b.sock" \
    >"$RESULTS/$2-b.log" 2>&1 &
  LVSD_B=$!; PIDS+=($LVSD_B)
  wait_for 300 grep -q "INIT -> BACKUP" "$RESULTS/$2-b.log" || { say "B did not start"; exit 1; }
  if [ "$1" = on ]; then
    wait_for 100 grep -q "sync: backup daemon started" "$RESULTS/$2-b.log" || { say "B's sync did not start"; exit 1; }
  fi
  sleep 2 # B has heard A's adverts; the real servers' neighbour entries settle
}

stop_directors() {
  for pid in $LVSD_A $LVSD_B; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $LVSD_A $LVSD_B; do
    wait_for 100 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for ns in $A $B; do
    ip -n "$ns" addr del $VIP/24 dev eth0 2>/dev/null || true
    ip -n "$ns" addr del 10.98.0.254/24 dev eth1 2>/dev/null || true
  done
}

cpu_seconds() { # pid: utime+stime in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# ---- phase 1: the cost of sync -------------------------------------------------------------
: >"$RESULTS/cost.tsv"
for rep in $(seq "$REPS"); do
  for mode in on off; do
    run=cost-$rep-$mode
    say "run $run: $COUNT connections, $CONC at a time"
    start_directors $mode $run
    rm -f "$RESULTS/$run.stop"
    if [ $mode = on ]; then
      ip netns exec "$O" timeout $((LOAD_SECS + 30)) python3 "$LOADPY" listen 224.0.0.81 8848 10.98.0.3 \
        $((LOAD_SECS + 20)) "$RESULTS/$run.stop" >"$RESULTS/$run.listen.json" 2>"$RESULTS/$run.listen.err" &
      LISTENER=$!; PIDS+=($LISTENER)
      sleep 0.5
    fi
    a0=$(cpu_seconds $LVSD_A) b0=$(cpu_seconds $LVSD_B)
    ip netns exec "$O" timeout $((LOAD_SECS + 20)) python3 "$LOADPY" load $VIP $PORT "$COUNT" "$CONC" "$LOAD_SECS" \
      >"$RESULTS/$run.load.json" 2>"$RESULTS/$run.load.err" || true
    sleep 2.5 # partly filled messages go out after 2 s (both modes wait: same idle time counted)
    a1=$(cpu_seconds $LVSD_A) b1=$(cpu_seconds $LVSD_B)
    msgs=0 bytes=0 records=0
    if [ $mode = on ]; then
      touch "$RESULTS/$run.stop"
      wait "$LISTENER" || true
      read -r msgs bytes records < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["messages"], d["payload_bytes"], d["records"])' "$RESULTS/$run.listen.json")
    fi
    read -r done failed secs rate < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["done"], d["failed"], d["seconds"], d["rate"])' "$RESULTS/$run.load.json")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $rep $mode "$done" "$failed" "$secs" "$rate" \
      "$(awk "BEGIN { print $a1 - $a0 }")" "$(awk "BEGIN { print $b1 - $b0 }")" $msgs $bytes $records >>"$RESULTS/cost.tsv"
    stop_directors
  done
done

# ---- phase 2: survival of established connections -------------------------------------------
: >"$RESULTS/survival.tsv"
for mode in $SURVIVE_MODES; do
  run=survive-$mode
  say "run $run: $LONG long-lived connections, SIGKILL of the master under load"
  start_directors $mode $run
  rm -f "$RESULTS/$run.killed"
  if [ "${CAPTURE:-0}" = 1 ]; then # every TCP reset on both bridges, for diagnosis
    ip netns exec "$O" timeout $((LONG_SECS + 90)) tshark -q -i br0 -i br1 -f "tcp[tcpflags] & tcp-rst != 0" \
      -w "$RESULTS/$run.resets.pcapng" >"$RESULTS/$run.tshark.log" 2>&1 &
    PIDS+=($!)
    sleep 1
  fi
  ip netns exec "$O" timeout $((LONG_SECS + 60)) python3 "$LOADPY" long $VIP $PORT "$LONG" "$LONG_SECS" \
    "$RESULTS/$run.killed" >"$RESULTS/$run.long.json" 2>"$RESULTS/$run.long.err" &
  LONGPID=$!; PIDS+=($LONGPID)
  sleep 4 # every long-lived connection has written its first lines (synced at the 3rd packet)
  ip netns exec "$O" timeout $((LOAD_SECS + 20)) python3 "$LOADPY" load $VIP $PORT "$COUNT" "$CONC" "$LOAD_SECS" \
    >"$RESULTS/$run.load.json" 2>"$RESULTS/$run.load.err" &
  LOADPID=$!; PIDS+=($LOADPID)
  sleep 8
  if [ -x "$LVSADM" ]; then # the entries each director holds at the kill (for diagnosis)
    ip netns exec "$A" timeout 20 "$LVSADM" --control-socket "$RESULTS/a.sock" -L -n -c >"$RESULTS/$run.a-entries" 2>&1 || true
    ip netns exec "$B" timeout 20 "$LVSADM" --control-socket "$RESULTS/b.sock" -L -n -c >"$RESULTS/$run.b-entries" 2>&1 || true
  fi
  touch "$RESULTS/$run.killed"
  kill -9 $LVSD_A
  ip -n "$A" link set eth0 down; ip -n "$A" link set eth1 down
  wait_for 200 sh -c "ip -n $B -o addr show dev eth0 | grep -q ' $VIP/'" || say "B did not take the VIP"
  wait "$LOADPID" || true
  wait "$LONGPID" || true
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], d["connections"], d["established"], d["survived"], ",".join(d["errors"]) or "-", sep="\t")' \
    "$RESULTS/$run.long.json" $mode >>"$RESULTS/survival.tsv"
  stop_directors
done

# ---- the table -----------------------------------------------------------------------------
python3 - "$RESULTS/cost.tsv" "$RESULTS/survival.tsv" "$COUNT" "$CONC" <<'EOF' | tee "$RESULTS/summary.md"
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
def median(mode, column):
    values = [float(r[column]) for r in rows if r[1] == mode]
    return statistics.median(values) if values else 0.0
print(f"Cost: {sys.argv[3]} short connections, {sys.argv[4]} at a time, medians of {len(rows) // 2} interleaved runs\n")
print("| sync | conn/s | failed | master CPU s | backup CPU s | CPU µs per conn (master) | messages/s | records per conn | bytes per conn |")
print("|---|---|---|---|---|---|---|---|---|")
for mode in ("on", "off"):
    done, secs = median(mode, 2), median(mode, 4)
    cpu = median(mode, 6)
    msgs, payload, records = median(mode, 8), median(mode, 9), median(mode, 10)
    per_conn = (lambda x: f"{x / done:.1f}" if done and mode == "on" else "-")
    print(f"| {mode} | {median(mode, 5):.0f} | {median(mode, 3):.0f} | {cpu:.2f} | {median(mode, 7):.2f} | "
          f"{(cpu / done * 1e6 if done else 0):.0f} | {(msgs / secs if secs and mode == 'on' else 0):.1f} | {per_conn(records)} | "
          f"{per_conn(payload + 28 * msgs)} |")
on, off = median("on", 6), median("off", 6)
if off:
    print(f"\nMaster CPU with sync on / off: {on / off:.2f} (bytes per conn: UDP payload + 28 bytes of IP/UDP header per message)")
print("\nSurvival of long-lived connections across a SIGKILL of the master under that load\n")
print("| sync | connections | established | survived | share | errors |")
print("|---|---|---|---|---|---|")
for line in open(sys.argv[2]).read().splitlines():
    mode, n, est, surv, errors = line.split("\t")
    print(f"| {mode} | {n} | {est} | {surv} | {100 * int(surv) / max(int(n), 1):.1f} % | {errors} |")
EOF
say "results in $RESULTS"
