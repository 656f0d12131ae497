import Foundation
import LVSPacket
import Testing

/// End to end through the user-space decapsulator (see `TunnelTopology`): a TCP connection
/// carried entirely in IP-IP reaches a socat listener on VIP:8080, as in the kernel selftest's
/// TUN mode (reference §9); IPv6 inside IPv4 (protocol 41) reaches an IPv6 VIP; tunnelled
/// packets for a non-VIP destination, or malformed, are dropped and counted.
@Suite(.serialized) struct DecapTests {
    typealias Topology = TunnelTopology
    static let clientPort: UInt16 = 40_000

    /// The director's sender, with an IPv4 outer header (default) or an IPv6 one.
    static func peer(_ topology: Topology, outerIPv6: Bool = false) throws -> TunnelPeer {
        try TunnelPeer(
            in: topology.directorNS, device: topology.directorDevice,
            endpoints: Tunnel.Endpoints(
                source: try #require(WireAddress(outerIPv6 ? Topology.director6 : Topology.director)),
                destination: try #require(WireAddress(outerIPv6 ? Topology.realServer6 : Topology.realServer))))
    }

    @Test(.enabled(if: NamespaceSupport.shouldRun, "needs root, ip, /dev/net/tun and socat"))
    func tunnelledConnectionReachesTheListener() throws {
        let socat = HelperProcess.tool("socat")
        guard NamespaceSupport.requirementsMet(also: socat == nil ? "the decap test needs socat" : nil),
            let socat
        else { return }
        let topology = try Topology()
        defer { topology.tearDown() }
        let serverNS = topology.serverNS.name
        #expect(try IP.sysctl("net/ipv4/conf/\(topology.tunDevice)/rp_filter", in: serverNS) == "0")
        let status = try HelperProcess.realServer(
            in: serverNS,
            [
                "status", "--vip", Topology.vip, "--method", "tun", "--interface", topology.serverDevice, "--device",
                topology.tunDevice,
            ])
        #expect(status.status == 0, "\(status.standardOutput)")

        // socat -u writes what it receives to a file and exits after the client's FIN; with
        // -d -d it says on stderr when it listens.
        let receivedFile = "/tmp/lvsrs-received-\(topology.suffix)"
        defer { try? FileManager.default.removeItem(atPath: receivedFile) }
        let listener = try RunningProcess(
            #require(HelperProcess.tool("ip")),
            [
                "netns", "exec", serverNS, socat, "-d", "-d", "-u", "TCP-LISTEN:8080,bind=\(Topology.vip),reuseaddr",
                "CREATE:\(receivedFile)",
            ])
        defer { listener.killIfRunning() }
        try #require(
            listener.waitForOutput(containing: "listening on"), "socat did not listen: \(listener.collected)")

        let peer = try Self.peer(topology)
        let clientSequence: UInt32 = 1_000
        func segment(_ flags: TCPFlags, sequence: UInt32, acknowledgment: UInt32, payload: [UInt8] = []) -> [UInt8] {
            PacketBuilder.ip.ipv4(source: Topology.client, destination: Topology.vip)
                .tcp(
                    sourcePort: Self.clientPort, destinationPort: 8080, flags: flags, sequence: sequence,
                    acknowledgment: acknowledgment
                )
                .payload(payload).build()
        }
        let vipAddress = try #require(WireAddress(Topology.vip))
        let clientAddress = try #require(WireAddress(Topology.client))
        func isReply(_ packet: ParsedPacket, _ header: TCPHeader) -> Bool {
            packet.source == vipAddress && packet.destination == clientAddress && header.sourcePort == 8080
                && header.destinationPort == Self.clientPort
        }

        // A SYN or SYN-ACK may be lost only if something is badly wrong; retry a few times anyway.
        var synAttempts = 0
        var serverSequence: UInt32?
        while serverSequence == nil && synAttempts < 5 {
            synAttempts += 1
            try peer.send(inner: segment([.syn], sequence: clientSequence, acknowledgment: 0))
            if let reply = peer.captureTCP(timeoutMilliseconds: 1_000, where: isReply),
                reply.1.flags.contains([.syn, .ack]), reply.1.acknowledgmentNumber == clientSequence &+ 1
            {
                serverSequence = reply.1.sequenceNumber
            }
        }
        let serverISN = try #require(serverSequence, "no SYN-ACK from the VIP after \(synAttempts) SYNs")

        let payload = Array("lvs-realserver decap 32 bytes ok".utf8)
        #expect(payload.count == 32)
        try peer.send(
            inner: segment(
                [.ack, .psh], sequence: clientSequence &+ 1, acknowledgment: serverISN &+ 1, payload: payload))
        try peer.send(
            inner: segment([.fin, .ack], sequence: clientSequence &+ 33, acknowledgment: serverISN &+ 1))
        // Signal 0 sends nothing: this only waits for socat to finish and collects its output.
        listener.stop(signal: 0)
        #expect(listener.finishedInTime, "socat did not see the FIN")
        #expect(FileManager.default.contents(atPath: receivedFile).map(Array.init) == payload)
        #expect(listener.process.terminationStatus == 0)

        // A tunnelled packet for an address that is not a VIP (here the real server's own) is
        // never handed to the stack.
        try peer.send(
            inner: PacketBuilder.ip.ipv4(source: Topology.client, destination: Topology.realServer)
                .tcp(sourcePort: Self.clientPort, destinationPort: 22, flags: [.syn]).build())
        // Protocol 4 whose payload is not an IPv4 packet (version nibble 0) is malformed.
        try peer.sendOuter(
            PacketBuilder.ip.ipv4(source: Topology.director, destination: Topology.realServer)
                .rawProtocol(IPProtocolNumbers.ipip)
                .payload(segment([.syn], sequence: 1, acknowledgment: 0).withIPVersionCleared()).build())
        // A marker: a SYN to a closed port on the VIP. Its RST proves that decap has handled
        // everything sent before it (one socket, one queue, in order), so the counts are final.
        try peer.send(
            inner: PacketBuilder.ip.ipv4(source: Topology.client, destination: Topology.vip)
                .tcp(sourcePort: Self.clientPort &+ 1, destinationPort: 8081, flags: [.syn]).build())
        let reset = peer.captureTCP(timeoutMilliseconds: 5_000) { packet, header in
            packet.source == vipAddress && header.sourcePort == 8081 && header.flags.contains(.rst)
        }
        #expect(reset != nil, "no RST for the marker SYN")

        let report = topology.stopDecap()
        #expect(topology.decap?.finishedInTime == true)
        let injected = synAttempts + 3
        #expect(topology.decap?.process.terminationStatus == 0)
        #expect(
            report.contains(
                """
                stats: received \(injected + 2), injected \(injected), dropped 2
                  dropped 1: bad ip version
                  dropped 1: inner destination is not a configured VIP
                stopped by signal 15; removed \(topology.tunDevice)
                """), "\(report)")
        let links = try IP.run(["-n", serverNS, "-o", "link", "show"])
        #expect(!links.contains(topology.tunDevice), "the TUN device is gone after decap exits")

        let undone = try HelperProcess.realServer(in: serverNS, ["undo", "--state-file", topology.stateFile])
        #expect(undone.status == 0)
        #expect(try !IP.run(["-n", serverNS, "-o", "address", "show", "dev", "lo"]).contains(Topology.vip))
    }

