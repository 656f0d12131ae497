import Glibc
import LVSCore
import LVSSync
import Testing

@testable import LVSSyncTransport

/// Sync messages between a master and a backup in two namespaces (SyncLab): they arrive, decode
/// with the master's address, and carry what reference §7.1 puts in the headers.
@Suite("Sync sockets", .serialized)
struct SyncSocketTests {
    static let masterIPv4 = IPAddress(ipv4: 0x0A4E_0001)
    static let masterIPv6 = IPAddress(ipv6High: 0xFD00_0078_0000_0000, low: 1)
    static let ipv6Group = IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 0x81)

    static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
        IPAddress(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    static let connection = SyncedConnection(
        protocolNumber: .tcp, flags: SyncedConnectionFlags(forwarding: .directRouting), state: 1,
        clientAddress: ipv4(192, 0, 2, 10), clientPort: 40000, virtualAddress: ipv4(198, 51, 100, 1), virtualPort: 80,
        destinationAddress: ipv4(10, 0, 0, 2), destinationPort: 8080, timeout: 900)
    static let ipv6Connection = SyncedConnection(
        protocolNumber: .udp, flags: SyncedConnectionFlags(forwarding: .masquerading), state: 0,
        clientAddress: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), clientPort: 5353,
        virtualAddress: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x100), virtualPort: 53,
        destinationAddress: IPAddress(ipv6High: 0x2001_0DB8_0001_0000, low: 2), destinationPort: 53, timeout: 300)

    /// The next datagram on `receiver`, waiting at most `milliseconds`.
    static func receive(
        _ receiver: SyncReceiver, milliseconds: Int32 = 5000
    ) throws -> (bytes: [UInt8], sender: IPAddress)? {
        var buffer = [UInt8](repeating: 0, count: receiver.interface.backupMaximumLength(groupFamily: .inet))
        guard SyncLab.waitReadable(receiver.fd, milliseconds: milliseconds),
            let (count, sender) = try receiver.receive(into: &buffer)
        else { return nil }
        return (Array(buffer[0..<count]), sender)
    }

    @Test func anIPv4MessageArrivesOnTheDefaultGroupAndDecodesWithTheMastersAddress() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let receiver = try lab.inside(lab.backup) { try SyncReceiver(.init(interfaceName: "sb", syncID: 7)) }
        let sender = try lab.inside(lab.master) { try SyncSender(.init(interfaceName: "sm", syncID: 7)) }
        #expect(sender.configuration.group == IPAddress("224.0.0.81"))
        #expect(sender.configuration.port == 8848)
        #expect(sender.sourceAddress == Self.masterIPv4)
        #expect(receiver.interface.mtu == 1500)
        #expect(receiver.interface.backupMaximumLength(groupFamily: .inet) == 1472)

        let message = try SyncMessage(syncID: 7, connections: [Self.connection, Self.connection]).encoded()
        #expect(sender.send(message))
        #expect(sender.counters.sent == 1)
        let (bytes, from) = try #require(try Self.receive(receiver))
        #expect(from == Self.masterIPv4)
        let decoded = SyncMessage.decode(bytes, backupSyncID: 7)
        #expect(decoded.messageDrop == nil)
        #expect(decoded.connections == [Self.connection, Self.connection])
        // Nothing else waits: one send, one datagram.
        var buffer = [UInt8](repeating: 0, count: 1472)
        #expect(try receiver.receive(into: &buffer) == nil)
    }

    @Test func anIPv6GroupCarriesTheMessageFromTheFirstGlobalAddressWithHopLimitOne() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let configuration = SyncTransportConfiguration(interfaceName: "sb", group: Self.ipv6Group)
        let (receiver, capture) = try lab.inside(lab.backup) {
            (try SyncReceiver(configuration), try WireCapture(interface: "sb"))
        }
        let sender = try lab.inside(lab.master) {
            try SyncSender(.init(interfaceName: "sm", group: Self.ipv6Group))
        }
        #expect(sender.sourceAddress == Self.masterIPv6)

        let message = try SyncMessage(syncID: 0, connections: [Self.ipv6Connection]).encoded()
        #expect(sender.send(message))
        let wire = try #require(capture.nextUDP(toPort: 8848))
        #expect(wire.ipVersion == 6)
        #expect(wire.hopLimit == 1)
        #expect(wire.sourcePort == sender.sourcePort)
        #expect(wire.payload == message)
        let (bytes, from) = try #require(try Self.receive(receiver))
        #expect(from == Self.masterIPv6)
        #expect(SyncMessage.decode(bytes).connections == [Self.ipv6Connection])
    }

    @Test func withoutAGlobalIPv6AddressTheMasterSendsFromItsLinkLocalOne() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        try lab.ip(lab.master, "-6 addr del fd00:78::1/64 dev sm")
        let receiver = try lab.inside(lab.backup) {
            try SyncReceiver(.init(interfaceName: "sb", group: Self.ipv6Group))
        }
        let sender = try lab.inside(lab.master) { try SyncSender(.init(interfaceName: "sm", group: Self.ipv6Group)) }
        #expect(sender.sourceAddress.isIPv6LinkLocal)
        let message = try SyncMessage(syncID: 0, connections: [Self.ipv6Connection]).encoded()
        #expect(sender.send(message))
        let (bytes, from) = try #require(try Self.receive(receiver))
        #expect(from == sender.sourceAddress)
        #expect(bytes == message)
    }

    @Test func onTheWireTTLIsAsConfiguredDFIsClearAndThreadIUsesPortBasePlusI() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let (thread3, thread0, capture) = try lab.inside(lab.backup) {
            (
                try SyncReceiver(.init(interfaceName: "sb", threadIndex: 3)),
                try SyncReceiver(.init(interfaceName: "sb", threadIndex: 0)), try WireCapture(interface: "sb")
            )
        }
        let (defaultTTL, ttl5) = try lab.inside(lab.master) {
            (
                try SyncSender(.init(interfaceName: "sm", threadIndex: 3)),
                try SyncSender(.init(interfaceName: "sm", ttl: 5, threadIndex: 3, socketBufferSize: 65536))
            )
        }
        #expect(defaultTTL.configuration.port == 8851)
        let message = try SyncMessage(version: .v0, syncID: 1, connections: [Self.connection]).encoded()

        #expect(defaultTTL.send(message))
        let first = try #require(capture.nextUDP(toPort: 8851))
        #expect(first.ipVersion == 4)
        #expect(first.hopLimit == 1)
        #expect(!first.dontFragment)
        #expect(first.sourcePort == defaultTTL.sourcePort)
        #expect(first.payload == message)

        #expect(ttl5.send(message))
        let second = try #require(capture.nextUDP(toPort: 8851))
        #expect(second.hopLimit == 5)
        #expect(!second.dontFragment)

        // Thread 3's receiver has both; thread 0's port saw nothing.
        #expect(try Self.receive(thread3)?.bytes == message)
        #expect(try Self.receive(thread3)?.bytes == message)
        var buffer = [UInt8](repeating: 0, count: 1472)
        #expect(try thread0.receive(into: &buffer) == nil)
    }

    @Test func theMasterDoesNotReceiveItsOwnMessages() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let remote = try lab.inside(lab.backup) { try SyncReceiver(.init(interfaceName: "sb")) }
        let (local, sender) = try lab.inside(lab.master) {
            (try SyncReceiver(.init(interfaceName: "sm")), try SyncSender(.init(interfaceName: "sm")))
        }
        let message = try SyncMessage(syncID: 0, connections: [Self.connection]).encoded()
        #expect(sender.send(message))
        // The backup has it, so it was sent; a looped copy would have been queued locally by now.
        #expect(try Self.receive(remote)?.bytes == message)
        #expect(try Self.receive(local, milliseconds: 300) == nil)
    }

    @Test func closingTwiceIsHarmlessAndAClosedSocketFailsCleanly() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let (receiver, sender) = try lab.inside(lab.master) {
            (try SyncReceiver(.init(interfaceName: "sm")), try SyncSender(.init(interfaceName: "sm")))
        }
        receiver.close()
        receiver.close()
        sender.close()
        sender.close()
        #expect(receiver.fd == -1 && sender.fd == -1)
        #expect(!sender.send([1, 2, 3]))
        #expect(sender.counters.failed == 1)
        #expect(sender.counters.lastErrorCode == EBADF)
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SyncTransportError.self) { try receiver.receive(into: &buffer) }
        #expect(error?.code == EBADF)
        // The port is free again: a new receiver binds it.
        let again = try lab.inside(lab.master) { try SyncReceiver(.init(interfaceName: "sm")) }
        #expect(again.fd >= 0)
    }
}
