# echo.py PORT SECONDS: accepts every connection on PORT and echoes what it reads, until
# SECONDS have passed; prints "accepted=N". (bench/burst.sh, BurstNamespaceTests)
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
