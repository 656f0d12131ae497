#!/usr/bin/env bash
# VRRP failover benchmark: how long after the master dies the virtual address answers from the
# backup, for every pairing of lvsd and keepalived, two ways of dying and two timer settings.
#
#   fo-a-PID (director A)           fo-o-PID (observer O)             fo-b-PID (director B)
#   eth0 10.99.0.1/24  <==veth==>  va -+- br0 10.99.0.3/24 -+- vb  <==veth==>  eth0 10.99.0.2/24
#   VIP 10.99.0.100/24 on the master's eth0 (virtual_router_id 51); the master always runs in
#   A (priority 150, state MASTER), the backup in B (priority 100, state BACKUP).
#
# A and B each run a TCP responder bound to the wildcard address (socat, port 8080) that answers
# with its director's name ("A" or "B"). One run:
#   1. start the backup, then the master (a keepalived.conf with one vrrp_instance; lvsd reads the
#      same file with --config);
#   2. wait until the VIP is on A's eth0 and the backup logged that it is BACKUP, then two more
#      advertisement intervals (the backup has heard the master);
#   3. bench/failover-poll.py, in O: waits until VIP:8080 answers "A", takes the clock, kills the
#      master, and starts a new connection to VIP:8080 every POLL_MS ms (several in flight) until
#      one answers "B". The figure is the time from the kill to that answer: the backup's timer,
#      its taking the address, and its gratuitous ARP updating O's neighbour entry (which still
#      names A's MAC: it is deliberately not flushed).
#   4. stop both (SIGTERM, bounded), remove any VIP left behind.
#
#   deaths    kill  SIGKILL: the master cannot resign; the backup waits Master_Down_Interval.
#                   keepalived is two processes (parent and VRRP child; the child gets SIGTERM
#                   through PDEATHSIG when the parent dies and the parent respawns a dead child),
#                   so the parent is stopped with SIGSTOP, the VRRP child killed, then the parent.
#             term  SIGTERM to the daemon (keepalived's parent): a clean stop; the master sends
#                   an advertisement with priority 0 and the backup waits only Skew_Time.
#   settings  v2    VRRPv2, advert_int 1    (Master_Down_Interval 3.61 s, Skew_Time 0.61 s)
#             v3    VRRPv3, advert_int 0.1  (Master_Down_Interval 0.361 s, Skew_Time 0.061 s)
#   pairs     master:backup, each ka (keepalived) or lvsd
#
#   sudo bench/failover.sh                         # REPS=10, every pair, death and setting
#   sudo REPS=2 PAIRS="lvsd:ka" SETTINGS=v3 bench/failover.sh
#
# Environment: REPS (10), PAIRS ("ka:ka lvsd:ka ka:lvsd lvsd:lvsd"), DEATHS ("kill term"),
# SETTINGS ("v2 v3"), LVSD (lvsd binary; default .build/release/lvsd, else .build/debug/lvsd),
# KEEPALIVED (/usr/sbin/keepalived), POLL_MS (5), RESULTS (directory for failover.csv, summary.md
# and every daemon's log), CAPTURE (1: tshark records VRRP and ARP on O's bridge into
# $RESULTS/capture.pcap; bench/failover-capture.py then splits every run into its phases).
# Runs are interleaved (rep, setting, pair, death) so that load from elsewhere on the machine
# spreads over all cells. Must run as root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${REPS:=10}"
: "${PAIRS:=ka:ka lvsd:ka ka:lvsd lvsd:lvsd}"
: "${DEATHS:=kill term}"
: "${SETTINGS:=v2 v3}"
: "${KEEPALIVED:=/usr/sbin/keepalived}"
: "${POLL_MS:=5}"
: "${CAPTURE:=0}"
: "${RESULTS:=/tmp/lvs-bench-results/failover-$(date +%Y%m%d-%H%M%S)}"
if [ -z "${LVSD:-}" ]; then
  LVSD=$REPO/.build/release/lvsd
  [ -x "$LVSD" ] || LVSD=$REPO/.build/debug/lvsd
fi
A=fo-a-$$ B=fo-b-$$ O=fo-o-$$
VIP=10.99.0.100 PORT=8080

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "failover.sh must run as root: it creates network namespaces (try: sudo -E $0)" >&2
  exit 1
fi
missing=()
for tool in ip socat python3 timeout "$KEEPALIVED"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
case " $PAIRS " in *lvsd*) [ -x "$LVSD" ] || missing+=("$LVSD (set LVSD)") ;; esac
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  exit 1
fi

