/// How a receive ring hands frames to its worker (`lvsd --packet-ring`).
public enum PacketRingKind: String, Sendable, Hashable, CaseIterable {
    /// TPACKET_V3: variable-size frames packed in blocks; the kernel hands over a block when it
    /// is full or after `blockRetireMilliseconds`. Fewest wake-ups under load, but a lone packet
    /// waits up to the retire timeout (closed-loop request/response pays it on every pass).
    case blocks
    /// TPACKET_V2: fixed-size slots, each handed over as soon as it is written (the reader is
    /// woken per frame when idle; under load one wake-up drains many). A frame larger than a
    /// slot (an aggregate) is read whole from the socket instead.
    case frames
}

/// How the packet engine runs (`lvsd --packet-engine --interface …`).
public struct PacketEngineConfiguration: Sendable, Hashable {
    /// The interfaces whose frames the engine reads and writes (`--interface`, repeatable).
    public var interfaces: [String]
    /// Worker threads, one ring per interface each; 0 = one per online CPU.
    public var workerCount: Int
    /// The receive ring's layout.
    public var ring: PacketRingKind
    /// TPACKET_V3 block size in bytes (a power of two, a multiple of the page size).
    public var blockSize: Int
    /// Blocks per ring at least; more when the burst sizing asks for them (PacketRingSizing).
    public var blockCount: Int
    /// Frames per interface a burst may bring before the engine drains them
    /// (`--packet-ring-burst`, docs/design/0024-packet-bursts.md); 0 sizes rings by
    /// `blockCount` alone.
    public var ringBurst: Int
    /// Largest receive ring in bytes (`--packet-ring-memory`, MiB on the command line): the
    /// rings are pinned kernel memory, one per worker per interface.
    public var ringMemoryLimit: Int
    /// Milliseconds after which the kernel hands over a block that is not full (latency bound).
    public var blockRetireMilliseconds: Int
    /// Bytes the kernel leaves free in front of each frame (tunnel headers are written there).
    public var headroom: Int
    /// Exchange offload headers with the kernel (PACKET_VNET_HDR): aggregates (GSO/GRO frames)
    /// stay whole and partial checksums partial, and the kernel segments and completes them on
    /// the way out. Off: every checksum is completed by the engine, and an aggregate is treated
    /// as one oversized packet (answered with fragmentation needed).
    public var offload: Bool
    /// The nftables netdev table the engine owns.
    public var nftablesTable: String
    /// The `nft` executable.
    public var nftCommand: String
    /// The nfnetlink_log group through which packets of firewall-mark services reach the engine.
    public var markedLogGroup: UInt16
    /// The frame I/O path (`--packet-io`, docs/design/0026-af-xdp.md). `xdp` is used only
    /// when asked for, so one that cannot be set up is an error naming why, not a fall-back.
    public var packetIO: PacketIO = .afpacket
    /// Workers decide the packets of established flows in their own flow tables, steered by
    /// the connection's client (docs/design/0025-packet-engine-without-a-lock.md); false: every
    /// packet under the director's lock with hash fanout, as before (for comparison).
    public var flowTable: Bool

    /// "LV": a group no other program is likely to bind in the director's namespace.
    public static let defaultMarkedLogGroup: UInt16 = 0x4C56

    public init(
        interfaces: [String], workerCount: Int = 0, ring: PacketRingKind = .frames, blockSize: Int = 1 << 18,
        blockCount: Int = 16,
        blockRetireMilliseconds: Int = 1, headroom: Int = 64, offload: Bool = true, nftablesTable: String = "lvsd",
        nftCommand: String = "nft", markedLogGroup: UInt16 = defaultMarkedLogGroup, ringBurst: Int = 65_536,
        ringMemoryLimit: Int = 32 << 20, flowTable: Bool = true
    ) {
        self.flowTable = flowTable
        self.ringBurst = ringBurst
        self.ringMemoryLimit = ringMemoryLimit
        self.markedLogGroup = markedLogGroup
        self.interfaces = interfaces
        self.workerCount = workerCount
        self.ring = ring
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.blockRetireMilliseconds = blockRetireMilliseconds
        self.headroom = headroom
        self.offload = offload
        self.nftablesTable = nftablesTable
        self.nftCommand = nftCommand
    }
}
