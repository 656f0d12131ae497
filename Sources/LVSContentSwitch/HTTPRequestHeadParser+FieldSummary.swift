extension HTTPRequestHeadParser {
    /// What the fields that govern framing and connection handling said, gathered line by line and
    /// judged once the head is complete (so a request split anywhere is judged the same way).
    struct FieldSummary: Sendable {
        var hostCount = 0
        var host: Range<Int>? = nil
        var contentLength: Int64? = nil
        var transferEncodingSeen = false
        var transferEncodingChunkedLast = false
        var transferEncodingChunkedEarlier = false
        var connectionClose = false
        var connectionKeepAlive = false
        var connectionUpgrade = false
        var upgrade: Range<Int>? = nil
        var expectsContinue = false
        var unsupportedExpectation = false

        static let chunked: [UInt8] = Array("chunked".utf8)
        static let close: [UInt8] = Array("close".utf8)
        static let keepAlive: [UInt8] = Array("keep-alive".utf8)
        static let upgradeToken: [UInt8] = Array("upgrade".utf8)
        static let continue100: [UInt8] = Array("100-continue".utf8)
        static let websocket: [UInt8] = Array("websocket".utf8)

        /// Notes one field; returns a refusal that cannot wait for the end of the head.
        mutating func note(_ field: HTTPHeaderField, in buffer: UnsafeRawBufferPointer) -> HTTPRequestRefusal? {
            let name = field.name
            // Dispatch on length first: most fields match none of these and cost one comparison.
            switch name.count {
            case 4 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.host):
                hostCount += 1
                host = field.value
            case 14 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.contentLength):
                return noteContentLength(field.value, in: buffer)
            case 17 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.transferEncoding):
                noteTransferEncoding(field.value, in: buffer)
            case 10 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.connection):
                HTTPBytes.forEachListElement(buffer, field.value) { token in
                    if HTTPBytes.equalsIgnoringCase(buffer, token, Self.close) { connectionClose = true }
                    if HTTPBytes.equalsIgnoringCase(buffer, token, Self.keepAlive) { connectionKeepAlive = true }
                    if HTTPBytes.equalsIgnoringCase(buffer, token, Self.upgradeToken) { connectionUpgrade = true }
                }
            case 7 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.upgrade):
                upgrade = field.value
            case 6 where HTTPBytes.equalsIgnoringCase(buffer, name, HTTPFieldName.expect):
                if HTTPBytes.equalsIgnoringCase(buffer, field.value, Self.continue100) {
                    expectsContinue = true
                } else if !field.value.isEmpty {
                    unsupportedExpectation = true
                }
            default:
                break
            }
            return nil
        }

        /// RFC 9110 §8.6: a list of identical values (`42, 42`, or repeated fields) is one length;
        /// anything else that differs is refused, as is any value that is not a decimal number.
        private mutating func noteContentLength(
            _ value: Range<Int>, in buffer: UnsafeRawBufferPointer
        ) -> HTTPRequestRefusal? {
            var refusal: HTTPRequestRefusal? = nil
            var elements = 0
            HTTPBytes.forEachListElement(buffer, value) { element in
                elements += 1
                guard refusal == nil else { return }
                guard let length = HTTPBytes.decimalValue(buffer, element) else {
                    refusal = .invalidContentLength
                    return
                }
                if let known = contentLength, known != length { refusal = .conflictingContentLength }
                contentLength = length
            }
            if elements == 0 { return .invalidContentLength }
            return refusal
        }

        /// RFC 9112 §6.1, §7: the codings apply in order; the request is delimited only when the last
        /// one is `chunked`, and `chunked` must not be applied twice. Repeated fields form one list.
        private mutating func noteTransferEncoding(_ value: Range<Int>, in buffer: UnsafeRawBufferPointer) {
            transferEncodingSeen = true
            HTTPBytes.forEachListElement(buffer, value) { coding in
                if transferEncodingChunkedLast { transferEncodingChunkedEarlier = true }
                transferEncodingChunkedLast = HTTPBytes.equalsIgnoringCase(buffer, coding, Self.chunked)
            }
            if value.isEmpty || HTTPBytes.trimmed(buffer, value).isEmpty { transferEncodingChunkedLast = false }
        }
    }
}
