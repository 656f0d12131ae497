import LVSCore

@testable import LVSSync

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
    IPAddress(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
}

/// Golden messages written out by hand from the layouts of reference §7.3 and §7.4, with the
/// connections they carry.
enum SyncFixtures {
    /// v1, SyncID 7, one IPv4 TCP record without options.
    static let v1IPv4: [UInt8] = [
        // header
        0x00,  // reserved, must be 0
        0x07,  // SyncID 7
        0x00, 0x2C,  // size 44 = 8 + 36
        0x01,  // count 1
        0x01,  // version 1
        0x00, 0x00,  // spare
        // record 0
        0x00,  // type 0: IPv4
        0x06,  // protocol TCP
        0x00, 0x24,  // ver_size: version 0, length 36
        0x00, 0x00, 0x01, 0x83,  // flags INACTIVE 0x100 | NOOUTPUT 0x80 | DROUTE 3
        0x00, 0x01,  // state 1 ESTABLISHED
        0x9C, 0x40,  // cport 40000
        0x00, 0x50,  // vport 80
        0x00, 0x50,  // dport 80
        0x00, 0x00, 0x00, 0x00,  // fwmark 0
        0x00, 0x00, 0x03, 0x84,  // timeout 900 s
        0xC0, 0x00, 0x02, 0x0A,  // caddr 192.0.2.10
        0xC6, 0x33, 0x64, 0x01,  // vaddr 198.51.100.1
        0x0A, 0x00, 0x00, 0x02,  // daddr 10.0.0.2
    ]

    static let v1IPv4Connection = SyncedConnection(
        protocolNumber: .tcp, flags: SyncedConnectionFlags(rawValue: 0x183), state: 1,
        clientAddress: ipv4(192, 0, 2, 10), clientPort: 40000, virtualAddress: ipv4(198, 51, 100, 1), virtualPort: 80,
        destinationAddress: ipv4(10, 0, 0, 2), destinationPort: 80, timeout: 900)

    /// v1, SyncID 9: an IPv4 TCP record with SEQ_DATA (62 bytes, padded to 64), then an IPv6
    /// UDP persistence template with PE_DATA and PE_NAME (85 bytes, no padding after it).
    static let v1WithOptions: [UInt8] = [
        // header
        0x00, 0x09,  // reserved, SyncID 9
        0x00, 0x9D,  // size 157 = 8 + 62 + 2 + 85
        0x02, 0x01, 0x00, 0x00,  // count 2, version 1, spare
        // record 0: IPv4
        0x00, 0x06,  // type IPv4, protocol TCP
        0x00, 0x3E,  // ver_size: length 62 = 36 + 2 + 24
        0x00, 0x00, 0x04, 0x00,  // flags IN_SEQ, MASQ
        0x00, 0x01,  // state ESTABLISHED
        0xD4, 0x31,  // cport 54321
        0x00, 0x15, 0x00, 0x15,  // vport 21, dport 21
        0x00, 0x00, 0x00, 0x00,  // fwmark 0
        0x00, 0x00, 0x03, 0x84,  // timeout 900
        0xC0, 0x00, 0x02, 0x0B,  // caddr 192.0.2.11
        0xC6, 0x33, 0x64, 0x01,  // vaddr 198.51.100.1
        0x0A, 0x00, 0x00, 0x03,  // daddr 10.0.0.3
        0x01, 0x18,  // option SEQ_DATA, length 24
        0x11, 0x22, 0x33, 0x44,  // in_seq.init_seq
        0x00, 0x00, 0x00, 0x04,  // in_seq.delta 4
        0x00, 0x00, 0x00, 0x00,  // in_seq.previous_delta 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // out_seq (no OUT_SEQ)
        0x00, 0x00,  // padding to offset 72
        // record 1: IPv6
        0x01, 0x11,  // type IPv6, protocol UDP
        0x00, 0x55,  // ver_size: length 85 = 72 + 8 + 5
        0x00, 0x00, 0x10, 0x02,  // flags TEMPLATE | TUNNEL
        0x00, 0x00,  // state NONE
        0x00, 0x00,  // cport 0
        0x13, 0xC4, 0x13, 0xC4,  // vport 5060, dport 5060
        0x00, 0x00, 0x00, 0x00,  // fwmark 0
        0x00, 0x00, 0x01, 0x68,  // timeout 360
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01,  // caddr 2001:db8::1
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,  // vaddr 2001:db8::100
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02,  // daddr 2001:db8:1::2
        0x02, 0x06, 0x63, 0x61, 0x6C, 0x6C, 0x2D, 0x31,  // PE_DATA, length 6, "call-1"
        0x03, 0x03, 0x73, 0x69, 0x70,  // PE_NAME, length 3, "sip"
    ]

