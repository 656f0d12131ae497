# summary.py RAW SLOTS DURATION: the soak's figures as markdown (bench/soak.sh) and its verdict as
# the exit status: 0 only when lvsd never exited unasked or with a status other than 0, no failed
# attempt, listing or control request is left unexplained ("other"), every malformed control
# message was followed by an answered ping, and no incarnation grew its descriptors beyond the
# connection load.
#
# A failed request attempt (RAW/failures) is attributed to
#   restart  when it falls in [lvsd_stop - 0.5 s, lvsd_ready + RESTART_GRACE];
#   killed   when the real server that last answered its connection (or, for a connection that
#            had not been answered yet, any real server) was down: [rs_down - 0.5 s, rs_up +
#            KILL_GRACE], the grace covering the health checker's bound for noticing (3 s) plus a
#            reply timeout (2 s);
#   removed  when a reload in the REMOVED_WINDOW before it had removed the real server that last
#            answered its connection from the service: as IPVS does, the director keeps such a
#            connection's entry but drops its packets (expire_nodest_conn off), so it stalls;
#   lost     an attempt that timed out (no reset, no wrong reply) with none of the above near it:
#            one lost datagram or segment that the client's 2-second timeout did not wait out
#            (a UDP client retries by design; a TCP retransmission can take longer than 2 s).
#            Counted apart, listed, and failing the run only above 1 per 1,000 requests of the
#            service (at least 2 allowed) or when a request was given up (all 40 attempts lost):
#            a rare loss is an open finding (docs/reliability.md), a steady one is a failure;
#   other    otherwise: a finding.
import glob, json, os, re, sys

raw, slots, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
RESTART_GRACE, KILL_GRACE, REMOVED_WINDOW = 5.0, 6.0, 4.0
SERVICES = {"nat_tcp": "10.204.100.1 80", "nat_udp": "10.204.100.1 53", "proxy_tcp": "10.204.100.2 8080"}


def lines(name):
    path = os.path.join(raw, name)
    return open(path, errors="replace").read().splitlines() if os.path.exists(path) else []


events = [line.split() for line in lines("events")]
restarts, pending_stop = [], None
down, kills = {}, []
for parts in events:
    t, kind, arg = float(parts[0]), parts[1], parts[2] if len(parts) > 2 else ""
    if kind == "lvsd_stop":
        pending_stop = t
    elif kind == "lvsd_ready" and pending_stop is not None:
        restarts.append((pending_stop, t))
        pending_stop = None
    elif kind == "rs_down":
        down[arg] = t
    elif kind == "rs_up" and arg in down:
        kills.append((arg, down.pop(arg), t))
asked_restarts = len(restarts)
if pending_stop is not None:
    restarts.append((pending_stop, float("inf")))
kills += [(a, t, float("inf")) for a, t in down.items()]


def restart_of(t):
    for i, (stop, ready) in enumerate(restarts):
        if stop - 0.5 <= t <= ready + RESTART_GRACE:
            return i
    return None


def members(n):
    """The real servers of each virtual server in configuration variant n."""
    result, current = {}, None
    for line in lines(f"keepalived.conf.{n}"):
        words = line.split()
        if words[:1] == ["virtual_server"]:
            current = result.setdefault(" ".join(words[1:3]), set())
        elif words[:1] == ["real_server"] and current is not None:
            current.add(words[1])
    return result


reloads_at = [(float(p[0]), members(int(p[2]))) for p in events if p[1] == "reload"]
reloads_at.insert(0, (0.0, members(0)))


def removed(t, service, server):
    name = SERVICES.get(service)
    if server == "-" or name is None:
        return False
    in_force = [m for at, m in reloads_at if at <= t]
    recent = [m for at, m in reloads_at if t - REMOVED_WINDOW <= at <= t]
    return any(server not in m.get(name, set()) for m in recent + in_force[-1:])


def killed(t, server):
    return any((server in ("-", a)) and start - 0.5 <= t <= up + KILL_GRACE for a, start, up in kills)


