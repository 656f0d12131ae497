#!/usr/bin/env bash
# Memory per held proxied connection: lvsd's proxy engine against HAProxy (mode tcp), each
# holding CONNECTIONS idle client connections (and as many to the real server), on the loopback
# of a private namespace. One proxy at a time: an echo server (bench/burst/echo.py) on :8081,
# the proxy on its own port, and bench/burst/client.py opening CONNECTIONS connections at once,
# echoing a line on each and holding them HOLD seconds while the proxy's resident memory and
# descriptors are read. Bytes per connection = (RSS held − RSS before) ÷ CONNECTIONS.
#
#   sudo bench/idle-connections.sh                      # CONNECTIONS=9000 REPS=3
#
# 9,000 is what this machine's 20,000-descriptor limit allows a proxy (two descriptors per
# connection). Output: idle.csv and raw/ under $RESULTS. LVSD_BIN names an lvsd binary
# (default: a release build here).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${CONNECTIONS:=9000}"
: "${REPS:=3}"
: "${HOLD:=8}"
: "${RESULTS:=/tmp/lvs-bench-results/idle-$(date +%Y%m%d-%H%M%S)}"
NS=lvsic-$$
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { echo "idle-connections.sh must run as root: it creates a namespace" >&2; exit 1; }
for tool in ip haproxy python3 timeout awk; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
. "$HERE/nat-lab.sh"
release_lvsd
mkdir -p "$RESULTS/raw"
WORK=$(mktemp -d /tmp/lvsic.XXXXXX)
chmod 755 "$WORK"
cp "$HERE/burst/echo.py" "$HERE/burst/client.py" "$WORK/" && chmod 644 "$WORK"/*.py
trap 'stop_started; ip netns del $NS 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
ip netns add $NS && ip -n $NS link set lo up || exit 1
ip netns exec $NS sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
  net.ipv4.ip_local_port_range="10000 65000"
spawn $NS "$RESULTS/raw/echo.log" python3 "$WORK/echo.py" 8081 100000
printf -- "-A -t 127.0.0.1:9010 -s rr\n-a -t 127.0.0.1:9010 -r 127.0.0.1:8081 --proxy\n" >"$WORK/rules"
cat >"$WORK/haproxy.cfg" <<CONF
global
  maxconn $((CONNECTIONS + 200))
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
listen idle
  bind 127.0.0.1:9001
  server s1 127.0.0.1:8081
CONF

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
echo "proxy,rep,connections,echoed,rss_before_kb,rss_held_kb,fds_held,bytes_per_connection" >"$RESULTS/idle.csv"
for rep in $(seq 1 "$REPS"); do
  for proxy in lvsd haproxy; do
    case $proxy in
      lvsd) spawn $NS "$RESULTS/raw/lvsd.r$rep.log" "$LVSD_BIN" --control-socket "$WORK/lvsd.sock" --reactors 1 \
              --rules "$WORK/rules"; port=9010 ;;
      haproxy) spawn $NS "$RESULTS/raw/haproxy.r$rep.log" haproxy -f "$WORK/haproxy.cfg" -db; port=9001 ;;
    esac
    pid=$LAST_PID
    for t in $(seq 100); do ip netns exec $NS bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    before=$(rss_kb "$pid")
    out=$RESULTS/raw/client.$proxy.r$rep.out
    ip netns exec $NS timeout $((60 + HOLD + 10)) python3 "$WORK/client.py" 127.0.0.1 $port "$CONNECTIONS" 60 "$HOLD" \
      >"$out" 2>&1 &
    client=$!
    for t in $(seq 700); do [ -s "$out" ] && break; sleep 0.1; done
    sleep 1
    held=$(rss_kb "$pid"); open=$(fds "$pid")
    echoed=$(sed -n 's/.*echoed=\([0-9]*\).*/\1/p' "$out")
    wait "$client"
    per=$(awk -v a="$held" -v b="$before" -v n="${echoed:-0}" 'BEGIN{if (n > 0) printf "%.0f", (a - b) * 1024 / n}')
    echo "$proxy,$rep,$CONNECTIONS,${echoed:-0},$before,$held,$open,$per" >>"$RESULTS/idle.csv"
    say "$proxy r$rep: echoed ${echoed:-0} of $CONNECTIONS; RSS $before → $held kB; $open descriptors; ${per:-–} bytes per connection"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; forget "$pid"; rm -f "$WORK/lvsd.sock"
    sleep 1
  done
done
say "results in $RESULTS"
column -s, -t "$RESULTS/idle.csv"
