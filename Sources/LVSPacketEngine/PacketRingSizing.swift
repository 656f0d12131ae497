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
        let wanted = max(2 * queue * cpus, (burst + max(workers, 1) - 1) / max(workers, 1))
        let slotsPerBlock = max(blockSize / max(slotSize, 1), 1)
        var blocks = max(minimumBlocks, 1)
        let limit = max(memoryLimit / max(blockSize, 1), blocks)
        while blocks * slotsPerBlock < wanted && blocks * 2 <= limit { blocks *= 2 }
        return blocks
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
