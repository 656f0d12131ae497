import LVSCore

// Byte-level scanning shared by the control-channel parsers: keywords, line framing, the
// six-number tuple of PORT/227 and the delimited form of EPRT/229. Every index is checked against
// an end the caller derived from `payload.count`, so no input can make a read go out of bounds.

/// The ASCII bytes the parsers look for.
enum ASCII {
    static let space = UInt8(ascii: " ")
    static let comma = UInt8(ascii: ",")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let openParenthesis = UInt8(ascii: "(")
    static let carriageReturn: UInt8 = 0x0D
    static let lineFeed: UInt8 = 0x0A
    static let zero = UInt8(ascii: "0")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= UInt8(ascii: "9") }
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }
}

/// The command words and reply prefixes, upper case; matched case-insensitively.
enum Keyword {
    static let port: [UInt8] = Array("PORT".utf8)
    static let extendedPort: [UInt8] = Array("EPRT".utf8)
    // The kernel's patterns include the space: a multi-line `227-` is not a passive reply.
    static let passiveReply: [UInt8] = Array("227 ".utf8)
    static let extendedPassiveReply: [UInt8] = Array("229 ".utf8)
    static let passive: [UInt8] = Array("PASV\r\n".utf8)
    static let extendedPassive: [UInt8] = Array("EPSV".utf8)
}

/// A parsed `h1,h2,h3,h4,p1,p2`.
struct ParsedTuple {
    var address: IPAddress
    var port: UInt16
    /// The index just after the sixth number.
    var end: Int
}

/// A parsed `<d>…<d><port><d>`.
struct ParsedExtended {
    var address: IPAddress
    var port: UInt16
    var delimiter: UInt8
    var addressOmitted: Bool
    /// The index just after the closing delimiter.
    var end: Int
}

extension FTPControlParser {
    /// ASCII case-insensitive comparison of `keyword` (upper case) at `offset`.
    static func matches(_ payload: UnsafeRawBufferPointer, at offset: Int, _ keyword: [UInt8]) -> Bool {
        guard offset >= 0, payload.count - offset >= keyword.count else { return false }
        for k in 0..<keyword.count {
            var byte = payload[offset + k]
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { byte -= 0x20 }
            guard byte == keyword[k] else { return false }
        }
        return true
    }

    /// True if `payload` starts with `keyword`; a payload that is only a (non-empty) prefix of it
    /// is a message split across segments (the kernel's "partial match").
    static func startsWith(_ payload: UnsafeRawBufferPointer, _ keyword: [UInt8]) throws(FTPParseRefusal) -> Bool {
        if payload.count >= keyword.count { return matches(payload, at: 0, keyword) }
        guard !payload.isEmpty else { return false }
        for k in 0..<payload.count {
            var byte = payload[k]
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { byte -= 0x20 }
            guard byte == keyword[k] else { return false }
        }
        throw .splitAcrossSegments
    }

    /// The end of the first line's content (before CRLF, or before a bare LF).
    static func lineEnd(_ payload: UnsafeRawBufferPointer) throws(FTPParseRefusal) -> Int {
        let limit = min(payload.count, maximumLineLength + 2)
        for i in 0..<limit where payload[i] == ASCII.lineFeed {
            let end = i > 0 && payload[i - 1] == ASCII.carriageReturn ? i - 1 : i
            guard end <= maximumLineLength else { throw .lineTooLong }
            return end
        }
        throw payload.count > maximumLineLength ? .lineTooLong : .splitAcrossSegments
    }

    /// A canonical decimal number of at most `maximumDigits` digits at `start` (no sign, no
    /// leading zero), not above `maximum`. Returns the value and the index after it.
    static func parseDecimal(
        _ payload: UnsafeRawBufferPointer, from start: Int, to end: Int, maximumDigits: Int, maximum: UInt32
    ) throws(FTPParseRefusal) -> (value: UInt32, end: Int) {
        var i = start
        var value: UInt32 = 0
        while i < end && ASCII.isDigit(payload[i]) {
            if i - start < maximumDigits { value = value * 10 + UInt32(payload[i] - ASCII.zero) }
            i += 1
        }
        let digits = i - start
        guard digits > 0 else { throw .malformedNumber }
        guard digits <= maximumDigits, value <= maximum else { throw .numberOutOfRange }
        guard digits == 1 || payload[start] != ASCII.zero else { throw .leadingZero }
        return (value, i)
    }