# ---- processes and namespaces: everything started is killed by PID on exit ---------------
PIDS=()
WORK=$(mktemp -d /tmp/lvsfo.XXXXXX)
cleanup() {
  local pid ns
  set +e
  for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
  for ns in $A $B $O; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
spawn() {  # spawn NS LOG CMD...: a foreground daemon in NS (ip netns exec execs: its own PID)
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  disown "$LAST_PID"  # bash would print "Killed" for every SIGKILLed master; PIDs are watched with kill -0
}
alive() { kill -0 "$1" 2>/dev/null; }
stop() {  # stop PID...: SIGTERM (after SIGCONT), up to 5 s, then SIGKILL; reaps them
  local pid i
  for pid in "$@"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
}

# ---- topology ------------------------------------------------------------------------------
for ns in $A $B $O; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n $O link add br0 type bridge forward_delay 0
ip link add eth0 netns $A type veth peer name va netns $O
ip link add eth0 netns $B type veth peer name vb netns $O
ip -n $O link set va master br0
ip -n $O link set vb master br0
ip -n $A addr add 10.99.0.1/24 dev eth0
ip -n $B addr add 10.99.0.2/24 dev eth0
ip -n $O addr add 10.99.0.3/24 dev br0
for l in "$A eth0" "$B eth0" "$O va" "$O vb" "$O br0"; do
  set -- $l
  ip -n "$1" link set "$2" up
done
mkdir -p "$RESULTS/logs"
for ns in $A $B; do
  name=A
  [ "$ns" = "$B" ] && name=B
  spawn "$ns" "$RESULTS/logs/responder.$name.log" socat "TCP-LISTEN:$PORT,reuseaddr,fork,backlog=512" \
    "EXEC:/bin/echo $name"
done
for i in $(seq 100); do
  ip netns exec $O ping -c1 -W1 10.99.0.1 >/dev/null 2>&1 && ip netns exec $O ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 \
    && break
  sleep 0.1
done

if [ "$CAPTURE" = 1 ]; then
  command -v tshark >/dev/null || { say "CAPTURE=1 needs tshark"; exit 1; }
  spawn $O "$RESULTS/logs/tshark.log" tshark -i br0 -n -f "vrrp or arp" -w "$RESULTS/capture.pcap"
  TSHARK_PID=$LAST_PID
  for i in $(seq 100); do grep -q 'Capturing on' "$RESULTS/logs/tshark.log" && break; sleep 0.1; done
fi

{
  echo "date: $(date -Is)"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "keepalived: $("$KEEPALIVED" --version 2>&1 | head -1)"
  echo "lvsd: $LVSD (repo $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null))"
  echo "REPS=$REPS PAIRS=$PAIRS DEATHS=$DEATHS SETTINGS=$SETTINGS POLL_MS=$POLL_MS"
  echo "load: $(cat /proc/loadavg)"
} >"$RESULTS/env.txt"

# ---- one run -------------------------------------------------------------------------------
write_conf() {  # write_conf FILE NAME STATE PRIORITY VERSION ADVERT
  cat >"$1" <<CONF
global_defs {
    router_id fo_$2
}
vrrp_instance VI_1 {
    state $3
    interface eth0
    virtual_router_id 51
    priority $4
    version $5
    advert_int $6
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
}
CONF
}

start_daemon() {  # start_daemon KIND NS NAME CONF LOG: sets DAEMON_PIDS (the signalled PID first)
  local kind=$1 ns=$2 name=$3 conf=$4 log=$5 i child
  case $kind in
    ka)
      rm -f "$WORK/ka.$name.pid" "$WORK/vrrp.$name.pid"
      spawn "$ns" "$log" "$KEEPALIVED" -n -l -D --vrrp -f "$conf" -p "$WORK/ka.$name.pid" -r "$WORK/vrrp.$name.pid"
      child=
      for i in $(seq 100); do
        child=$(cat "$WORK/vrrp.$name.pid" 2>/dev/null || true)
        [ -n "$child" ] && break
        sleep 0.05
      done
      [ -n "$child" ] || { say "keepalived in $ns wrote no VRRP pid file"; cat "$log" >&2; return 1; }
      DAEMON_PIDS="$LAST_PID $child"
      PIDS+=("$child")
      ;;
    lvsd)
      rm -f "$WORK/lvsd.$name.sock"
      spawn "$ns" "$log" "$LVSD" --config "$conf" --control-socket "$WORK/lvsd.$name.sock"
      DAEMON_PIDS=$LAST_PID
      ;;
  esac
}

is_backup() {  # is_backup KIND LOG
  case $1 in
    ka) grep -q 'Entering BACKUP STATE' "$2" ;;
    lvsd) grep -q -- '-> BACKUP' "$2" ;;
  esac
}

