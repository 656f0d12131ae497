import LVSCore
import Testing

@testable import LVSSync

@Suite struct SyncMessageBuilderTests {
    static func connection(_ index: Int, sequence: Bool = false) -> SyncedConnection {
        var connection = SyncFixtures.v1IPv4Connection
        connection.clientPort = UInt16(index)
        if sequence {
            connection.flags.insert(.inSequence)
            connection.inSequence = SequenceAdjustment(initialSequence: UInt32(index))
        }
        return connection
    }

    /// 8 + 40 × 36 = 1448 ≤ 1472 < 1484: the 41st IPv4 record completes a 40-record message.
    @Test func fillsUpToMaxLengthThenHandsBack() throws {
        var builder = SyncMessageBuilder(syncID: 7, maxLength: 1472)
        for index in 0..<40 { #expect(try builder.append(Self.connection(index), now: .seconds(1)) == nil) }
        #expect(builder.length == 1448)
        let handed = try builder.append(Self.connection(40), now: .seconds(1))
        let full = try #require(handed)
        #expect(full.count == 1448)
        let decoded = SyncMessage.decode(full, backupSyncID: 7)
        #expect(decoded.connections == (0..<40).map { Self.connection($0) })
        #expect(builder.recordCount == 1)
        #expect(builder.length == 44)
    }

    /// 62-byte records are padded to 64 before the next: 8 + 64 × n − 2 bytes for n records.
    @Test func paddingCountsTowardsTheLimit() throws {
        var builder = SyncMessageBuilder(syncID: 1, maxLength: 8 + 64 + 62)  // exactly two records
        #expect(try builder.append(Self.connection(0, sequence: true), now: .zero) == nil)
        #expect(try builder.append(Self.connection(1, sequence: true), now: .zero) == nil)
        #expect(builder.length == 134)
        let handed = try builder.append(Self.connection(2, sequence: true), now: .zero)
        let full = try #require(handed)
        #expect(
            full
                == (try SyncMessage(syncID: 1, connections: [0, 1].map { Self.connection($0, sequence: true) })
                    .encoded()))
        #expect(Array(full[70..<72]) == [0, 0])
    }

    /// A record longer than `maxLength` still gets a message of its own (reference §7.1).
    @Test func oneRecordAlwaysFits() throws {
        var builder = SyncMessageBuilder(syncID: 1, maxLength: 1)
        #expect(try builder.append(Self.connection(0), now: .zero) == nil)
        #expect(builder.length == 44)
        #expect(try builder.append(Self.connection(1), now: .zero)?.count == 44)
        #expect(SyncMaximumLength.messageCapacity(maxLength: 1, recordLength: 36, version: .v1) == 44)
        #expect(SyncMaximumLength.messageCapacity(maxLength: 1472, recordLength: 36, version: .v1) == 1472)
    }

    /// The count is one byte: the 256th record starts a new message however large maxLength is.
    @Test func atMost255RecordsPerMessage() throws {
        var builder = SyncMessageBuilder(syncID: 1, version: .v0, maxLength: 65507)
        for index in 0..<255 { #expect(try builder.append(Self.connection(index), now: .zero) == nil) }
        let handed = try builder.append(Self.connection(255), now: .zero)
        let full = try #require(handed)
        #expect(full[0] == 255)
        #expect(SyncMessage.decode(full).connections.count == 255)
    }

    /// Pure flush timing: the first record's `now` plus 2 s (reference §7.2).
    @Test func flushesAPartlyFilledMessageAfterTwoSeconds() throws {
        var builder = SyncMessageBuilder(syncID: 1, maxLength: 1472)
        #expect(builder.flushDeadline == nil)
        #expect(builder.flushIfDue(now: .seconds(100)) == nil)
        _ = try builder.append(Self.connection(0), now: .seconds(10))
        _ = try builder.append(Self.connection(1), now: .seconds(11))
        #expect(builder.firstRecordAddedAt == .seconds(10))
        #expect(builder.flushDeadline == .seconds(12))
        #expect(builder.flushIfDue(now: .seconds(12)) != nil)
        #expect(builder.isEmpty)
        #expect(builder.flushDeadline == nil)
        _ = try builder.append(Self.connection(2), now: .seconds(20))
        #expect(builder.flushIfDue(now: MonotonicInstant(nanoseconds: 21_999_999_999)) == nil)
        let flushed = builder.flushIfDue(now: .seconds(22))
        let message = try #require(flushed)
        #expect(SyncMessage.decode(message).connections == [Self.connection(2)])
    }

    @Test func unencodableRecordLeavesTheMessageUnchanged() throws {
        var builder = SyncMessageBuilder(syncID: 1, version: .v0, maxLength: 1472)
        _ = try builder.append(Self.connection(0), now: .seconds(1))
        var ipv6 = SyncFixtures.v1WithOptionsConnections[1]
        ipv6.persistenceData = []
        #expect(throws: SyncEncodingError.ipv6InVersion0) { try builder.append(ipv6, now: .seconds(2)) }
        #expect(builder.recordCount == 1)
        #expect(
            builder.flush() == (try SyncMessage(version: .v0, syncID: 1, connections: [Self.connection(0)]).encoded()))
        #expect(builder.flush() == nil)
    }

