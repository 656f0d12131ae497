import LVSCore
import LVSPacket
import LVSPacketEngine

/// The packet engine's forwarding path on crafted frames, as PacketForwarderTests drives it: a
/// real `Director`, the forwarder, a neighbour cache, no sockets and no rings.
///
/// Topology: interface 0 (10.0.0.1/24, 2001:db8:a::1/64) faces clients, interface 1
/// (172.16.0.1/24, 2001:db8:b::1/64) the real servers. Virtual services on 207.175.44.110: TCP
/// 8080 masquerading, 8081 direct routing, 8082 tunnelling, 21 masquerading with the FTP helper,
/// UDP 5060 masquerading with SIP persistence; TCP [2001:db8:a::110]:8080 masquerading.
///
/// Input: a sequence of records, each `flags, length (2 bytes, big-endian), [10-byte virtio-net
/// header if flags bit 1], frame`. Flags bit 0: ingress interface; bit 2: a frame the NIC passed
/// only in promiscuous mode. Records share one director, so a SYN can open the connection entry
/// that a later ICMP error, FTP reply or SIP message refers to.
enum ForwarderHarness {
    static let vip = IPAddress(ipv4: 0xCFAF_2C6E)
    static let vip6 = IPAddress(ipv6High: 0x2001_0db8_000a_0000, low: 0x110)
    static let realServers = [
        IPAddress(ipv4: 0xAC10_0002), IPAddress(ipv4: 0xAC10_0003), IPAddress(ipv4: 0xAC10_0004),
    ]
    static let realServer6 = IPAddress(ipv6High: 0x2001_0db8_000b_0000, low: 2)
    static let maximumFrames = 16

    static func run(_ bytes: [UInt8]) {
        guard let director = try? director() else { return }
        let interfaces = [
            NetworkInterface(
                name: "veth10", index: 2, mac: MACAddress(0x02, 0, 0, 0, 0, 0x10), mtu: 1500,
                addresses: [
                    Prefix(address: IPAddress(ipv4: 0x0A00_0001), length: 24),
                    Prefix(address: IPAddress(ipv6High: 0x2001_0db8_000a_0000, low: 1), length: 64),
                ]),
            NetworkInterface(
                name: "veth12", index: 3, mac: MACAddress(0x02, 0, 0, 0, 0, 0x12), mtu: 1500,
                addresses: [
                    Prefix(address: IPAddress(ipv4: 0xAC10_0001), length: 24),
                    Prefix(address: IPAddress(ipv6High: 0x2001_0db8_000b_0000, low: 1), length: 64),
                ]),
        ]
        let routes = RouteTable.build(interfaces: interfaces, ipv4Routes: "", ipv6Routes: "")
        var forwarder = PacketForwarder(
            interfaces: interfaces, routes: routes,
            plan: ForwardingPlan(director.configuration, ftpPorts: director.ftpPorts))
        var neighbours = NeighbourCache()
        let start = MonotonicInstant(nanoseconds: 0)
        for (index, server) in (realServers + [realServer6]).enumerated() {
            neighbours.learn(server, mac: MACAddress(0x02, 0, 0, 0, 0, UInt8(0x22 + index)), now: start)
        }
        let scratchMemory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { scratchMemory.deallocate() }
        var cursor = bytes[...]
        var frames = 0
        while frames < maximumFrames, cursor.count >= 3 {
            let flags = cursor[cursor.startIndex]
            let length = Int(cursor[cursor.startIndex + 1]) << 8 | Int(cursor[cursor.startIndex + 2])
            cursor = cursor.dropFirst(3)
            var offload = PacketOffload.none
            if flags & 0x02 != 0 {
                guard cursor.count >= PacketOffload.length else { return }
                offload = Array(cursor.prefix(PacketOffload.length)).withUnsafeBytes { header in
                    header.baseAddress.map { PacketOffload(reading: $0) } ?? .none
                }
                cursor = cursor.dropFirst(PacketOffload.length)
            }
            let frame = Array(cursor.prefix(length))
            cursor = cursor.dropFirst(length)
            frames += 1
            var scratch = PacketBuffer(storage: scratchMemory, start: 64, count: 0)
            let now = MonotonicInstant(nanoseconds: UInt64(frames) * 1_000_000)
            // A ring slot has room before and after the frame (tunnelling prepends, FTP grows).
            _ = PacketBuffer.withCopy(of: frame, headroom: 128, tailroom: 128) { buffer in
                forwarder.forward(
                    &buffer, ingress: Int(flags & 0x01), forHost: flags & 0x04 == 0, offload: offload,
                    decider: director, neighbours: &neighbours, now: now, scratch: &scratch)
            }
        }
    }

    static func director() throws -> Director {
        let director = Director(seed: 1)
        let start = MonotonicInstant(nanoseconds: 0)
        func service(_ proto: IPProtocolNumber, _ address: IPAddress, _ port: UInt16) -> VirtualServiceID {
            VirtualServiceID(protocol: proto, address: address, port: port)
        }
        let nat = service(.tcp, vip, 8080)
        let directRouting = service(.tcp, vip, 8081)
        let tunnelling = service(.tcp, vip, 8082)
        let ftp = service(.tcp, vip, 21)
        let sip = service(.udp, vip, 5060)
        let nat6 = service(.tcp, vip6, 8080)
        try director.apply(
            batch: [
                .addService(VirtualServiceConfig(id: nat, scheduler: "rr")),
                .addRealServer(nat, RealServerConfig(address: realServers[0], port: 8080, forwarding: .masquerading)),
                .addService(VirtualServiceConfig(id: directRouting, scheduler: "rr")),
                .addRealServer(
                    directRouting, RealServerConfig(address: realServers[1], port: 8081, forwarding: .directRouting)),
                .addService(VirtualServiceConfig(id: tunnelling, scheduler: "rr")),
                .addRealServer(
                    tunnelling, RealServerConfig(address: realServers[2], port: 8082, forwarding: .tunnelling)),
                .addService(VirtualServiceConfig(id: ftp, scheduler: "rr")),
                .addRealServer(ftp, RealServerConfig(address: realServers[0], port: 21, forwarding: .masquerading)),
                .addService(
                    VirtualServiceConfig(
                        id: sip, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: true,
                        persistenceEngine: "sip")),
                .addRealServer(sip, RealServerConfig(address: realServers[0], port: 5060, forwarding: .masquerading)),
                .addService(VirtualServiceConfig(id: nat6, scheduler: "rr")),
                .addRealServer(nat6, RealServerConfig(address: realServer6, port: 8080, forwarding: .masquerading)),
            ], now: start)
        return director
    }
}
