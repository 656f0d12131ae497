# badpackets.py INTERFACE DST_MAC SRC_IP VIP TCPPORT UDPPORT [PROXY_VIP PROXY_PORT]: one round of
# malformed frames toward the virtual services (bench/soak.sh), written on an AF_PACKET socket so
# that nothing is corrected by the sender's kernel: bad IP and TCP/UDP checksums, truncated and
# overlong headers, impossible lengths, odd TCP flags and options, fragments, ICMP errors quoting
# garbage, runt frames. Prints one JSON object: frames sent by case.
import json, os, random, socket, struct, sys

ifname, dst_mac, src_ip, vip, tcp_port, udp_port = sys.argv[1:7]
proxy = (sys.argv[7], int(sys.argv[8])) if len(sys.argv) > 8 else None
tcp_port, udp_port = int(tcp_port), int(udp_port)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
src_mac = s.getsockname()[4]
eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip(payload, dst, proto=6, ihl=5, total=None, frag=0, check=True, version=4, options=b""):
    length = total if total is not None else ihl * 4 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, length & 0xFFFF,
                         random.randrange(65536), frag, 64, proto, 0,
                         socket.inet_aton(src_ip), socket.inet_aton(dst)) + options
    if check:
        header = header[:10] + struct.pack("!H", csum(header)) + header[12:]
    else:
        header = header[:10] + b"\x12\x34" + header[12:]
    return header + payload


def tcp(dst, dport, flags, doff=5, options=b"", data=b"", good=True):
    sport = random.randrange(20000, 60000)
    header = struct.pack("!HHIIBBHHH", sport, dport, random.randrange(1 << 32), 0, doff << 4, flags,
                         65535, 0, 0) + options
    pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(header + data))
    check = csum(pseudo + header + data) if good else 0xBEEF
    return header[:16] + struct.pack("!H", check) + header[18:] + data


def udp(dst, dport, data=b"x", length=None, good=True):
    sport = random.randrange(20000, 60000)
    n = length if length is not None else 8 + len(data)
    header = struct.pack("!HHHH", sport, dport, n & 0xFFFF, 0)
    pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, 8 + len(data))
    check = csum(pseudo + header + data) if good else 0xBEEF
    return header[:6] + struct.pack("!H", check or 0xFFFF) + data


def frames(dst, port):
    syn = 0x02
    yield "tcp_bad_checksum", ip(tcp(dst, port, syn, good=False), dst)
    yield "tcp_truncated_header", ip(tcp(dst, port, syn)[:12], dst)
    yield "tcp_doff_too_small", ip(tcp(dst, port, syn, doff=2), dst)
    yield "tcp_doff_past_end", ip(tcp(dst, port, syn, doff=15), dst)
    yield "tcp_options_zero_length", ip(tcp(dst, port, syn, doff=8, options=b"\x02\x00\x08\x01\x03\x00\x00\x00" + b"\x05\x00\x00\x00"), dst)
    yield "tcp_options_overrun", ip(tcp(dst, port, syn, doff=6, options=b"\x08\x28\x00\x00"), dst)
    for name, flags in (("syn_fin", 0x03), ("syn_rst", 0x06), ("null", 0x00), ("xmas", 0xFF),
                        ("lone_ack", 0x10), ("lone_rst", 0x04), ("lone_fin", 0x01), ("ack_data", 0x18)):
        yield "tcp_flags_" + name, ip(tcp(dst, port, flags, data=b"GET / HTTP/1.0\r\n" if flags == 0x18 else b""), dst)
    segment = tcp(dst, port, syn, data=b"A" * 64)
    yield "frag_first", ip(segment[:16], dst, frag=0x2000)
    yield "frag_middle", ip(segment[16:40], dst, frag=0x2000 | 2)
    yield "frag_last", ip(segment[40:], dst, frag=5)
    yield "frag_tiny_offset_1", ip(segment[8:], dst, frag=1)
    yield "frag_past_64k", ip(b"B" * 64, dst, frag=0x1FFF)
    yield "ip_bad_checksum", ip(tcp(dst, port, syn), dst, check=False)
    yield "ip_ihl_too_small", ip(tcp(dst, port, syn), dst, ihl=3)
    yield "ip_ihl_past_end", ip(tcp(dst, port, syn)[:4], dst, ihl=15)
    yield "ip_total_too_long", ip(tcp(dst, port, syn), dst, total=1400)
    yield "ip_total_too_short", ip(tcp(dst, port, syn), dst, total=12)
    yield "ip_version_6", ip(tcp(dst, port, syn), dst, version=6)
    yield "ip_options_garbage", ip(tcp(dst, port, syn), dst, ihl=7, options=b"\x44\x02\x00\x00\x07\xff\x00\x00")
    yield "runt_frame", ip(b"", dst)[:9]


def udp_frames(dst, port):
    yield "udp_bad_checksum", ip(udp(dst, port, good=False), dst, proto=17)
    yield "udp_length_too_long", ip(udp(dst, port, length=600), dst, proto=17)
    yield "udp_length_too_short", ip(udp(dst, port, length=3), dst, proto=17)
    yield "udp_truncated_header", ip(udp(dst, port)[:5], dst, proto=17)
    yield "udp_fragment", ip(udp(dst, port, data=b"C" * 40)[:16], dst, proto=17, frag=0x2000)
    quoted = ip(tcp(dst, port, 0x12)[:8], dst)
    yield "icmp_unreachable_quoting_flow", ip(b"\x03\x03\x00\x00\x00\x00\x00\x00" + quoted, dst, proto=1)
    yield "icmp_truncated_quote", ip(b"\x03\x04\x00\x00\x00\x00\x05\xdc" + quoted[:10], dst, proto=1)
    yield "icmp_garbage", ip(b"\x0b\x00" + os.urandom(30), dst, proto=1)


sent = {}
targets = [(vip, tcp_port)] + ([proxy] if proxy else [])
for _ in range(3):
    batch = [item for dst, port in targets for item in frames(dst, port)] + list(udp_frames(vip, udp_port))
    for name, packet in batch:
        try:
            s.send(eth + packet)
            sent[name] = sent.get(name, 0) + 1
        except OSError:
            sent["send_error"] = sent.get("send_error", 0) + 1
print(json.dumps({"frames": sum(v for k, v in sent.items() if k != "send_error"), "cases": sent}), flush=True)
