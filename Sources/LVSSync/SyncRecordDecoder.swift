import LVSCore

/// Decodes one record of either version and applies the per-record checks of reference §7.5
/// step 2. Callers have checked that the record's fixed part (and for v1 its declared length)
/// lies inside the datagram.
enum SyncRecordDecoder {
    enum V1Outcome: Equatable {
        case accepted(SyncedConnection)
        case skipped(SyncDropReason)
        case dropRest(SyncDropReason)
    }

    enum V0Outcome: Equatable {
        case accepted(SyncedConnection, length: Int)
        case skipped(SyncDropReason, length: Int)
        case truncated
    }

    /// The options of one v1 record (reference §7.3).
    private struct Options {
        var sequence: (inbound: SequenceAdjustment, outbound: SequenceAdjustment)?
        var persistenceData: [UInt8]?
        var persistenceName: [UInt8]?
    }

    /// A v1 record of `length` bytes at `start` (`start + length <= bytes.count`). The kernel's
    /// order: record type, length against the fixed part, options (stopping at the first unknown
    /// mandatory one), then flags, protocol and state, then the persistence-engine pairing.
    static func v1Record(_ bytes: [UInt8], at start: Int, length: Int) -> V1Outcome {
        let type = bytes[start]
        let width: Int
        if type & SyncWireLayout.typeIPv6 != 0 {
            width = 16  // the kernel tests bit 0 only; other bits are ignored for IPv6 records
        } else if type == 0 {
            width = 4
        } else {
            return .dropRest(.badRecordType)
        }
        let fixed = width == 16 ? SyncWireLayout.ipv6RecordLength : SyncWireLayout.ipv4RecordLength
        guard length >= fixed else { return .dropRest(.recordLengthTooSmall) }
        let options: Options
        switch parseOptions(bytes, from: start + fixed, to: start + length) {
        case .success(let parsed): options = parsed
        case .failure(let reason) where reason.scope == .record: return .skipped(reason)
        case .failure(let reason): return .dropRest(reason)
        }
        let protocolRaw = bytes[start + 1]
        let flags = bytes.bigEndian32(at: start + 4)
        let state = bytes.bigEndian16(at: start + 8)
        if let problem = problem(protocol: protocolRaw, flags: flags, state: state) { return .skipped(problem) }
        if options.persistenceData != nil && options.persistenceName == nil {
            return .skipped(.persistenceDataWithoutEngine)
        }
        guard let protocolNumber = IPProtocolNumber(rawValue: protocolRaw) else {
            return .skipped(.unsupportedProtocol)
        }
        let addresses = start + 24
        let wireFlags = SyncedConnectionFlags(rawValue: flags)
        return .accepted(
            SyncedConnection(
                protocolNumber: protocolNumber, flags: wireFlags, state: state,
                clientAddress: bytes.address(at: addresses, width: width),
                clientPort: bytes.bigEndian16(at: start + 10),
                virtualAddress: bytes.address(at: addresses + width, width: width),
                virtualPort: bytes.bigEndian16(at: start + 12),
                destinationAddress: bytes.address(at: addresses + 2 * width, width: width),
                destinationPort: bytes.bigEndian16(at: start + 14), firewallMark: bytes.bigEndian32(at: start + 16),
                timeout: bytes.bigEndian32(at: start + 20),
                inSequence: wireFlags.contains(.inSequence) ? options.sequence?.inbound : nil,
                outSequence: wireFlags.contains(.outSequence) ? options.sequence?.outbound : nil,
                persistenceData: options.persistenceData ?? [],
                persistenceEngine: options.persistenceName.map { String(decoding: $0, as: UTF8.self) }))
    }

    /// Type-length-data options from `start` to `end` (reference §7.3). An option type with the
    /// 0x40 bit is still recognised by its low bits, as the kernel masks the bit before matching.
    private static func parseOptions(_ bytes: [UInt8], from start: Int, to end: Int) -> Result<Options, SyncDropReason>
    {
        var options = Options()
        var offset = start
        while offset < end {
            guard end - offset >= 2 else { return .failure(.badOptionLength) }
            let type = bytes[offset]
            let length = Int(bytes[offset + 1])
            offset += 2
            guard length > 0, length <= end - offset else { return .failure(.badOptionLength) }
            switch type & ~SyncWireLayout.optionalBit {
            case SyncWireLayout.optionSequenceData:
                guard length == SyncWireLayout.sequenceDataLength else { return .failure(.badOptionLength) }
                guard options.sequence == nil else { return .failure(.duplicateOption) }
                options.sequence = (bigEndianAdjustment(bytes, at: offset), bigEndianAdjustment(bytes, at: offset + 12))
            case SyncWireLayout.optionPersistenceData:
                // The one-byte length cannot exceed PE_DATA's maximum of 255.
                guard options.persistenceData == nil else { return .failure(.duplicateOption) }
                options.persistenceData = Array(bytes[offset..<offset + length])
            case SyncWireLayout.optionPersistenceName:
                guard length <= SyncWireLayout.persistenceNameMaximum else { return .failure(.badOptionLength) }
                guard options.persistenceName == nil else { return .failure(.duplicateOption) }
                options.persistenceName = Array(bytes[offset..<offset + length])
            default:
                guard type & SyncWireLayout.optionalBit != 0 else { return .failure(.unknownMandatoryOption) }
            }
            offset += length
        }
        return .success(options)
    }

