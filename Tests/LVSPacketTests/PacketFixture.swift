import Foundation
import LVSPacket

/// One packet test as data (katran style): a frame, an operation of the engine, the expected
/// frame and verdict. Stored in Fixtures/*.json as an array of these objects:
///
///     { "description": "...", "operation": "dnat", "arguments": {"address": "10.0.0.5", "port": "8080"},
///       "input": "<frame hex>", "expected": "<frame hex, empty when dropped>", "verdict": "forward" }
///
/// Verdicts: "forward" (the rewritten frame goes out), "reply" (the expected frame is an answer
/// to the sender: ICMP error or ARP reply), "drop: <PacketError.reason>".
struct PacketFixture: Codable, Equatable {
    var description: String
    var operation: String
    var arguments: [String: String]
    var input: String
    var expected: String
    var verdict: String
}

/// Runs fixture operations the way the packet engine will chain the library's calls.
enum FixtureRunner {
    /// The output frame (hex) and verdict of `fixture.operation` on `fixture.input`.
    static func run(_ fixture: PacketFixture) -> (output: String, verdict: String) {
        guard let input = bytes(hex: fixture.input) else { return ("", "bad fixture: input hex") }
        do throws(PacketError) {
            let (output, verdict) = try PacketBuffer.withCopy(of: input, headroom: 64, tailroom: 1600) {
                (buffer) throws(PacketError) -> ([UInt8], String) in
                try perform(fixture.operation, fixture.arguments, &buffer)
            }
            return (hex(output), verdict)
        } catch {
            return ("", "drop: " + error.reason)
        }
    }

    static func perform(
        _ operation: String, _ arguments: [String: String], _ buffer: inout PacketBuffer
    ) throws(PacketError) -> ([UInt8], String) {
        let frame = try parseFrame(buffer)
        func address(_ key: String) -> WireAddress {
            arguments[key].flatMap { WireAddress($0) } ?? WireAddress(ipv4: 0)
        }
        func mac(_ key: String) -> MACAddress { arguments[key].flatMap { MACAddress($0) } ?? .zero }
        func number(_ key: String) -> Int { arguments[key].flatMap { Int($0) } ?? 0 }
        if operation == "arp" {
            guard let arp = frame.arp else { throw .unsupportedARP }
            try ARPPacket.answerInPlace(buffer, ethernet: frame.ethernet, request: arp, with: mac("mac"))
            return (buffer.bytes, "reply")
        }
        guard var packet = frame.packet else { throw .unsupportedProtocol }
        switch operation {
        case "parse":
            return (buffer.bytes, "forward")
        case "dnat", "snat":
            try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
            try NATRewrite.rewrite(
                operation == "dnat" ? .destination : .source, in: buffer, packet: &packet, address: address("address"),
                port: UInt16(truncatingIfNeeded: number("port")))
            return (buffer.bytes, "forward")
        case "dr":
            try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
            try EthernetHeader.setDestination(mac("mac"), in: buffer)
            try EthernetHeader.setSource(mac("source-mac"), in: buffer)
            return (buffer.bytes, "forward")
        case "ipip":
            try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
            try buffer.removeFront(frame.l3Offset)
            try buffer.setCount(packet.l3Length)
            let inner = try ParsedPacket.parse(buffer, at: 0, end: buffer.count).network
            var id = UInt16(truncatingIfNeeded: number("id"))
            let outer = try Tunnel.encapsulate(
                &buffer, inner: inner, endpoints: .init(source: address("source"), destination: address("destination")),
                identification: &id)
            try EthernetHeader(
                destination: mac("mac"), source: mac("source-mac"),
                etherType: outer.isIPv6 ? EtherType.ipv6 : EtherType.ipv4
            ).prepend(to: &buffer)
            return (buffer.bytes, "forward")
        case "decap":
            try buffer.removeFront(frame.l3Offset)
            let result = try Tunnel.decapsulate(&buffer)
            var ethernet = frame.ethernet
            ethernet.etherType = result.inner.isIPv6 ? EtherType.ipv6 : EtherType.ipv4
            try ethernet.prepend(to: &buffer)
            return (buffer.bytes, "forward")
        case "mtu", "port-unreachable", "time-exceeded":
            let kind: ICMPErrorBuilder.Kind
            switch operation {
            case "mtu":
                guard ICMPErrorBuilder.needsTooBig(packet: packet, length: packet.l3Length, mtu: number("mtu")) else {
                    return (buffer.bytes, "forward")
                }
                kind = .tooBig(mtu: UInt32(truncatingIfNeeded: number("mtu")))
            case "port-unreachable": kind = .portUnreachable
            default: kind = .timeExceeded
            }
            return try PacketBuffer.withCopy(of: [], headroom: 18, tailroom: 1400) {
                (output) throws(PacketError) -> ([UInt8], String) in
                try ICMPErrorBuilder.build(
                    kind, offending: buffer, packet: packet, source: address("source"), into: &output)
                try EthernetHeader(
                    destination: frame.ethernet.source, source: frame.ethernet.destination,
                    vlanTag: frame.ethernet.vlanTag,
                    etherType: frame.ethernet.etherType
                ).prepend(to: &output)
                return (output.bytes, "reply")
            }
        default:
            throw .unsupportedProtocol
        }
    }
}
