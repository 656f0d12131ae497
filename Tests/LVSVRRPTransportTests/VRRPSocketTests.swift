import Glibc
import LVSCore
import LVSPacket
import Testing

@testable import LVSVRRPTransport

/// Advertisement bytes between two routers in namespaces (VRRPLab): multicast and unicast,
/// IPv4 and IPv6, with the facts the receive checks need.
@Suite("VRRPSocket", .serialized)
struct VRRPSocketTests {
    /// A VRRPv2-shaped message (the codec's job; the socket moves any bytes).
    static let advert: [UInt8] = [0x21, 51, 100, 1, 0, 1, 0xAB, 0xCD, 10, 77, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0]
    static let a4 = IPAddress(ipv4: 0x0A4D_0001)
    static let b4 = IPAddress(ipv4: 0x0A4D_0002)
    static let a6LinkLocal = IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: 0xA)
    static let a6 = IPAddress(ipv6High: 0xFD00_0077_0000_0000, low: 1)
    static let b6 = IPAddress(ipv6High: 0xFD00_0077_0000_0000, low: 2)

    static func ipv4Packet(from source: IPAddress, to destination: IPAddress, ttl: UInt8) -> [UInt8] {
        PacketBuilder.ip
            .ipv4(
                source: WireAddress(ipv4: source.ipv4Value), destination: WireAddress(ipv4: destination.ipv4Value),
                ttl: ttl
            )
            .rawProtocol(112).payload(advert).build()
    }

    @Test func ipv4MulticastArrivesWithTheSendersTTLSourceAndGroup() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let receiver = try lab.inside(lab.b) { try VRRPSocket(.init(interfaceName: "vb", family: .inet)) }
        let sender = try lab.inside(lab.a) { try VRRPSocket(.init(interfaceName: "va", family: .inet)) }
        let group = VRRPSocketConfiguration.ipv4Group
        #expect(sender.destinations == [group])

        try sender.send(Self.ipv4Packet(from: Self.a4, to: group, ttl: 255), to: group)
        let packet = try #require(try receiver.receive(timeoutMilliseconds: 5000))
        #expect(packet.hopLimit == 255)
        #expect(packet.source == Self.a4)
        #expect(packet.destination == group)
        #expect(packet.interfaceIndex == receiver.interfaceIndex)
        // Raw IPv4 sockets deliver the header: 20 bytes, protocol 112, then the message.
        #expect(packet.bytes.count == 20 + Self.advert.count)
        #expect(packet.bytes[9] == 112)
        #expect(Array(packet.bytes.dropFirst(20)) == Self.advert)

        // The TTL reported is the packet's, not an assumption: a forwarded-looking 64 shows as 64.
        try sender.send(Self.ipv4Packet(from: Self.a4, to: group, ttl: 64), to: group)
        let second = try #require(try receiver.receive(timeoutMilliseconds: 5000))
        #expect(second.hopLimit == 64)
    }

    @Test func ipv6MulticastArrivesWithHopLimit255FromTheLinkLocalSource() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let receiver = try lab.inside(lab.b) { try VRRPSocket(.init(interfaceName: "vb", family: .inet6)) }
        let sender = try lab.inside(lab.a) {
            try VRRPSocket(.init(interfaceName: "va", family: .inet6, source: Self.a6LinkLocal))
        }
        let group = VRRPSocketConfiguration.ipv6Group
        try sender.send(Self.advert, to: group)
        let packet = try #require(try receiver.receive(timeoutMilliseconds: 5000))
        #expect(packet.bytes == Self.advert)
        #expect(packet.hopLimit == 255)
        #expect(packet.source == Self.a6LinkLocal)
        #expect(packet.destination == group)
        #expect(packet.interfaceIndex == receiver.interfaceIndex)
    }

    @Test func ipv4UnicastGoesToThePeer() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let receiver = try lab.inside(lab.b) {
            try VRRPSocket(.init(interfaceName: "vb", family: .inet, unicastPeers: [Self.a4], source: Self.b4))
        }
        let sender = try lab.inside(lab.a) {
            try VRRPSocket(.init(interfaceName: "va", family: .inet, unicastPeers: [Self.b4], source: Self.a4))
        }
        #expect(sender.destinations == [Self.b4])
        try sender.send(Self.ipv4Packet(from: Self.a4, to: Self.b4, ttl: 255), to: Self.b4)
        let packet = try #require(try receiver.receive(timeoutMilliseconds: 5000))
        #expect(packet.source == Self.a4)
        #expect(packet.destination == Self.b4)
        #expect(packet.hopLimit == 255)
        #expect(Array(packet.bytes.dropFirst(20)) == Self.advert)
    }

    @Test func ipv6UnicastGoesToThePeerWithHopLimit255() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let receiver = try lab.inside(lab.b) {
            try VRRPSocket(.init(interfaceName: "vb", family: .inet6, unicastPeers: [Self.a6], source: Self.b6))
        }
        let sender = try lab.inside(lab.a) {
            try VRRPSocket(.init(interfaceName: "va", family: .inet6, unicastPeers: [Self.b6], source: Self.a6))
        }
        try sender.send(Self.advert, to: Self.b6)
        let packet = try #require(try receiver.receive(timeoutMilliseconds: 5000))
        #expect(packet.bytes == Self.advert)
        #expect(packet.source == Self.a6)
        #expect(packet.destination == Self.b6)
        #expect(packet.hopLimit == 255)
    }

    @Test func anIPv6MulticastSourceMustBeLinkLocal() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let error = try lab.inside(lab.a) {
            #expect(throws: VRRPTransportError.self) {
                try VRRPSocket(.init(interfaceName: "va", family: .inet6, source: Self.a6))
            }
        }
        #expect(error?.description.contains("link-local") == true)
    }

    @Test func aMissingInterfaceIsENODEV() throws {
        let error = #expect(throws: VRRPTransportError.self) {
            try VRRPSocket(.init(interfaceName: "lvsnosuch0", family: .inet))
        }
        #expect(error?.code == ENODEV)
    }
}
