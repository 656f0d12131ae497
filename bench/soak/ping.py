# ping.py SOCKET: lvsd's pong (its version and reload counts) as one JSON line (bench/soak.sh).
import socket, sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"v":1,"id":1,"type":"ping"}\n')
data = b""
while not data.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode().strip())
