# client.py SECONDS OUT NAME=tcp|udp:ADDRESS:PORT:SLOTS...: the soak's steady load (bench/soak.sh).
# Each slot is a thread doing request/response on its own connection (a new one every 40
# requests, and after any failure) at most every 20 ms until SECONDS have passed; every wait is
# bounded (2 s per connect or reply). A failed attempt is retried on a new connection, up to 40
# times 0.25 s apart; every failed attempt is written to OUT as one line
# "TIME SERVICE SLOT LAST_REAL_SERVER WHAT" (LAST_REAL_SERVER: the one that answered the
# slot's connection last, or "-" when it had not answered yet), which the summary attributes to
# a fault. At the end prints one JSON object: requests, answered, failed attempts, requests given
# up, and connections opened, per service.
import json, socket, sys, threading, time

seconds, out = float(sys.argv[1]), sys.argv[2]
services = []
for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    kind, address, port, slots = rest.split(":")
    services.append((name, kind, address, int(port), int(slots)))
deadline = time.monotonic() + seconds
lock = threading.Lock()
log = open(out, "w", buffering=1)
stats = {name: dict(requests=0, answered=0, failed_attempts=0, given_up=0, connections=0, wrong=0)
         for name, *_ in services}


def note(name, key, n=1):
    with lock:
        stats[name][key] += n


def failure(name, slot, last, what):
    with lock:
        stats[name]["failed_attempts"] += 1
        log.write(f"{time.time():.3f} {name} {slot} {last or '-'} {what}\n")


def slot_loop(name, kind, address, port, slot):
    sock, file, used, last, seq = None, None, 0, None, 0
    while time.monotonic() < deadline:
        seq += 1
        request = f"{name}-{slot}-{seq}"
        note(name, "requests")
        for attempt in range(40):
            if time.monotonic() >= deadline:
                break
            try:
                if sock is None:
                    used, last = 0, None
                    if kind == "tcp":
                        sock = socket.create_connection((address, port), timeout=2)
                        file = sock.makefile("rb")
                    else:
                        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        sock.settimeout(2)
                        sock.connect((address, port))
                    note(name, "connections")
                if kind == "tcp":
                    sock.sendall(request.encode() + b"\n")
                    reply = file.readline(4096)
                    if not reply:
                        raise ConnectionError("closed")
                else:
                    sock.send(request.encode())
                    reply = sock.recv(4096)
                parts = reply.decode(errors="replace").split()
                if len(parts) != 2 or parts[1] != request:
                    note(name, "wrong")
                    raise ConnectionError("wrong-reply")
                last = parts[0]
                used += 1
                note(name, "answered")
                break
            except (OSError, ConnectionError) as error:
                what = type(error).__name__ if not str(error) else str(error).split(":")[0].replace(" ", "_")
                failure(name, slot, last, what)
                if sock is not None:
                    sock.close()
                sock, file = None, None
                time.sleep(0.25)
        else:
            note(name, "given_up")
        if used >= 40 and sock is not None:
            sock.close()
            sock, file = None, None
        time.sleep(0.02)
    if sock is not None:
        sock.close()


threads = [threading.Thread(target=slot_loop, args=(name, kind, address, port, slot), daemon=True)
           for name, kind, address, port, slots in services for slot in range(slots)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=max(0.0, deadline - time.monotonic()) + 15)
with lock:
    print(json.dumps(stats), flush=True)
