import LVSReactor

/// The decisions of one direction of a proxied TCP connection (from a socket to its partner):
/// backpressure, half-close, the switch from copying to splicing, and which failures reset the
/// connection (docs/design/0007-proxy-engine.md, "Buffering" and "Splice";
/// docs/design/0027-pump-state-machine-and-reactor-clock.md).
///
/// Pure: it performs no I/O and owns no pooled memory. Its driver (`ProxyWorker.pump`) asks
/// `next(holdsBuffer:holdsPipe:)` what to do, does it (a read, a write, a splice, a
/// `shutdown(SHUT_WR)`, taking or returning a pooled buffer or pipe), and reports the outcome
/// through the matching method, which returns a `Verdict` when the outcome itself decides what
/// happens next, or nil to ask `next` again. Whether a buffer or pipe is held is passed in
/// rather than mirrored, because other paths (the PROXY protocol header, FTP control) lend and
/// take them too.
///
/// Invariants the driver relies on: a direction holds at most one buffer or one pipe of
/// unwritten bytes (it stops reading while the destination is full; the destination's writable
/// edge resumes it), so memory per connection is bounded; pooled memory is returned as soon as
/// the direction goes idle, so idle connections hold none.
struct TransferDirection: Sendable, Equatable {
    /// Bytes read into the buffer and not yet written: `start..<end`.
    var start: Int32 = 0
    var end: Int32 = 0
    /// Bytes spliced into the pipe and not yet spliced out.
    var pipeBytes = 0
    /// The direction moves through a pipe (splice(2)) instead of a copy buffer.
    var splicing = false
    /// The socket may have unread bytes (or an unread end of file). Set by every readable or
    /// hang-up edge; cleared by EAGAIN and by a short read while the peer has not closed: on a
    /// TCP socket a short read means the receive queue was empty, and any later arrival raises
    /// a new edge. Keeps writable edges (one per ACK that frees send buffer) from costing a
    /// read that can only return EAGAIN.
    var mayRead = true
    /// The peer's FIN (or an error) was reported: read on until end of file.
    var peerClosed = false
    /// The read side reached end of file.
    var readEOF = false
    /// That end of file was passed on (shutdown(SHUT_WR) on the partner).
    var eofForwarded = false

    /// Which socket of the direction an I/O failure happened on: the driver resets the
    /// connection naming that socket's side.
    enum Failed: Sendable, Equatable {
        case source, destination
    }

    /// The next thing the driver does.
    enum Step: Sendable, Equatable {
        /// Write the buffered bytes `start..<end` to the destination; report `wrote(_:)`.
        case write
        /// Splice `pipeBytes` from the pipe to the destination; report `drainedPipe(_:)`.
        case drainPipe
        /// Return the (empty) buffer to the pool; then ask `next` again.
        case giveBackBuffer
        /// Return the (empty) pipe to the pool; then ask `next` again.
        case giveBackPipe
        /// Everything read has been written: shutdown(SHUT_WR) on the destination; report
        /// `forwardedEndOfFile(succeeded:)`.
        case forwardEndOfFile
        /// Take a pipe from the pool; on success ask `next` again, else report
        /// `pipeUnavailable()`.
        case takePipe
        /// Splice from the source into the (empty) pipe; report `splicedIn(_:)`.
        case spliceIn
        /// Take a buffer from the pool; on success ask `next` again, else report
        /// `bufferUnavailable()`.
        case takeBuffer
        /// Read from the source into the (empty) buffer; report `read(_:capacity:spliceWhenFull:)`.
        case read
        /// Stop: a readable edge on the source or a writable edge on the destination resumes.
        case wait
    }

    /// What an outcome decided, when it decides more than "ask `next` again".
    enum Verdict: Sendable, Equatable {
        /// Stop until the next edge (the destination is full).
        case wait
        /// A full buffer showed bulk traffic: the direction now splices (count it), then ask
        /// `next` again.
        case switchedToSplice
        /// The end of file was passed on: the driver records the half-close, and ends the
        /// connection normally if the other direction is closed too (`bothClosed`).
        case halfClosed
        /// Reset the connection (both sockets), naming the side that failed.
        case reset(Failed)
        /// No buffer to read into: drop the connection (counted), naming the client.
        case dropOutOfBuffers
    }

    /// Bytes waiting in this direction (buffer or pipe).
    var pendingBytes: Int { Int(end - start) + pipeBytes }

