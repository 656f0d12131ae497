import CLinuxNet
import Glibc

/// An AF_XDP socket bound to one (interface, receive queue), with its own UMEM
/// (docs/design/0026-af-xdp.md, Documentation/networking/af_xdp.rst). The UMEM's first half
/// feeds the fill ring (receive buffers, returned to it as soon as a frame is handled); the
/// second half is the transmit pool, recycled from the completion ring.
///
/// The bind asks for neither XDP_COPY nor XDP_ZEROCOPY, so the kernel uses zero-copy where the
/// driver supports it and copies elsewhere (veth); `isZeroCopy` says which it chose.
///
/// Invariant for `@unchecked Sendable`: a socket is driven by the one worker that owns its
/// queue; only `close` may come from another thread, after that worker has stopped.
public final class XDPSocket: @unchecked Sendable {
    public let fd: Int32
    public let queue: UInt32
    public let isZeroCopy: Bool
    let umem: UnsafeMutableRawPointer
    let umemLength: Int
    let frameSize: Int
    let fill: XDPRing
    let completion: XDPRing
    let rx: XDPRing
    let tx: XDPRing
    /// Transmit frames not in the kernel's hands (UMEM addresses).
    var freeTransmit: [UInt64]
    /// Descriptors produced on the TX ring since the last kick.
    var pendingTransmit: UInt32 = 0

    /// Opens and binds the socket. `receiveFrames` (a power of two) UMEM frames for the fill and
    /// RX rings and `transmitFrames` (a power of two) for the TX and completion rings, each of
    /// `frameSize` bytes (a power of two, 2048 or 4096); `headroom` bytes kept free before each
    /// received frame (tunnel headers are written there).
    public init(
        interfaceIndex: Int32, queue: UInt32, receiveFrames: Int = 2048, transmitFrames: Int = 2048,
        frameSize: Int = 4096, headroom: Int = 0
    ) throws(PacketEngineError) {
        let frameCount = receiveFrames + transmitFrames
        let fd = clinuxxdp_socket()
        guard fd >= 0 else { throw .fromErrno("socket(AF_XDP)", errno) }
        let length = frameCount * frameSize
        guard let umem = clinuxxdp_alloc_umem(length) else {
            let code = errno
            Glibc.close(fd)
            throw .fromErrno("mmap UMEM", code)
        }
        var mapped: [XDPRing] = []
        func fail(_ call: String, _ code: Int32) -> PacketEngineError {
            for ring in mapped { ring.unmap() }
            munmap(umem, length)
            Glibc.close(fd)
            return .fromErrno(call, code)
        }
        let ringSize = UInt32(receiveFrames)
        let transmitSize = UInt32(transmitFrames)
        guard clinuxxdp_umem_reg(fd, umem, UInt64(length), UInt32(frameSize), UInt32(headroom)) == 0 else {
            throw fail("XDP_UMEM_REG", errno)
        }
        guard clinuxxdp_ring_sizes(fd, ringSize, transmitSize, ringSize, transmitSize) == 0 else {
            throw fail("AF_XDP ring sizes", errno)
        }
        var offsets = clinuxxdp_ring_offsets()
        guard clinuxxdp_mmap_offsets(fd, &offsets) == 0 else { throw fail("XDP_MMAP_OFFSETS", errno) }
        do throws(PacketEngineError) {
            mapped.append(
                try XDPRing(
                    fd: fd, pageOffset: CLINUXXDP_PGOFF_FILL, offsets: offsets.fr, size: ringSize, entrySize: 8))
            mapped.append(
                try XDPRing(
                    fd: fd, pageOffset: CLINUXXDP_PGOFF_COMPLETION, offsets: offsets.cr, size: transmitSize,
                    entrySize: 8))
            mapped.append(
                try XDPRing(fd: fd, pageOffset: CLINUXXDP_PGOFF_RX, offsets: offsets.rx, size: ringSize, entrySize: 16))
            mapped.append(
                try XDPRing(
                    fd: fd, pageOffset: CLINUXXDP_PGOFF_TX, offsets: offsets.tx, size: transmitSize, entrySize: 16))
        } catch {
            throw fail("mmap AF_XDP ring", errno)
        }
        let fill = mapped[0]
        for frame in 0..<UInt32(ringSize) { fill.setAddress(UInt64(frame) * UInt64(frameSize), at: frame) }
        fill.produce(ringSize)
        guard clinuxxdp_bind(fd, interfaceIndex, queue, CLINUXXDP_BIND_NEED_WAKEUP) == 0 else {
            throw fail("bind AF_XDP to queue \(queue)", errno)
        }
        self.fd = fd
        self.queue = queue
        self.umem = umem
        umemLength = length
        self.frameSize = frameSize
        self.fill = fill
        completion = mapped[1]
        rx = mapped[2]
        tx = mapped[3]
        isZeroCopy = clinuxxdp_is_zerocopy(fd) == 1
        freeTransmit = (Int(ringSize)..<frameCount).map { UInt64($0) * UInt64(frameSize) }
    }

