import LVSCore

/// Hand-built Ethernet frames for the XDP program's tests (checksums are not looked at).
enum XDPFrames {
    static let macs: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]

    static func ipv4(
        source: IPAddress, destination: IPAddress, protocolNumber: UInt8, payload: [UInt8],
        fragmentOffset: UInt16 = 0
    ) -> [UInt8] {
        let total = 20 + payload.count
        var frame = macs + [0x08, 0x00]
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1]
        frame += [UInt8(fragmentOffset >> 8), UInt8(fragmentOffset & 0xFF), 64, protocolNumber, 0, 0]
        frame += source.bytes + destination.bytes + payload
        return frame
    }

    static func ipv6(source: IPAddress, destination: IPAddress, nextHeader: UInt8, payload: [UInt8]) -> [UInt8] {
        var frame = macs + [0x86, 0xDD]
        frame += [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), nextHeader, 64]
        frame += source.bytes + destination.bytes + payload
        return frame
    }

    /// A transport header's first 8 bytes plus padding: ports and zeros.
    static func ports(_ source: UInt16, _ destination: UInt16) -> [UInt8] {
        [UInt8(source >> 8), UInt8(source & 0xFF), UInt8(destination >> 8), UInt8(destination & 0xFF)]
            + [UInt8](repeating: 0, count: 16)
    }

    static let arp: [UInt8] = macs + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
}
