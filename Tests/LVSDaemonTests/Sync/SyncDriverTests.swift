import LVSCore
import LVSSync
import Testing

@testable import LVSDaemon

/// The sync driver's pure parts: the kernel's placement of an IPV6 firewall-mark template's
/// mark, and which daemons a transaction starts, stops and replaces.
@Suite("sync driver: wire mapping and daemon changes")
struct SyncDriverTests {
    static func template(_ virtual: IPAddress) -> SyncedConnection {
        SyncedConnection(
            protocolNumber: .ip, flags: SyncedConnectionFlags(forwarding: .directRouting, other: .template), state: 1,
            clientAddress: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 7), clientPort: 0,
            virtualAddress: virtual, virtualPort: 0,
            destinationAddress: IPAddress(ipv6High: 0xFD00_0000_0000_0000, low: 2), destinationPort: 0,
            firewallMark: 5, timeout: 360)
    }

    @Test("an IPv6 mark template carries the mark in the address's first word on the wire, and back")
    func ipv6MarkTemplate() throws {
        let local = Self.template(IPAddress(ipv6High: 0, low: 5))
        let wire = SyncWireMapping.toWire(local)
        #expect(wire.virtualAddress == IPAddress(ipv6High: 5 << 32, low: 0))
        #expect(SyncWireMapping.fromWire(wire) == local)
        // Encoded, the mark is the first four bytes of the virtual address (offset 40).
        let bytes = try SyncMessage(syncID: 0, connections: [wire]).encoded()
        #expect(Array(bytes[8 + 40..<8 + 44]) == [0, 0, 0, 5])
    }

    @Test("IPv4 templates and connections pass unchanged")
    func othersUnchanged() {
        var four = Self.template(IPAddress(ipv4: 5))
        four.clientAddress = IPAddress(ipv4: 0x0A00_0001)
        four.destinationAddress = IPAddress(ipv4: 0x0A00_0002)
        #expect(SyncWireMapping.toWire(four) == four && SyncWireMapping.fromWire(four) == four)
        var connection = Self.template(IPAddress(ipv6High: 1, low: 2))
        connection.flags = SyncedConnectionFlags(forwarding: .masquerading)
        connection.protocolNumber = .tcp
        #expect(SyncWireMapping.toWire(connection) == connection)
    }

    @Test("a transaction's daemons: new ones start, gone ones stop, a changed one replaces its role's")
    func changes() {
        let master = SyncDaemonConfig(role: .master, multicastInterface: "eth1", syncID: 1)
        let backup = SyncDaemonConfig(role: .backup, multicastInterface: "eth1", syncID: 1)
        var changedMaster = master
        changedMaster.syncID = 2
        let start = SyncDaemonChange(from: [], to: [master, backup])
        #expect(start.started == [master, backup] && start.stopped.isEmpty && start.replaced.isEmpty)
        let stop = SyncDaemonChange(from: [master, backup], to: [backup])
        #expect(stop.started.isEmpty && stop.stopped == [master] && stop.replaced.isEmpty)
        let replace = SyncDaemonChange(from: [master, backup], to: [changedMaster, backup])
        #expect(replace.started == [changedMaster] && replace.stopped.isEmpty && replace.replaced == [master])
        #expect(SyncDaemonChange(from: [master], to: [master]).started.isEmpty)
    }

    @Test("a key file's key id is the first four bytes of its SHA-256, the same on every director")
    func keyIdentity() {
        let secret = [UInt8]("a shared secret of some length".utf8)
        let key = SyncTuning.key(secret: secret)
        let digest = SHA256.digest(secret)
        #expect(
            key.id == UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3]))
        #expect(key.secret == secret && SyncTuning.key(secret: secret) == key)
    }
}
