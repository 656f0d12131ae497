/// The little of RFC 1035 §4.1 DNS_CHECK needs: a query, and a reply's header.
public enum DNSMessage {
    /// Query types DNS_CHECK accepts (reference §8.5), with their RFC 1035/3596 codes.
    public static let types: [String: UInt16] = [
        "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28,
    ]

    /// A standard query with RD set for `name` (`.` is the root); nil when a label is empty
    /// or longer than 63 bytes, or the name longer than 255 bytes (RFC 1035 §2.3.4).
    public static func query(id: UInt16, name: String, type: UInt16) -> [UInt8]? {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        var encodedName: [UInt8] = []
        if !trimmed.isEmpty {
            for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
                let utf8 = Array(label.utf8)
                guard !utf8.isEmpty, utf8.count <= 63 else { return nil }
                encodedName.append(UInt8(utf8.count))
                encodedName += utf8
            }
        }
        encodedName.append(0)
        guard encodedName.count <= 255 else { return nil }
        bytes += encodedName
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]  // QCLASS IN
        return bytes
    }

    /// The header fields of a reply.
    public struct ReplyHeader: Sendable, Hashable {
        public var id: UInt16
        public var isResponse: Bool
        public var responseCode: UInt8
        public var answerCount: UInt16
    }

    /// nil when shorter than a header (12 bytes).
    public static func replyHeader(_ bytes: [UInt8]) -> ReplyHeader? {
        guard bytes.count >= 12 else { return nil }
        return ReplyHeader(
            id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), isResponse: bytes[2] & 0x80 != 0,
            responseCode: bytes[3] & 0x0F, answerCount: UInt16(bytes[6]) << 8 | UInt16(bytes[7]))
    }
}
