#!/usr/bin/env bash
# Proxy benchmark: lvsd's proxy engine against HAProxy (mode tcp) and nginx (stream), and no
# proxy at all ("direct"), in one interleaved run on the loopback of a private network namespace.
#
#   sudo bench/proxy-bench.sh                   # full run: DUR=10 REPS=3, about 25 minutes
#   sudo DUR=3 REPS=1 bench/proxy-bench.sh      # quick check that everything works (~5 minutes)
#
# Must run as root (it creates and deletes a network namespace). Measures the same workloads the
# same way as the peer harness in $SHARED/bench (see docs/performance.md):
#   ka1k   keep-alive GET of a 1 KiB file            wrk -t2 -c64 --latency
#   cc1k   the same with "Connection: close"          (one TCP connection per request)
#   bulk1  one TCP stream for DUR seconds             iperf3 (HAProxy also with splice)
#   u64    UDP request/response, 64 flows, 64 B       udpload (C, from $SHARED/bench/udp)
#   unew   the same with a new source port per request
# for each proxy with 1 and 2 threads/workers/reactors (THREADS="1 2").
#
# Environment: DUR, REPS, WARMUP (s), THREADS, WORKLOADS ("ka1k cc1k bulk1 u64 unew"),
#   PROXIES ("lvsd haproxy nginx"), WRK_ARGS ("-t2 -c64"), SHARED (default: the `shared`
#   directory beside the repository), LVSD_BIN (a built lvsd; default: swift build -c release),
#   RESULTS (default /tmp/lvs-bench-results/proxy-<time>).
# Output: $RESULTS/{http,bulk,udp}.csv, summary.md (medians, ratios lvsd/HAProxy, lvsd/nginx),
#   raw/ (every tool's output, lvsd's log and its lvsadm --stats after each workload), conf/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${SHARED:=$(dirname "$REPO")/shared}"
if [ ! -d "$SHARED" ]; then  # a git worktree: try beside the main checkout
  common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)
  [ -n "$common" ] && SHARED=$(dirname "$(dirname "$common")")/shared
fi
: "${THREADS:=1 2}"
: "${WORKLOADS:=ka1k cc1k bulk1 u64 unew}"
: "${PROXIES:=lvsd haproxy nginx}"
: "${WRK_ARGS:=-t2 -c64}"
: "${RESULTS:=/tmp/lvs-bench-results/proxy-$(date +%Y%m%d-%H%M%S)}"
# shellcheck source=bench/proxy-lib.sh
source "$HERE/proxy-lib.sh"

# ---- preconditions -----------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  echo "proxy-bench.sh must run as root: it creates a private network namespace (try: sudo -E $0)" >&2
  exit 1
fi
missing=()
for tool in ip nstat haproxy nginx wrk iperf3 gcc python3 curl timeout pgrep; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
NGINX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$NGINX_STREAM" ] || missing+=("$NGINX_STREAM")
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install with: apt-get install -y haproxy nginx libnginx-mod-stream wrk iperf3 iproute2 gcc python3 curl procps" >&2
  exit 1
fi
for file in udpecho.c udpload.c; do
  [ -f "$SHARED/bench/udp/$file" ] || { echo "missing $SHARED/bench/udp/$file (set SHARED=...)" >&2; exit 1; }
done

# ---- lvsd --------------------------------------------------------------------------------
if [[ " $PROXIES " == *" lvsd "* ]] && [ -z "${LVSD_BIN:-}" ]; then
  say "building lvsd (swift build -c release)"
  build=(swift build -c release --package-path "$REPO")
  # Under sudo, build as the invoking user so .build does not end up owned by root.
  [ -n "${SUDO_USER:-}" ] && build=(sudo -u "$SUDO_USER" -E "${build[@]}")
  "${build[@]}" --product lvsd >&2 && "${build[@]}" --product lvsadm >&2 || { say "swift build failed"; exit 1; }
  LVSD_BIN=$("${build[@]}" --show-bin-path)/lvsd
fi
LVSADM_BIN=$(dirname "${LVSD_BIN:-/nonexistent}")/lvsadm
if [[ " $PROXIES " == *" lvsd "* ]] && [ ! -x "$LVSADM_BIN" ]; then
  say "no lvsadm beside $LVSD_BIN: build it too (swift build -c release --product lvsadm)"; exit 1
fi

