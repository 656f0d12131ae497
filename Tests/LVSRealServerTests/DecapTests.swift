import Foundation
import LVSPacket
import Testing

/// End to end, as the kernel selftest's TUN mode does it (reference §9) but without the ipip
/// module: a "director" namespace sends IP-IP packets to a "real server" namespace prepared by
/// `lvs-realserver prepare --method tun` and running `lvs-realserver decap`; a socat listener on
/// VIP:8080 there must receive the payload of a TCP connection carried entirely in the tunnel,
/// and a tunnelled packet for a non-VIP inner destination must be dropped and counted.
@Suite(.serialized) struct DecapTests {
    static let vip = "207.175.44.110"
    static let director = "10.0.0.1"
    static let realServer = "10.0.0.2"
    /// The client lives beyond the director (routed back via 10.0.0.1), so the director
    /// namespace, which does not forward, neither answers nor resets the real server's replies.
    static let client = "10.9.0.2"

    @Test(.enabled(if: NamespaceSupport.shouldRun, "needs root, ip, /dev/net/tun and socat"))
    func tunnelledConnectionReachesTheListener() throws {
        let socat = HelperProcess.tool("socat")
        guard NamespaceSupport.requirementsMet(also: socat == nil ? "the decap test needs socat" : nil),
            let socat
        else { return }
        let suffix = NamespaceSupport.uniqueSuffix()
        let directorNS = try TestNamespace("lvsrs-d-\(suffix)")
        defer { directorNS.remove() }
        let serverNS = try TestNamespace("lvsrs-r-\(suffix)")
        defer { serverNS.remove() }
        let directorDevice = "vd\(suffix)"
        let serverDevice = "vr\(suffix)"
        let tunDevice = "lt\(suffix)"
        try IP.run(["-n", directorNS.name, "link", "add", directorDevice, "type", "veth", "peer", "name", serverDevice])
        try IP.run(["-n", directorNS.name, "link", "set", serverDevice, "netns", serverNS.name])
        try IP.run(["-n", directorNS.name, "address", "add", "\(Self.director)/24", "dev", directorDevice])
        try IP.run(["-n", serverNS.name, "address", "add", "\(Self.realServer)/24", "dev", serverDevice])
        try IP.run(["-n", directorNS.name, "link", "set", directorDevice, "up"])
        try IP.run(["-n", serverNS.name, "link", "set", serverDevice, "up"])
        try IP.run(["-n", serverNS.name, "route", "add", "10.9.0.0/24", "via", Self.director])

        let stateFile = "/tmp/lvsrs-state-\(suffix)"
        defer { try? FileManager.default.removeItem(atPath: stateFile) }
        let prepared = try HelperProcess.realServer(
            in: serverNS.name,
            ["prepare", "--vip", Self.vip, "--method", "tun", "--interface", serverDevice, "--state-file", stateFile])
        #expect(prepared.status == 0, "\(prepared.standardError)")

        let ip = try #require(HelperProcess.tool("ip"))
        let decap = try RunningProcess(
            ip, ["netns", "exec", serverNS.name, HelperProcess.executable(), "decap", "--vip", Self.vip, "--device", tunDevice])
        defer { decap.killIfRunning() }
        try #require(decap.waitForLine(startingWith: "ready:"), "decap did not start: \(decap.collected)")
        #expect(try IP.sysctl("net/ipv4/conf/\(tunDevice)/rp_filter", in: serverNS.name) == "0")

        let status = try HelperProcess.realServer(
            in: serverNS.name,
            ["status", "--vip", Self.vip, "--method", "tun", "--interface", serverDevice, "--device", tunDevice])
        #expect(status.status == 0, "\(status.standardOutput)")

        // socat -u exits after the client's FIN, with what it received on stdout.
        let listener = try RunningProcess(
            ip,
            [
                "netns", "exec", serverNS.name, "timeout", "20", socat, "-u",
                "TCP-LISTEN:8080,bind=\(Self.vip),reuseaddr", "STDOUT",
            ])
        defer { listener.killIfRunning() }

        let peer = try TunnelPeer(
            in: directorNS, device: directorDevice,
            endpoints: Tunnel.Endpoints(
                source: try #require(WireAddress(Self.director)), destination: try #require(WireAddress(Self.realServer))))
        let clientPort: UInt16 = 40_000
        let clientSequence: UInt32 = 1_000
        func segment(_ flags: TCPFlags, sequence: UInt32, acknowledgment: UInt32, payload: [UInt8] = []) -> [UInt8] {
            PacketBuilder.ip.ipv4(source: Self.client, destination: Self.vip)
                .tcp(
                    sourcePort: clientPort, destinationPort: 8080, flags: flags, sequence: sequence,
                    acknowledgment: acknowledgment
                )
                .payload(payload).build()
        }
        let vipAddress = try #require(WireAddress(Self.vip))
        let clientAddress = try #require(WireAddress(Self.client))
        func isReply(_ packet: ParsedPacket, _ header: TCPHeader) -> Bool {
            packet.source == vipAddress && packet.destination == clientAddress && header.sourcePort == 8080
                && header.destinationPort == clientPort
        }

        // The listener may not be bound yet: a RST (or silence) means try the SYN again.
        var synAttempts = 0
        var serverSequence: UInt32?
        while serverSequence == nil && synAttempts < 20 {
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
            inner: segment([.ack, .psh], sequence: clientSequence &+ 1, acknowledgment: serverISN &+ 1, payload: payload))
        try peer.send(
            inner: segment([.fin, .ack], sequence: clientSequence &+ 33, acknowledgment: serverISN &+ 1))
        // Signal 0 sends nothing: this only waits for socat to finish and collects its output.
        let received = listener.stop(signal: 0)
        #expect(Array(received.utf8) == payload)
        #expect(listener.process.terminationStatus == 0)

        // A tunnelled packet for an address that is not a VIP (here the real server's own) is
        // never handed to the stack.
        let relay = PacketBuilder.ip.ipv4(source: Self.client, destination: Self.realServer)
            .tcp(sourcePort: clientPort, destinationPort: 22, flags: [.syn]).build()
        try peer.send(inner: relay)
        // A non-tunnel payload under protocol 4 (a bare TCP header) is malformed: counted too.
        try peer.sendOuter(
            PacketBuilder.ip.ipv4(source: Self.director, destination: Self.realServer).rawProtocol(IPProtocolNumbers.ipip)
                .payload(segment([.syn], sequence: 1, acknowledgment: 0).withIPv4VersionCleared()).build())

        // A marker: a SYN to a closed port on the VIP. Its RST proves that decap has handled
        // everything sent before it (one socket, one queue, in order), so the counts are final.
        try peer.send(
            inner: PacketBuilder.ip.ipv4(source: Self.client, destination: Self.vip)
                .tcp(sourcePort: clientPort &+ 1, destinationPort: 8081, flags: [.syn]).build())
        let reset = peer.captureTCP(timeoutMilliseconds: 5_000) { packet, header in
            packet.source == vipAddress && header.sourcePort == 8081 && header.flags.contains(.rst)
        }
        #expect(reset != nil, "no RST for the marker SYN")

        let report = decap.stop()
        let injected = synAttempts + 3
        #expect(decap.process.terminationStatus == 0)
        #expect(
            report.contains(
                """
                stats: received \(injected + 2), injected \(injected), dropped 2
                  dropped 1: bad ip version
                  dropped 1: inner destination is not a configured VIP
                stopped by signal 15; removed \(tunDevice)
                """), "\(report)")
        let links = try IP.run(["-n", serverNS.name, "-o", "link", "show"])
        #expect(!links.contains(tunDevice), "the TUN device is gone after decap exits")

        let undone = try HelperProcess.realServer(in: serverNS.name, ["undo", "--state-file", stateFile])
        #expect(undone.status == 0)
    }
}

extension [UInt8] {
    /// The packet with its IP version nibble set to 0: a malformed inner packet.
    fileprivate func withIPv4VersionCleared() -> [UInt8] {
        var copy = self
        if !copy.isEmpty { copy[0] &= 0x0F }
        return copy
    }
}