    /// A v0 record at `start` (`start + 24 <= bytes.count`): 24 bytes, or 48 when its flags have
    /// IN_SEQ or OUT_SEQ; sequence data that runs past the message drops the rest (reference §7.4).
    static func v0Record(_ bytes: [UInt8], at start: Int) -> V0Outcome {
        let flags = UInt32(bytes.bigEndian16(at: start + 20))
        let hasSequence = flags & SyncWireLayout.v0SequenceFlags != 0
        let length = SyncWireLayout.v0RecordLength * (hasSequence ? 2 : 1)
        guard bytes.count - start >= length else { return .truncated }
        let protocolRaw = bytes[start + 1]
        let state = bytes.bigEndian16(at: start + 22)
        if let problem = problem(protocol: protocolRaw, flags: flags, state: state) {
            return .skipped(problem, length: length)
        }
        guard let protocolNumber = IPProtocolNumber(rawValue: protocolRaw) else {
            return .skipped(.unsupportedProtocol, length: length)
        }
        let wireFlags = SyncedConnectionFlags(rawValue: flags)
        let sequenceStart = start + SyncWireLayout.v0RecordLength
        return .accepted(
            SyncedConnection(
                protocolNumber: protocolNumber, flags: wireFlags, state: state,
                clientAddress: bytes.address(at: start + 8, width: 4), clientPort: bytes.bigEndian16(at: start + 2),
                virtualAddress: bytes.address(at: start + 12, width: 4), virtualPort: bytes.bigEndian16(at: start + 4),
                destinationAddress: bytes.address(at: start + 16, width: 4),
                destinationPort: bytes.bigEndian16(at: start + 6),
                inSequence: hasSequence && wireFlags.contains(.inSequence)
                    ? littleEndianAdjustment(bytes, at: sequenceStart) : nil,
                outSequence: hasSequence && wireFlags.contains(.outSequence)
                    ? littleEndianAdjustment(bytes, at: sequenceStart + 12) : nil),
            length: length)
    }

    /// The per-record checks of reference §7.5 step 2: flags, then protocol and state. States
    /// per protocol (reference §4.5): TCP 11 (NONE…SYNACK), UDP 1, SCTP 14 (NONE…CLOSED);
    /// templates 0 NONE or 1 ASSURED, with any protocol number our model has (0 for fwmark).
    /// (The kernel only logs a template's bad state; the reference has the backup refuse it.)
    static func problem(protocol protocolRaw: UInt8, flags: UInt32, state: UInt16) -> SyncDropReason? {
        let wireFlags = SyncedConnectionFlags(rawValue: flags)
        if wireFlags.contains(.onePacket) || wireFlags.isSuperset(of: [.noClientPort, .template]) {
            return .invalidFlags
        }
        guard let protocolNumber = IPProtocolNumber(rawValue: protocolRaw) else { return .unsupportedProtocol }
        if wireFlags.contains(.template) { return state <= 1 ? nil : .invalidState }
        let stateCount: Int
        switch protocolNumber {
        case .ip: return .unsupportedProtocol
        case .tcp: stateCount = TCPState.allCases.count
        case .udp: stateCount = 1
        case .sctp: stateCount = 14
        }
        return Int(state) < stateCount ? nil : .invalidState
    }

    private static func bigEndianAdjustment(_ bytes: [UInt8], at offset: Int) -> SequenceAdjustment {
        SequenceAdjustment(
            initialSequence: bytes.bigEndian32(at: offset), delta: bytes.bigEndian32(at: offset + 4),
            previousDelta: bytes.bigEndian32(at: offset + 8))
    }

    private static func littleEndianAdjustment(_ bytes: [UInt8], at offset: Int) -> SequenceAdjustment {
        SequenceAdjustment(
            initialSequence: bytes.littleEndian32(at: offset), delta: bytes.littleEndian32(at: offset + 4),
            previousDelta: bytes.littleEndian32(at: offset + 8))
    }
}
