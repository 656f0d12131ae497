#!/usr/bin/env python3
"""Split each failover run of bench/failover.sh (CAPTURE=1) into its phases, from capture.pcap:
resign = kill -> master's priority-0 advert (SIGTERM only); timer = master's last advert
(SIGKILL) or its priority-0 advert (SIGTERM) -> backup's first advert; garp = backup's first
advert -> first gratuitous ARP for the VIP; answer = that ARP -> first answer from B.
    failover-capture.py RESULTS_DIR"""
import csv, re, statistics, subprocess, sys
res = sys.argv[1]
VIP = "10.99.0.100"
out = subprocess.run(["tshark", "-r", f"{res}/capture.pcap", "-T", "fields", "-E", "separator=,",
                      "-e", "frame.time_epoch", "-e", "ip.src", "-e", "vrrp.prio", "-e", "arp.src.proto_ipv4",
                      "-e", "arp.src.hw_mac"], capture_output=True, text=True, check=True).stdout
ev = []
for line in out.splitlines():
    t, ipsrc, prio, arpsrc, mac = (line.split(",") + [""] * 5)[:5]
    ev.append((float(t), ipsrc, prio, arpsrc))
cells = {}
for r in csv.DictReader(open(f"{res}/failover.csv")):
    m = re.search(r"kill_epoch=([0-9.]+)", r["detail"])
    if not m or r["ms"] == "NA":
        continue
    k = float(m.group(1))
    answer = k + float(r["ms"]) / 1000
    lastA = max((t for t, s, p, a in ev if s == "10.99.0.1" and p not in ("", "0") and t < k), default=None)
    prio0 = min((t for t, s, p, a in ev if s == "10.99.0.1" and p == "0" and t >= k - 0.001), default=None)
    advB = min((t for t, s, p, a in ev if s == "10.99.0.2" and p not in ("", "0") and t >= k), default=None)
    garp = min((t for t, s, p, a in ev if a == VIP and t >= k), default=None)
    if None in (lastA, advB, garp) or (r["death"] == "term" and prio0 is None):
        print("incomplete", r["pair"], r["death"], r["setting"], r["rep"]); continue
    start = prio0 if r["death"] == "term" else lastA
    ph = {"resign": (prio0 - k) * 1000 if r["death"] == "term" else float("nan"),
          "timer": (advB - start) * 1000, "garp": (garp - advB) * 1000, "answer": (answer - garp) * 1000,
          "kill_after_advert": (k - lastA) * 1000, "total": float(r["ms"])}
    cells.setdefault((r["setting"], r["death"], r["pair"]), []).append(ph)
keys = ["kill_after_advert", "resign", "timer", "garp", "answer", "total"]
print("setting death pair        n  " + "  ".join(f"{x:>17}" for x in keys) + "   (medians, ms)")
for c, runs in sorted(cells.items()):
    print(f"{c[0]:7} {c[1]:5} {c[2]:10} {len(runs):2}  " +
          "  ".join(f"{statistics.median(p[x] for p in runs):17.1f}" for x in keys))
