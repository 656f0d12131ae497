#!/usr/bin/env python3
"""Failover probe for bench/failover.sh; runs in the observer namespace.

    failover-poll.py VIP PORT MASTER BACKUP MODE INTERVAL_MS LIMIT_S PID...

First waits (up to 10 s) until VIP:PORT answers with MASTER's name. Then takes the clock, kills
the master (MODE "kill": SIGSTOP to the first PID, SIGKILL to the rest and then to the first,
so keepalived's parent cannot resign for its VRRP child or respawn it; MODE "term": SIGTERM to
the first PID, the daemon's own clean stop), and from then on starts a new TCP connection to
VIP:PORT every INTERVAL_MS, several in flight at once (a SYN that nobody answers would
otherwise hold the probe for a retransmission timeout), until one answers with BACKUP's name
or LIMIT_S pass. Prints "ms=<kill to first BACKUP answer> sent_ms=<when that probe was
started> probes=<n> master_answers=<n>", or "ms=NA ..." on timeout (exit 3).
"""

import os
import select
import signal
import socket
import sys
import time


def probe_once(addr, timeout):
    """One blocking connection; returns the stripped answer or None."""
    try:
        with socket.create_connection(addr, timeout=timeout) as s:
            return s.recv(64).decode(errors="replace").strip()
    except OSError:
        return None


def main():
    vip, port, master, backup, mode = sys.argv[1:6]
    interval = float(sys.argv[6]) / 1000.0
    limit = float(sys.argv[7])
    pids = [int(p) for p in sys.argv[8:]]
    addr = (vip, int(port))

    deadline = time.monotonic() + 10.0
    while probe_once(addr, 0.2) != master:
        if time.monotonic() > deadline:
            print(f"ms=NA error=master_{master}_not_answering", flush=True)
            return 2
        time.sleep(0.02)

    t0 = time.monotonic_ns()
    kill_epoch = time.time()
    if mode == "kill":
        os.kill(pids[0], signal.SIGSTOP)
        for pid in pids[1:]:
            os.kill(pid, signal.SIGKILL)
        os.kill(pids[0], signal.SIGKILL)
    else:
        os.kill(pids[0], signal.SIGTERM)

    pending = {}  # socket -> [start_ns, connected, received bytes]
    probes = master_answers = 0
    next_start = t0
    end = t0 + int(limit * 1e9)
    max_age = 300_000_000  # an attempt unanswered after 300 ms is dropped
    try:
        while True:
            now = time.monotonic_ns()
            if now >= end:
                print(f"ms=NA probes={probes} master_answers={master_answers}", flush=True)
                return 3
            if now >= next_start:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                s.connect_ex(addr)
                pending[s] = [now, False, b""]
                probes += 1
                next_start = now + int(interval * 1e9)
            for s, st in list(pending.items()):
                if now - st[0] > max_age:
                    s.close()
                    del pending[s]
            wait = max(0.0, (next_start - time.monotonic_ns()) / 1e9)
            rlist = [s for s, st in pending.items() if st[1]]
            wlist = [s for s, st in pending.items() if not st[1]]
            r, w, _ = select.select(rlist, wlist, [], wait)
            for s in w:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    s.close()
                    del pending[s]
                else:
                    pending[s][1] = True
            for s in r:
                if s not in pending:
                    continue
                try:
                    data = s.recv(64)
                except OSError:
                    data = b""
                st = pending[s]
                if data:
                    st[2] += data
                    if not st[2].endswith(b"\n"):
                        continue
                name = st[2].decode(errors="replace").strip()
                got = time.monotonic_ns()
                s.close()
                del pending[s]
                if name == backup:
                    print(
                        f"ms={(got - t0) / 1e6:.1f} sent_ms={(st[0] - t0) / 1e6:.1f} "
                        f"probes={probes} master_answers={master_answers} kill_epoch={kill_epoch:.6f}",
                        flush=True,
                    )
                    return 0
                if name == master:
                    master_answers += 1
    finally:
        for s in pending:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