classes = {"killed": 0, "removed": 0, "restart": 0, "lost": 0, "other": 0}
lost_attempts, lost_by_service = [], {}
others, lost = [], [set() for _ in restarts]
for line in lines("failures"):
    parts = line.split()
    if len(parts) < 5:
        continue
    t, service, slot, server, what = float(parts[0]), parts[1], parts[2], parts[3], parts[4]
    r = restart_of(t)
    if r is not None:
        classes["restart"] += 1
        if server != "-":
            lost[r].add((service, slot))
    elif killed(t, server):
        classes["killed"] += 1
    elif removed(t, service, server):
        classes["removed"] += 1
    elif what == "timed_out":
        classes["lost"] += 1
        lost_attempts.append(line)
        lost_by_service[service] = lost_by_service.get(service, 0) + 1
    else:
        classes["other"] += 1
        others.append(line)
client = {}
try:
    client = json.loads(lines("client.json")[-1])
except (IndexError, ValueError):
    others.append("the client printed no result")
control_other = [l for l in lines("control-failures") + lines("listing-failures") if restart_of(float(l.split()[0])) is None]
control_restart = len(lines("control-failures")) + len(lines("listing-failures")) - len(control_other)
exits = [l.split() for l in lines("exits")]
crashes = [e for e in exits if e[1] != "asked" or e[2] != "0"]
alarms = lines("lvsd-alarms")