    /// IPv6 inside IPv4 (outer protocol 41, the IPv4 raw socket) and inside IPv6 (the IPv6 raw
    /// socket, which delivers only the inner packet), and IPv4 inside IPv6: each inner SYN to a
    /// closed port on a VIP is injected and answered with a RST; one to a non-VIP is dropped.
    @Test(
        .enabled(if: NamespaceSupport.shouldRun, "needs root, ip and /dev/net/tun"),
        arguments: [(outerIPv6: false, innerIPv6: true), (true, true), (true, false)])
    func otherFamiliesReachTheVIP(outerIPv6: Bool, innerIPv6: Bool) throws {
        guard NamespaceSupport.requirementsMet() else { return }
        let topology = try Topology()
        defer { topology.tearDown() }
        let peer = try Self.peer(topology, outerIPv6: outerIPv6)
        let client = innerIPv6 ? Topology.client6 : Topology.client
        let vip = innerIPv6 ? Topology.vip6 : Topology.vip
        func syn(to destination: String) -> [UInt8] {
            let packet =
                innerIPv6
                ? PacketBuilder.ip.ipv6(source: client, destination: destination)
                : PacketBuilder.ip.ipv4(source: client, destination: destination)
            return packet.tcp(sourcePort: Self.clientPort, destinationPort: 8081, flags: [.syn]).build()
        }
        try peer.send(inner: syn(to: innerIPv6 ? Topology.realServer6 : Topology.realServer))
        try peer.send(inner: syn(to: vip))
        let vipAddress = try #require(WireAddress(vip))
        let clientAddress = try #require(WireAddress(client))
        let reset = peer.captureTCP(timeoutMilliseconds: 5_000) { packet, header in
            packet.source == vipAddress && packet.destination == clientAddress
                && header.destinationPort == Self.clientPort && header.flags.contains(.rst)
        }
        #expect(reset != nil, "no RST from the VIP \(vip)")
        let report = topology.stopDecap()
        #expect(
            report.contains(
                """
                stats: received 2, injected 1, dropped 1
                  dropped 1: inner destination is not a configured VIP
                """), "\(report)")
    }
}

extension [UInt8] {
    /// The packet with its IP version nibble set to 0: a malformed inner packet.
    fileprivate func withIPVersionCleared() -> [UInt8] {
        var copy = self
        if !copy.isEmpty { copy[0] &= 0x0F }
        return copy
    }
}
