import LVSCore
import Testing

@testable import LVSProxy

/// The PROXY protocol header sent to real servers (HAProxy's "The PROXY protocol", versions 1
/// and 2; docs/design/0007-proxy-engine.md).
@Suite("Proxy engine: PROXY protocol header")
struct ProxyProtocolHeaderTests {
    static let client4 = IPAddress(ipv4: 0xC000_0201)  // 192.0.2.1
    static let vip4 = IPAddress(ipv4: 0x7F00_0001)  // 127.0.0.1
    static let client6 = IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x0000_0000_0000_0001)
    static let vip6 = IPAddress(ipv6High: 0, low: 1)

    /// The header as bytes, written into a buffer of `capacity`.
    static func header(
        _ version: ProxyProtocolVersion, _ source: IPAddress, _ sourcePort: UInt16, _ destination: IPAddress,
        _ destinationPort: UInt16, capacity: Int = ProxyProtocolHeader.maximumLength
    ) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        let length = ProxyProtocolHeader.write(
            version, source: source, sourcePort: sourcePort, destination: destination,
            destinationPort: destinationPort, into: buffer)
        return Array(buffer[0..<length])
    }

    @Test("v1 over IPv4 is one text line")
    func v1IPv4() {
        let bytes = Self.header(.v1, Self.client4, 40_000, Self.vip4, 80)
        #expect(String(decoding: bytes, as: UTF8.self) == "PROXY TCP4 192.0.2.1 127.0.0.1 40000 80\r\n")
    }

    @Test("v1 over IPv6 names TCP6")
    func v1IPv6() {
        let bytes = Self.header(.v1, Self.client6, 1, Self.vip6, 443)
        #expect(String(decoding: bytes, as: UTF8.self) == "PROXY TCP6 2001:db8::1 ::1 1 443\r\n")
    }

    @Test("the longest v1 line (two full IPv6 addresses, 5-digit ports) fits maximumLength")
    func v1Longest() {
        let full = IPAddress(ipv6High: 0xFFFF_FFFF_FFFF_FFFF, low: 0xFFFF_FFFF_FFFF_FFFF)
        let bytes = Self.header(.v1, full, 65_535, full, 65_535)
        #expect(bytes.count == 104)
        #expect(bytes.count <= ProxyProtocolHeader.maximumLength)
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
    }

    @Test("v2 over IPv4: signature, version/command, TCP4, length 12, addresses and ports big endian")
    func v2IPv4() {
        let bytes = Self.header(.v2, Self.client4, 0x9C40, Self.vip4, 0x0050)
        #expect(bytes.count == 28)
        #expect(Array(bytes[0..<12]) == ProxyProtocolHeader.signature)
        #expect(Array(bytes[12..<16]) == [0x21, 0x11, 0x00, 0x0C])
        #expect(Array(bytes[16..<20]) == [192, 0, 2, 1])
        #expect(Array(bytes[20..<24]) == [127, 0, 0, 1])
        #expect(Array(bytes[24..<28]) == [0x9C, 0x40, 0x00, 0x50])
    }

    @Test("v2 over IPv6: TCP6, length 36, 16-byte addresses")
    func v2IPv6() {
        let bytes = Self.header(.v2, Self.client6, 0x1234, Self.vip6, 0x01BB)
        #expect(bytes.count == 52)
        #expect(Array(bytes[0..<12]) == ProxyProtocolHeader.signature)
        #expect(Array(bytes[12..<16]) == [0x21, 0x21, 0x00, 0x24])
        #expect(Array(bytes[16..<32]) == [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1])
        #expect(Array(bytes[32..<48]) == [UInt8](repeating: 0, count: 15) + [1])
        #expect(Array(bytes[48..<52]) == [0x12, 0x34, 0x01, 0xBB])
    }

    @Test("no header for .none, for mixed address families, or when the buffer is too short")
    func nothingWritten() {
        #expect(Self.header(.none, Self.client4, 1, Self.vip4, 2).isEmpty)
        #expect(Self.header(.v1, Self.client4, 1, Self.vip6, 2).isEmpty)
        #expect(Self.header(.v2, Self.client6, 1, Self.vip4, 2).isEmpty)
        #expect(Self.header(.v1, Self.client4, 40_000, Self.vip4, 80, capacity: 10).isEmpty)
        #expect(Self.header(.v2, Self.client4, 1, Self.vip4, 2, capacity: 27).isEmpty)
        #expect(Self.header(.v2, Self.client4, 1, Self.vip4, 2, capacity: 28).count == 28)
    }
}
