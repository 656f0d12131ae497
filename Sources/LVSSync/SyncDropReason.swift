/// Why a received sync datagram, the rest of it, or one record of it was not taken (reference
/// §7.3 last paragraph, §7.5 steps 1–2), plus the refusals of authenticated mode
/// (docs/design/0013-sync-authentication.md). `scope` says how much was lost; `name` is a stable
/// snake_case label for per-reason counters.
public enum SyncDropReason: Error, Sendable, Hashable, CaseIterable {
    // MARK: The whole message (reference §7.5 step 1)
    /// Shorter than the 4-byte version 0 header.
    case tooShort
    /// The header's size field is not the datagram's length.
    case sizeMismatch
    /// The backup has a SyncID other than 0 and the message carries a different one.
    case syncIDMismatch

    // MARK: The rest of the message (reference §7.3 last paragraph, §7.4)
    /// A record (its fixed part, its declared length, or v0 sequence data) runs past the end of
    /// the message, or fewer records follow than the header counts.
    case truncatedRecord
    /// A v1 record's declared length is smaller than its fixed part (36 or 72 bytes).
    case recordLengthTooSmall
    /// A v1 record's version (high 4 bits of ver_size) is not 0.
    case badRecordVersion
    /// A v1 record's type is neither 0 (IPv4) nor has bit 0 (IPv6) set.
    case badRecordType
    /// An option's header or data runs past the record, its length is 0, SEQ_DATA is not 24
    /// bytes, or PE_NAME is longer than 15 bytes.
    case badOptionLength
    /// SEQ_DATA, PE_DATA or PE_NAME appears twice in one record.
    case duplicateOption

    // MARK: One record (reference §7.3 options, §7.5 step 2)
    /// An unknown option without the 0x40 "optional" bit.
    case unknownMandatoryOption
    /// Flags combining NO_CPORT with TEMPLATE, or containing ONE_PACKET.
    case invalidFlags
    /// A connection (not a template) of a protocol IPVS does not handle, or a template whose
    /// protocol is none of 0, TCP, UDP, SCTP.
    case unsupportedProtocol
    /// A state number the protocol does not have (templates: other than 0 NONE and 1 ASSURED).
    case invalidState
    /// PE_DATA without PE_NAME: the kernel cannot pick a persistence engine for it.
    case persistenceDataWithoutEngine

    // MARK: Authenticated mode (docs/design/0013-sync-authentication.md)
    /// A key is configured but the datagram carries no authentication trailer.
    case unauthenticated
    /// The trailer names a key id the receiver does not have.
    case unknownKey
    /// The trailer's HMAC-SHA-256 does not verify: forged or corrupted.
    case badAuthenticationCode
    /// The trailer's sequence number is not newer than the last one accepted from that sender.
    case replayedSequence

    /// How much of the datagram a drop for this reason loses.
    public var scope: SyncDropScope {
        switch self {
        case .tooShort, .sizeMismatch, .syncIDMismatch: .message
        case .unauthenticated, .unknownKey, .badAuthenticationCode, .replayedSequence: .message
        case .truncatedRecord, .recordLengthTooSmall, .badRecordVersion, .badRecordType, .badOptionLength,
            .duplicateOption:
            .restOfMessage
        case .unknownMandatoryOption, .invalidFlags, .unsupportedProtocol, .invalidState,
            .persistenceDataWithoutEngine:
            .record
        }
    }

    /// The counter label, e.g. `size_mismatch`.
    public var name: String {
        switch self {
        case .tooShort: "too_short"
        case .sizeMismatch: "size_mismatch"
        case .syncIDMismatch: "sync_id_mismatch"
        case .truncatedRecord: "truncated_record"
        case .recordLengthTooSmall: "record_length_too_small"
        case .badRecordVersion: "bad_record_version"
        case .badRecordType: "bad_record_type"
        case .badOptionLength: "bad_option_length"
        case .duplicateOption: "duplicate_option"
        case .unknownMandatoryOption: "unknown_mandatory_option"
        case .invalidFlags: "invalid_flags"
        case .unsupportedProtocol: "unsupported_protocol"
        case .invalidState: "invalid_state"
        case .persistenceDataWithoutEngine: "persistence_data_without_engine"
        case .unauthenticated: "unauthenticated"
        case .unknownKey: "unknown_key"
        case .badAuthenticationCode: "bad_authentication_code"
        case .replayedSequence: "replayed_sequence"
        }
    }
}

/// How much of a datagram a `SyncDropReason` loses.
public enum SyncDropScope: Sendable, Hashable {
    /// Nothing of the datagram is used.
    case message
    /// Records before the bad one are kept, it and all after it are not.
    case restOfMessage
    /// Only this record is skipped; decoding goes on with the next.
    case record
}

/// Why a `SyncMessage` cannot be put on the wire.
public enum SyncEncodingError: Error, Sendable, Hashable {
    /// More than 255 records (the header's count is one byte).
    case tooManyRecords
    /// More than 65535 bytes (the header's size is 16 bits).
    case messageTooLong
    /// Version 0 carries IPv4 connections only (reference §7.4).
    case ipv6InVersion0
    /// The client, virtual and destination addresses are not all of one family.
    case mixedAddressFamilies
    /// More than 255 bytes of persistence-engine data (PE_DATA's length is one byte).
    case persistenceDataTooLong
    /// A persistence-engine name longer than 15 bytes (reference §7.3 PE_NAME).
    case persistenceEngineNameTooLong
    /// Persistence-engine data without an engine name: the backup would skip the record.
    case persistenceDataWithoutEngine
}
