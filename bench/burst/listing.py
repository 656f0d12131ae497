# listing.py SOCKET: the byte length of lvsd's reply to getConnections (one JSON line).
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
