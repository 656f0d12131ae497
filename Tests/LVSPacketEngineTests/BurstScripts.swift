/// The burst test's real server and clients (BurstNamespaceTests): small python3 programs with
/// non-blocking sockets, because one socat per connection cannot open thousands at once.
/// Every wait in them is bounded by the seconds they are given; they print one result line.
enum BurstScripts {
    /// `echo.py PORT SECONDS`: accepts every connection on PORT and echoes what it reads, until
    /// SECONDS have passed.
    static let echoServer = """
        import errno, os, resource, selectors, socket, sys, time
        resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
        port, seconds = int(sys.argv[1]), float(sys.argv[2])
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", port))
        listener.listen(65535)
        listener.setblocking(False)
        selector = selectors.EpollSelector()
        selector.register(listener, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        accepted = 0
        while time.monotonic() < deadline:
            for key, _ in selector.select(0.5):
                s = key.fileobj
                if s is listener:
                    while True:
                        try:
                            c, _ = listener.accept()
                        except (BlockingIOError, InterruptedError):
                            break
                        except OSError:
                            break
                        c.setblocking(False)
                        selector.register(c, selectors.EVENT_READ)
                        accepted += 1
                    continue
                try:
                    data = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data:
                    try:
                        s.send(data)
                    except OSError:
                        pass
                else:
                    selector.unregister(s)
                    s.close()
        print("accepted=%d" % accepted, flush=True)
        """

    /// `burst.py VIP PORT COUNT SECONDS`: starts COUNT connections at once, waits until all are
    /// established, then writes a distinct line on each and waits for every echo.
    static let client = """
        import errno, resource, selectors, socket, sys, time
        resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
        vip, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
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
            line = b"%08d\\n" % i
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
                s.close()
        failed_text = ",".join("%s:%d" % item for item in sorted(failures.items())) or "none"
        print("established=%d echoed=%d refused=%d unfinished=%d connect_seconds=%.2f total_seconds=%.2f failures=%s" % (
            established, echoed, refused, pending, connected_after, time.monotonic() - start, failed_text), flush=True)
        """

    /// `listing.py SOCKET`: the byte length of lvsd's reply to getConnections (one JSON line).
    static let listingSize = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(30)
        s.connect(sys.argv[1])
        s.sendall(b'{"v":1,"id":1,"type":"getConnections"}' + bytes([10]))
        n = 0
        while True:
            d = s.recv(1 << 20)
            n += len(d)
            if not d or d.endswith(bytes([10])):
                break
        print(n)
        """
}
