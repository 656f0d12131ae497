#!/usr/bin/env python3
"""Summarise ordo-one/benchmark markdown output: one row per benchmark with the median (p50)
throughput, the largest allocation count seen in any sample (p100) and peak resident memory."""
import re
import sys

rows = {}
name = None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line).rstrip("\n")
    if line.startswith("### "):
        name = line[4:].strip()
        rows[name] = {}
        continue
    if name is None or not line.startswith("| ") or line.startswith("| Metric"):
        continue
    cells = [c.strip() for c in line.strip("|").split("|")]
    metric, values = cells[0], cells[1:]
    if len(values) < 8:
        continue
    unit = re.search(r"\((K|M|G)\)\s*$", metric)
    scale = {"K": 1e3, "M": 1e6, "G": 1e9}[unit.group(1)] if unit else 1
    p50, p100 = float(values[2]) * scale, float(values[6]) * scale
    if metric.startswith("Throughput"):
        rows[name]["throughput"] = p50
    elif metric.startswith("Malloc (total)"):
        rows[name]["mallocs"] = p100
    elif metric.startswith("Memory (resident peak)"):
        rows[name]["rss"] = p100

def human(v):
    for div, suffix in ((1e6, " M"), (1e3, " K")):
        if v >= div:
            return f"{v / div:.2f}{suffix}"
    return f"{v:.0f}"

print("| benchmark | median ops/s | max allocations per run | peak RSS |")
print("|---|---:|---:|---:|")
for name, r in rows.items():
    tp = human(r["throughput"]) if "throughput" in r else ""
    mallocs = f"{r['mallocs']:.0f}" if "mallocs" in r else ""
    rss = f"{r['rss'] / 1e6:.0f} MB" if "rss" in r else ""
    print(f"| {name} | {tp} | {mallocs} | {rss} |")
