#!/usr/bin/env bash
# Content switching (issue 14, docs/design/0019): lvsd's content_switch against HAProxy 2.6 in
# `mode http` with the same rules (host or path prefix → group api, else group web; two real
# servers per group), in the same run, on the loopback of a private network namespace.
# Workloads (wrk, bounded): keep-alive with a 1 KiB response, and one request per connection.
# Prints requests/s and requests per proxy CPU-second, and the ratios lvsd/HAProxy.
#
# The real servers are one HAProxy process answering 1 KiB from `http-request return` on four
# ports (it is not measured). Usage (root, for the namespace):
#   DUR=10 REPS=3 bench/content-switch.sh [path-to-lvsd-build-dir]
# Not a test: no timing is asserted anywhere.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/proxy-lib.sh
. "$HERE/proxy-lib.sh"
BIN=${1:-$HERE/../.build/release}
: "${CONNS:=50}"
[ -x "$BIN/lvsd" ] || { say "no lvsd in $BIN (build with swift build -c release)"; exit 1; }
command -v haproxy >/dev/null && command -v wrk >/dev/null || { say "needs haproxy and wrk"; exit 1; }

WORK=$(mktemp -d /tmp/lvsc-bench.XXXXXX)
RESULTS=${RESULTS:-$WORK/results}
mkdir -p "$RESULTS/raw"
echo "$HTTP_COLUMNS" >"$RESULTS/http.csv"
trap stop_everything EXIT INT TERM
make_namespace "lvsc-$$"

BODY=$(head -c 1024 /dev/zero | tr '\0' 'x')
{
  echo "global"
  echo "  nbthread 1"
  echo "defaults"
  echo "  mode http"
  echo "  timeout client 30s"
  echo "  timeout server 30s"
  echo "  timeout connect 5s"
  for port in 9001 9002 9003 9004; do
    echo "frontend origin$port"
    echo "  bind 127.0.0.1:$port"
    echo "  http-request return status 200 content-type text/plain string \"$BODY\""
  done
} >"$WORK/origin.cfg"
cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
defaults
  mode http
  option http-keep-alive
  timeout client 30s
  timeout server 30s
  timeout connect 5s
frontend vip
  bind 127.0.0.1:8081
  option forwardfor
  acl api_host hdr(host) -i -m end .api.test
  acl api_path path_beg /api
  use_backend api if api_host or api_path
  default_backend web
backend api
  balance roundrobin
  server a1 127.0.0.1:9001
  server a2 127.0.0.1:9002
backend web
  balance roundrobin
  server w1 127.0.0.1:9003
  server w2 127.0.0.1:9004
EOF
cat >"$WORK/keepalived.conf" <<EOF
virtual_server 127.0.0.1 8080 {
    lb_kind PROXY
    protocol TCP
    content_switch {
        group api 101
        group web 102
        rule api {
            any {
                host_suffix .api.test
                path_prefix /api
            }
            use_group api
        }
        default_group web
    }
}
virtual_server fwmark 101 {
    lb_algo rr
    lb_kind PROXY
    real_server 127.0.0.1 9001 {
    }
    real_server 127.0.0.1 9002 {
    }
}
virtual_server fwmark 102 {
    lb_algo rr
    lb_kind PROXY
    real_server 127.0.0.1 9003 {
    }
    real_server 127.0.0.1 9004 {
    }
}
EOF

spawn "$WORK/origin.log" haproxy -db -f "$WORK/origin.cfg"
for port in 9001 9002 9003 9004; do await_tcp $port || exit 1; done
spawn "$WORK/lvsd.log" "$BIN/lvsd" --control-socket "$WORK/lvsd.sock" --config "$WORK/keepalived.conf" --reactors 1
LVSD=$LAST_PID
spawn "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"
HAPROXY=$LAST_PID
await_tcp 8080 || exit 1
await_tcp 8081 || exit 1

for rep in $(seq 1 "${REPS:-3}"); do
  for config in lvsd haproxy; do
    if [ $config = lvsd ]; then pid=$LVSD port=8080; else pid=$HAPROXY port=8081; fi
    measure_wrk keepalive-1k $config 1 "$rep" "$pid" "http://127.0.0.1:$port/api/x" -t1 -c"$CONNS"
    measure_wrk per-connection $config 1 "$rep" "$pid" "http://127.0.0.1:$port/index.html" -t1 -c"$CONNS" \
      -H "Connection: close"
  done
done

# Medians per workload and configuration, then lvsd/HAProxy ratios.
python3 - "$RESULTS/http.csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def median(workload, config, column):
    values = [float(r[column]) for r in rows if r["workload"] == workload and r["config"] == config and r[column] not in ("NA", "")]
    return statistics.median(values) if values else float("nan")
print("workload        config   req/s      req/proxy-CPU-s")
for workload in ("keepalive-1k", "per-connection"):
    for config in ("lvsd", "haproxy"):
        print(f"{workload:15} {config:8} {median(workload, config, 'req_s'):10.0f} {median(workload, config, 'req_per_proxy_cpu_s'):10.0f}")
    rps = median(workload, "lvsd", "req_s") / median(workload, "haproxy", "req_s")
    cpu = median(workload, "lvsd", "req_per_proxy_cpu_s") / median(workload, "haproxy", "req_per_proxy_cpu_s")
    print(f"{workload:15} ratio    {rps:10.2f}x {cpu:9.2f}x")
EOF
cp "$RESULTS/http.csv" "${KEEP_CSV:-/dev/null}" 2>/dev/null || true