RUN_MS=NA RUN_DETAIL=
run_one() {  # run_one MASTER BACKUP DEATH SETTING REP
  local mk=$1 bk=$2 death=$3 setting=$4 rep=$5 ver adv limit tag i ok out mpids bpids
  case $setting in
    v2) ver=2 adv=1 limit=8 ;;
    v3) ver=3 adv=0.1 limit=3 ;;
    *) say "unknown setting $setting"; return 1 ;;
  esac
  tag=$mk-$bk.$death.$setting.r$rep
  write_conf "$WORK/A.conf" A MASTER 150 $ver $adv
  write_conf "$WORK/B.conf" B BACKUP 100 $ver $adv
  RUN_MS=NA RUN_DETAIL=
  start_daemon "$bk" $B B "$WORK/B.conf" "$RESULTS/logs/$tag.B.$bk.log"
  bpids=$DAEMON_PIDS
  start_daemon "$mk" $A A "$WORK/A.conf" "$RESULTS/logs/$tag.A.$mk.log"
  mpids=$DAEMON_PIDS
  ok=0
  for i in $(seq 200); do  # up to 20 s
    if ip -n $A -4 addr show dev eth0 2>/dev/null | grep -q "inet $VIP/" && is_backup "$bk" "$RESULTS/logs/$tag.B.$bk.log" \
      && ! ip -n $B -4 addr show dev eth0 2>/dev/null | grep -q "inet $VIP/"; then
      ok=1
      break
    fi
    sleep 0.1
  done
  if [ $ok = 1 ]; then
    sleep "$(awk -v a=$adv 'BEGIN{print 2 * a}')"
    # shellcheck disable=SC2086
    out=$(timeout $((limit + 15)) ip netns exec $O python3 "$HERE/failover-poll.py" $VIP $PORT A B "$death" \
      "$POLL_MS" "$limit" $mpids 2>&1) || true
    RUN_MS=$(sed -n 's/^ms=\([^ ]*\).*/\1/p' <<<"$out" | tail -1)
    RUN_MS=${RUN_MS:-NA}
    RUN_DETAIL=$out
  else
    RUN_DETAIL="not ready: VIP on A / B BACKUP not reached in 20 s"
  fi
  # shellcheck disable=SC2086
  stop $bpids
  # shellcheck disable=SC2086
  stop $mpids
  ip -n $A addr del $VIP/24 dev eth0 2>/dev/null || true
  ip -n $B addr del $VIP/24 dev eth0 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do case " $mpids $bpids " in *" $p "*) ;; *) keep+=("$p") ;; esac; done
  PIDS=("${keep[@]}")
}

echo "pair,death,setting,rep,ms,detail" >"$RESULTS/failover.csv"
total=$(($(wc -w <<<"$PAIRS") * $(wc -w <<<"$DEATHS") * $(wc -w <<<"$SETTINGS") * REPS))
n=0
say "$total runs; results in $RESULTS"
for rep in $(seq 1 "$REPS"); do
  for setting in $SETTINGS; do
    for pair in $PAIRS; do
      for death in $DEATHS; do
        n=$((n + 1))
        run_one "${pair%%:*}" "${pair#*:}" "$death" "$setting" "$rep"
        echo "$pair,$death,$setting,$rep,$RUN_MS,\"$(tr '\n,' ' ;' <<<"$RUN_DETAIL")\"" >>"$RESULTS/failover.csv"
        say "[$n/$total] $pair $death $setting r$rep: $RUN_MS ms ($(tr '\n' ' ' <<<"$RUN_DETAIL"))"
      done
    done
  done
done

python3 - "$RESULTS/failover.csv" "$RESULTS/summary.md" "$PAIRS" "$DEATHS" "$SETTINGS" <<'PY'
import csv, statistics, sys
path, out, pairs, deaths, settings = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split()
names = {"ka": "keepalived", "lvsd": "lvsd"}
label = {"v2": "VRRPv2, advert_int 1", "v3": "VRRPv3, advert_int 0.1"}
deathlabel = {"kill": "SIGKILL", "term": "SIGTERM"}
cells = {}
for row in csv.DictReader(open(path)):
    cells.setdefault((row["pair"], row["death"], row["setting"]), []).append(row["ms"])
rows = []
for setting in settings:
    for death in deaths:
        for pair in pairs:
            v = cells.get((pair, death, setting), [])
            ok = [float(x) for x in v if x != "NA"]
            m, b = pair.split(":")
            rows.append((f"{names.get(m, m)} → {names.get(b, b)}", deathlabel.get(death, death), label.get(setting, setting),
                         f"{statistics.median(ok):.0f}" if ok else "NA", f"{max(ok):.0f}" if ok else "NA",
                         f"{len(ok)}" + (f" ({len(v) - len(ok)} failed)" if len(v) > len(ok) else "")))
w = [max(len(r[i]) for r in rows + [("pair", "death", "setting", "median ms", "max ms", "n")]) for i in range(6)]
print("  ".join(h.ljust(w[i]) for i, h in enumerate(("pair", "death", "setting", "median ms", "max ms", "n"))))
for r in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
md = ["| pair (master → backup) | death | setting | median ms | max ms | n |", "|---|---|---|---:|---:|---:|"]
md += ["| " + " | ".join(r) + " |" for r in rows]
open(out, "w").write("\n".join(md) + "\n")
print()
print("\n".join(md))
PY
if [ "$CAPTURE" = 1 ]; then  # phases of every run (bench/failover-capture.py), once tshark has flushed
  stop "$TSHARK_PID"
  python3 "$HERE/failover-capture.py" "$RESULTS" | tee "$RESULTS/phases.txt"
fi
say "results in $RESULTS"
