# client.py VIP PORT COUNT SECONDS [HOLD]: starts COUNT connections at once, waits until all are
# established, then writes a distinct line on each and waits for every echo; prints one result
# line. Every wait is bounded by SECONDS. With HOLD, the echoed connections stay open HOLD more
# seconds after the result line (for measuring a director that holds them), then close.
# (bench/burst.sh, bench/idle-connections.sh, BurstNamespaceTests)
import errno, resource, selectors, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
vip, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
hold = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
held = []
start = time.monotonic()
deadline = start + seconds
selector = selectors.EpollSelector()
refused = 0
for i in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    code = s.connect_ex((vip, port))
    if code not in (0, errno.EINPROGRESS):
        refused += 1
        s.close()
        continue
    selector.register(s, selectors.EVENT_WRITE, i)
pending = len(selector.get_map())
open_ = []
while pending and time.monotonic() < deadline:
    for key, _ in selector.select(0.5):
        s = key.fileobj
        selector.unregister(s)
        pending -= 1
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            open_.append((s, key.data))
        else:
            refused += 1
            s.close()
established = len(open_)
connected_after = time.monotonic() - start
expected = {}
for s, i in open_:
    line = b"%08d\n" % i
    try:
        s.send(line)
        expected[s] = line
        selector.register(s, selectors.EVENT_READ)
    except OSError:
        s.close()
received = {s: b"" for s in expected}
echoed = 0
failures = {}
def failed(reason):
    failures[reason] = failures.get(reason, 0) + 1
while len(received) and time.monotonic() < deadline:
    for key, _ in selector.select(0.5):
        s = key.fileobj
        try:
            data = s.recv(64)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError as error:
            data = None
            failed(errno.errorcode.get(error.errno, "error"))
        if data:
            received[s] += data
            if len(received[s]) < len(expected[s]):
                continue
            if received[s] == expected[s]:
                echoed += 1
            else:
                failed("mismatch")
        elif data is not None:
            failed("eof")
        selector.unregister(s)
        del received[s]
        if hold > 0 and data:
            held.append(s)
        else:
            s.close()
failed_text = ",".join("%s:%d" % item for item in sorted(failures.items())) or "none"
print("established=%d echoed=%d refused=%d unfinished=%d connect_seconds=%.2f total_seconds=%.2f failures=%s" % (
    established, echoed, refused, pending, connected_after, time.monotonic() - start, failed_text), flush=True)
if held:
    time.sleep(hold)
    for s in held:
        s.close()
