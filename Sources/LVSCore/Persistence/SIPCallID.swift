/// The Call-ID of a SIP message carried in a UDP payload: the persistence data of the "sip"
/// persistence engine (reference §4.14, RFC 3261 §7.3, §20.8).
///
/// What is read, as the kernel's engine finds it: the first line is the request or status line
/// and is never a header; then header lines follow until the empty line that ends the header
/// section (a Call-ID in the body does not count). A header line is `name [SP/HT]* ":" value`;
/// the name is `Call-ID` or its compact form `i`, in any case. Whitespace after the colon is
/// skipped, also across a folded line (a line break followed by SP or HT). The value runs to
/// the end of its line (CR, LF or CRLF, RFC 2543 and RFC 3261 terminators) without trailing
/// whitespace; continuation lines after it are ignored, as the kernel ignores them (a Call-ID
/// holds no whitespace). Lines that begin with SP or HT continue the previous header and are
/// never a header of their own.
///
/// The value must be 1…255 bytes (`IP_VS_PEDATA_MAXLEN`) and its line must be terminated.
/// Deviation: the kernel also reads past the empty line into the body; this parser stops there.
public enum SIPCallID {
    /// The longest Call-ID the engine keeps (`IP_VS_PEDATA_MAXLEN`, reference §7.3 PE_DATA).
    public static let maximumLength = 255

    /// Why no Call-ID came out of a payload (for counters).
    public enum Miss: Sendable, Hashable, CaseIterable {
        /// The first line is no SIP request or status line (or has no line terminator).
        case notSIP
        /// The header section has no Call-ID header.
        case absent
        /// The Call-ID header has an empty value.
        case empty
        /// The value is longer than `maximumLength` bytes.
        case tooLong
        /// The payload ends inside the Call-ID header line.
        case unterminated
    }

    /// The Call-ID found in `payload`, or why there is none.
    public enum Outcome: Sendable, Hashable {
        case found([UInt8])
        case missing(Miss)
    }

    /// The Call-ID header value of the SIP message in `payload`, or nil when the payload is no
    /// SIP message or has no well-formed Call-ID (see the type's description). Reads only inside
    /// `payload`; never traps.
    public static func extract(from payload: some Collection<UInt8>) -> [UInt8]? {
        switch scan(payload) {
        case .found(let value): return value
        case .missing: return nil
        }
    }

    /// As `extract(from:)`, with the reason when nothing is found.
    public static func scan(_ payload: some Collection<UInt8>) -> Outcome {
        if let outcome = payload.withContiguousStorageIfAvailable({ scan(buffer: $0) }) { return outcome }
        return Array(payload).withUnsafeBufferPointer { scan(buffer: $0) }
    }

    // MARK: - Scanner

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let colon: UInt8 = 0x3A
    /// "call-id", lower case.
    private static let longName: [UInt8] = [0x63, 0x61, 0x6C, 0x6C, 0x2D, 0x69, 0x64]
    /// "sip", lower case (the version token is "SIP/x.y").
    private static let sipVersionPrefix: [UInt8] = [0x73, 0x69, 0x70]
    /// "i", the compact form (RFC 3261 §7.3.3).
    private static let compactName: UInt8 = 0x69

    private static func scan(buffer b: UnsafeBufferPointer<UInt8>) -> Outcome {
        let n = b.count
        guard let startLineEnd = lineEnd(b, from: 0), isStartLine(b, end: startLineEnd) else {
            return .missing(.notSIP)
        }
        var p = afterTerminator(b, at: startLineEnd)
        while p < n {
            let c = b[p]
            // The empty line ends the header section.
            if c == cr || c == lf { return .missing(.absent) }
            if c != space && c != tab, let valueStart = callIDValueStart(b, from: p) {
                return value(b, from: valueStart)
            }
            guard let end = lineEnd(b, from: p) else { return .missing(.absent) }
            p = afterTerminator(b, at: end)
        }
        return .missing(.absent)
    }

    /// A request line (`Method SP Request-URI SP SIP/x.y`) or a status line (`SIP/x.y SP code
    /// SP reason`), checked loosely: the version token is where it must be.
    private static func isStartLine(_ b: UnsafeBufferPointer<UInt8>, end: Int) -> Bool {
        guard end > 0 else { return false }
        if hasSIPVersion(b, at: 0, end: end) { return true }
        var spaces = 0
        var lastSpace = -1
        for i in 0..<end where b[i] == space {
            spaces += 1
            lastSpace = i
        }
        return spaces >= 2 && hasSIPVersion(b, at: lastSpace + 1, end: end)
    }

    /// "SIP/" (any case) at `i`, inside the line.
    private static func hasSIPVersion(_ b: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Bool {
        guard end - i > 4 else { return false }
        for k in 0..<3 where b[i + k] | 0x20 != sipVersionPrefix[k] { return false }
        return b[i + 3] == 0x2F
    }

    /// If the header line at `p` is a Call-ID header, the index just after its colon.
    private static func callIDValueStart(_ b: UnsafeBufferPointer<UInt8>, from p: Int) -> Int? {
        let n = b.count
        var i = p
        while i < n {
            let c = b[i]
            if c == colon || c == space || c == tab || c == cr || c == lf { break }
            i += 1
        }
        let nameLength = i - p
        if nameLength == 1 {
            guard b[p] | 0x20 == compactName else { return nil }
        } else if nameLength == longName.count {
            for k in 0..<nameLength where b[p + k] | 0x20 != longName[k] { return nil }
        } else {
            return nil
        }
        while i < n && (b[i] == space || b[i] == tab) { i += 1 }
        guard i < n, b[i] == colon else { return nil }
        return i + 1
    }

    /// The value starting after the colon at `start`: leading whitespace (also folded) skipped,
    /// up to the line terminator, trailing whitespace dropped.
    private static func value(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Outcome {
        let n = b.count
        var i = start
        while i < n {
            let c = b[i]
            if c == space || c == tab {
                i += 1
            } else if c == cr || c == lf {
                // Linear whitespace: a line break followed by SP/HT continues the header.
                let next = afterTerminator(b, at: i)
                guard next < n, b[next] == space || b[next] == tab else { return .missing(.empty) }
                i = next
            } else {
                break
            }
        }
        guard let end = lineEnd(b, from: i) else { return .missing(.unterminated) }
        var last = end
        while last > i && (b[last - 1] == space || b[last - 1] == tab) { last -= 1 }
        let length = last - i
        guard length > 0 else { return .missing(.empty) }
        guard length <= maximumLength else { return .missing(.tooLong) }
        return .found(Array(b[i..<last]))
    }

    /// The index of the first CR or LF at or after `p`, or nil.
    private static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from p: Int) -> Int? {
        var i = p
        while i < b.count {
            if b[i] == cr || b[i] == lf { return i }
            i += 1
        }
        return nil
    }

    /// The index after the terminator at `i` (CRLF counts as one).
    private static func afterTerminator(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        if b[i] == cr && i + 1 < b.count && b[i + 1] == lf { return i + 2 }
        return i + 1
    }
}
