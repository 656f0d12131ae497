/// rtnetlink messages as bytes (netlink(7), rtnetlink(7)): a 16-byte `nlmsghdr`, a fixed
/// family header (`ifaddrmsg`, `ifinfomsg`), then type-length-value attributes, each padded
/// to 4 bytes. Integers are in host byte order. Pure: building and parsing only, no socket.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]

    /// A message of `type` with `flags` and the fixed family header `header`.
    init(type: UInt16, flags: UInt16, header: [UInt8]) {
        bytes = []
        Self.append(UInt32(0), to: &bytes)  // length, set by `finished`
        Self.append(type, to: &bytes)
        Self.append(flags, to: &bytes)
        Self.append(UInt32(1), to: &bytes)  // sequence: one request per socket
        Self.append(UInt32(0), to: &bytes)  // port id: the kernel's
        bytes += header
        pad()
    }

    /// Appends attribute `type` with `payload`.
    mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        Self.append(UInt16(4 + payload.count), to: &bytes)
        Self.append(type, to: &bytes)
        bytes += payload
        pad()
    }

    /// A NUL-terminated string attribute (IFLA_IFNAME, IFA_LABEL, IFLA_INFO_KIND).
    mutating func attribute(_ type: UInt16, string: String) {
        attribute(type, Array(string.utf8) + [0])
    }

    mutating func attribute(_ type: UInt16, u32 value: UInt32) {
        attribute(type, Self.bytes(of: value))
    }

    /// A nested attribute (NLA_F_NESTED is not needed by rtnetlink's link info).
    mutating func nested(_ type: UInt16, _ build: (inout NetlinkRequest) -> Void) {
        let start = bytes.count
        Self.append(UInt16(0), to: &bytes)
        Self.append(type, to: &bytes)
        build(&self)
        let length = UInt16(bytes.count - start)
        bytes.replaceSubrange(start..<start + 2, with: Self.bytes(of: length))
    }

    /// The message with its length filled in.
    var finished: [UInt8] {
        var copy = bytes
        copy.replaceSubrange(0..<4, with: Self.bytes(of: UInt32(bytes.count)))
        return copy
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        bytes += Self.bytes(of: value)
    }
}

/// One received netlink message: its type, flags and the bytes after the 16-byte header.
struct NetlinkMessage {
    static let headerLength = 16

    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var payload: ArraySlice<UInt8>

    /// The messages in one datagram; a length that runs past the end or below the header
    /// throws (the kernel never sends one; a reader must not trap on it).
    static func split(_ bytes: ArraySlice<UInt8>) throws(NetlinkParseError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= headerLength {
            let length = Int(read(UInt32.self, bytes, offset))
            guard length >= headerLength, length <= bytes.endIndex - offset else {
                throw NetlinkParseError("a message length of \(length) with \(bytes.endIndex - offset) bytes left")
            }
            messages.append(
                NetlinkMessage(
                    type: read(UInt16.self, bytes, offset + 4), flags: read(UInt16.self, bytes, offset + 6),
                    sequence: read(UInt32.self, bytes, offset + 8),
                    payload: bytes[(offset + headerLength)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return messages
    }

    /// The attributes after a fixed header of `fixedLength` bytes, by type (NLA_TYPE_MASK
    /// applied; the last of a repeated type wins).
    func attributes(after fixedLength: Int) throws(NetlinkParseError) -> [UInt16: ArraySlice<UInt8>] {
        guard payload.count >= fixedLength else {
            throw NetlinkParseError("a payload of \(payload.count) bytes, shorter than its \(fixedLength)-byte header")
        }
        return try Self.attributes(in: payload.dropFirst(fixedLength))
    }

    /// Type-length-value attributes in `bytes` (also the contents of a nested attribute).
    static func attributes(in bytes: ArraySlice<UInt8>) throws(NetlinkParseError) -> [UInt16: ArraySlice<UInt8>] {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            let length = Int(read(UInt16.self, bytes, offset))
            guard length >= 4, length <= bytes.endIndex - offset else {
                throw NetlinkParseError("an attribute length of \(length) with \(bytes.endIndex - offset) bytes left")
            }
            let type = read(UInt16.self, bytes, offset + 2) & 0x3FFF
            result[type] = bytes[(offset + 4)..<(offset + length)]
            offset += min((length + 3) & ~3, bytes.endIndex - offset)
        }
        return result
    }

    /// A host-order integer at `offset` (the caller checked the bounds).
    static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, _ offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<MemoryLayout<T>.size { raw[index] = bytes[offset + index] }
        }
        return value
    }

    /// A host-order integer attribute, or nil when it is too short.
    static func integer<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>?) -> T? {
        guard let bytes, bytes.count >= MemoryLayout<T>.size else { return nil }
        return read(T.self, bytes, bytes.startIndex)
    }

    /// A NUL-terminated string attribute.
    static func string(_ bytes: ArraySlice<UInt8>?) -> String? {
        guard let bytes else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// A netlink reply that does not parse.
struct NetlinkParseError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
