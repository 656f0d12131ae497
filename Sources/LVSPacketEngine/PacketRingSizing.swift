/// How large a receive ring is (docs/design/0024-packet-bursts.md): big enough that a burst of
/// new connections (tens of thousands of SYNs, then the clients' synchronised retransmissions)
/// waits in the ring instead of being dropped, bounded so the rings' pinned kernel memory stays
/// within a configured limit.
///
/// Slots one ring needs:
///
///     wanted = max(2 × queue × cpus, ⌈burst ÷ workers⌉)
///
/// - `queue`: the most frames the kernel queues per CPU for the interface before the worker
///   runs — the larger of its `tx_queue_len` (a veth's peer queue; a NIC's driver queue) and
///   `net.core.netdev_max_backlog` (the per-CPU backlog every received frame passes through).
///   `cpus` of those queues may fill at once; twice that rides out one wake-up's latency.
/// - `burst`: the frames per interface the engine must absorb (`--packet-ring-burst`, default
///   65,536), spread over `workers` rings by the fanout hash.
///
/// The ring is then `wanted × slot` bytes rounded up to a power of two of whole blocks, at least
/// the configured minimum (`blockSize × blockCount`) and at most `memoryLimit`. Frames beyond it
/// are dropped by the kernel and counted (`packet_ring_drops`): TCP retransmits them.
struct PacketRingSizing: Sendable, Hashable {
    /// Bytes of one slot (TPACKET_V2 frame, or the smallest frame a V3 block packs: a SYN with
    /// its headers, 256 bytes).
    var slotSize: Int
    var blockSize: Int
    /// The configured minimum number of blocks.
    var minimumBlocks: Int
    var workers: Int
    var cpus: Int
    /// max(tx_queue_len, netdev_max_backlog) for the interface.
    var queue: Int
    var burst: Int
    /// Largest ring, in bytes.
    var memoryLimit: Int

    /// Blocks of `blockSize` the ring gets.
    var blockCount: Int {
        guard burst > 0 else { return max(minimumBlocks, 1) }
        let wanted = Self.wantedFrames(queue: queue, cpus: cpus, burst: burst, spread: workers)
        let slotsPerBlock = max(blockSize / max(slotSize, 1), 1)
        var blocks = max(minimumBlocks, 1)
        let limit = max(memoryLimit / max(blockSize, 1), blocks)
        while blocks * slotsPerBlock < wanted && blocks * 2 <= limit { blocks *= 2 }
        return blocks
    }

    /// Frames one receiver must hold: max(2 × queue × cpus, ⌈burst ÷ spread⌉), `spread` being the
    /// receivers the burst is divided among (workers' rings, or an interface's receive queues).
    static func wantedFrames(queue: Int, cpus: Int, burst: Int, spread: Int) -> Int {
        max(2 * queue * cpus, (burst + max(spread, 1) - 1) / max(spread, 1))
    }

    /// Slots of the ring `blockCount` gives.
    var slots: Int { blockCount * max(blockSize / max(slotSize, 1), 1) }

    /// The interface's queue from sysfs and procfs; 1,000 (both defaults) when unreadable.
    static func queue(interface: String) -> Int {
        func number(_ path: String) -> Int? {
            InterfaceDiscovery.readFile(path).flatMap { Int(String($0.filter(\.isNumber))) }
        }
        let transmit = number("/sys/class/net/\(interface)/tx_queue_len")
        let backlog = number("/proc/sys/net/core/netdev_max_backlog")
        return max(transmit ?? 1000, backlog ?? 1000)
    }
}

/// How many UMEM frames an AF_XDP socket gets (docs/design/0024-packet-bursts.md, "Under
/// XDP"): the fill and RX rings get `receiveFrames` (a power of two, at least 2,048), as many as
/// `wanted` (`PacketRingSizing.wantedFrames` for the socket's receive queue) needs and
/// `memoryLimit` allows next to `transmitFrames` for the TX ring; each frame is a `frameSize`
/// chunk of the socket's UMEM. The engine passes the memory the AF_PACKET rings would have had
/// for those frames (workers × limit ÷ queues), since under XDP its rings only carry ARP and
/// neighbour discovery and keep their minimum size.
struct XDPSocketSizing: Sendable, Hashable {
    var frameSize: Int
    var wanted: Int
    var memoryLimit: Int
    /// Frames kept for the TX ring (the workers transmit through the packet socket; the XSK
    /// transmit path needs a pool of its own).
    var transmitFrames = 1024

    static let minimumReceiveFrames = 2048

    /// Frames for the fill and RX rings.
    var receiveFrames: Int {
        var frames = Self.minimumReceiveFrames
        while frames < wanted && (2 * frames + transmitFrames) * frameSize <= memoryLimit { frames *= 2 }
        return frames
    }

    /// The UMEM's frames: receive and transmit.
    var totalFrames: Int { receiveFrames + transmitFrames }
}
