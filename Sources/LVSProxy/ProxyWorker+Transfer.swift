import Glibc
import LVSCore
import LVSReactor

// Moving bytes both ways with backpressure, half-close and splice
// (docs/design/0007-proxy-engine.md, "Buffering" and "Splice").
extension ProxyWorker {
    /// An edge on a client or real-server socket. Readable (or hang-up/error) drives the
    /// direction *from* this socket; writable drives the direction *towards* it.
    func connectionEvent(_ slot: UInt32, token: ReactorToken, readiness: Readiness, reactor: Reactor<ProxyWorker>) {
        let entry = slots[slot]
        if entry.http {
            httpEvent(slot, readiness: readiness, reactor: reactor)
            return
        }
        let client = entry.kind == .client ? slot : entry.partner
        guard entry.kind == .client || slots.isCurrent(entry.partnerToken) else { return }
        // Remember what this edge said even when it is not acted on now (connecting, stalled):
        // edge-triggered epoll will not say it again.
        let readable =
            readiness.contains(.readable) || readiness.contains(.readHangup) || readiness.contains(.hangup)
            || readiness.contains(.error)
        if readable { slots[slot].mayRead = true }
        if readiness.contains(.readHangup) || readiness.contains(.hangup) || readiness.contains(.error) {
            slots[slot].peerClosed = true
        }
        if slots[client].connecting {
            if entry.kind == .server {
                guard readiness.contains(.writable) || readiness.contains(.error) || readiness.contains(.hangup)
                else { return }
                // A failed non-blocking connect always reports EPOLLERR (and usually EPOLLHUP); only
                // then is SO_ERROR worth a syscall.
                let suspect = readiness.contains(.error) || readiness.contains(.hangup)
                if !suspect || (Socket.pendingError(Int32(bitPattern: slot)) == 0 && !readiness.contains(.error)) {
                    reactor.cancelTimer(slot: client)
                    connectSucceeded(client, reactor: reactor)
                } else {
                    reactor.cancelTimer(slot: client)
                    connectFailed(client, timedOut: false, reactor: reactor)
                }
            } else if readiness.contains(.error) || readiness.contains(.hangup) {
                // The client gave up before a real server answered.
                finish(client, reset: .client, reactor: reactor)
            }
            // Client bytes wait in its socket buffer until the connect completes.
            return
        }
        if slots[client].stalled {
            if readiness.contains(.error) || readiness.contains(.hangup) {
                finish(client, reset: entry.kind == .client ? .client : .server, reactor: reactor)
            }
            return
        }
        let partner = entry.partner
        if readable {
            guard pump(from: slot, to: partner, reactor: reactor), slots.isCurrent(token) else { return }
        }
        if readiness.contains(.writable) {
            _ = pump(from: partner, to: slot, reactor: reactor)
        }
    }

