import LVSCore

/// Encodes one `SyncedConnection` as a record of either version, exactly as the kernel's master
/// writes it (reference §7.3, §7.4). Used by `SyncMessage.encoded()` and `SyncMessageBuilder`.
enum SyncRecordEncoder {
    /// The record for `version`: v1 unpadded (the caller pads before the next record), v0 24 or
    /// 48 bytes.
    static func record(
        _ connection: SyncedConnection, version: SyncProtocolVersion
    ) throws(SyncEncodingError) -> [UInt8] {
        switch version {
        case .v0: try v0Record(connection)
        case .v1: try v1Record(connection)
        }
    }

    /// The family of all three addresses, or a throw if they differ.
    static func family(of connection: SyncedConnection) throws(SyncEncodingError) -> AddressFamily {
        let family = connection.clientAddress.family
        guard connection.virtualAddress.family == family, connection.destinationAddress.family == family else {
            throw .mixedAddressFamilies
        }
        return family
    }

    /// The flags a master puts on the wire: the entry's flags without HASHED (reference §4.1).
    static func wireFlags(_ connection: SyncedConnection) -> UInt32 {
        connection.flags.rawValue & ~SyncedConnectionFlags.hashed.rawValue
    }

    /// Version 1 (reference §7.3): fixed part, then SEQ_DATA iff the flags have IN_SEQ or
    /// OUT_SEQ (both directions, zeros for one not set), PE_DATA if there is data, PE_NAME after
    /// it. An engine name without data is not sent, as the kernel sends it only with data.
    static func v1Record(_ connection: SyncedConnection) throws(SyncEncodingError) -> [UInt8] {
        let family = try family(of: connection)
        let flags = wireFlags(connection)
        let name = Array((connection.persistenceEngine ?? "").utf8)
        if !connection.persistenceData.isEmpty {
            guard connection.persistenceData.count <= 255 else { throw .persistenceDataTooLong }
            guard !name.isEmpty else { throw .persistenceDataWithoutEngine }
            guard name.count <= SyncWireLayout.persistenceNameMaximum else { throw .persistenceEngineNameTooLong }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(SyncWireLayout.ipv6RecordLength + 64)
        bytes.append(family == .inet6 ? SyncWireLayout.typeIPv6 : 0)
        bytes.append(connection.protocolNumber.rawValue)
        bytes.appendBigEndian(UInt16(0))  // ver_size, set below
        bytes.appendBigEndian(flags)
        bytes.appendBigEndian(connection.state)
        bytes.appendBigEndian(connection.clientPort)
        bytes.appendBigEndian(connection.virtualPort)
        bytes.appendBigEndian(connection.destinationPort)
        bytes.appendBigEndian(connection.firewallMark)
        bytes.appendBigEndian(connection.timeout)
        bytes += connection.clientAddress.bytes
        bytes += connection.virtualAddress.bytes
        bytes += connection.destinationAddress.bytes
        if flags & SyncedConnectionFlags.sequenceMask.rawValue != 0 {
            bytes += [SyncWireLayout.optionSequenceData, UInt8(SyncWireLayout.sequenceDataLength)]
            for adjustment in [connection.inSequence, connection.outSequence] {
                let value = adjustment ?? SequenceAdjustment()
                bytes.appendBigEndian(value.initialSequence)
                bytes.appendBigEndian(value.delta)
                bytes.appendBigEndian(value.previousDelta)
            }
        }
        if !connection.persistenceData.isEmpty {
            bytes += [SyncWireLayout.optionPersistenceData, UInt8(connection.persistenceData.count)]
            bytes += connection.persistenceData
            bytes += [SyncWireLayout.optionPersistenceName, UInt8(name.count)]
            bytes += name
        }
        // At most 72 + 26 + 257 + 17 bytes: always fits the 12-bit length.
        bytes.storeBigEndian(UInt16(bytes.count) & SyncWireLayout.recordLengthMask, at: 2)
        return bytes
    }

    /// Version 0 (reference §7.4): IPv4 only, the low 16 bits of the flags, and when they have
    /// IN_SEQ or OUT_SEQ the 24 bytes of in_seq/out_seq little-endian, as an x86 kernel copies
    /// its host-order structure. Timeout, firewall mark and persistence data are not carried.
    static func v0Record(_ connection: SyncedConnection) throws(SyncEncodingError) -> [UInt8] {
        guard try family(of: connection) == .inet else { throw .ipv6InVersion0 }
        let flags = wireFlags(connection)
        var bytes: [UInt8] = [0, connection.protocolNumber.rawValue]
        bytes.reserveCapacity(SyncWireLayout.v0RecordLength * 2)
        bytes.appendBigEndian(connection.clientPort)
        bytes.appendBigEndian(connection.virtualPort)
        bytes.appendBigEndian(connection.destinationPort)
        bytes += connection.clientAddress.bytes
        bytes += connection.virtualAddress.bytes
        bytes += connection.destinationAddress.bytes
        bytes.appendBigEndian(UInt16(truncatingIfNeeded: flags))
        bytes.appendBigEndian(connection.state)
        if flags & SyncWireLayout.v0SequenceFlags != 0 {
            for adjustment in [connection.inSequence, connection.outSequence] {
                let value = adjustment ?? SequenceAdjustment()
                bytes.appendLittleEndian(value.initialSequence)
                bytes.appendLittleEndian(value.delta)
                bytes.appendLittleEndian(value.previousDelta)
            }
        }
        return bytes
    }

    /// The zero bytes the kernel puts before a v1 record so it starts on a 4-byte boundary of
    /// the message (none before the first: the 8-byte header keeps it aligned; none for v0).
    static func padding(beforeRecordAt length: Int, version: SyncProtocolVersion) -> Int {
        switch version {
        case .v0: 0
        case .v1: (4 - length % 4) % 4
        }
    }

    /// The header of an empty message: v1 reserved 0, SyncID, size, count 0, version 1, spare 0;
    /// v0 count 0, SyncID, size.
    static func header(syncID: UInt8, version: SyncProtocolVersion) -> [UInt8] {
        switch version {
        case .v0: [0, syncID, 0, 4]
        case .v1: [0, syncID, 0, 8, 0, 1, 0, 0]
        }
    }

    /// Writes `count` and `length` into a message's header.
    static func setHeader(_ bytes: inout [UInt8], count: Int, version: SyncProtocolVersion) {
        bytes.storeBigEndian(UInt16(truncatingIfNeeded: bytes.count), at: 2)
        switch version {
        case .v0: bytes[0] = UInt8(truncatingIfNeeded: count)
        case .v1: bytes[4] = UInt8(truncatingIfNeeded: count)
        }
    }
}
