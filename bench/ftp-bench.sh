#!/usr/bin/env bash
# FTP-helper benchmark (not a test): packets per second through lvsd --packet-engine's NAT path
# for an FTP passive data connection (the helper's control-connection rewriting made the data
# entry) against a plain masqueraded TCP connection of the same size, in one interleaved run:
#
#   lvsfb-c (client)              lvsfb-d (director)              lvsfb-s (real server)
#   c0 10.203.1.2/24  <=veth=>    d0 10.203.1.1/24
#                                 d1 10.203.2.1/24  <=veth=>      s0 10.203.2.2/24
#   client: the VIP 10.203.100.1 via 10.203.1.1; server: default via 10.203.2.1 (LVS-NAT).
#   vsftpd (anonymous, passive ports 50000-50100) and python3 -m http.server 80 serve the same
#   file from the real server; lvsd masquerades VIP:21 (FTP helper on) and VIP:80 to it.
#
#   workloads  ftp   curl --disable-epsv ftp://VIP/file (PASV: the helper rewrites the 227 reply)
#              http  curl http://VIP/file (the same bytes over one plain TCP connection)
#
#   sudo LVSD_BIN=/path/to/lvsd bench/ftp-bench.sh             # SIZE_MB=200 REPS=3
#   sudo LVSD_BIN=... SIZE_MB=50 REPS=1 bench/ftp-bench.sh      # a quick check
#
# Figures per run: seconds, MB/s, director packets/s (frames received on d0 + d1 during the
# transfer), lvsd CPU seconds. Output: $RESULTS/ftp.csv and summary.md (medians). Root only.
# Every process started is killed by PID on exit; every transfer is bounded by `timeout`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
: "${SIZE_MB:=200}"
: "${REPS:=3}"
: "${TRANSFER_TIMEOUT:=120}"
: "${RESULTS:=/tmp/lvs-bench-results/ftp-$(date +%Y%m%d-%H%M%S)}"
CLK_TCK=$(getconf CLK_TCK)
C=lvsfb-c D=lvsfb-d S=lvsfb-s
VIP=10.203.100.1

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ "$(id -u)" != 0 ]; then echo "ftp-bench.sh must run as root (network namespaces)" >&2; exit 1; fi
missing=()
for tool in ip vsftpd curl python3 timeout awk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
getent passwd ftp >/dev/null || missing+=("user ftp (the vsftpd package creates it)")
if [ ${#missing[@]} -gt 0 ]; then echo "missing: ${missing[*]} (apt-get install -y vsftpd curl)" >&2; exit 1; fi
. "$HERE/nat-lab.sh"
release_lvsd

WORK=$(mktemp -d /tmp/lvsfb.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  stop_started
  for ns in $C $D $S; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cpu_ticks() { local f; f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; set -- $f; echo $((${12} + ${13})); }
director_frames() { ip netns exec $D awk '/d0:|d1:/{sub(/^.*:/, ""); split($0, f, " "); n += f[2]} END{print n+0}' /proc/net/dev; }
wait_for() {  # wait_for TRIES CMD...: bounded poll, 0.1 s apart
  local tries=$1 i; shift
  for i in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

three_namespaces $C $D $S $VIP

mkdir -p "$RESULTS" "$WORK/www" "$WORK/empty"
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$WORK/www/file.bin"
chmod -R a+rX "$WORK/www"
cat >"$WORK/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=10.203.2.2
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$WORK/www
local_enable=NO
write_enable=NO
ftp_username=ftp
nopriv_user=nobody
secure_chroot_dir=$WORK/empty
pasv_enable=YES
pasv_min_port=50000
pasv_max_port=50100
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
hide_ids=YES
CONF
cat >"$WORK/rules" <<RULES
-A -t $VIP:21 -s rr
-a -t $VIP:21 -r 10.203.2.2:21 -m
-A -t $VIP:80 -s rr
-a -t $VIP:80 -r 10.203.2.2:80 -m
RULES
{
  echo "date: $(date -Is)"; echo "nproc: $(nproc)"; echo "kernel: $(uname -r)"
  echo "cpu:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "lvsd: $LVSD_BIN $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)"
  echo "SIZE_MB=$SIZE_MB REPS=$REPS"
} >"$RESULTS/env.txt"

spawn $S "$RESULTS/vsftpd.log" vsftpd "$WORK/vsftpd.conf"
spawn $S "$RESULTS/http.log" python3 -m http.server 80 --bind 10.203.2.2 --directory "$WORK/www"
wait_for 100 ip netns exec $S bash -c 'exec 3<>/dev/tcp/10.203.2.2/21' || { say "vsftpd did not start"; exit 1; }
wait_for 100 ip netns exec $S bash -c 'exec 3<>/dev/tcp/10.203.2.2/80' || { say "http.server did not start"; exit 1; }
spawn $D "$RESULTS/lvsd.log" "$LVSD_BIN" --control-socket "$WORK/lvsd.sock" --packet-engine \
  --interface d0 --interface d1 --packet-workers 1 --reactors 1 --ftp-ports 21 --rules "$WORK/rules"
LVSD_PID=$LAST_PID
wait_for 100 test -S "$WORK/lvsd.sock" || { say "lvsd did not start"; cat "$RESULTS/lvsd.log" >&2; exit 1; }

url_of() { case $1 in ftp) echo "ftp://$VIP/file.bin" ;; http) echo "http://$VIP/file.bin" ;; esac; }
echo "workload,rep,seconds,bytes,mb_per_s,frames,packets_per_s,lvsd_cpu_s" >"$RESULTS/ftp.csv"
for rep in $(seq "$REPS"); do
  for workload in ftp http; do
    frames0=$(director_frames); cpu0=$(cpu_ticks "$LVSD_PID")
    out=$(ip netns exec $C timeout "$TRANSFER_TIMEOUT" curl -s --disable-epsv -o /dev/null \
      -w '%{time_total} %{size_download}' "$(url_of $workload)" </dev/null 2>"$RESULTS/curl.$workload.$rep.err")
    status=$?
    frames1=$(director_frames); cpu1=$(cpu_ticks "$LVSD_PID")
    set -- $out
    seconds=${1:-0} bytes=${2:-0}
    if [ $status -ne 0 ] || [ "$bytes" != $((SIZE_MB * 1048576)) ]; then
      say "$workload rep $rep failed (curl $status, $bytes bytes)"; continue
    fi
    awk -v w=$workload -v r=$rep -v s="$seconds" -v b="$bytes" -v f=$((frames1 - frames0)) \
      -v c=$((cpu1 - cpu0)) -v h="$CLK_TCK" \
      'BEGIN{printf "%s,%d,%.3f,%d,%.1f,%d,%.0f,%.2f\n", w, r, s, b, b/s/1048576, f, f/s, c/h}' >>"$RESULTS/ftp.csv"
    say "$(tail -1 "$RESULTS/ftp.csv")"
  done
done
"$LVSADM_BIN" --control-socket "$WORK/lvsd.sock" --engine-stats >"$RESULTS/engine-stats.txt" 2>&1
awk -F, 'NR > 1 { s[$1] = s[$1] " " $3; m[$1] = m[$1] " " $5; p[$1] = p[$1] " " $7; c[$1] = c[$1] " " $8 }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END { print "| workload | seconds | MB/s | director packets/s | lvsd CPU s |"; print "|---|---|---|---|---|"
        for (w in s) printf "| %s | %s | %s | %s | %s |\n", w, median(s[w]), median(m[w]), median(p[w]), median(c[w]) }' \
  "$RESULTS/ftp.csv" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
say "results in $RESULTS"
