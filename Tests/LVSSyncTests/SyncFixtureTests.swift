import LVSCore
import Testing

@testable import LVSSync

/// The golden messages of `SyncFixtures` decode to their connections and encode back to the
/// same bytes (reference §7.3, §7.4).
@Suite struct SyncFixtureTests {
    @Test func v1IPv4WithoutOptionsDecodes() {
        let decoding = SyncMessage.decode(SyncFixtures.v1IPv4)
        #expect(decoding.version == .v1)
        #expect(decoding.syncID == 7)
        #expect(decoding.connections == [SyncFixtures.v1IPv4Connection])
        #expect(decoding.dropReasons.isEmpty)
    }

    @Test func v1IPv4WithoutOptionsEncodes() throws {
        let message = SyncMessage(syncID: 7, connections: [SyncFixtures.v1IPv4Connection])
        #expect(hex(try message.encoded()) == hex(SyncFixtures.v1IPv4))
    }

    @Test func v1WithOptionsAndIPv6Decodes() {
        let decoding = SyncMessage.decode(SyncFixtures.v1WithOptions)
        #expect(decoding.version == .v1)
        #expect(decoding.syncID == 9)
        #expect(decoding.connections == SyncFixtures.v1WithOptionsConnections)
        #expect(decoding.dropReasons.isEmpty)
    }

    @Test func v1WithOptionsAndIPv6Encodes() throws {
        let message = SyncMessage(syncID: 9, connections: SyncFixtures.v1WithOptionsConnections)
        #expect(hex(try message.encoded()) == hex(SyncFixtures.v1WithOptions))
    }

    @Test func v0Decodes() {
        let decoding = SyncMessage.decode(SyncFixtures.v0)
        #expect(decoding.version == .v0)
        #expect(decoding.syncID == 3)
        #expect(decoding.connections == SyncFixtures.v0Connections)
        #expect(decoding.dropReasons.isEmpty)
    }

    @Test func v0Encodes() throws {
        let message = SyncMessage(version: .v0, syncID: 3, connections: SyncFixtures.v0Connections)
        #expect(hex(try message.encoded()) == hex(SyncFixtures.v0))
    }

    /// v0 drops what it cannot carry: timeout, fwmark and persistence data.
    @Test func v0EncodingOmitsVersion1Fields() throws {
        var connection = SyncFixtures.v0Connections[0]
        connection.timeout = 900
        connection.firewallMark = 5
        #expect(try SyncMessage(version: .v0, syncID: 3, connections: [connection]).encoded().count == 28)
        let decoded = SyncMessage.decode(try SyncMessage(version: .v0, syncID: 3, connections: [connection]).encoded())
        #expect(decoded.connections == [SyncFixtures.v0Connections[0]])
    }

    /// The master strips HASHED (reference §4.1); v0 keeps only the low 16 bits of the flags.
    @Test func wireFlagsDropHashedAndV0Truncates() throws {
        var connection = SyncFixtures.v1IPv4Connection
        connection.flags.insert(.hashed)
        #expect(hex(try SyncMessage(syncID: 7, connections: [connection]).encoded()) == hex(SyncFixtures.v1IPv4))
        connection.flags = SyncedConnectionFlags(rawValue: 0x1_0003)  // NFCT | DROUTE
        let v0 = try SyncMessage(version: .v0, syncID: 1, connections: [connection]).encoded()
        #expect(Array(v0[24..<26]) == [0x00, 0x03])
    }

    /// Reference §7.4: v1 iff byte 0 == 0, version == 1 and spare == 0; otherwise v0.
    @Test func versionDetection() {
        #expect(SyncMessage.detectVersion(SyncFixtures.v1IPv4) == .v1)
        #expect(SyncMessage.detectVersion(SyncFixtures.v0) == .v0)
        for (offset, value) in [(0, UInt8(1)), (5, 2), (5, 0), (6, 1), (7, 1)] {
            var bytes = SyncFixtures.v1IPv4
            bytes[offset] = value
            #expect(SyncMessage.detectVersion(bytes) == .v0, "byte \(offset) = \(value)")
        }
        #expect(SyncMessage.detectVersion([0, 1, 0, 4]) == .v0)
    }

    /// A v1 message with byte 0 set is read as v0 with that many records, which then do not fit:
    /// a v0 receiver drops what a v1 sender writes (reference §7.3 "reserved").
    @Test func alteredV1HeaderIsReadAsV0() {
        var bytes = SyncFixtures.v1IPv4
        bytes[7] = 1  // spare no longer 0
        let decoding = SyncMessage.decode(bytes)
        #expect(decoding.version == .v0)
        #expect(decoding.connections.isEmpty)
        #expect(decoding.messageDrop == nil)  // count (byte 0) is 0
        bytes[0] = 2
        #expect(SyncMessage.decode(bytes).messageDrop == .truncatedRecord)
    }

    /// Bytes after the counted records are ignored, as the kernel ignores them.
    @Test func trailingBytesAfterCountedRecordsAreIgnored() {
        var bytes = SyncFixtures.v1IPv4 + [0xDE, 0xAD, 0xBE, 0xEF]
        bytes[3] = UInt8(bytes.count)
        let decoding = SyncMessage.decode(bytes)
        #expect(decoding.connections == [SyncFixtures.v1IPv4Connection])
        #expect(decoding.dropReasons.isEmpty)
    }

    /// The backup's flag mask (reference §7.5 step 2).
    @Test func flagsKeptByBackup() {
        let wire = SyncedConnectionFlags(rawValue: 0x1_FFFF)
        #expect(wire.keptByBackup.rawValue == 0x0007 | 0x0080 | 0x0100 | 0x0600 | 0x0800 | 0x1000 | 0x0020)
        #expect(SyncedConnectionFlags(rawValue: 0x0043).keptByBackup.rawValue == 0x0023)
    }
}