    /// `h1,h2,h3,h4,p1,p2` starting at `start` (RFC 959 §4.1.2 host-port): six numbers 0…255
    /// separated by single commas; whatever follows the sixth number ends the tuple.
    static func parseTuple(
        _ payload: UnsafeRawBufferPointer, from start: Int, to end: Int
    ) throws(FTPParseRefusal) -> ParsedTuple {
        var i = start
        var fields: (UInt32, UInt32) = (0, 0)  // address, port
        for field in 0..<6 {
            let number = try parseDecimal(payload, from: i, to: end, maximumDigits: 3, maximum: 255)
            if field < 4 { fields.0 = fields.0 << 8 | number.value } else { fields.1 = fields.1 << 8 | number.value }
            i = number.end
            let hasComma = i < end && payload[i] == ASCII.comma
            if field < 5 {
                guard hasComma else { throw .wrongFieldCount }
                i += 1
            } else if hasComma {
                throw .wrongFieldCount
            }
        }
        guard fields.1 != 0 else { throw .zeroPort }
        return ParsedTuple(address: IPAddress(ipv4: fields.0), port: UInt16(fields.1), end: i)
    }

    /// The RFC 2428 form `<d><proto><d><address><d><port><d>` at `start`; with a
    /// `defaultAddress` (229 replies) also `<d><d><d><port><d>`, the form servers send.
    static func parseExtended(
        _ payload: UnsafeRawBufferPointer, from start: Int, to end: Int, family: AddressFamily,
        defaultAddress: IPAddress?
    ) throws(FTPParseRefusal) -> ParsedExtended {
        guard start < end else { throw .missingDelimiter }
        let delimiter = payload[start]
        guard delimiter >= 33 && delimiter <= 126 else { throw .invalidDelimiter }
        var i = start + 1
        guard i < end else { throw .missingDelimiter }
        let address: IPAddress
        let omitted = payload[i] == delimiter
        if omitted {
            guard let defaultAddress else { throw .missingAddress }
            i += 1
            try expect(delimiter, in: payload, at: i, end: end)
            i += 1
            address = defaultAddress
        } else {
            let named: AddressFamily
            switch payload[i] {
            case UInt8(ascii: "1"): named = .inet
            case UInt8(ascii: "2"): named = .inet6
            default: throw .unknownFamily
            }
            guard named == family else { throw .wrongFamily }
            i += 1
            try expect(delimiter, in: payload, at: i, end: end)
            i += 1
            var close = i
            while close < end && payload[close] != delimiter { close += 1 }
            guard close < end else { throw .missingDelimiter }
            address = try parseAddress(payload, from: i, to: close, family: named)
            i = close + 1
        }
        let port = try parseDecimal(payload, from: i, to: end, maximumDigits: 5, maximum: 65535)
        guard port.value != 0 else { throw .zeroPort }
        i = port.end
        try expect(delimiter, in: payload, at: i, end: end)
        return ParsedExtended(
            address: address, port: UInt16(port.value), delimiter: delimiter, addressOmitted: omitted, end: i + 1)
    }

    static func expect(
        _ delimiter: UInt8, in payload: UnsafeRawBufferPointer, at index: Int, end: Int
    ) throws(FTPParseRefusal) {
        guard index < end else { throw .missingDelimiter }
        guard payload[index] == delimiter else { throw .delimiterMismatch }
    }

    /// A strict literal of `family`: dotted quad (inet_pton, no leading zeros) or IPv6.
    static func parseAddress(
        _ payload: UnsafeRawBufferPointer, from start: Int, to end: Int, family: AddressFamily
    ) throws(FTPParseRefusal) -> IPAddress {
        switch family {
        case .inet:
            var value: UInt32 = 0
            var i = start
            for part in 0..<4 {
                guard let number = try? parseDecimal(payload, from: i, to: end, maximumDigits: 3, maximum: 255)
                else { throw .malformedAddress }
                value = value << 8 | number.value
                i = number.end
                if part < 3 {
                    guard i < end, payload[i] == ASCII.dot else { throw .malformedAddress }
                    i += 1
                }
            }
            guard i == end else { throw .malformedAddress }
            return IPAddress(ipv4: value)
        case .inet6:
            // The one allocation of the parsers: IPv6 literals go through LVSCore's inet_pton
            // equivalent. The text is at most 45 bytes of hex digits, colons and dots.
            let length = end - start
            guard length >= 2, length <= 45 else { throw .malformedAddress }
            for i in start..<end {
                let byte = payload[i]
                guard ASCII.isHexDigit(byte) || byte == ASCII.colon || byte == ASCII.dot else {
                    throw .malformedAddress
                }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: payload[start..<end]), as: UTF8.self)
            guard let address = IPAddress.parseIPv6(text) else { throw .malformedAddress }
            return address
        }
    }
}
