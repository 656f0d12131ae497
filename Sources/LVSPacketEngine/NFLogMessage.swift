import LVSPacket

/// One packet as nfnetlink_log hands it over (an `NFULNL_MSG_PACKET` message): the firewall
/// mark netfilter gave it, the interface it came in on, the sender's link-layer address and the
/// network-layer packet. The engine's view of a packet to a firewall-mark service
/// (docs/design/0009-packet-engine.md "Firewall-mark services").
public struct NFLogPacket: Sendable, Hashable {
    /// NFULA_MARK (0 when absent).
    public var mark: UInt32
    /// NFULA_IFINDEX_INDEV (0 when absent).
    public var inputInterface: Int32
    /// The EtherType of the payload (NFULA_PACKET_HDR.hw_protocol).
    public var hardwareProtocol: UInt16
    /// NFULA_HWADDR when it is a 6-byte MAC address.
    public var sourceMAC: MACAddress?
    /// Where the IP packet (NFULA_PAYLOAD) lies in the datagram.
    public var payload: Range<Int>
}

/// Parsing of nfnetlink_log datagrams and building of its configuration requests (the format
/// of linux/netfilter/nfnetlink_log.h: netlink headers and attributes in the host's byte order,
/// attribute values in network byte order). Pure: bytes in, packets or a reason out.
public enum NFLogMessage {
    /// NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET.
    static let packetType: UInt16 = 0x0400
    /// NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG.
    static let configType: UInt16 = 0x0401
    static let errorType: UInt16 = 2
    static let headerLength = 16
    static let generalHeaderLength = 4

    /// Packet attributes (enum nfulnl_attr_type).
    enum Attribute: UInt16 {
        case packetHeader = 1
        case mark = 2
        case inputInterface = 4
        case hardwareAddress = 8
        case payload = 9
    }

    /// What one datagram held.
    public struct Parsed: Sendable, Hashable {
        public var packets: [NFLogPacket] = []
        /// Messages that were not well formed (counted, skipped).
        public var malformed = 0
        /// Error codes of NLMSG_ERROR messages (0 is an acknowledgement).
        public var errors: [Int32] = []
    }

    /// Every message of `datagram` (one recv), in order. Never traps on any input.
    public static func parse(_ datagram: UnsafeRawBufferPointer) -> Parsed {
        var parsed = Parsed()
        var offset = 0
        while offset + headerLength <= datagram.count {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            guard length >= headerLength, offset + length <= datagram.count else {
                parsed.malformed += 1
                return parsed
            }
            switch type {
            case packetType:
                if let packet = packet(in: datagram, from: offset + headerLength, to: offset + length) {
                    parsed.packets.append(packet)
                } else {
                    parsed.malformed += 1
                }
            case errorType where length >= headerLength + 4:
                parsed.errors.append(datagram.loadUnaligned(fromByteOffset: offset + headerLength, as: Int32.self))
            default:
                break
            }
            offset += (length + 3) & ~3
        }
        return parsed
    }

    /// One NFULNL_MSG_PACKET body (general header, then attributes) in `start..<end`.
    static func packet(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> NFLogPacket? {
        var offset = start + generalHeaderLength
        guard offset <= end else { return nil }
        var packet = NFLogPacket(mark: 0, inputInterface: 0, hardwareProtocol: 0, sourceMAC: nil, payload: 0..<0)
        var sawPayload = false
        while offset + 4 <= end {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let rawType = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3FFF
            guard length >= 4, offset + length <= end else { return nil }
            let value = (offset + 4)..<(offset + length)
            switch Attribute(rawValue: rawType) {
            case .packetHeader where value.count >= 2:
                packet.hardwareProtocol = bigEndian16(bytes, value.lowerBound)
            case .mark where value.count >= 4:
                packet.mark = bigEndian32(bytes, value.lowerBound)
            case .inputInterface where value.count >= 4:
                packet.inputInterface = Int32(bitPattern: bigEndian32(bytes, value.lowerBound))
            case .hardwareAddress where value.count >= 4:
                // struct nfulnl_msg_packet_hw: be16 length, 2 bytes padding, 8 bytes address.
                let addressLength = Int(bigEndian16(bytes, value.lowerBound))
                if addressLength == 6 && value.count >= 10 {
                    let a = value.lowerBound + 4
                    packet.sourceMAC = MACAddress(
                        bytes[a], bytes[a + 1], bytes[a + 2], bytes[a + 3], bytes[a + 4], bytes[a + 5])
                }
            case .payload:
                packet.payload = value
                sawPayload = true
            case .packetHeader, .mark, .inputInterface, .hardwareAddress, nil:
                break
            }
            offset += (length + 3) & ~3
        }
        return sawPayload ? packet : nil
    }

    static func bigEndian16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func bigEndian32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian16(bytes, offset)) << 16 | UInt32(bigEndian16(bytes, offset + 2))
    }

    // MARK: Configuration requests

    /// Configuration attributes (enum nfulnl_attr_config).
    enum ConfigAttribute: UInt16 {
        case command = 1
        case mode = 2
        case bufferSize = 3
        case timeout = 4
        case queueThreshold = 5
    }

    /// NFULNL_CFG_CMD_BIND / UNBIND.
    public enum Command: UInt8, Sendable {
        case bind = 1
        case unbind = 2
    }

    /// A config request for `group` with acknowledgement requested: one command, or (with
    /// `command` nil) copy mode "whole packet" up to `copyRange` bytes, the netlink buffer size,
    /// the flush timeout in 1/100 s and the queue threshold in packets.
    public static func configRequest(
        group: UInt16, sequence: UInt32, command: Command?, copyRange: UInt32 = 0xFFFF,
        bufferSize: UInt32 = 65536, timeout: UInt32 = 1, queueThreshold: UInt32 = 1
    ) -> [UInt8] {
        var body: [UInt8] = [0 /* AF_UNSPEC */, 0 /* NFNETLINK_V0 */, UInt8(group >> 8), UInt8(group & 0xFF)]
        func attribute(_ type: ConfigAttribute, _ value: [UInt8]) {
            let length = 4 + value.count
            body += hostOrder(UInt16(length))
            body += hostOrder(type.rawValue)
            body += value
            body += [UInt8](repeating: 0, count: ((length + 3) & ~3) - length)
        }
        if let command {
            attribute(.command, [command.rawValue])
        } else {
            // struct nfulnl_msg_config_mode: be32 copy_range, u8 copy_mode (NFULNL_COPY_PACKET), pad.
            attribute(.mode, bigEndian(copyRange) + [2, 0])
            attribute(.bufferSize, bigEndian(bufferSize))
            attribute(.timeout, bigEndian(timeout))
            attribute(.queueThreshold, bigEndian(queueThreshold))
        }
        let flags: UInt16 = 0x1 | 0x4  // NLM_F_REQUEST | NLM_F_ACK
        var message = hostOrder(UInt32(headerLength + body.count))
        message += hostOrder(configType)
        message += hostOrder(flags)
        message += hostOrder(sequence)
        message += hostOrder(UInt32(0))  // port id: the kernel
        return message + body
    }

    static func hostOrder<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
