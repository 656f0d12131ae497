# Sourced by the packet-engine benchmarks (burst.sh, ftp-bench.sh, packet-bench.sh); expects
# REPO and a say() function.

# Sets LVSD_BIN (a release build of this checkout unless already set) and LVSADM_BIN beside it.
release_lvsd() {
  if [ -z "${LVSD_BIN:-}" ]; then
    say "building lvsd and lvsadm (swift build -c release)"
    swift build -c release --package-path "$REPO" --product lvsd >&2 \
      && swift build -c release --package-path "$REPO" --product lvsadm >&2 || { say "swift build failed"; exit 1; }
    LVSD_BIN=$(swift build -c release --package-path "$REPO" --show-bin-path)/lvsd
  fi
  LVSADM_BIN=$(dirname "$LVSD_BIN")/lvsadm
  [ -x "$LVSADM_BIN" ] || { say "no lvsadm beside $LVSD_BIN"; exit 1; }
}

# three_namespaces C D S VIP: client C (c0 10.203.1.2/24), director D (d0 10.203.1.1/24,
# d1 10.203.2.1/24, forwarding on) and real server S (s0 10.203.2.2/24), joined by veth pairs;
# the client reaches VIP through the director and the real server routes back through it
# (LVS-NAT). Namespaces of those names are deleted first.
three_namespaces() {
  local c=$1 d=$2 s=$3 vip=$4 ns
  for ns in "$c" "$d" "$s"; do
    ip netns del "$ns" 2>/dev/null
    ip netns add "$ns" && ip -n "$ns" link set lo up || { say "cannot create namespace $ns"; exit 1; }
  done
  ip link add c0 netns "$c" type veth peer name d0 netns "$d"
  ip link add d1 netns "$d" type veth peer name s0 netns "$s"
  ip -n "$c" addr add 10.203.1.2/24 dev c0
  ip -n "$d" addr add 10.203.1.1/24 dev d0
  ip -n "$d" addr add 10.203.2.1/24 dev d1
  ip -n "$s" addr add 10.203.2.2/24 dev s0
  ip -n "$c" link set c0 up; ip -n "$d" link set d0 up; ip -n "$d" link set d1 up; ip -n "$s" link set s0 up
  ip -n "$c" route add "$vip/32" via 10.203.1.1
  ip -n "$s" route add default via 10.203.2.1
  ip netns exec "$d" sysctl -qw net.ipv4.ip_forward=1
}

# Processes the script started, by PID (spawn adds, forget removes, stop_started ends them all).
PIDS=()
# spawn NS LOG CMD...: CMD in namespace NS in the background, output to LOG, stdin from /dev/null;
# `ip netns exec` execs, so LAST_PID is the command's own PID.
spawn() {
  local ns=$1 log=$2; shift 2
  ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
forget() { local keep=() p; for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done; PIDS=("${keep[@]}"); }
# Every started process: SIGTERM, half a second, SIGKILL for what is left, reaped.
stop_started() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  PIDS=()
}
