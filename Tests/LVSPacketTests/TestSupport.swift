import LVSPacket

/// Hex text ("0a 0b", "0a0b") to bytes; whitespace ignored; nil when malformed.
func bytes(hex: String) -> [UInt8]? {
    let digits = hex.filter { !$0.isWhitespace }
    guard digits.count % 2 == 0 else { return nil }
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
        result.append(byte)
        index = next
    }
    return result
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

/// Deterministic generator for randomized tests (SplitMix64, Steele et al. 2014).
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
    mutating func ipv4() -> WireAddress {
        WireAddress(ipv4: UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &self))
    }
    mutating func ipv6() -> WireAddress {
        WireAddress(ipv6High: 0x2001_0DB8_0000_0000 | UInt64.random(in: 0...0xFFFF_FFFF, using: &self), low: next())
    }
}

/// Parses `frame` (copied into a scratch buffer with headroom) and runs `body` on it.
func withParsed<R>(
    _ frame: [UInt8], headroom: Int = 64, tailroom: Int = 0,
    _ body: (inout PacketBuffer, ParsedFrame) throws(PacketError) -> R
) throws(PacketError) -> R {
    try PacketBuffer.withCopy(of: frame, headroom: headroom, tailroom: tailroom) { (buffer) throws(PacketError) -> R in
        let parsed = try parseFrame(buffer)
        return try body(&buffer, parsed)
    }
}

/// The parse result of a frame, or its error.
func parseResult(_ frame: [UInt8]) -> Result<ParsedFrame, PacketError> {
    PacketBuffer.withCopy(of: frame) { buffer in
        do throws(PacketError) { return .success(try parseFrame(buffer)) } catch { return .failure(error) }
    }
}

/// The L3 packet of an Ethernet frame, with the transport checksum verified.
func checksumsValid(_ frame: [UInt8]) -> Bool {
    PacketBuffer.withCopy(of: frame) { buffer in
        guard let parsed = try? parseFrame(buffer), let packet = parsed.packet else { return false }
        if packet.network.isFragment { return true }
        switch packet.transport {
        case .tcp, .udp, .icmp: return TransportChecksum.isValid(in: buffer, packet: packet)
        case .other, .fragment: return true
        }
    }
}

let client4 = "192.0.2.10"
let vip4 = "198.51.100.1"
let rs4 = "10.0.0.5"
let client6 = "2001:db8:1::10"
let vip6 = "2001:db8:100::1"
let rs6 = "2001:db8:2::5"
