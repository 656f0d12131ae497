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
        slots[slot].transfer.sourceEdge(
            readable: readable,
            peerClosed: readiness.contains(.readHangup) || readiness.contains(.hangup) || readiness.contains(.error))
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

    /// Moves bytes from `source` to `destination` until one of them would block, carrying out
    /// the steps `TransferDirection` decides (pending bytes first, buffer then pipe, then new
    /// reads; stop reading while the destination is full, whose writable edge resumes us), so a
    /// direction holds at most one buffer or one pipe. Returns false if the connection was closed.
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
            var decided: TransferDirection.Verdict?
            switch entry.transfer.next(holdsBuffer: entry.buffer != nil, holdsPipe: entry.pipe != nil) {
            case .write:
                guard let buffer = entry.buffer else { return true }
                let bytes = buffers.bytes(of: buffer)
                let pending = UnsafeRawBufferPointer(
                    rebasing: bytes[Int(entry.transfer.start)..<Int(entry.transfer.end)])
                let result = Socket.write(destinationFD, from: pending)
                if case .transferred = result { moved = true }
                decided = slots[source].transfer.wrote(result)
            case .drainPipe:
                guard let pipe = entry.pipe else { return true }
                let result = Socket.splice(from: pipe.readFD, to: destinationFD, count: entry.transfer.pipeBytes)
                if case .transferred = result { moved = true }
                decided = slots[source].transfer.drainedPipe(result)
            case .giveBackBuffer:
                if let buffer = entry.buffer { buffers.giveBack(buffer) }
                slots[source].buffer = nil
            case .giveBackPipe:
                if let pipe = entry.pipe { pipes.giveBack(pipe) }
                slots[source].pipe = nil
            case .forwardEndOfFile:
                return forwardEndOfFile(from: source, to: destination, client: client, reactor: reactor)
            case .takePipe:
                if let pipe = pipes.take() {
                    slots[source].pipe = pipe
                } else {
                    counters.increment(.pipeExhaustions)
                    slots[source].transfer.pipeUnavailable()
                }
            case .spliceIn:
                guard let pipe = entry.pipe else { return true }
                let result = Socket.splice(from: sourceFD, to: pipe.writeFD, count: spliceChunk)
                if case .transferred(let count) = result {
                    moved = true
                    slots[source].unreportedBytes &+= UInt64(count)
                }
                decided = slots[source].transfer.splicedIn(result)
            case .takeBuffer:
                if let buffer = buffers.take() {
                    slots[source].buffer = buffer
                } else {
                    decided = entry.transfer.bufferUnavailable()
                }
            case .read:
                guard let buffer = entry.buffer else { return true }
                let bytes = buffers.bytes(of: buffer)
                let result = Socket.read(sourceFD, into: bytes)
                if case .transferred(let count) = result {
                    moved = true
                    slots[source].unreportedBytes &+= UInt64(count)
                }
                decided = slots[source].transfer.read(
                    result, capacity: bytes.count, spliceWhenFull: configuration.splice == .afterFullBuffer)
            case .wait:
                return true
            }
            guard let action = decided else { continue }
            switch action {
            case .switchedToSplice:
                counters.increment(.splicedDirections)
            case .wait:
                return true
            case .reset(let failed):
                let socket = failed == .source ? source : destination
                finish(client, reset: socket == client ? .client : .server, reactor: reactor)
                return false
            case .dropOutOfBuffers:
                counters.increment(.droppedOutOfBuffers)
                finish(client, reset: .client, reactor: reactor)
                return false
            case .halfClosed:
                // Only `forwardedEndOfFile` says this, and `forwardEndOfFile` handles it.
                continue
            }
        }
    }

    /// Everything read from `source` has been written: pass its FIN on (half-close) and tell the
    /// director; once both directions are closed the connection ends normally.
    func forwardEndOfFile(
        from source: UInt32, to destination: UInt32, client: UInt32, reactor: Reactor<ProxyWorker>
    ) -> Bool {
        guard !slots[source].transfer.eofForwarded else { return true }
        let shutDown = (try? Socket.shutdownWrite(Int32(bitPattern: destination))) != nil
        switch slots[source].transfer.forwardedEndOfFile(succeeded: shutDown) {
        case .halfClosed:
            break
        case .reset, .wait, .switchedToSplice, .dropOutOfBuffers:
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
        if TransferDirection.bothClosed(slots[source].transfer, slots[destination].transfer) {
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
            if entry.transfer.pipeBytes == 0 { pipes.giveBack(pipe) } else { pipes.discard(pipe) }
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
