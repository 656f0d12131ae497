#!/usr/bin/env python3
"""Writes the hand-made seed inputs of Fuzz/Corpus (docs/fuzzing.md). Run from the repository
root; it rewrites only the files named seed-*, never the crash regressions (regression-*)."""
import os
import re
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")


def write(harness, name, data):
    if isinstance(data, str):
        data = data.encode()
    directory = os.path.join(ROOT, harness)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ip4(text):
    return bytes(int(p) for p in text.split("."))


def ipv4(src, dst, proto, payload, ttl=64, df=True, ident=1):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000 if df else 0, ttl, proto, 0,
                         ip4(src), ip4(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ipv6(src, dst, next_header, payload, hop=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hop, src, dst) + payload


def tcp(src_ip, dst_ip, sport, dport, flags, payload=b"", seq=1, ack=0, pseudo6=False):
    segment = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    if pseudo6:
        pseudo = src_ip + dst_ip + struct.pack("!IxxxB", len(segment), 6)
    else:
        pseudo = ip4(src_ip) + ip4(dst_ip) + struct.pack("!BBH", 0, 6, len(segment))
    return segment[:16] + struct.pack("!H", checksum(pseudo + segment)) + segment[18:]


def udp(src_ip, dst_ip, sport, dport, payload):
    segment = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = ip4(src_ip) + ip4(dst_ip) + struct.pack("!BBH", 0, 17, len(segment))
    return segment[:6] + struct.pack("!H", checksum(pseudo + segment) or 0xFFFF) + segment[8:]


def icmp(kind, code, rest, quoted):
    message = struct.pack("!BBHI", kind, code, 0, rest) + quoted
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


CLIENT_MAC = bytes([2, 0, 0, 0, 0, 2])
OUTSIDE_MAC = bytes([2, 0, 0, 0, 0, 0x10])
SERVER_MAC = bytes([2, 0, 0, 0, 0, 0x22])
INSIDE_MAC = bytes([2, 0, 0, 0, 0, 0x12])


def ether(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def inbound(packet, v6=False):
    return ether(OUTSIDE_MAC, CLIENT_MAC, 0x86DD if v6 else 0x0800, packet)


def from_server(packet):
    return ether(INSIDE_MAC, SERVER_MAC, 0x0800, packet)


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04
CLIENT, VIP, SERVER = "10.0.0.2", "207.175.44.110", "172.16.0.2"
NO_OFFLOAD = bytes(10)
CLIENT6 = bytes.fromhex("20010db8000a00000000000000000002")
VIP6 = bytes.fromhex("20010db8000a00000000000000000110")

syn = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40000, 8080, SYN))
syn_dr = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40001, 8081, SYN))
syn_tun = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40002, 8082, SYN))
data = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40000, 8080, ACK | PSH, b"GET / HTTP/1.0\r\n\r\n", seq=2, ack=1))
synack = ipv4(SERVER, CLIENT, 6, tcp(SERVER, CLIENT, 8080, 40000, SYN | ACK, seq=100, ack=2))
frag_needed = ipv4("172.16.0.9", VIP, 1, icmp(3, 4, 1400, syn[:28]))
syn6 = ipv6(CLIENT6, VIP6, 6, tcp(CLIENT6, VIP6, 40000, 8080, SYN, pseudo6=True))
ftp_syn = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40003, 21, SYN))
ftp_port = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40003, 21, ACK | PSH, b"PORT 10,0,0,2,156,65\r\n", seq=2, ack=1))
ftp_pasv = ipv4(SERVER, CLIENT, 6, tcp(SERVER, CLIENT, 21, 40003, ACK | PSH,
                                       b"227 Entering Passive Mode (172,16,0,2,117,48)\r\n", seq=2, ack=2))
sip_invite = ipv4(CLIENT, VIP, 17, udp(CLIENT, VIP, 5070, 5060,
                  b"INVITE sip:s@207.175.44.110 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5070\r\n"
                  b"Call-ID: 1-fuzz@10.0.0.2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
arp = ether(b"\xff" * 6, CLIENT_MAC, 0x0806,
            struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CLIENT_MAC, ip4(CLIENT), bytes(6), ip4("10.0.0.1")))
ipip = ipv4("192.0.2.1", "172.16.0.4", 4, syn_tun)
gso = bytes([1, 1]) + struct.pack("<HHHH", 54, 100, 34, 16)
big_data = ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40000, 8080, ACK, b"x" * 300, seq=2, ack=1))

# packet: 10-byte virtio-net header, then the frame.
write("packet", "tcp-syn", NO_OFFLOAD + inbound(syn))
write("packet", "tcp-data-gso", gso + inbound(big_data))
write("packet", "icmp-frag-needed", NO_OFFLOAD + inbound(frag_needed))
write("packet", "ipv6-syn", NO_OFFLOAD + inbound(syn6, v6=True))
write("packet", "arp-request", NO_OFFLOAD + arp)
write("packet", "ipip", NO_OFFLOAD + inbound(ipip))
write("packet", "udp-sip", NO_OFFLOAD + inbound(sip_invite))
write("packet", "vlan", NO_OFFLOAD + OUTSIDE_MAC + CLIENT_MAC + b"\x81\x00\x00\x05\x08\x00" + syn)
write("packet", "bare-ip", ipip + bytes(10))


