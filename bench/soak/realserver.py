# realserver.py ADDRESS SECONDS TCPPORT... -u UDPPORT...: one real server of bench/soak.sh. On
# ADDRESS it answers every line read on a TCP port, and every datagram on a UDP port, with
# "ADDRESS " followed by what it read, until SECONDS have passed. Killing the process is how the
# soak flaps a real server.
import selectors, socket, sys, time

address, seconds = sys.argv[1], float(sys.argv[2])
tcp_ports, udp_ports, into = [], [], None
for arg in sys.argv[3:]:
    if arg == "-u":
        into = udp_ports
        continue
    (tcp_ports if into is None else into).append(int(arg))
tag = address.encode() + b" "
selector = selectors.EpollSelector()
for port in tcp_ports:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(1024)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, "listen")
for port in udp_ports:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((address, port))
    udp.setblocking(False)
    selector.register(udp, selectors.EVENT_READ, "udp")
buffers = {}
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    for key, _ in selector.select(0.5):
        s = key.fileobj
        if key.data == "listen":
            for _ in range(64):
                try:
                    c, _ = s.accept()
                except OSError:
                    break
                c.setblocking(False)
                selector.register(c, selectors.EVENT_READ, "conn")
                buffers[c] = b""
        elif key.data == "udp":
            for _ in range(64):
                try:
                    data, peer = s.recvfrom(2048)
                except OSError:
                    break
                try:
                    s.sendto(tag + data, peer)
                except OSError:
                    pass
        else:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(s)
                buffers.pop(s, None)
                s.close()
                continue
            pending = buffers[s] + data
            *lines, rest = pending.split(b"\n")
            buffers[s] = rest[-65536:]
            reply = b"".join(tag + line + b"\n" for line in lines)
            try:
                if reply:
                    s.sendall(reply)
            except OSError:
                selector.unregister(s)
                buffers.pop(s, None)
                s.close()
