import CLinuxNet
import Glibc
import LVSPacket

/// The user-space IP-IP decapsulator's loop: raw sockets in, TUN device out, a signalfd to stop.
///
/// Contract: single-threaded; one receive buffer reused for every packet, so nothing is
/// allocated per packet; every socket is drained until EAGAIN (at most `burst` packets per
/// wake-up, so one busy socket cannot starve the others or the signal).
final class Decapsulator {
    /// A raw socket and what it delivers.
    struct Receiver {
        var fd: Int32
        var outerHeaderIncluded: Bool
        var innerIsIPv6: Bool
        var label: String
    }

    /// The largest IP packet plus room; a longer datagram is truncated by recv and then fails
    /// the length checks (a counted drop).
    static let bufferSize = 65_536 + 64
    static let burst = 256

    private let tunFD: Int32
    private let signalFD: Int32
    private let receivers: [Receiver]
    private let vips: [WireAddress]
    private let statsInterval: UInt64
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var counters = DecapCounters()

    init(tunFD: Int32, signalFD: Int32, receivers: [Receiver], vips: [WireAddress], statsIntervalSeconds: Int) {
        self.tunFD = tunFD
        self.signalFD = signalFD
        self.receivers = receivers
        self.vips = vips
        self.statsInterval = UInt64(max(statsIntervalSeconds, 0)) &* 1_000_000_000
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { buffer.deallocate() }

    /// Runs until SIGINT, SIGTERM or SIGHUP arrives (returns its number) or poll fails.
    func run(report: (DecapCounters) -> Void) -> Int32 {
        var pollSet = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        for receiver in receivers { pollSet.append(pollfd(fd: receiver.fd, events: Int16(POLLIN), revents: 0)) }
        var nextReport = statsInterval > 0 ? clinuxnet_monotonic_ns() &+ statsInterval : UInt64.max
        while true {
            var timeout: Int32 = -1
            if statsInterval > 0 {
                let now = clinuxnet_monotonic_ns()
                if now >= nextReport {
                    report(counters)
                    nextReport = now &+ statsInterval
                }
                timeout = Int32(clamping: (nextReport &- now) / 1_000_000 + 1)
            }
            let ready = pollSet.withUnsafeMutableBufferPointer { set in
                poll(set.baseAddress, nfds_t(set.count), timeout)
            }
            if ready < 0 {
                if errno == EINTR { continue }
                return -1
            }
            // Packets first, then the signal: what was queued before the stop is still counted.
            for index in receivers.indices where pollSet[index + 1].revents != 0 {
                drain(receivers[index])
            }
            if pollSet[0].revents != 0 {
                let signal = clinuxtun_read_signal(signalFD)
                if signal != 0 { return signal }
            }
        }
    }

    private func drain(_ receiver: Receiver) {
        for _ in 0..<Self.burst {
            let length = recv(receiver.fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if length < 0 { return }  // EAGAIN: drained; other errors: try again on the next wake-up
            counters.packetReceived()
            var packet = PacketBuffer(storage: buffer, count: length)
            let verdict = Decapsulation.decide(
                &packet, outerHeaderIncluded: receiver.outerHeaderIncluded, innerIsIPv6: receiver.innerIsIPv6,
                vips: vips)
            switch verdict {
            case .drop(let reason):
                counters.packetDropped(reason)
            case .inject:
                let start = packet.storage.baseAddress.map { $0 + packet.start }
                if write(tunFD, start, packet.count) == packet.count {
                    counters.packetInjected()
                } else {
                    counters.packetDropped(.tunWriteFailed)
                }
            }
        }
    }
}
