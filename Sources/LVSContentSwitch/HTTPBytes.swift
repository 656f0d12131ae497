/// Byte classes and comparisons of HTTP/1.1 (RFC 9110 §5.6.2, RFC 9112 §2.2) over raw buffers.
/// Everything here compares bytes in place: the common path allocates nothing.
enum HTTPBytes {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar` of RFC 9110 §5.6.2.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

    /// Whether `buffer[range]` equals `lowercased` ignoring ASCII case (`lowercased` is lower case).
    @inline(__always)
    static func equalsIgnoringCase(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercased: [UInt8]) -> Bool
    {
        guard range.count == lowercased.count else { return false }
        var i = 0
        for index in range {
            if lower(buffer[index]) != lowercased[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether `buffer[range]` equals `bytes` exactly.
    @inline(__always)
    static func equals(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard range.count == bytes.count else { return false }
        var i = 0
        for index in range {
            if buffer[index] != bytes[i] { return false }
            i += 1
        }
        return true
    }

    /// `range` without leading and trailing SP/HT.
    static func trimmed(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isWhitespace(buffer[lower]) { lower += 1 }
        while upper > lower, isWhitespace(buffer[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Calls `body` with each trimmed, non-empty element of a comma-separated list (RFC 9110 §5.6.1).
    static func forEachListElement(
        _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void
    ) {
        var start = range.lowerBound
        var index = range.lowerBound
        while index <= range.upperBound {
            if index == range.upperBound || buffer[index] == 0x2C {
                let element = trimmed(buffer, start..<index)
                if !element.isEmpty { body(element) }
                start = index + 1
            }
            index += 1
        }
    }

    /// The decimal value of `buffer[range]`, nil when empty, not all digits, or above `Int64.max`.
    static func decimalValue(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        var value: Int64 = 0
        for index in range {
            let b = buffer[index]
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { return nil }
            value = s
        }
        return value
    }
}