    static let v1WithOptionsConnections = [
        SyncedConnection(
            protocolNumber: .tcp, flags: .inSequence, state: 1, clientAddress: ipv4(192, 0, 2, 11), clientPort: 54321,
            virtualAddress: ipv4(198, 51, 100, 1), virtualPort: 21, destinationAddress: ipv4(10, 0, 0, 3),
            destinationPort: 21, timeout: 900,
            inSequence: SequenceAdjustment(initialSequence: 0x1122_3344, delta: 4, previousDelta: 0)),
        SyncedConnection(
            protocolNumber: .udp, flags: SyncedConnectionFlags(forwarding: .tunnelling, other: .template), state: 0,
            clientAddress: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), clientPort: 0,
            virtualAddress: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x100), virtualPort: 5060,
            destinationAddress: IPAddress(ipv6High: 0x2001_0DB8_0001_0000, low: 2), destinationPort: 5060,
            timeout: 360, persistenceData: Array("call-1".utf8), persistenceEngine: "sip"),
    ]

    /// v0, SyncID 3: a plain record, then one with IN_SEQ|OUT_SEQ and 24 bytes of sequence data
    /// in little-endian (an x86 sender's host order).
    static let v0: [UInt8] = [
        // header
        0x02,  // count 2
        0x03,  // SyncID 3
        0x00, 0x4C,  // size 76 = 4 + 24 + 48
        // record 0
        0x00, 0x06,  // reserved, protocol TCP
        0x04, 0xD2,  // cport 1234
        0x00, 0x50,  // vport 80
        0x1F, 0x90,  // dport 8080
        0xC0, 0x00, 0x02, 0x01,  // caddr 192.0.2.1
        0xC6, 0x33, 0x64, 0x01,  // vaddr 198.51.100.1
        0x0A, 0x00, 0x00, 0x05,  // daddr 10.0.0.5
        0x01, 0x00,  // flags INACTIVE, MASQ
        0x00, 0x03,  // state 3 SYN_RECV
        // record 1
        0x00, 0x06, 0xD4, 0x31, 0x00, 0x15, 0x00, 0x15,  // TCP, cport 54321, vport 21, dport 21
        0xC0, 0x00, 0x02, 0x0B, 0xC6, 0x33, 0x64, 0x01, 0x0A, 0x00, 0x00, 0x03,  // caddr, vaddr, daddr
        0x06, 0x00,  // flags IN_SEQ | OUT_SEQ, MASQ
        0x00, 0x01,  // state ESTABLISHED
        0x04, 0x03, 0x02, 0x01,  // in_seq.init_seq 0x01020304, little-endian
        0x10, 0x00, 0x00, 0x00,  // in_seq.delta 16
        0x00, 0x00, 0x00, 0x00,  // in_seq.previous_delta 0
        0xD0, 0xC0, 0xB0, 0xA0,  // out_seq.init_seq 0xA0B0C0D0
        0xF0, 0xFF, 0xFF, 0xFF,  // out_seq.delta -16
        0x08, 0x00, 0x00, 0x00,  // out_seq.previous_delta 8
    ]

    static let v0Connections = [
        SyncedConnection(
            protocolNumber: .tcp, flags: .inactive, state: 3, clientAddress: ipv4(192, 0, 2, 1), clientPort: 1234,
            virtualAddress: ipv4(198, 51, 100, 1), virtualPort: 80, destinationAddress: ipv4(10, 0, 0, 5),
            destinationPort: 8080),
        SyncedConnection(
            protocolNumber: .tcp, flags: .sequenceMask, state: 1, clientAddress: ipv4(192, 0, 2, 11),
            clientPort: 54321, virtualAddress: ipv4(198, 51, 100, 1), virtualPort: 21,
            destinationAddress: ipv4(10, 0, 0, 3), destinationPort: 21,
            inSequence: SequenceAdjustment(initialSequence: 0x0102_0304, delta: 16, previousDelta: 0),
            outSequence: SequenceAdjustment(initialSequence: 0xA0B0_C0D0, delta: 0xFFFF_FFF0, previousDelta: 8)),
    ]
}

/// Hand-built v1 messages for the drop-reason tests, written independently of the encoder.
enum CraftedSync {
    /// A v1 message of `records`, each padded to 4 bytes before the next, with size and count set.
    static func message(syncID: UInt8 = 1, count: Int? = nil, records: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [0, syncID, 0, 0, UInt8(count ?? records.count), 1, 0, 0]
        for (index, record) in records.enumerated() {
            bytes += record
            if index < records.count - 1 { bytes += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }
        }
        bytes[2] = UInt8(bytes.count >> 8)
        bytes[3] = UInt8(bytes.count & 0xFF)
        return bytes
    }

    /// An IPv4 record with the given fields and raw option bytes; `length` overrides ver_size.
    static func ipv4Record(
        protocolNumber: UInt8 = 6, flags: UInt32 = 0, state: UInt16 = 1, options: [UInt8] = [],
        type: UInt8 = 0, verSize: UInt16? = nil
    ) -> [UInt8] {
        let length = UInt16(36 + options.count)
        let size = verSize ?? length
        var bytes: [UInt8] = [type, protocolNumber, UInt8(size >> 8), UInt8(size & 0xFF)]
        bytes += [UInt8(flags >> 24), UInt8((flags >> 16) & 0xFF), UInt8((flags >> 8) & 0xFF), UInt8(flags & 0xFF)]
        bytes += [UInt8(state >> 8), UInt8(state & 0xFF), 0x30, 0x39, 0x00, 0x50, 0x00, 0x50]  // cport 12345
        bytes += [0, 0, 0, 0, 0, 0, 0x03, 0x84]  // fwmark 0, timeout 900
        bytes += [192, 0, 2, 1, 198, 51, 100, 1, 10, 0, 0, 1]
        return bytes + options
    }

    /// SEQ_DATA with `length` bytes of data.
    static func sequenceOption(type: UInt8 = 1, length: Int = 24) -> [UInt8] {
        [type, UInt8(length)] + [UInt8](repeating: 0x11, count: length)
    }
}
