import LVSCore

/// The PROXY protocol header the engine sends a real server before the client's first byte, so
/// the real server learns the client's address (HAProxy's "The PROXY protocol" versions 1 and 2).
///
/// Version 1 is one text line: `PROXY TCP4 <src> <dst> <sport> <dport>\r\n` (`TCP6` for IPv6);
/// version 2 is binary: the 12-byte signature `\r\n\r\n\0\r\nQUIT\n`, 0x21 (version 2, command
/// PROXY), the family/transport byte (0x11 TCP over IPv4, 0x21 TCP over IPv6), the length of
/// the address block (12 or 36, big endian), then source address, destination address, source
/// port and destination port in network order.
public enum ProxyProtocolHeader {
    /// The v2 signature.
    public static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    /// Longest header written: a v1 line for two full IPv6 addresses is at most 104 bytes.
    public static let maximumLength = 108

    /// Writes the header into `buffer` and returns its length; 0 for `.none`, for mixed families
    /// or when `buffer` is too short.
    public static func write(
        _ version: ProxyProtocolVersion, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
        destinationPort: UInt16, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        guard source.family == destination.family else { return 0 }
        switch version {
        case .none:
            return 0
        case .v1:
            let family = source.family == .inet ? "TCP4" : "TCP6"
            let line = "PROXY \(family) \(source) \(destination) \(sourcePort) \(destinationPort)\r\n"
            let bytes = line.utf8
            guard bytes.count <= buffer.count else { return 0 }
            var offset = 0
            for byte in bytes {
                buffer[offset] = byte
                offset += 1
            }
            return offset
        case .v2:
            let addressLength = source.family == .inet ? 12 : 36
            let total = 16 + addressLength
            guard total <= buffer.count else { return 0 }
            for (index, byte) in signature.enumerated() { buffer[index] = byte }
            buffer[12] = 0x21
            buffer[13] = source.family == .inet ? 0x11 : 0x21
            buffer[14] = UInt8(addressLength >> 8)
            buffer[15] = UInt8(addressLength & 0xFF)
            var offset = 16
            storeAddress(source, into: buffer, at: &offset)
            storeAddress(destination, into: buffer, at: &offset)
            storeBigEndian(UInt64(sourcePort), bytes: 2, into: buffer, at: &offset)
            storeBigEndian(UInt64(destinationPort), bytes: 2, into: buffer, at: &offset)
            return offset
        }
    }

    private static func storeAddress(
        _ address: IPAddress, into buffer: UnsafeMutableRawBufferPointer, at offset: inout Int
    ) {
        switch address.family {
        case .inet:
            storeBigEndian(UInt64(address.ipv4Value), bytes: 4, into: buffer, at: &offset)
        case .inet6:
            storeBigEndian(address.high, bytes: 8, into: buffer, at: &offset)
            storeBigEndian(address.low, bytes: 8, into: buffer, at: &offset)
        }
    }

    private static func storeBigEndian(
        _ value: UInt64, bytes: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: inout Int
    ) {
        for index in 0..<bytes {
            buffer[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64((bytes - 1 - index) * 8))
        }
        offset += bytes
    }
}