bad_control = {"cases": 0, "pongs": 0, "errors": {}, "unanswered": [], "rounds": 0, "in_restart": 0}
for line in lines("badcontrol.jsonl"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    bad_control["rounds"] += 1
    if any(stop - 0.5 <= r.get("end", 0) and r.get("start", 0) <= ready + 1 for stop, ready in restarts):
        bad_control["in_restart"] += 1  # a round that met a restart proves nothing either way
        continue
    bad_control["cases"] += r["cases"]
    bad_control["pongs"] += r["pongs"]
    bad_control["unanswered"] += r["unanswered"]
    for k, v in r["errors"].items():
        bad_control["errors"][k] = bad_control["errors"].get(k, 0) + v
bad_frames, frame_cases = 0, set()
for line in lines("badpackets.jsonl"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    bad_frames += r["frames"]
    frame_cases |= set(r["cases"])

counters = {}
for path in sorted(glob.glob(os.path.join(raw, "lvsd.*.engine-stats"))):
    for line in open(path, errors="replace"):
        m = re.match(r"^\s*(?:(\w+)\s+)?([a-z0-9_]+):?\s+(\d+)\s*$", line)
        if m:
            key = (m.group(1) + " " if m.group(1) else "") + m.group(2)
            counters[key] = counters.get(key, 0) + int(m.group(3))
drops = {k: v for k, v in counters.items() if re.search(r"drop|malformed|invalid|error|refused|unreadable|evicted|reset", k)}
reloads = {"succeeded": 0, "failed": 0}
for path in glob.glob(os.path.join(raw, "lvsd.*.pong")):
    try:
        r = json.loads(open(path).read())["server"]["reloads"]
    except (ValueError, KeyError):
        continue
    reloads["succeeded"] += r.get("succeeded", 0)
    reloads["failed"] += r.get("failed", 0)

samples = {}
for line in lines("samples.csv")[1:]:
    t, inc, pid, rss, fds = line.split(",")
    samples.setdefault(int(inc), []).append((int(t), int(rss), int(fds)))
allowance = 2 * slots + 16  # the proxy engine holds two descriptors per client connection
growth = []
for inc, rows in sorted(samples.items()):
    rows = [r for r in rows if r[2] > 0]
    if len(rows) >= 2:
        base = rows[1] if len(rows) > 2 else rows[0]  # the first sample under load, if any
        if rows[-1][2] - base[2] > allowance:
            growth.append(f"incarnation {inc}: {base[2]} -> {rows[-1][2]} descriptors")
given_up = sum(v.get("given_up", 0) for v in client.values())
too_many_lost = {name: n for name, n in lost_by_service.items()
                 if n > max(2, client.get(name, {}).get("requests", 0) // 1000)}
ok = given_up == 0 and not too_many_lost and not crashes and not others and not control_other and not growth and not alarms \
    and not bad_control["unanswered"] and classes["other"] == 0

out = []
w = out.append
w(f"# lvsd soak: {duration} s — {'PASS' if ok else 'FAIL'}\n")
w("## Requests (client: request/response per connection, retried on a new connection)\n")
w("| service | requests | answered | failed attempts | given up | connections | wrong replies |")
w("| --- | --- | --- | --- | --- | --- | --- |")
for name, s in sorted(client.items()):
    w(f"| {name} | {s['requests']} | {s['answered']} | {s['failed_attempts']} | {s['given_up']} | {s['connections']} | {s['wrong']} |")
w(f"\nFailed attempts by cause: real server being killed {classes['killed']}, real server removed by a reload "
  f"{classes['removed']}, lvsd restart {classes['restart']}, lost with no fault near "
  f"{classes['lost']} (by service: {lost_by_service or 'none'}; over the allowance of 1 per 1,000 requests: "
  f"**{too_many_lost or 'none'}**), other **{classes['other']}**; requests given up **{given_up}**.")
w(f"\nConnections lost at restarts (had answered before the stop, failed in its window): "
  + (", ".join(str(len(s)) for s in lost[:asked_restarts]) or "no restart")
  + f" (of {2 * slots + 2} client connections).")
w(f"\nlvsadm listings run: {len(lines('listings.count'))}; reloads: {len(lines('reloads.log')) and reloads}; "
  f"control or listing failures in restart windows {control_restart}, elsewhere **{len(control_other)}**.")
w(f"\nlvsd exits: {', '.join(' '.join(e) for e in exits) or 'none'}; crashes or unclean exits: **{len(crashes)}**; "
  f"alarming log lines: {len(alarms)}.\n")
w("## Memory and descriptors (sampled every 5 s)\n")
w("| incarnation | samples | RSS first → last (kB) | RSS max (kB) | descriptors first → last | max |")
w("| --- | --- | --- | --- | --- | --- |")
for inc, rows in sorted(samples.items()):
    rows = [r for r in rows if r[2] > 0]
    if rows:
        w(f"| {inc} | {len(rows)} | {rows[0][1]} → {rows[-1][1]} | {max(r[1] for r in rows)} | "
          f"{rows[0][2]} → {rows[-1][2]} | {max(r[2] for r in rows)} |")
everything = sorted((t, inc, rss, fds) for inc, rows in samples.items() for t, rss, fds in rows if fds > 0)
if everything:
    step = max(1, len(everything) // 12)
    w("\nOver time (seconds since the first sample: incarnation, RSS kB, descriptors): " + "; ".join(
        f"{t - everything[0][0]} s: {inc}, {rss}, {fds}" for t, inc, rss, fds in everything[::step] + everything[-1:][: (len(everything) - 1) % step != 0]))
w(f"\nDescriptor growth beyond {allowance} (the connection load): {'; '.join(growth) or 'none'}.\n")
w("## Malformed input\n")
w(f"Control messages: {bad_control['rounds']} rounds ({bad_control['in_restart']} met a restart and are left out); "
  f"{bad_control['cases']} cases, pings answered after them {bad_control['pongs']}, "
  f"error replies by kind {json.dumps(bad_control['errors'], sort_keys=True)}, unanswered {bad_control['unanswered'] or 'none'}.")
w(f"\nFrames toward the virtual services: {bad_frames} ({len(frame_cases)} kinds).\n")
w("## Engine counters of dropped or refused input (summed over incarnations)\n")
w("| counter | value |")
w("| --- | --- |")
for k, v in sorted(drops.items()):
    if v:
        w(f"| {k} | {v} |")
w(f"\nAt 0: {', '.join(k for k, v in sorted(drops.items()) if not v) or 'none'}.")
if lost_attempts:
    w("\n## Attempts lost with no fault near (retried; see the header of summary.py)\n")
    for line in lost_attempts[:20]:
        w(f"    {line}")
    w("\nThe kernels' TCP, UDP and IP counters at the end (client, director, real servers):\n")
    for name in ("nstat.lvsso-c", "nstat.lvsso-d", "nstat.lvsso-s"):
        w(f"    {name}: " + "; ".join(" ".join(l.split()[:2]) for l in lines(name)))
if others or control_other:
    w("\n## Unexplained failures\n")
    for line in (others + control_other)[:50]:
        w(f"    {line}")
print("\n".join(out))
sys.exit(0 if ok else 1)
