import Glibc
import LVSReactor

/// A test engine: accepts on one listener and echoes every byte back, with the patterns the
/// proxy engine will use (edge-triggered until EAGAIN, reads held back while the write side is
/// full, per-connection structs in an fd-indexed SlotTable, buffers from a BufferPool).
final class EchoHandler: ReactorHandler {
    typealias Message = Int

    struct Connection {
        var token = ReactorToken(rawValue: 0)
        var buffer: BufferPool.Buffer?
        var start = 0
        var end = 0
        var peerClosed = false
    }

    let listenerFD: Int32
    var listenerToken: ReactorToken?
    var connections = SlotTable(vacant: Connection(), initialCapacity: 1024)
    let buffers = BufferPool(bufferSize: 16 * 1024, capacity: 512)
    var acceptedCount = 0
    var closedCount = 0
    var failures: [String] = []

    init(listenerFD: Int32) {
        self.listenerFD = listenerFD
    }

    func reactorStarted(_ reactor: Reactor<EchoHandler>) {
        do {
            listenerToken = try reactor.register(listenerFD, interest: .input)
        } catch {
            failures.append("register listener: \(error)")
        }
    }

    func handle(_ event: ReactorEvent, reactor: Reactor<EchoHandler>) {
        if event.token == listenerToken {
            var adopter = Adopter(handler: self, reactor: reactor)
            switch Socket.acceptAll(listenerFD, into: &adopter) {
            case .drained: break
            case .budgetExhausted, .descriptorLimit, .failed(_, _): failures.append("accept stopped early")
            }
            return
        }
        service(event.token.slot, reactor: reactor)
    }

    /// Hands accepted connections to the handler together with its reactor (a struct on the
    /// stack: no closure, no allocation).
    struct Adopter: AcceptSink {
        let handler: EchoHandler
        let reactor: Reactor<EchoHandler>

        mutating func accepted(fd: Int32, peer: SocketAddress) {
            handler.adopt(fd, reactor: reactor)
        }
    }

    func adopt(_ fd: Int32, reactor: Reactor<EchoHandler>) {
        acceptedCount += 1
        do {
            // Edge-triggered: bytes already queued are reported by the registration itself.
            let token = try reactor.register(fd, interest: .connection)
            guard connections.occupy(UInt32(fd), with: Connection(token: token, buffer: buffers.take())) != nil else {
                failures.append("slot \(fd) busy")
                reactor.close(token)
                return
            }
        } catch {
            failures.append("register: \(error)")
            close(fd)
        }
    }

    private func service(_ slot: UInt32, reactor: Reactor<EchoHandler>) {
        guard connections.isOccupied(slot), let buffer = connections[slot].buffer else { return }
        let bytes = buffers.bytes(of: buffer)
        while true {
            let connection = connections[slot]
            if connection.end > connection.start {
                let pending = UnsafeRawBufferPointer(rebasing: bytes[connection.start..<connection.end])
                switch Socket.write(Int32(slot), from: pending) {
                case .transferred(let count):
                    connections[slot].start += count
                    if connections[slot].start == connections[slot].end {
                        connections[slot].start = 0
                        connections[slot].end = 0
                    }
                    continue
                case .wouldBlock:
                    return  // the writable edge brings us back; reads wait until then
                case .endOfFile, .failed:
                    finish(slot, reactor: reactor)
                    return
                }
            }
            if connection.peerClosed {
                finish(slot, reactor: reactor)
                return
            }
            switch Socket.read(Int32(slot), into: bytes) {
            case .transferred(let count):
                connections[slot].start = 0
                connections[slot].end = count
            case .wouldBlock:
                return
            case .endOfFile:
                connections[slot].peerClosed = true
            case .failed:
                finish(slot, reactor: reactor)
                return
            }
        }
    }

    private func finish(_ slot: UInt32, reactor: Reactor<EchoHandler>) {
        guard let connection = connections.release(slot: slot) else { return }
        if let buffer = connection.buffer { buffers.giveBack(buffer) }
        reactor.close(connection.token)
        closedCount += 1
    }

    func timerFired(slot: UInt32, reactor: Reactor<EchoHandler>) {}

    func mailboxMessage(_ message: Int, reactor: Reactor<EchoHandler>) {}

    func reactorStopping(_ reactor: Reactor<EchoHandler>) {
        for slot in 0..<UInt32(connections.capacity) where connections.isOccupied(slot) {
            finish(slot, reactor: reactor)
        }
        if let listenerToken { reactor.close(listenerToken) }
    }
}