WORK=$(mktemp -d /tmp/lvsp.XXXXXX)
chmod 755 "$WORK"
trap stop_everything EXIT
trap 'exit 130' INT TERM
mkdir -p "$RESULTS/raw" "$RESULTS/conf"
echo "$HTTP_COLUMNS" >"$RESULTS/http.csv"
echo "$BULK_COLUMNS" >"$RESULTS/bulk.csv"
echo "$UDP_COLUMNS" >"$RESULTS/udp.csv"
: >"$RESULTS/anomalies.txt"
gcc -O2 -o "$WORK/udpecho" "$SHARED/bench/udp/udpecho.c" && gcc -O2 -o "$WORK/udpload" "$SHARED/bench/udp/udpload.c" \
  || { say "cannot compile the UDP tools"; exit 1; }
head -c 1024 /dev/urandom >"$WORK/1k.bin"
chmod 644 "$WORK/1k.bin"

{
  echo "date: $(date -Is)"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "cpu:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "iperf3: $(iperf3 --version | head -1)"
  echo "lvsd: ${LVSD_BIN:-not measured} $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)"
  echo "DUR=$DUR REPS=$REPS WARMUP=$WARMUP THREADS=$THREADS WRK_ARGS=$WRK_ARGS"
} >"$RESULTS/env.txt"

make_namespace "lvsp-$$"
say "namespace $OUR_NS, results in $RESULTS"

# ---- ports -------------------------------------------------------------------------------
# Real servers: nginx HTTP 8081/8082, iperf3 5201, udpecho 8091/8092 (UDP).
# Proxies, per thread count N: lvsd 90N0 (HTTP) / 91N0 (bulk) / 92N0 (UDP);
# HAProxy 900N / 910N, with splice 910(N+4); nginx 900(N+2) / 910(N+2) / 920(2N-1) (UDP) and
# 920(2N) (UDP, one reply per session).
declare -A PID HTTP_PORT BULK_PORT UDP_PORT UDPNEW_PORT THREADS_OF
PID[direct]=0; THREADS_OF[direct]=0
HTTP_PORT[direct]=8081; BULK_PORT[direct]=5201; UDP_PORT[direct]=8091; UDPNEW_PORT[direct]=8091
HTTP_CONFIGS=(direct); BULK_CONFIGS=(direct); UDP_CONFIGS=(direct)

# ---- real servers ------------------------------------------------------------------------
cat >"$WORK/backend.conf" <<CONF
daemon off; master_process on; worker_processes 2; pid $WORK/backend.pid;
error_log $WORK/backend.err warn;
events { worker_connections 8192; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 10000000; keepalive_timeout 120s;
  default_type application/octet-stream;
  server { listen 127.0.0.1:8081 backlog=4096; root $WORK; }
  server { listen 127.0.0.1:8082 backlog=4096; root $WORK; }
}
CONF
spawn "$RESULTS/raw/backend-nginx.log" nginx -c "$WORK/backend.conf"
spawn "$RESULTS/raw/iperf3-server.log" iperf3 -s -p 5201 -B 127.0.0.1
spawn "$RESULTS/raw/udpecho.log" "$WORK/udpecho" 127.0.0.1 8091 8092
await_tcp 8081 && await_tcp 8082 && await_tcp 5201 || exit 1

# ---- proxies -----------------------------------------------------------------------------
haproxy_config() { # threads http_port bulk_port splice(yes|no)
  echo "global"
  echo "  nbthread $1"
  echo "  maxconn 4000"
  echo "defaults"
  echo "  mode tcp"
  echo "  timeout connect 5s"
  echo "  timeout client 60s"
  echo "  timeout server 60s"
  if [ "$4" = yes ]; then
    echo "  option splice-request"
    echo "  option splice-response"
  else
    echo "frontend http"
    echo "  bind 127.0.0.1:$2 backlog 4096"
    echo "  default_backend http"
    echo "backend http"
    echo "  balance roundrobin"
    echo "  server s1 127.0.0.1:8081"
    echo "  server s2 127.0.0.1:8082"
  fi
  echo "frontend bulk"
  echo "  bind 127.0.0.1:$3"
  echo "  default_backend bulk"
  echo "backend bulk"
  echo "  server s1 127.0.0.1:5201"
}
nginx_config() { # workers http bulk udp udp_new
  cat <<CONF
daemon off; master_process on; worker_processes $1; pid $WORK/nginx_w$1.pid;
error_log $WORK/nginx_w$1.err warn;
load_module $NGINX_STREAM;
worker_rlimit_nofile 40000;
events { worker_connections 16384; }
stream {
  upstream http { server 127.0.0.1:8081; server 127.0.0.1:8082; }
  upstream udp { server 127.0.0.1:8091; server 127.0.0.1:8092; }
  server { listen 127.0.0.1:$2 backlog=4096; proxy_pass http; }
  server { listen 127.0.0.1:$3; proxy_pass 127.0.0.1:5201; }
  server { listen 127.0.0.1:$4 udp; proxy_pass udp; proxy_timeout 10s; }
  server { listen 127.0.0.1:$5 udp; proxy_pass udp; proxy_timeout 2s; proxy_responses 1; }
}
CONF
}
lvsd_rules() { # http bulk udp
  cat <<RULES
-A -t 127.0.0.1:$1 -s rr
-a -t 127.0.0.1:$1 -r 127.0.0.1:8081 --proxy
-a -t 127.0.0.1:$1 -r 127.0.0.1:8082 --proxy
-A -t 127.0.0.1:$2 -s rr
-a -t 127.0.0.1:$2 -r 127.0.0.1:5201 --proxy
-A -u 127.0.0.1:$3 -s rr
-a -u 127.0.0.1:$3 -r 127.0.0.1:8091 --proxy
-a -u 127.0.0.1:$3 -r 127.0.0.1:8092 --proxy
RULES
  [ -n "${LVSD_RULES_EXTRA:-}" ] && printf '%s\n' "$LVSD_RULES_EXTRA"
}