def record(frame, ingress=0, offload=None, promiscuous=False):
    flags = ingress | (2 if offload else 0) | (4 if promiscuous else 0)
    return bytes([flags]) + struct.pack("!H", len(frame)) + (offload or b"") + frame


# forwarder: records of flags, length, [virtio-net header], frame.
write("forwarder", "nat-handshake",
      record(inbound(syn)) + record(from_server(synack), ingress=1) + record(inbound(data)))
write("forwarder", "nat-icmp-relay", record(inbound(syn)) + record(inbound(frag_needed)))
write("forwarder", "dr-and-tun", record(inbound(syn_dr)) + record(inbound(syn_tun)))
write("forwarder", "ftp-port-pasv",
      record(inbound(ftp_syn)) + record(inbound(ftp_port)) + record(from_server(ftp_pasv), ingress=1))
write("forwarder", "sip-invite", record(inbound(sip_invite)))
write("forwarder", "ipv6-syn", record(inbound(syn6, v6=True)))
write("forwarder", "offload-aggregate", record(inbound(syn)) + record(inbound(big_data), offload=gso))
write("forwarder", "arp-and-promiscuous", record(arp) + record(inbound(syn), promiscuous=True))
write("forwarder", "ttl-expired", record(inbound(ipv4(CLIENT, VIP, 6, tcp(CLIENT, VIP, 40009, 8080, SYN), ttl=1))))

# ipvsadm: NUL-separated arguments; without NUL the bytes are -R lines.
write("ipvsadm", "add-service-args", "-A\0-t\0" "10.0.0.1:80\0-s\0wlc\0-p\0" "300")
write("ipvsadm", "add-real-args", "-a\0-t\0" "10.0.0.1:80\0-r\0" "192.168.1.2:8080\0-m\0-w\0" "3")
write("ipvsadm", "list-args", "-Ln\0--stats\0--exact")
write("ipvsadm", "restore-lines",
      "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 1\n"
      "ipvsadm -A -u [2001:db8::1]:53 -s mh -b mh-port,mh-fallback\n"
      "-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -i -x 10 -y 5\n"
      "-A -f 7 -s sh -p 60 -M 255.255.255.0\n-E -t 10.0.0.1:80 -s wrr\n-D -t 10.0.0.1:80\n")
write("ipvsadm", "set-timeouts", "--set\0" "900\0" "120\0" "300")
write("ipvsadm", "sync-daemon", "--start-daemon\0master\0--mcast-interface\0eth0\0--syncid\0" "7")
write("ipvsadm", "proxy-json", "-a\n-t 10.0.0.1:443 -r 10.0.0.2 --proxy\n-L --json\n-b ,,,\n")

# keepalived: part 0 is keepalived.conf, part N is conf.d/N.conf.
conf_dir = os.path.join(os.path.dirname(ROOT), "..", "Tests", "LVSConfigTests", "Configurations")
for name in sorted(os.listdir(conf_dir)):
    if name.endswith(".conf"):
        with open(os.path.join(conf_dir, name), "rb") as f:
            write("keepalived", name, f.read())
write("keepalived", "include-glob",
      "global_defs {\n  router_id fuzz\n}\ninclude conf.d/*.conf\n\0"
      "virtual_server 10.0.0.1 80 {\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n"
      "  real_server 192.168.1.2 80 {\n    weight 2\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n\0"
      "vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 150\n"
      "  advert_int 1\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n")
write("keepalived", "include-loop", "include keepalived.conf\ninclude conf.d/1.conf\n\0include ../keepalived.conf\n")
write("keepalived", "macros",
      "$PORT=80\n@fuzz virtual_server 10.0.0.1 $PORT {\n  lb_algo rr\n  real_server 10.0.0.2 $PORT {\n  }\n}\n"
      "virtual_server_group G {\n  10.0.0.1-5 80\n  fwmark 7\n}\nvirtual_server group G {\n  lb_algo sh\n}\n")

# control: byte 0 picks the read sizes, the rest is the client's stream.
write("control", "ping", b"\x00" + b'{"v":1,"id":1,"type":"ping"}\n{"v":1,"id":2,"type":"getTimeouts"}\n')
write("control", "split-reads", b"\x21" + b'{"v":1,"id":3,"type":"getEvents","since":4,"limit":10}\r\n\n'
      b'{"v":9,"id":3,"type":"ping"}\n{"v":1,')
write("control", "explain", b"\x00" + b'{"v":1,"id":5,"type":"explain","query":{"protocol":"tcp"}}\n'
      b'{"v":1,"id":6,"ok":true,"result":{}}\n')
write("control", "oversized", b"\x0f" + b"{" + b"a" * 700 + b"\n" + b'{"v":1,"id":7,"type":"reload"}\n')