    /// Hands up to `limit` received frames to `body` — the frame's whole UMEM chunk (writable:
    /// the forwarder rewrites in place and may use the headroom in front and the tailroom
    /// after), the frame's offset in it and its length — then calls `beforeRelease` (the caller
    /// sends what still points into the chunks) and returns the chunks to the fill ring.
    @discardableResult
    public func receive(
        limit: Int, _ body: (UnsafeMutableRawBufferPointer, Int, Int) -> Void, beforeRelease: () -> Void = {}
    ) -> Int {
        let count = min(rx.available(), UInt32(clamping: limit), fill.free())
        guard count > 0 else {
            if fill.needsWakeup { _ = clinuxxdp_wake(fd) }
            return 0
        }
        let first = rx.consumer.pointee
        let fillFirst = fill.producer.pointee
        for index in 0..<count {
            let descriptor = rx.descriptor(at: first &+ index)
            let chunk = descriptor.address & ~UInt64(frameSize - 1)
            let offset = Int(descriptor.address - chunk)
            if Int(chunk) + frameSize <= umemLength, offset + Int(descriptor.length) <= frameSize {
                body(
                    UnsafeMutableRawBufferPointer(start: umem + Int(chunk), count: frameSize), offset,
                    Int(descriptor.length))
            }
            fill.setAddress(chunk, at: fillFirst &+ index)
        }
        beforeRelease()
        rx.consume(count)
        fill.produce(count)
        return Int(count)
    }

    /// Queues `frame` on the TX ring (copied into a transmit buffer); false when every
    /// transmit buffer is in flight (a counted drop for the caller). Sent at `flush()`.
    @discardableResult
    public func transmit(_ frame: UnsafeRawBufferPointer) -> Bool {
        recycleCompletions()
        guard frame.count <= frameSize, tx.free() > 0, let address = freeTransmit.popLast() else { return false }
        if let base = frame.baseAddress { (umem + Int(address)).copyMemory(from: base, byteCount: frame.count) }
        tx.setDescriptor(address: address, length: UInt32(frame.count), at: tx.producer.pointee)
        tx.produce(1)
        pendingTransmit += 1
        return true
    }

    /// Kicks the kernel to send what `transmit` queued (copy mode always needs the kick).
    public func flush() {
        guard pendingTransmit > 0 else { return }
        pendingTransmit = 0
        _ = clinuxxdp_kick(fd)
    }

    /// Returns sent frames' buffers to the transmit pool.
    func recycleCompletions() {
        let count = completion.available()
        guard count > 0 else { return }
        let first = completion.consumer.pointee
        for index in 0..<count { freeTransmit.append(completion.address(at: first &+ index)) }
        completion.consume(count)
    }

    /// XDP_STATISTICS: frames the kernel dropped for want of a fill buffer or RX slot.
    public func droppedFrames() -> UInt64 {
        var statistics = clinuxxdp_socket_statistics()
        guard clinuxxdp_statistics(fd, &statistics) == 0 else { return 0 }
        return statistics.rx_dropped &+ statistics.rx_ring_full &+ statistics.rx_fill_ring_empty_descs
    }

    /// Unmaps the rings and the UMEM and closes the socket (removing it from the XSK map).
    public func close() {
        for ring in [fill, completion, rx, tx] { ring.unmap() }
        munmap(umem, umemLength)
        Glibc.close(fd)
    }
}
