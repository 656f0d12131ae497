/// A bounds-checked big-endian reader over a byte buffer: every read checks the remaining length
/// first and throws `.truncated` instead of reading past the end (the katran habit: bounds
/// checked before every read).
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        self.buffer = buffer
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    var remaining: Int { end - offset }

    mutating func u8() throws(TLSClientHelloRefusal) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func u16() throws(TLSClientHelloRefusal) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { offset += 2 }
        return UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
    }

    mutating func u24() throws(TLSClientHelloRefusal) -> Int {
        guard remaining >= 3 else { throw .truncated }
        defer { offset += 3 }
        return Int(buffer[offset]) << 16 | Int(buffer[offset + 1]) << 8 | Int(buffer[offset + 2])
    }

    /// The next `count` bytes as a range, skipped.
    mutating func bytes(_ count: Int) throws(TLSClientHelloRefusal) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// A sub-reader over a vector with a `lengthBytes`-byte length prefix (RFC 8446 §3.4).
    mutating func vector(lengthBytes: Int) throws(TLSClientHelloRefusal) -> ByteReader {
        let length: Int
        switch lengthBytes {
        case 1: length = Int(try u8())
        case 2: length = Int(try u16())
        default: length = try u24()
        }
        return ByteReader(buffer, range: try bytes(length))
    }
}
