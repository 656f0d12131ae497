/// Why a control-channel parser refused a segment that starts with one of the messages it reads
/// (reference §6). A refused segment is forwarded untouched and never rewritten; `name` is a
/// stable snake_case label for per-reason counters.
public enum FTPParseRefusal: Error, Sendable, Hashable, CaseIterable {
    /// The segment ends before the line does (a prefix of the command word, or no line end): the
    /// message is split across segments. IPVS does not reassemble, so it is forwarded untouched.
    case splitAcrossSegments
    /// No line end within `FTPControlParser.maximumLineLength` bytes.
    case lineTooLong
    /// No space after the command word, no `(` or number after the reply code.
    case missingSeparator
    /// A field that is not a decimal number (empty, a sign, another character).
    case malformedNumber
    /// A number written with a leading zero (`010`).
    case leadingZero
    /// A tuple number above 255, a port above 65535, or more digits than either can have.
    case numberOutOfRange
    /// Fewer or more than six comma-separated numbers.
    case wrongFieldCount
    /// The advertised port is 0.
    case zeroPort
    /// An extended-form delimiter outside ASCII 33…126 (RFC 2428 §2).
    case invalidDelimiter
    /// The line ends where an extended-form delimiter belongs.
    case missingDelimiter
    /// Another character stands where the extended-form delimiter belongs.
    case delimiterMismatch
    /// An EPRT without a network protocol and address (`EPRT |||port|`).
    case missingAddress
    /// An extended-form network protocol other than 1 (IPv4) or 2 (IPv6).
    case unknownFamily
    /// An address family other than the control connection's (PORT/227 on IPv6, `|2|` on IPv4…).
    case wrongFamily
    /// An address that is not a valid literal of its family.
    case malformedAddress
    /// An address other than the expected one under `FTPAddressPolicy.mustMatch`.
    case addressMismatch

    /// The counter label, e.g. `split_across_segments`.
    public var name: String {
        switch self {
        case .splitAcrossSegments: "split_across_segments"
        case .lineTooLong: "line_too_long"
        case .missingSeparator: "missing_separator"
        case .malformedNumber: "malformed_number"
        case .leadingZero: "leading_zero"
        case .numberOutOfRange: "number_out_of_range"
        case .wrongFieldCount: "wrong_field_count"
        case .zeroPort: "zero_port"
        case .invalidDelimiter: "invalid_delimiter"
        case .missingDelimiter: "missing_delimiter"
        case .delimiterMismatch: "delimiter_mismatch"
        case .missingAddress: "missing_address"
        case .unknownFamily: "unknown_family"
        case .wrongFamily: "wrong_family"
        case .malformedAddress: "malformed_address"
        case .addressMismatch: "address_mismatch"
        }
    }
}

/// Per-reason counts of refused control segments, for the helper's statistics.
public struct FTPRefusalCounters: Sendable, Hashable {
    /// Counts indexed like `FTPParseRefusal.allCases`.
    private var counts: [UInt64] = Array(repeating: 0, count: FTPParseRefusal.allCases.count)

    public init() {}

    /// How many segments were refused for `reason`.
    public subscript(reason: FTPParseRefusal) -> UInt64 {
        counts[Self.index(of: reason)]
    }

    /// All refusals counted so far.
    public var total: UInt64 { counts.reduce(0, &+) }

    /// Counts one refusal.
    public mutating func count(_ reason: FTPParseRefusal) {
        counts[Self.index(of: reason)] &+= 1
    }

    private static func index(of reason: FTPParseRefusal) -> Int {
        switch reason {
        case .splitAcrossSegments: 0
        case .lineTooLong: 1
        case .missingSeparator: 2
        case .malformedNumber: 3
        case .leadingZero: 4
        case .numberOutOfRange: 5
        case .wrongFieldCount: 6
        case .zeroPort: 7
        case .invalidDelimiter: 8
        case .missingDelimiter: 9
        case .delimiterMismatch: 10
        case .missingAddress: 11
        case .unknownFamily: 12
        case .wrongFamily: 13
        case .malformedAddress: 14
        case .addressMismatch: 15
        }
    }
}
