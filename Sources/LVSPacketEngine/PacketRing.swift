import CLinuxNet
import Glibc

/// One AF_PACKET socket bound to one interface, with a memory-mapped receive ring (TPACKET_V3
/// blocks or TPACKET_V2 frames, `PacketRingKind`), joined to the interface's fanout group (one
/// ring per worker per interface, DESIGN.md §6).
/// The socket also transmits (sendmmsg), so frames leave through the interface it is bound to.
///
/// Ownership: created by the engine, then used only by its worker thread; `close` after the
/// worker stopped.
struct PacketRing: @unchecked Sendable {
    // @unchecked: the mapping pointer is used by one thread at a time (created on the control
    // thread, handed to exactly one worker, closed after that worker stopped).
    let fd: Int32
    let map: UnsafeMutableRawPointer
    let kind: PacketRingKind
    let blockSize: Int
    let blockCount: Int
    /// TPACKET_V2: bytes per slot, slots per block, slots in all.
    let frameSize: Int
    let framesPerBlock: Int
    var frameCount: Int { framesPerBlock * blockCount }
    /// Position of the interface in the engine's list.
    let interface: Int
    /// PACKET_VNET_HDR is on: every received frame is preceded by its offload header, and every
    /// sent frame must be (`PacketOffload`).
    let offload: Bool
    /// The next block to look at (blocks are handed over in order).
    var nextBlock = 0
    /// TPACKET_V2: the next slot to look at (slots are filled in order).
    var nextFrame = 0

    /// Opens the socket and ring; `filter` is attached before bind so no unfiltered frame
    /// reaches the ring.
    static func open(
        interfaceIndex: Int32, interface: Int, mtu: Int, fanoutGroup: UInt16, filter: BPFProgram,
        configuration: PacketEngineConfiguration, sizing: PacketRingSizing
    ) throws(PacketEngineError) -> PacketRing {
        let fd = clinuxpacket_socket()
        guard fd >= 0 else { throw .fromErrno("socket(AF_PACKET)", errno) }
        func fail(_ call: String) -> PacketEngineError {
            let code = errno
            Glibc.close(fd)
            return .fromErrno(call, code)
        }
        let kind = configuration.ring
        switch kind {
        case .blocks: guard clinuxpacket_set_v3(fd) == 0 else { throw fail("PACKET_VERSION") }
        case .frames: guard clinuxpacket_set_v2(fd) == 0 else { throw fail("PACKET_VERSION") }
        }
        // Offload headers keep aggregates whole and partial checksums partial; a kernel that
        // refuses them leaves the engine completing checksums (aggregates then cannot be told).
        let offload = configuration.offload && clinuxpacket_set_vnet_hdr(fd) == 0
        guard clinuxpacket_set_reserve(fd, UInt32(configuration.headroom)) == 0 else { throw fail("PACKET_RESERVE") }
        // Frames this host sends (ours included) are not for the engine.
        _ = clinuxpacket_ignore_outgoing(fd)
        do {
            try filter.attach(to: fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        // A V2 slot holds a full-size frame of the interface (with the ring's headers, the
        // reserve and the offload header); larger frames (aggregates) are read from the socket.
        var frameSize = 2048
        while frameSize < mtu + 256 + configuration.headroom && frameSize < configuration.blockSize { frameSize *= 2 }
        var sizing = sizing
        sizing.slotSize = kind == .frames ? frameSize : 256
        let blockCount = sizing.blockCount
        switch kind {
        case .blocks:
            guard
                clinuxpacket_rx_ring(
                    fd, UInt32(configuration.blockSize), UInt32(blockCount), 2048,
                    UInt32(configuration.blockRetireMilliseconds)) == 0
            else { throw fail("PACKET_RX_RING") }
        case .frames:
            guard clinuxpacket_copy_thresh(fd) == 0 else { throw fail("PACKET_COPY_THRESH") }
            // Room for 64 queued aggregates of 64 KiB; the kernel's limit applies without
            // CAP_NET_ADMIN (a frame that finds no room is counted drop_truncated).
            _ = clinuxpacket_receive_buffer(fd, 4 << 20)
            guard
                clinuxpacket_rx_ring_v2(
                    fd, UInt32(configuration.blockSize), UInt32(blockCount), UInt32(frameSize)) == 0
            else { throw fail("PACKET_RX_RING") }
        }
        let length = configuration.blockSize * blockCount
        guard let map = clinuxpacket_mmap(fd, length) else { throw fail("mmap(packet ring)") }
        guard clinuxpacket_bind(fd, interfaceIndex) == 0 else {
            _ = clinuxpacket_munmap(map, length)
            throw fail("bind(AF_PACKET)")
        }
        // The group's program (FanoutProgram, set by the engine) steers by the connection's client.
        let mode = configuration.flowTable ? CLINUXPACKET_FANOUT_CBPF : CLINUXPACKET_FANOUT_HASH
        guard clinuxpacket_fanout(fd, fanoutGroup, mode) == 0 else {
            _ = clinuxpacket_munmap(map, length)
            throw fail("PACKET_FANOUT")
        }
        return PacketRing(
            fd: fd, map: map, kind: kind, blockSize: configuration.blockSize, blockCount: blockCount,
            frameSize: frameSize, framesPerBlock: configuration.blockSize / frameSize, interface: interface,
            offload: offload)
    }

    /// The next block the kernel has handed to user space, or nil.
    func readyBlock() -> UnsafeMutableRawPointer? {
        let block = map + nextBlock * blockSize
        return clinuxpacket_block_status(block) & CLINUXPACKET_TP_STATUS_USER != 0 ? block : nil
    }

    /// Gives the current block back to the kernel and moves on.
    mutating func releaseBlock() {
        clinuxpacket_block_release(map + nextBlock * blockSize)
        nextBlock = (nextBlock + 1) % blockCount
    }

    /// TPACKET_V2: the slot `ahead` places after the next one, if the kernel has handed it to
    /// user space, or nil.
    func frame(_ ahead: Int) -> UnsafeMutableRawPointer? {
        let frame = slot((nextFrame + ahead) % frameCount)
        return clinuxpacket_v2_status(frame) & CLINUXPACKET_TP_STATUS_USER != 0 ? frame : nil
    }

    /// TPACKET_V2: gives the next `count` slots back to the kernel and moves past them.
    mutating func releaseFrames(_ count: Int) {
        for _ in 0..<count {
            clinuxpacket_v2_release(slot(nextFrame))
            nextFrame = (nextFrame + 1) % frameCount
        }
    }

    /// TPACKET_V2: where slot `index` starts (slots do not straddle blocks).
    private func slot(_ index: Int) -> UnsafeMutableRawPointer {
        map + (index / framesPerBlock) * blockSize + (index % framesPerBlock) * frameSize
    }

    /// Packets and drops the kernel counted since the last call.
    func statistics() -> (packets: UInt32, drops: UInt32) {
        var packets: UInt32 = 0
        var drops: UInt32 = 0
        _ = clinuxpacket_statistics(fd, &packets, &drops)
        return (packets, drops)
    }

    func close() {
        _ = clinuxpacket_munmap(map, blockSize * blockCount)
        _ = Glibc.close(fd)
    }
}