for n in $THREADS; do
  if [[ " $PROXIES " == *" lvsd "* ]]; then
    c=lvsd_t$n
    lvsd_rules "90${n}0" "91${n}0" "92${n}0" >"$RESULTS/conf/$c.rules"
    spawn "$RESULTS/raw/$c.log" "$LVSD_BIN" --rules "$RESULTS/conf/$c.rules" --control-socket "$WORK/$c.sock" \
      --reactors "$n" --log-level notice
    PID[$c]=$LAST_PID; THREADS_OF[$c]=$n
    HTTP_PORT[$c]=90${n}0; BULK_PORT[$c]=91${n}0; UDP_PORT[$c]=92${n}0; UDPNEW_PORT[$c]=92${n}0
    HTTP_CONFIGS+=("$c"); BULK_CONFIGS+=("$c"); UDP_CONFIGS+=("$c")
  fi
  if [[ " $PROXIES " == *" haproxy "* ]]; then
    c=haproxy_t$n
    haproxy_config "$n" "900$n" "910$n" no >"$RESULTS/conf/$c.cfg"
    spawn "$RESULTS/raw/$c.log" haproxy -db -f "$RESULTS/conf/$c.cfg"
    PID[$c]=$LAST_PID; THREADS_OF[$c]=$n; HTTP_PORT[$c]=900$n; BULK_PORT[$c]=910$n
    HTTP_CONFIGS+=("$c"); BULK_CONFIGS+=("$c")
    c=haproxy_t${n}_splice
    haproxy_config "$n" 0 "910$((n + 4))" yes >"$RESULTS/conf/$c.cfg"
    spawn "$RESULTS/raw/$c.log" haproxy -db -f "$RESULTS/conf/$c.cfg"
    PID[$c]=$LAST_PID; THREADS_OF[$c]=$n; BULK_PORT[$c]=910$((n + 4))
    BULK_CONFIGS+=("$c")
  fi
  if [[ " $PROXIES " == *" nginx "* ]]; then
    c=nginx_w$n
    nginx_config "$n" "900$((n + 2))" "910$((n + 2))" "920$((2 * n - 1))" "920$((2 * n))" >"$RESULTS/conf/$c.conf"
    spawn "$RESULTS/raw/$c.log" nginx -c "$RESULTS/conf/$c.conf"
    PID[$c]=$LAST_PID; THREADS_OF[$c]=$n
    HTTP_PORT[$c]=900$((n + 2)); BULK_PORT[$c]=910$((n + 2)); UDP_PORT[$c]=920$((2 * n - 1)); UDPNEW_PORT[$c]=920$((2 * n))
    HTTP_CONFIGS+=("$c"); BULK_CONFIGS+=("$c"); UDP_CONFIGS+=("$c")
  fi
done
# A peer that does not listen stops the run; an lvsd that does not is the finding (anomalies.txt).
NOT_LISTENING=" "
for c in $(printf '%s\n' "${HTTP_CONFIGS[@]}" "${BULK_CONFIGS[@]}" | awk '!seen[$0]++'); do
  for p in ${HTTP_PORT[$c]:-} ${BULK_PORT[$c]:-}; do
    await_tcp "$p" && continue
    [[ "$c" == lvsd_* ]] || exit 1
    { echo "$c: nothing accepts on 127.0.0.1:$p; last lines of raw/$c.log:"
      tail -20 "$RESULTS/raw/$c.log" | sed 's/^/    /'; } >>"$RESULTS/anomalies.txt"
    NOT_LISTENING="$NOT_LISTENING$c "
    break
  done
done
sleep 1  # iperf3 -s counts each probe connection as a failed test; let it settle
source "$HERE/proxy-bench-run.sh"