    /// The next step, given whether the direction holds a buffer and a pipe now. Pending bytes
    /// go first (buffer, then pipe); an empty buffer or pipe that will not be read into again
    /// soon goes back to its pool; then the end of file is passed on, or new bytes are read.
    func next(holdsBuffer: Bool, holdsPipe: Bool) -> Step {
        if end > start && holdsBuffer { return .write }
        if pipeBytes > 0 && holdsPipe { return .drainPipe }
        // Drained: a splicing direction needs no copy buffer, and an idle or finished one lends
        // nothing meanwhile.
        if holdsBuffer && (splicing || readEOF || !mayRead) { return .giveBackBuffer }
        if holdsPipe && (readEOF || !mayRead) { return .giveBackPipe }
        if readEOF { return eofForwarded ? .wait : .forwardEndOfFile }
        if !mayRead { return .wait }
        if splicing { return holdsPipe ? .spliceIn : .takePipe }
        return holdsBuffer ? .read : .takeBuffer
    }

    // MARK: - Events

    /// A readable, hang-up or error edge on the source socket.
    mutating func sourceEdge(readable: Bool, peerClosed closed: Bool) {
        if readable { mayRead = true }
        if closed { peerClosed = true }
    }

    /// Edges were ignored (the connection was stalled): read again whatever is there.
    mutating func resume() {
        mayRead = true
    }

    /// The outcome of `.write`.
    mutating func wrote(_ result: IOResult) -> Verdict? {
        if case .transferred(let count) = result {
            start += Int32(count)
            if start >= end {
                start = 0
                end = 0
            }
        }
        return Self.verdict(towardsDestination: result)
    }

    /// The outcome of `.drainPipe`.
    mutating func drainedPipe(_ result: IOResult) -> Verdict? {
        if case .transferred(let count) = result { pipeBytes -= count }
        return Self.verdict(towardsDestination: result)
    }

    /// A write or splice towards the destination: moved bytes go on, EAGAIN is backpressure
    /// (its writable edge resumes the direction), anything else resets naming it (EPIPE).
    private static func verdict(towardsDestination result: IOResult) -> Verdict? {
        switch result {
        case .transferred: return nil
        case .wouldBlock: return .wait
        case .endOfFile, .failed: return .reset(.destination)
        }
    }

    /// The outcome of `.spliceIn`.
    mutating func splicedIn(_ result: IOResult) -> Verdict? {
        if case .transferred(let count) = result { pipeBytes = count }
        return fromSource(result)
    }

    /// The outcome of `.read` into a buffer of `capacity` bytes; `spliceWhenFull` is the
    /// configuration's "splice after a full buffer".
    mutating func read(_ result: IOResult, capacity: Int, spliceWhenFull: Bool) -> Verdict? {
        guard case .transferred(let count) = result else { return fromSource(result) }
        start = 0
        end = Int32(count)
        if count < capacity && !peerClosed {
            mayRead = false  // drained: see `mayRead`
        }
        if count == capacity && spliceWhenFull && !splicing {
            // A full buffer means bulk: the rest of this direction goes through a pipe.
            splicing = true
            return .switchedToSplice
        }
        return nil
    }

    /// A read or splice from the source: EAGAIN means idle until the next readable edge, end of
    /// file is to be passed on, a failure resets naming the source.
    private mutating func fromSource(_ result: IOResult) -> Verdict? {
        switch result {
        case .transferred:
            return nil
        case .wouldBlock:
            mayRead = false
            return nil
        case .endOfFile:
            readEOF = true
            return nil
        case .failed:
            return .reset(.source)
        }
    }

    /// The pipe pool was empty: fall back to copying (the driver counts it).
    mutating func pipeUnavailable() {
        splicing = false
    }

    /// The buffer pool was empty.
    func bufferUnavailable() -> Verdict {
        .dropOutOfBuffers
    }

    /// The outcome of `.forwardEndOfFile`.
    mutating func forwardedEndOfFile(succeeded: Bool) -> Verdict {
        eofForwarded = true
        return succeeded ? .halfClosed : .reset(.destination)
    }

    /// Both directions have passed their end of file on: the connection ends normally.
    static func bothClosed(_ one: TransferDirection, _ other: TransferDirection) -> Bool {
        one.eofForwarded && other.eofForwarded
    }
}