# vrrp: the captured keepalived advertisements of Tests/LVSVRRPTests/Fixtures, whole and bare.
vrrp_dir = os.path.join(os.path.dirname(ROOT), "..", "Tests", "LVSVRRPTests", "Fixtures")
for name in sorted(n for n in os.listdir(vrrp_dir) if n.endswith(".hex")):
    with open(os.path.join(vrrp_dir, name)) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    packet = bytes.fromhex(lines[0])
    # Byte 0: bit 0 version 3, bits 1-2 the authentication the receiver expects.
    flags = (1 if name.startswith("v3") else 0) | (2 if "pass" in name else 4 if "ah" in name else 0)
    write("vrrp", name.replace(".hex", "-packet"), bytes([flags]) + packet)
    if packet[0] >> 4 == 4:
        write("vrrp", name.replace(".hex", "-message"), bytes([flags]) + packet[(packet[0] & 15) * 4:])
    else:
        write("vrrp", name.replace(".hex", "-message"), bytes([flags]) + packet[40:])

# sync: byte 0 is the backup's SyncID, then the datagram (from Tests/LVSSyncTests).
with open(os.path.join(os.path.dirname(ROOT), "..", "Tests", "LVSSyncTests", "SyncTestSupport.swift")) as f:
    support = f.read()
for fixture, sync_id in (("v1IPv4", 7), ("v1WithOptions", 9), ("v0", 0)):
    match = re.search(r"static let " + fixture + r": \[UInt8\] = \[(.*?)\n    \]", support, re.S)
    if match:
        body = re.sub(r"//[^\n]*", "", match.group(1))
        values = bytes(int(v, 16) for v in re.findall(r"0x([0-9A-Fa-f]{2})", body))
        write("sync", fixture, bytes([sync_id]) + values)

# ftp: byte 0 flags (bit 0 IPv6, bit 1 must-match), then client/server segments by turns.
write("ftp", "port-pasv", b"\x02PORT 10,0,0,2,156,65\r\n\0" b"227 Entering Passive Mode (172,16,0,2,117,48).\r\n\0"
      b"PASV\r\n\0" b"227 Entering Passive Mode (172,16,0,2,117,49)\r\n")
write("ftp", "eprt-epsv-v6", b"\x01EPRT |2|2001:db8::a000:2|40001|\r\n\0" b"200 OK\r\n\0EPSV\r\n\0"
      b"229 Entering Extended Passive Mode (|||6446|)\r\n")
write("ftp", "split-lines", b"\x00POR\0" b"220 hi\r\n\0T 1,2,3,4,5,6\r\n\0" b"227 (1,2,3,4,5)\r\n")

# sip: a UDP payload.
write("sip", "invite", b"INVITE sip:s@207.175.44.110 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5070\r\n"
      b"Call-ID: a84b4c76e66710@pc33.example.org\r\nCSeq: 1 INVITE\r\n\r\n")
write("sip", "compact", b"BYE sip:s@x SIP/2.0\r\ni:  short-id \r\n\r\n")
write("sip", "folded", b"OPTIONS sip:x SIP/2.0\r\nCall-Id:\r\n \tfolded@host\r\nCall-ID: second\r\n\r\n")

# http: byte 0 picks the read sizes.
write("http-request", "get", b"\x00GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
      b"Cookie: SERVERID=a; b=c\r\nUser-Agent: fuzz\r\n\r\n")
write("http-request", "post-chunked-split", b"\x35POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      b"Content-Length: 5\r\nConnection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
write("http-request", "obs-fold", b"\x11GET http://x/y HTTP/1.0\r\nX: a\r\n  b\r\nHost:\r\n\r\n")
write("http-chunked", "two-chunks", b"\x00" b"5;ext=1\r\nhello\r\n1A\r\n" + b"z" * 26 + b"\r\n0\r\nT: v\r\n\r\n")
write("http-chunked", "split", b"\x12" b"3\r\nabc\r\n0\r\n\r\n")
write("http-response", "ok", b"\x00HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
write("http-response", "head-chunked", b"\x01HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
write("http-response", "no-length", b"\x00HTTP/1.0 304 Not Modified\r\nX: y\r\n\r\n")

# tls-client-hello: OpenSSL's hello (Tests/LVSContentSwitchTests/Fixtures) and a minimal one.
with open(os.path.join(os.path.dirname(ROOT), "..", "Tests", "LVSContentSwitchTests", "Fixtures",
                       "clienthello-openssl.bin"), "rb") as f:
    write("tls-client-hello", "openssl", f.read())
sni = b"www.example.com"
server_name = struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni
alpn_list = b"\x02h2\x08http/1.1"
extensions = (struct.pack("!HH", 0, len(server_name)) + server_name
              + struct.pack("!HHH", 16, len(alpn_list) + 2, len(alpn_list)) + alpn_list)
hello = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
         + struct.pack("!H", len(extensions)) + extensions)
handshake = b"\x01" + struct.pack("!I", len(hello))[1:] + hello
write("tls-client-hello", "minimal", b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake)
