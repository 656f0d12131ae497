import LVSCore

/// The backup's receive path over one datagram (reference §7.5 step 1, §7.3, §7.4): header
/// checks, version detection, then the records of that version.
enum SyncMessageDecoder {
    static func decode(_ datagram: [UInt8], backupSyncID: UInt8) -> SyncDecoding {
        var result = SyncDecoding()
        // Reference §7.5 step 1, in the kernel's order: length, size, SyncID, version.
        guard datagram.count >= SyncProtocolVersion.v0.headerLength else {
            result.messageDrop = .tooShort
            return result
        }
        result.syncID = datagram[1]
        guard Int(datagram.bigEndian16(at: 2)) == datagram.count else {
            result.messageDrop = .sizeMismatch
            return result
        }
        guard backupSyncID == 0 || datagram[1] == backupSyncID else {
            result.messageDrop = .syncIDMismatch
            return result
        }
        let version = SyncMessage.detectVersion(datagram)
        result.version = version
        switch version {
        case .v1: decodeV1Records(datagram, into: &result)
        case .v0: decodeV0Records(datagram, into: &result)
        }
        return result
    }

    /// Version 1: `count` records from offset 8, each starting at the previous record's start plus
    /// its length rounded up to 4. Bytes after the counted records are ignored, as the kernel does.
    static func decodeV1Records(_ bytes: [UInt8], into result: inout SyncDecoding) {
        let count = Int(bytes[4])
        var offset = SyncProtocolVersion.v1.headerLength
        for index in 0..<count {
            guard offset <= bytes.count, bytes.count - offset >= SyncWireLayout.ipv4RecordLength else {
                result.messageDrop = .truncatedRecord
                return
            }
            let verSize = bytes.bigEndian16(at: offset + 2)
            let length = Int(verSize & SyncWireLayout.recordLengthMask)
            guard length <= bytes.count - offset else {
                result.messageDrop = .truncatedRecord
                return
            }
            guard verSize >> SyncWireLayout.recordVersionShift == 0 else {
                result.messageDrop = .badRecordVersion
                return
            }
            switch SyncRecordDecoder.v1Record(bytes, at: offset, length: length) {
            case .accepted(let connection): result.connections.append(connection)
            case .skipped(let reason): result.skippedRecords.append(SyncSkippedRecord(index: index, reason: reason))
            case .dropRest(let reason):
                result.messageDrop = reason
                return
            }
            offset += (length + 3) & ~3
        }
    }

    /// Version 0: `count` unaligned records from offset 4, 24 bytes each, 48 with sequence data.
    static func decodeV0Records(_ bytes: [UInt8], into result: inout SyncDecoding) {
        let count = Int(bytes[0])
        var offset = SyncProtocolVersion.v0.headerLength
        for index in 0..<count {
            guard bytes.count - offset >= SyncWireLayout.v0RecordLength else {
                result.messageDrop = .truncatedRecord
                return
            }
            switch SyncRecordDecoder.v0Record(bytes, at: offset) {
            case .accepted(let connection, let length):
                result.connections.append(connection)
                offset += length
            case .skipped(let reason, let length):
                result.skippedRecords.append(SyncSkippedRecord(index: index, reason: reason))
                offset += length
            case .truncated:
                result.messageDrop = .truncatedRecord
                return
            }
        }
    }
}