    /// Switching `sync_version` hands back the message of the old version first.
    @Test func changingVersionFlushes() throws {
        var builder = SyncMessageBuilder(syncID: 1, maxLength: 1472)
        #expect(builder.changeVersion(to: .v0) == nil)
        _ = try builder.append(Self.connection(0), now: .zero)
        let handed = builder.changeVersion(to: .v1)
        let v0 = try #require(handed)
        #expect(SyncMessage.decode(v0).version == .v0)
        _ = try builder.append(Self.connection(1), now: .zero)
        let last = builder.flush()
        #expect(SyncMessage.decode(try #require(last)).version == .v1)
    }

    @Test func encodingErrors() {
        var connection = SyncFixtures.v1WithOptionsConnections[1]
        connection.persistenceEngine = String(repeating: "x", count: 16)
        #expect(throws: SyncEncodingError.persistenceEngineNameTooLong) {
            try SyncMessage(syncID: 1, connections: [connection]).encoded()
        }
        connection.persistenceEngine = nil
        #expect(throws: SyncEncodingError.persistenceDataWithoutEngine) {
            try SyncMessage(syncID: 1, connections: [connection]).encoded()
        }
        connection.persistenceEngine = "sip"
        connection.persistenceData = [UInt8](repeating: 1, count: 256)
        #expect(throws: SyncEncodingError.persistenceDataTooLong) {
            try SyncMessage(syncID: 1, connections: [connection]).encoded()
        }
        connection = SyncFixtures.v1IPv4Connection
        connection.destinationAddress = IPAddress(ipv6High: 1, low: 1)
        #expect(throws: SyncEncodingError.mixedAddressFamilies) {
            try SyncMessage(syncID: 1, connections: [connection]).encoded()
        }
        let many = SyncMessage(syncID: 1, connections: Array(repeating: SyncFixtures.v1IPv4Connection, count: 256))
        #expect(throws: SyncEncodingError.tooManyRecords) { try many.encoded() }
    }
}

/// `sync_maxlen` as the kernel computes it (reference §7.1).
@Suite struct SyncMaximumLengthTests {
    @Test func masterDefaultsToAnMTUOf1500() {
        #expect(SyncMaximumLength.master(groupFamily: .inet) == 1472)
        #expect(SyncMaximumLength.master(groupFamily: .inet6) == 1452)
        #expect(SyncMaximumLength.master(configured: 0, groupFamily: .inet) == 1472)
    }

    @Test func masterClampsAConfiguredLength() {
        #expect(SyncMaximumLength.master(configured: 1, groupFamily: .inet) == 1)
        #expect(SyncMaximumLength.master(configured: -3, groupFamily: .inet) == 1)
        #expect(SyncMaximumLength.master(configured: 9000, groupFamily: .inet) == 9000)
        #expect(SyncMaximumLength.master(configured: 70000, groupFamily: .inet) == 65507)
        #expect(SyncMaximumLength.master(configured: 70000, groupFamily: .inet6) == 65487)
    }

    @Test func backupUsesTheInterfaceMTUClamped() {
        #expect(SyncMaximumLength.backup(interfaceMTU: 1400, groupFamily: .inet) == 1472)
        #expect(SyncMaximumLength.backup(interfaceMTU: 9000, groupFamily: .inet) == 8972)
        #expect(SyncMaximumLength.backup(interfaceMTU: 9000, groupFamily: .inet6) == 8952)
        #expect(SyncMaximumLength.backup(interfaceMTU: 100_000, groupFamily: .inet) == 65507)
    }

    @Test func backupClampsAConfiguredLength() {
        #expect(SyncMaximumLength.backup(configured: 500, interfaceMTU: 9000, groupFamily: .inet) == 1024)
        #expect(SyncMaximumLength.backup(configured: 2000, interfaceMTU: 9000, groupFamily: .inet) == 2000)
        #expect(SyncMaximumLength.backup(configured: 65535, interfaceMTU: 1500, groupFamily: .inet6) == 65487)
    }
}
