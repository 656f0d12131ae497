#!/usr/bin/env python3
"""Evaluates a JavaScript expression in the first page of a running headless Chromium, through
the DevTools protocol, and prints the value as JSON (the dashboard's browser test,
Tests/LVSDaemonTests/DashboardBrowserTests.swift).

usage: cdp-evaluate.py USER_DATA_DIR EXPRESSION
       cdp-evaluate.py USER_DATA_DIR --screenshot FILE.png   (docs/dashboard.png)

Chromium started with --remote-debugging-port=0 writes its port to USER_DATA_DIR/DevToolsActivePort.
Only the standard library; loopback only; every wait is bounded (10 s socket timeout)."""
import base64, json, os, socket, struct, sys, urllib.request

def fail(message):
    sys.stderr.write("cdp-evaluate: " + message + "\n")
    sys.exit(2)

def page_socket_path(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    for target in targets:
        if target.get("type") == "page" and "webSocketDebuggerUrl" in target:
            url = target["webSocketDebuggerUrl"]
            return url.split(f":{port}", 1)[1]
    fail("no page target")

def websocket(port, path):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            fail("handshake closed")
        head += chunk
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        fail("handshake refused: " + head.decode(errors="replace"))
    return sock

def send_text(sock, text):
    payload = text.encode()
    header = bytes([0x81])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            fail("connection closed")
        data += chunk
    return data

def read_message(sock):
    message = b""
    while True:
        first, second = read_exact(sock, 2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", read_exact(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", read_exact(sock, 8))[0]
        payload = read_exact(sock, length)
        message += payload
        if first & 0x80:
            return message.decode()

def main():
    if len(sys.argv) != 3 and not (len(sys.argv) == 4 and sys.argv[2] == "--screenshot"):
        fail("usage: cdp-evaluate.py USER_DATA_DIR EXPRESSION | --screenshot FILE")
    with open(os.path.join(sys.argv[1], "DevToolsActivePort")) as f:
        port = int(f.readline().strip())
    sock = websocket(port, page_socket_path(port))
    screenshot = sys.argv[2] == "--screenshot"
    if screenshot:
        send_text(sock, json.dumps({"id": 1, "method": "Page.captureScreenshot", "params": {"format": "png"}}))
    else:
        send_text(sock, json.dumps({"id": 1, "method": "Runtime.evaluate", "params": {
            "expression": sys.argv[2], "returnByValue": True, "awaitPromise": True}}))
    for _ in range(1000):
        reply = json.loads(read_message(sock))
        if reply.get("id") == 1:
            break
    else:
        fail("no reply")
    result = reply.get("result", {})
    if screenshot:
        if "data" not in result:
            fail("no screenshot: " + json.dumps(reply)[:500])
        with open(sys.argv[3], "wb") as f:
            f.write(base64.b64decode(result["data"]))
        return
    if "exceptionDetails" in result:
        fail("exception: " + json.dumps(result["exceptionDetails"])[:500])
    print(json.dumps(result.get("result", {}).get("value")))
    sock.close()

main()
