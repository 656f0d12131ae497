/// The offload metadata Linux exchanges with a packet socket in front of each frame when
/// PACKET_VNET_HDR is on (`struct virtio_net_hdr`, 10 bytes, in the host's byte order for
/// packet sockets): whether the transport checksum is still partial, and whether the frame is a
/// segmentation-offload aggregate (a GSO frame from a local sender or a GRO frame from a NIC)
/// that stands for several wire packets of `segmentSize` payload bytes each.
public struct PacketOffload: Sendable, Hashable {
    /// Bytes of the header on the wire between the kernel and the engine.
    public static let length = 10

    /// virtio_net_hdr.gso_type values (without the ECN bit).
    public enum Segmentation: UInt8, Sendable, Hashable {
        case none = 0
        case tcpIPv4 = 1
        /// UDP fragmentation offload (legacy, UFO): never produced by current kernels.
        case udpFragmentation = 3
        case tcpIPv6 = 4
        /// UDP segmentation (UDP_SEGMENT senders, UDP GRO).
        case udpSegments = 5
    }

    static let needsChecksumFlag: UInt8 = 0x01
    static let dataValidFlag: UInt8 = 0x02
    static let ecnBit: UInt8 = 0x80

    /// The transport checksum field holds only the pseudo-header sum (CHECKSUM_PARTIAL); the
    /// sum over `checksumStart…` completes it.
    public var needsChecksum: Bool
    /// The kernel already verified the checksum (CHECKSUM_UNNECESSARY).
    public var dataValid: Bool
    /// The raw gso_type byte (segmentation kind and the ECN bit).
    public var segmentationType: UInt8
    /// Length of the headers in front of the payload, as the sender declared it.
    public var headerLength: UInt16
    /// Payload bytes per segment (the MSS for TCP).
    public var segmentSize: UInt16
    /// Offset of the first byte the partial checksum covers, from the start of the frame.
    public var checksumStart: UInt16
    /// Offset of the checksum field from `checksumStart`.
    public var checksumOffset: UInt16

    public init(
        needsChecksum: Bool = false, dataValid: Bool = false, segmentationType: UInt8 = 0, headerLength: UInt16 = 0,
        segmentSize: UInt16 = 0, checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0
    ) {
        self.needsChecksum = needsChecksum
        self.dataValid = dataValid
        self.segmentationType = segmentationType
        self.headerLength = headerLength
        self.segmentSize = segmentSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// A plain frame: complete checksum, one wire packet.
    public static let none = PacketOffload()

    /// The segmentation kind, nil for a gso_type this library does not know.
    public var segmentation: Segmentation? { Segmentation(rawValue: segmentationType & ~Self.ecnBit) }

    /// True when the frame stands for several wire packets.
    public var isSegmented: Bool { segmentationType & ~Self.ecnBit != 0 }

    /// Reads the header the kernel wrote at `pointer` (10 readable bytes).
    public init(reading pointer: UnsafeRawPointer) {
        let flags = pointer.load(as: UInt8.self)
        self.init(
            needsChecksum: flags & Self.needsChecksumFlag != 0, dataValid: flags & Self.dataValidFlag != 0,
            segmentationType: pointer.load(fromByteOffset: 1, as: UInt8.self),
            headerLength: pointer.loadUnaligned(fromByteOffset: 2, as: UInt16.self),
            segmentSize: pointer.loadUnaligned(fromByteOffset: 4, as: UInt16.self),
            checksumStart: pointer.loadUnaligned(fromByteOffset: 6, as: UInt16.self),
            checksumOffset: pointer.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }

    /// Writes the header for transmission at `pointer` (10 writable bytes). Only the flag the
    /// kernel reads on transmit (needs-checksum) is written.
    public func write(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: needsChecksum ? Self.needsChecksumFlag : 0, as: UInt8.self)
        pointer.storeBytes(of: segmentationType, toByteOffset: 1, as: UInt8.self)
        pointer.storeBytes(of: headerLength, toByteOffset: 2, as: UInt16.self)
        pointer.storeBytes(of: segmentSize, toByteOffset: 4, as: UInt16.self)
        pointer.storeBytes(of: checksumStart, toByteOffset: 6, as: UInt16.self)
        pointer.storeBytes(of: checksumOffset, toByteOffset: 8, as: UInt16.self)
    }
}
