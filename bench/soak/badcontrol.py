# badcontrol.py SOCKET: one round of malformed control messages (bench/soak.sh). Each case is sent
# on its own connection, followed by a valid ping on the same connection; a case passes when the
# daemon answers the ping (the connection stayed usable) or, for a connection cut in the middle
# of a line, when a new connection answers a ping. Prints one JSON object: the error kinds
# received by name, pings answered, and the cases whose ping got no answer ("unanswered").
import json, socket, sys, time

path = sys.argv[1]
PING = b'{"v":1,"id":99,"type":"ping"}\n'
cases = {
    "garbage": b"\x00\xff\xfe this is not json \x01\x02\n",
    "truncated_json": b'{"v":1,"id":1,"type":"getTa\n',
    "not_an_object": b"[1,2,3]\n",
    "missing_members": b'{"v":1}\n',
    "wrong_types": b'{"v":"1","id":[],"type":7}\n',
    "unknown_type": b'{"v":1,"id":2,"type":"formatDisk"}\n',
    "bad_version": b'{"v":99,"id":3,"type":"ping"}\n',
    "bad_command": b'{"v":1,"id":4,"type":"apply","command":{"addService":{"_0":"x"}}}\n',
    "huge_numbers": b'{"v":1e999,"id":18446744073709551617,"type":"ping"}\n',
    "deep_nesting": b'{"v":1,"id":5,"type":"ping","x":' + b"[" * 100000 + b"]" * 100000 + b"}\n",
    "invalid_utf8": b'{"v":1,"id":6,"type":"\xc3\x28"}\n',
    "empty_lines": b"\n\n\r\n",
    "huge_line": b'{"v":1,"id":7,"type":"ping","pad":"' + b"A" * (9 * 1024 * 1024) + b'"}\n',
}
result = {"errors": {}, "pongs": 0, "unanswered": [], "cases": 0, "start": time.time()}


def exchange(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(payload)
        data = b""
        while b'"id":99' not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return [line for line in data.split(b"\n") if line.strip()]
    except OSError:
        return []
    finally:
        s.close()


for name, payload in cases.items():
    result["cases"] += 1
    lines = exchange(payload + PING)
    ponged = False
    for line in lines:
        try:
            reply = json.loads(line)
        except ValueError:
            result["errors"]["unparseable_reply"] = result["errors"].get("unparseable_reply", 0) + 1
            continue
        if reply.get("type") == "pong" and reply.get("id") == 99:
            ponged = True
        elif reply.get("type") == "error":
            kind = reply.get("error", {}).get("kind", "?")
            result["errors"][kind] = result["errors"].get(kind, 0) + 1
    if ponged:
        result["pongs"] += 1
    else:
        result["unanswered"].append(name)
# A connection cut in the middle of a line, then a new connection must still be served.
result["cases"] += 1
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(path)
    s.sendall(b'{"v":1,"id":8,"type":"getTab')
except OSError:
    pass
s.close()
if any(b'"pong"' in line for line in exchange(PING)):
    result["pongs"] += 1
else:
    result["unanswered"].append("cut_mid_line")
result["end"] = time.time()
print(json.dumps(result), flush=True)
