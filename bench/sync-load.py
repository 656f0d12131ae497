#!/usr/bin/env python3
"""Helpers of bench/sync.sh, each bounded in count and time.

  server NAME PORT                 answers each line with "NAME-" and the line (asyncio)
  load HOST PORT COUNT CONC SECS   COUNT short connections (connect, one line, answer, close),
                                   CONC at a time, at most SECS seconds; prints JSON
  long HOST PORT N SECS KILLFILE   N long-lived connections, each writes a numbered line every
                                   second for SECS seconds, then waits (<= 20 s) for the answers;
                                   prints JSON: how many survived the kill (KILLFILE's mtime)
  listen GROUP PORT IFADDR SECS STOPFILE
                                   counts sync messages, payload bytes and records on the group
                                   until STOPFILE exists (or SECS); prints JSON
"""
import asyncio
import json
import os
import socket
import struct
import sys
import time


def server(name, port):
    async def handle(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(name.encode() + b"-" + line)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def main():
        srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=4096, reuse_address=True)
        async with srv:
            await srv.serve_forever()

    asyncio.run(main())


def load(host, port, count, concurrency, seconds):
    done = failed = 0
    deadline = time.monotonic() + seconds
    begin = time.monotonic()

    async def one():
        nonlocal done, failed
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3)
            writer.write(b"x\n")
            answer = await asyncio.wait_for(reader.readline(), 3)
            writer.close()
            if answer.endswith(b"-x\n"):
                done += 1
            else:
                failed += 1
        except (OSError, asyncio.TimeoutError):
            failed += 1

    async def worker(share):
        for _ in range(share):
            if time.monotonic() >= deadline:
                return
            await one()

    async def main():
        shares = [count // concurrency + (1 if i < count % concurrency else 0) for i in range(concurrency)]
        await asyncio.gather(*(worker(s) for s in shares))

    asyncio.run(main())
    elapsed = time.monotonic() - begin
    print(json.dumps({"done": done, "failed": failed, "seconds": round(elapsed, 3),
                      "rate": round(done / elapsed, 1) if elapsed > 0 else 0}))


def long_lived(host, port, n, seconds, killfile):
    results = []

    async def connection(index):
        state = {"established": False, "sent": 0, "answers": [], "servers": set(), "error": None,
                 "sent_times": {}}
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            state["established"] = True
            state["port"] = writer.get_extra_info("sockname")[1]
            end = time.monotonic() + seconds
            await asyncio.sleep(index % 100 / 100)  # spread the lines over the second

            async def read_answers():
                try:
                    while True:
                        line = await reader.readline()
                        if not line:
                            return
                        server, _, rest = line.decode().rstrip("\n").partition("-")
                        state["servers"].add(server)
                        state["answers"].append(int(rest.split()[-1]))
                except (OSError, ValueError) as error:
                    state["error"] = type(error).__name__

            answers = asyncio.ensure_future(read_answers())
            while time.monotonic() < end and not answers.done():
                state["sent"] += 1
                state["sent_times"][state["sent"]] = time.time()
                writer.write(f"conn{index} line {state['sent']}\n".encode())
                await writer.drain()
                await asyncio.sleep(1)
            wait_until = time.monotonic() + 20
            while len(state["answers"]) < state["sent"] and not answers.done() and time.monotonic() < wait_until:
                await asyncio.sleep(0.1)
            answers.cancel()
            writer.close()
            if len(state["answers"]) < state["sent"] and state["error"] is None:
                state["error"] = "missing answers" if not answers.done() else "closed"
        except (OSError, asyncio.TimeoutError, ValueError) as error:
            state["error"] = type(error).__name__
        results.append(state)

    async def main():
        await asyncio.gather(*(connection(i) for i in range(n)))

    asyncio.run(main())
    killed = os.path.getmtime(killfile) if os.path.exists(killfile) else None
    survived = 0
    lost = []
    for state in results:
        whole = state["established"] and state["error"] is None and \
            state["answers"] == list(range(1, state["sent"] + 1)) and len(state["servers"]) == 1
        after_kill = killed is not None and any(t > killed for n, t in state["sent_times"].items()
                                                if n <= len(state["answers"]))
        if whole and after_kill:
            survived += 1
        else:
            lost.append(state.get("port", 0))
    print(json.dumps({"connections": n, "established": sum(s["established"] for s in results),
                      "survived": survived, "killed": killed is not None,
                      "errors": sorted({s["error"] for s in results if s["error"]}), "lost_ports": sorted(lost)}))


def listen(group, port, ifaddr, seconds, stopfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(ifaddr))
    s.settimeout(0.2)
    messages = payload = records = 0
    first = last = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not os.path.exists(stopfile):
        try:
            data = s.recv(65535)
        except socket.timeout:
            continue
        now = time.monotonic()
        first = first or now
        last = now
        messages += 1
        payload += len(data)
        if len(data) >= 8 and data[0] == 0 and data[5] == 1:  # version 1 header: count at byte 4
            records += data[4]
        elif len(data) >= 4:  # version 0: count at byte 0
            records += data[0]
    print(json.dumps({"messages": messages, "payload_bytes": payload, "records": records,
                      "span": round((last - first), 3) if first and last else 0}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "server":
        server(args[0], int(args[1]))
    elif command == "load":
        load(args[0], int(args[1]), int(args[2]), int(args[3]), float(args[4]))
    elif command == "long":
        long_lived(args[0], int(args[1]), int(args[2]), float(args[3]), args[4])
    elif command == "listen":
        listen(args[0], int(args[1]), args[2], float(args[3]), args[4])
    else:
        sys.exit(f"unknown command {command}")