    /// Moves bytes from `source` to `destination` until one of them would block: first what is
    /// pending (buffer, then pipe), then new reads. Stops reading while the destination is full
    /// (its writable edge resumes us), so a direction holds at most one buffer or one pipe.
    /// Returns false if the connection was closed.
    @discardableResult
    func pump(from source: UInt32, to destination: UInt32, reactor: Reactor<ProxyWorker>) -> Bool {
        if slots[source].ftpControl { return pumpControl(from: source, to: destination, reactor: reactor) }
        let client = slots[source].kind == .client ? source : destination
        let sourceFD = Int32(bitPattern: source)
        let destinationFD = Int32(bitPattern: destination)
        var moved = false
        defer {
            if moved, slots.isOccupied(client), slots[client].kind == .client {
                slots[client].lastActivity = reactor.now.nanoseconds
                slots[client].dirty = true
            }
        }
        while true {
            let entry = slots[source]
            if entry.end > entry.start, let buffer = entry.buffer {
                let bytes = buffers.bytes(of: buffer)
                let pending = UnsafeRawBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)])
                switch Socket.write(destinationFD, from: pending) {
                case .transferred(let count):
                    moved = true
                    slots[source].start += Int32(count)
                    if slots[source].start == slots[source].end {
                        slots[source].start = 0
                        slots[source].end = 0
                    }
                    continue
                case .wouldBlock:
                    return true
                case .endOfFile, .failed:
                    finish(client, reset: destination == client ? .client : .server, reactor: reactor)
                    return false
                }
            }
            if entry.pipeBytes > 0, let pipe = entry.pipe {
                switch Socket.splice(from: pipe.readFD, to: destinationFD, count: entry.pipeBytes) {
                case .transferred(let count):
                    moved = true
                    slots[source].pipeBytes -= count
                    continue
                case .wouldBlock:
                    return true
                case .endOfFile, .failed:
                    finish(client, reset: destination == client ? .client : .server, reactor: reactor)
                    return false
                }
            }
            if entry.readEOF {
                return forwardEndOfFile(from: source, to: destination, client: client, reactor: reactor)
            }
            if entry.splicing, let buffer = entry.buffer {
                // Drained: the copy buffer is not needed once a direction splices.
                buffers.giveBack(buffer)
                slots[source].buffer = nil
            }
            if !entry.mayRead {
                // Nothing to read until the next readable edge: lend nothing meanwhile.
                if let buffer = entry.buffer {
                    buffers.giveBack(buffer)
                    slots[source].buffer = nil
                }
                if entry.pipeBytes == 0, let pipe = entry.pipe {
                    pipes.giveBack(pipe)
                    slots[source].pipe = nil
                }
                return true
            }
            if entry.splicing && takePipe(source) {
                guard let pipe = slots[source].pipe else { return true }
                switch Socket.splice(from: sourceFD, to: pipe.writeFD, count: spliceChunk) {
                case .transferred(let count):
                    moved = true
                    slots[source].pipeBytes = count
                    slots[source].unreportedBytes &+= UInt64(count)
                case .wouldBlock:
                    // Idle: the empty pipe goes back to the pool until bytes arrive again.
                    pipes.giveBack(pipe)
                    slots[source].pipe = nil
                    slots[source].mayRead = false
                    return true
                case .endOfFile:
                    slots[source].readEOF = true
                case .failed:
                    finish(client, reset: source == client ? .client : .server, reactor: reactor)
                    return false
                }
                continue
            }
            guard let buffer = entry.buffer ?? buffers.take() else {
                counters.increment(.droppedOutOfBuffers)
                finish(client, reset: .client, reactor: reactor)
                return false
            }
            slots[source].buffer = buffer
            let bytes = buffers.bytes(of: buffer)
            switch Socket.read(sourceFD, into: bytes) {
            case .transferred(let count):
                moved = true
                slots[source].start = 0
                slots[source].end = Int32(count)
                slots[source].unreportedBytes &+= UInt64(count)
                if count < bytes.count && !slots[source].peerClosed {
                    slots[source].mayRead = false  // drained: see `ProxySlot.mayRead`
                }
                if count == bytes.count && configuration.splice == .afterFullBuffer && !slots[source].splicing {
                    // A full buffer means bulk: the rest of this direction goes through a pipe.
                    slots[source].splicing = true
                    counters.increment(.splicedDirections)
                }
            case .wouldBlock:
                // Idle: the empty buffer goes back to the pool until bytes arrive again.
                buffers.giveBack(buffer)
                slots[source].buffer = nil
                slots[source].mayRead = false
                return true
            case .endOfFile:
                buffers.giveBack(buffer)
                slots[source].buffer = nil
                slots[source].readEOF = true
            case .failed:
                finish(client, reset: source == client ? .client : .server, reactor: reactor)
                return false
            }
        }
    }

    /// Lends `slot` a pipe if it has none; false (falling back to copying, counted) when the
    /// pool is empty.
    private func takePipe(_ slot: UInt32) -> Bool {
        if slots[slot].pipe != nil { return true }
        guard let pipe = pipes.take() else {
            counters.increment(.pipeExhaustions)
            slots[slot].splicing = false
            return false
        }
        slots[slot].pipe = pipe
        return true
    }

    /// Everything read from `source` has been written: pass its FIN on (half-close) and tell the
    /// director; once both directions are closed the connection ends normally.
    func forwardEndOfFile(
        from source: UInt32, to destination: UInt32, client: UInt32, reactor: Reactor<ProxyWorker>
    ) -> Bool {
        guard !slots[source].eofForwarded else { return true }
        slots[source].eofForwarded = true
        do {
            try Socket.shutdownWrite(Int32(bitPattern: destination))
        } catch {
            finish(client, reset: destination == client ? .client : .server, reactor: reactor)
            return false
        }
        // An FTP data connection without an entry of its own leaves the control's states alone;
        // in active mode its "client" socket is the real server's.
        var side: ConnectionSide = source == client ? .client : .server
        if slots[client].swapped { side = side == .client ? .server : .client }
        let status =
            slots[client].control == .max || slots[client].ownsRelatedEntry
            ? sideClosed(slots[client].ref, side, now: reactor.now) : .live
        if slots[source].eofForwarded && slots[destination].eofForwarded {
            finish(client, reset: nil, reactor: reactor)
            return false
        }
        if status == .gone {
            counters.increment(.expiredByDirector)
            finish(client, reset: nil, reactor: reactor)
            return false
        }
        // Half-closed: the idle timeout becomes FIN_WAIT's.
        reactor.armTimer(slot: client, afterNanoseconds: idleTimeoutNanoseconds(client))
        return true
    }

    /// Ends a connection: final traffic and TCP_INFO to the director, the hold released (a reset
    /// names the side that failed), both sockets closed, pooled memory returned.
    func finish(_ client: UInt32, reset: ConnectionSide?, reactor: Reactor<ProxyWorker>) {
        guard slots.isOccupied(client), slots[client].kind == .client else { return }
        if slots[client].http {
            finishHTTP(client, reset: reset, reactor: reactor)
            return
        }
        reactor.cancelTimer(slot: client)
        collectTraffic(client)
        let entry = slots[client]
        let traffic = Traffic(
            inPackets: entry.unreportedInPackets, inBytes: entry.unreportedBytes,
            outPackets: entry.unreportedOutPackets, outBytes: entry.unreportedOutBytes)
        if entry.ftpControl { closeDataConnections(of: client, reactor: reactor) }
        if entry.partner != .max, slots.isCurrent(entry.partnerToken), let server = slots.release(slot: entry.partner) {
            returnPools(server)
            reactor.close(server.token)
        }
        if let released = slots.release(slot: client) {
            returnPools(released)
            reactor.close(released.token)
        }
        if entry.control != .max {
            // FTP data: its own entry closes (its sides swapped in active mode).
            let side = entry.swapped ? reset.map { $0 == .client ? ConnectionSide.server : .client } : reset
            dataConnectionClosed(
                entry.ref, ownsEntry: entry.ownsRelatedEntry, reset: side, traffic: traffic, now: reactor.now)
            return
        }
        if reset != nil { counters.increment(.resets) }
        counters.increment(.closedConnections)
        release(entry.ref, service: entry.service, reset: reset, traffic: traffic, now: reactor.now)
    }

    /// Gives a closed slot's buffer and pipe back (a pipe still holding bytes is discarded).
    func returnPools(_ entry: ProxySlot) {
        if let buffer = entry.buffer { buffers.giveBack(buffer) }
        if let pipe = entry.pipe {
            if entry.pipeBytes == 0 { pipes.giveBack(pipe) } else { pipes.discard(pipe) }
        }
    }

    /// Moves this connection's counts since the last report into its client slot's unreported
    /// fields: bytes as counted by the pumps, segments from the client socket's TCP_INFO
    /// (in = from the client, out = to the client).
    func collectTraffic(_ client: UInt32) {
        let entry = slots[client]
        if entry.swapped {
            collectSwappedTraffic(client)
            return
        }
        if entry.partner != .max, slots.isCurrent(entry.partnerToken) {
            slots[client].unreportedOutBytes &+= slots[entry.partner].unreportedBytes
            slots[entry.partner].unreportedBytes = 0
        }
        if let info = try? Socket.tcpInfo(Int32(bitPattern: client)) {
            slots[client].unreportedInPackets &+= UInt64(info.segmentsIn &- entry.reportedSegmentsIn)
            slots[client].unreportedOutPackets &+= UInt64(info.segmentsOut &- entry.reportedSegmentsOut)
            slots[client].reportedSegmentsIn = info.segmentsIn
            slots[client].reportedSegmentsOut = info.segmentsOut
        }
        slots[client].dirty = false
    }

    /// The client slot's timer: the connect timeout while connecting, else the idle timeout
    /// (re-armed from the last activity if traffic moved since it was set).
    func connectionTimer(_ client: UInt32, reactor: Reactor<ProxyWorker>) {
        let entry = slots[client]
        if entry.http {
            httpTimer(client, reactor: reactor)
            return
        }
        if entry.connecting {
            connectFailed(client, timedOut: true, reactor: reactor)
            return
        }
        let deadline = entry.lastActivity &+ idleTimeoutNanoseconds(client)
        if deadline > reactor.now.nanoseconds {
            reactor.armTimer(slot: client, at: MonotonicInstant(nanoseconds: deadline))
            return
        }
        counters.increment(.idleTimeouts)
        finish(client, reset: nil, reactor: reactor)
    }
}
