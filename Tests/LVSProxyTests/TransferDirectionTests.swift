import Glibc
import LVSReactor
import Testing

@testable import LVSProxy

/// One direction's decisions, without sockets (docs/design/0027-pump-state-machine-and-reactor-clock.md).
@Suite("Proxy engine: transfer direction state machine")
struct TransferDirectionTests {
    typealias Direction = TransferDirection

    static func direction(
        start: Int32 = 0, end: Int32 = 0, pipeBytes: Int = 0, splicing: Bool = false, mayRead: Bool = true,
        peerClosed: Bool = false, readEOF: Bool = false, eofForwarded: Bool = false
    ) -> Direction {
        var direction = Direction()
        direction.start = start
        direction.end = end
        direction.pipeBytes = pipeBytes
        direction.splicing = splicing
        direction.mayRead = mayRead
        direction.peerClosed = peerClosed
        direction.readEOF = readEOF
        direction.eofForwarded = eofForwarded
        return direction
    }

    static let epipe = IOResult.failed(SystemError(errno: EPIPE, function: "write"))
    static let econnreset = IOResult.failed(SystemError(errno: ECONNRESET, function: "read"))

    // MARK: - next: what to do

    @Test("a new direction takes a buffer, then reads")
    func fresh() {
        let direction = Direction()
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .takeBuffer)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .read)
    }

    @Test("buffered bytes are written before anything else, even after end of file")
    func pendingBufferFirst() {
        let direction = Self.direction(start: 3, end: 10, pipeBytes: 5, readEOF: true)
        #expect(direction.next(holdsBuffer: true, holdsPipe: true) == .write)
        #expect(direction.pendingBytes == 12)
    }

    @Test("bytes in the pipe are spliced out before reading more")
    func pendingPipe() {
        let direction = Self.direction(pipeBytes: 4096, splicing: true)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .drainPipe)
    }

    @Test("a splicing direction gives its drained copy buffer back, then takes a pipe and splices in")
    func splicingSteps() {
        let direction = Self.direction(splicing: true)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .takePipe)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .spliceIn)
    }

    @Test("an idle direction (nothing to read) lends nothing: buffer and empty pipe go back, then wait")
    func idleReturnsPools() {
        let direction = Self.direction(splicing: true, mayRead: false)
        #expect(direction.next(holdsBuffer: true, holdsPipe: true) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .giveBackPipe)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .wait)
        let copying = Self.direction(mayRead: false)
        #expect(copying.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(copying.next(holdsBuffer: false, holdsPipe: false) == .wait)
    }

    @Test("end of file with everything written: pooled memory goes back, the FIN is passed on once")
    func endOfFile() {
        let direction = Self.direction(splicing: true, readEOF: true)
        #expect(direction.next(holdsBuffer: true, holdsPipe: true) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .giveBackPipe)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .forwardEndOfFile)
        let forwarded = Self.direction(readEOF: true, eofForwarded: true)
        #expect(forwarded.next(holdsBuffer: false, holdsPipe: false) == .wait)
    }

    // MARK: - Edges

    @Test("a readable edge allows a read; a hang-up or error edge also marks the peer closed")
    func edges() {
        var direction = Self.direction(mayRead: false)
        direction.sourceEdge(readable: false, peerClosed: false)
        #expect(!direction.mayRead)
        direction.sourceEdge(readable: true, peerClosed: false)
        #expect(direction.mayRead && !direction.peerClosed)
        direction.sourceEdge(readable: true, peerClosed: true)
        #expect(direction.mayRead && direction.peerClosed)
        var stalled = Self.direction(mayRead: false)
        stalled.resume()
        #expect(stalled.mayRead)
    }

    // MARK: - Write outcomes

    @Test("a partial write advances the buffer; a complete one empties it")
    func writes() {
        var direction = Self.direction(start: 0, end: 10)
        #expect(direction.wrote(.transferred(4)) == nil)
        #expect(direction.start == 4 && direction.end == 10)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .write)
        #expect(direction.wrote(.transferred(6)) == nil)
        #expect(direction.start == 0 && direction.end == 0)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .read)
    }

    @Test("a write that would block stops the direction (backpressure) with its bytes kept")
    func writeBlocks() {
        var direction = Self.direction(start: 2, end: 10)
        #expect(direction.wrote(.wouldBlock) == .wait)
        #expect(direction.pendingBytes == 8)
        // It is not read into meanwhile: the destination's writable edge writes first.
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .write)
    }

    @Test("a write that fails (EPIPE) or finds the destination closed resets, naming the destination")
    func writeFails() {
        var direction = Self.direction(end: 10)
        #expect(direction.wrote(Self.epipe) == .reset(.destination))
        #expect(direction.wrote(.endOfFile) == .reset(.destination))
    }

    @Test("splicing out of the pipe: partial, complete, blocked, failed")
    func drains() {
        var direction = Self.direction(pipeBytes: 100, splicing: true)
        #expect(direction.drainedPipe(.transferred(60)) == nil)
        #expect(direction.pipeBytes == 40)
        #expect(direction.drainedPipe(.wouldBlock) == .wait)
        #expect(direction.pipeBytes == 40)
        #expect(direction.drainedPipe(.transferred(40)) == nil)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .spliceIn)
        #expect(direction.drainedPipe(Self.epipe) == .reset(.destination))
        #expect(direction.drainedPipe(.endOfFile) == .reset(.destination))
    }

    // MARK: - Read outcomes

    @Test("a short read while the peer is open means the queue is empty: no further read until an edge")
    func shortRead() {
        var direction = Direction()
        #expect(direction.read(.transferred(100), capacity: 16_384, spliceWhenFull: true) == nil)
        #expect(direction.start == 0 && direction.end == 100)
        #expect(!direction.mayRead)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .write)
        _ = direction.wrote(.transferred(100))
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .wait)
    }

    @Test("after the peer closed, a short read does not stop reading: the end of file is still to come")
    func shortReadPeerClosed() {
        var direction = Self.direction(peerClosed: true)
        #expect(direction.read(.transferred(100), capacity: 16_384, spliceWhenFull: false) == nil)
        #expect(direction.mayRead)
    }

    @Test("a full buffer switches the direction to splice once, when so configured")
    func switchToSplice() {
        var direction = Direction()
        #expect(direction.read(.transferred(16_384), capacity: 16_384, spliceWhenFull: true) == .switchedToSplice)
        #expect(direction.splicing && direction.mayRead)
        // The copied bytes still go out first, then the buffer is dropped for a pipe.
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .write)
        _ = direction.wrote(.transferred(16_384))
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .takePipe)
        // Already splicing: no second switch.
        var again = Self.direction(splicing: true)
        #expect(again.read(.transferred(16_384), capacity: 16_384, spliceWhenFull: true) == nil)
        // Not configured: a full buffer stays a copy.
        var copying = Direction()
        #expect(copying.read(.transferred(16_384), capacity: 16_384, spliceWhenFull: false) == nil)
        #expect(!copying.splicing)
    }

    @Test("a read that would block marks the direction idle, and its buffer goes back")
    func readBlocks() {
        var direction = Direction()
        #expect(direction.read(.wouldBlock, capacity: 16_384, spliceWhenFull: true) == nil)
        #expect(!direction.mayRead)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .wait)
    }

    @Test("a read of end of file leads to forwarding it; a failed read resets, naming the source")
    func readEndOrFailure() {
        var direction = Direction()
        #expect(direction.read(.endOfFile, capacity: 16_384, spliceWhenFull: true) == nil)
        #expect(direction.readEOF)
        #expect(direction.next(holdsBuffer: true, holdsPipe: false) == .giveBackBuffer)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .forwardEndOfFile)
        var failing = Direction()
        #expect(failing.read(Self.econnreset, capacity: 16_384, spliceWhenFull: true) == .reset(.source))
    }

    @Test("splicing in: bytes fill the pipe; would-block idles and returns the pipe; EOF; failure")
    func spliceIn() {
        var direction = Self.direction(splicing: true)
        #expect(direction.splicedIn(.transferred(65_536)) == nil)
        #expect(direction.pipeBytes == 65_536)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .drainPipe)
        _ = direction.drainedPipe(.transferred(65_536))
        #expect(direction.splicedIn(.wouldBlock) == nil)
        #expect(!direction.mayRead)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .giveBackPipe)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .wait)
        direction.sourceEdge(readable: true, peerClosed: true)
        #expect(direction.splicedIn(.endOfFile) == nil)
        #expect(direction.next(holdsBuffer: false, holdsPipe: true) == .giveBackPipe)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .forwardEndOfFile)
        var failing = Self.direction(splicing: true)
        #expect(failing.splicedIn(Self.econnreset) == .reset(.source))
    }

    // MARK: - Pools

    @Test("no pipe in the pool: the direction falls back to copying")
    func pipeExhausted() {
        var direction = Self.direction(splicing: true)
        direction.pipeUnavailable()
        #expect(!direction.splicing)
        #expect(direction.next(holdsBuffer: false, holdsPipe: false) == .takeBuffer)
    }

    @Test("no buffer in the pool: the connection is dropped")
    func bufferExhausted() {
        #expect(Direction().bufferUnavailable() == .dropOutOfBuffers)
    }

    // MARK: - Half-close

    @Test("passing the FIN on half-closes; both directions closed ends the connection; a failed shutdown resets")
    func halfClose() {
        var one = Self.direction(readEOF: true)
        var other = Direction()
        #expect(one.forwardedEndOfFile(succeeded: true) == .halfClosed)
        #expect(one.eofForwarded)
        #expect(!Direction.bothClosed(one, other))
        // The other direction still moves bytes while half-closed.
        #expect(other.next(holdsBuffer: false, holdsPipe: false) == .takeBuffer)
        other.readEOF = true
        #expect(other.forwardedEndOfFile(succeeded: true) == .halfClosed)
        #expect(Direction.bothClosed(one, other))
        #expect(one.next(holdsBuffer: false, holdsPipe: false) == .wait)
        var failing = Self.direction(readEOF: true)
        #expect(failing.forwardedEndOfFile(succeeded: false) == .reset(.destination))
    }
}
