#!/usr/bin/env python3
"""Summarise a bench/proxy-bench.sh run: per workload, medians [min-max] per configuration and
the ratios of lvsd to HAProxy and to nginx with the same thread count.

usage: proxy-summary.py RESULTS_DIR   (writes RESULTS_DIR/summary.md and prints it)
"""
import csv
import os
import statistics
import sys

results = sys.argv[1]
out = []

WORKLOADS = {
    "ka1k": "keep-alive GET of 1 KiB (wrk)",
    "cc1k": "GET of 1 KiB with Connection: close, one TCP connection per request (wrk)",
    "bulk1": "one TCP stream (iperf3)",
    "u64": "UDP request/response, 64 persistent flows, 64 B (udpload)",
    "unew": "UDP request/response, a new source port per request, 64 B (udpload)",
}


def load(name):
    path = os.path.join(results, name + ".csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def values(rows, key):
    return [v for v in (number(r.get(key)) for r in rows) if v is not None]


def median(rows, key):
    v = values(rows, key)
    return statistics.median(v) if v else None


def spread(rows, key, digits=0):
    v = values(rows, key)
    if not v:
        return "n/a"
    f = "{:,.%df}" % digits
    m = f.format(statistics.median(v))
    return m if len(v) == 1 else f"{m} [{f.format(min(v))}–{f.format(max(v))}]"


def plain(value, digits):
    return "n/a" if value is None else ("{:,.%df}" % digits).format(value)


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def by_workload(rows):
    grouped = {}
    for r in rows:
        grouped.setdefault(r["workload"], {}).setdefault(r["config"], []).append(r)
    return grouped


def threads_cell(rows):
    return "–" if rows[0]["threads"] == "0" else rows[0]["threads"]


def thread_counts(configs):
    return sorted({int(r[0]["threads"]) for r in configs.values() if int(r[0]["threads"]) > 0})


def ratio_table(configs, metrics, peers):
    """lvsd_tN / peer_N for each metric: (label, key, higher_is_better)."""
    if not any(name.startswith("lvsd_t") for name in configs):
        out.append("(lvsd was not measured in this run.)\n")
        return
    out.append("| ratio | " + " | ".join(label for label, _, _ in metrics) + " |")
    out.append("|---|" + "---|" * len(metrics))
    for n in thread_counts(configs):
        mine = configs.get(f"lvsd_t{n}")
        for peer_name in peers:
            peer = configs.get(peer_name.format(n=n))
            if not mine or not peer:
                continue
            cells = [ratio(median(mine, key), median(peer, key)) for _, key, _ in metrics]
            out.append(f"| lvsd_t{n} / {peer_name.format(n=n)} | " + " | ".join(cells) + " |")
    out.append("")


def request_tables(rows, title, extra_label, extra_key, peers):
    if not rows:
        return
    out.append(f"## {title}\n")
    for workload, configs in by_workload(rows).items():
        out.append(f"### {workload}: {WORKLOADS.get(workload, workload)}\n")
        direct = median(configs.get("direct", []), "req_s")
        out.append(f"| config | threads | n | req/s median [min–max] | vs direct | p50 ms | p99 ms | {extra_label} "
                   "| proxy CPU s | req per proxy CPU-s [min–max] |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for config, rs in configs.items():
            extra = sum(int(number(r.get(extra_key)) or 0) for r in rs)
            cpu = median(rs, "proxy_cpu_s")
            out.append(
                f"| {config} | {threads_cell(rs)} | {len(rs)} | {spread(rs, 'req_s')} | "
                f"{ratio(median(rs, 'req_s'), direct)} | {plain(median(rs, 'p50_ms'), 3)} | "
                f"{plain(median(rs, 'p99_ms'), 2)} | {extra} | {plain(cpu, 2) if cpu else '–'} | "
                f"{spread(rs, 'req_per_proxy_cpu_s') if cpu else '–'} |")
        out.append("")
        out.append("Ratios of medians (req/s and req per proxy CPU-second: above 1 is better for lvsd; "
                   "latency: below 1 is better for lvsd):\n")
        ratio_table(configs, [("req/s", "req_s", True), ("p50", "p50_ms", False), ("p99", "p99_ms", False),
                              ("req per proxy CPU-s", "req_per_proxy_cpu_s", True)], peers)


http = load("http")
bulk = load("bulk")
udp = load("udp")
env = os.path.join(results, "env.txt")
out.append("# Proxy benchmark\n")
if os.path.exists(env):
    out.append("```\n" + open(env).read().rstrip("\n") + "\n```\n")
request_tables(http, "HTTP over TCP (wrk, loopback)", "errors", "errors", ["haproxy_t{n}", "nginx_w{n}"])
if bulk:
    out.append("## Bulk TCP (iperf3, one stream, loopback)\n")
    for workload, configs in by_workload(bulk).items():
        direct = median(configs.get("direct", []), "gbps")
        out.append("| config | threads | n | Gbit/s median [min–max] | vs direct | proxy CPU s "
                   "| Gbit per proxy CPU-s [min–max] | retransmits (median) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for config, rs in configs.items():
            cpu = median(rs, "proxy_cpu_s")
            out.append(
                f"| {config} | {threads_cell(rs)} | {len(rs)} | {spread(rs, 'gbps', 1)} | "
                f"{ratio(median(rs, 'gbps'), direct)} | {plain(cpu, 2) if cpu else '–'} | "
                f"{spread(rs, 'gbit_per_proxy_cpu_s', 1) if cpu else '–'} | {plain(median(rs, 'retrans'), 0)} |")
        out.append("")
        out.append("Ratios of medians (above 1 is better for lvsd):\n")
        ratio_table(configs, [("Gbit/s", "gbps", True), ("Gbit per proxy CPU-s", "gbit_per_proxy_cpu_s", True)],
                    ["haproxy_t{n}", "haproxy_t{n}_splice", "nginx_w{n}"])
request_tables(udp, "UDP request/response (udpload, 64 outstanding, loopback)", "lost", "lost", ["nginx_w{n}"])
anomalies = os.path.join(results, "anomalies.txt")
if os.path.exists(anomalies) and os.path.getsize(anomalies) > 0:
    out.append("## Anomalies\n\n```\n" + open(anomalies).read().rstrip("\n") + "\n```\n")

text = "\n".join(out) + "\n"
with open(os.path.join(results, "summary.md"), "w") as f:
    f.write(text)
print(text)
