import CLinuxNet
import Glibc

/// A per-thread pool of non-blocking pipe pairs for splice(2): socket → pipe → socket moves
/// bytes without copying them through user space (DESIGN.md §6, large transfers).
///
/// Pipes are created on first demand (pipe2 O_NONBLOCK|O_CLOEXEC, optionally resized with
/// F_SETPIPE_SZ) up to `maxPipes`, then reused. Each costs two fds, so the bound keeps the
/// pool from starving accept of descriptors. Not thread-safe: one reactor thread owns it.
public final class PipePool {
    /// A pipe on loan: splice into `writeFD`, out of `readFD`.
    public struct Pipe: Hashable, Sendable {
        public let readFD: Int32
        public let writeFD: Int32
    }

    /// Most pipes (idle + on loan) this pool will hold.
    public let maxPipes: Int
    /// Requested capacity in bytes (F_SETPIPE_SZ), nil to keep the kernel default (64 KiB).
    public let pipeSize: Int32?
    @usableFromInline var idle: ContiguousArray<Pipe>
    @usableFromInline var loaned: Int = 0
    @usableFromInline var exhaustions: Int = 0
    @usableFromInline var failures: Int = 0

    public init(maxPipes: Int, pipeSize: Int32? = nil) {
        self.maxPipes = max(0, maxPipes)
        self.pipeSize = pipeSize
        self.idle = []
        // Reserved once: giving back never grows the array (the pool never holds more than maxPipes).
        self.idle.reserveCapacity(self.maxPipes)
    }

    deinit {
        for pipe in idle { closePipe(pipe) }
    }

    /// Pipes on loan now.
    public var inUse: Int { loaned }
    /// Idle pipes ready for reuse.
    public var idleCount: Int { idle.count }
    /// Times `take()` had to refuse because `maxPipes` were on loan.
    public var exhaustionCount: Int { exhaustions }
    /// Times creating a pipe failed (fd limit, memory); also make `take()` return nil.
    public var creationFailureCount: Int { failures }

    /// Lends an empty pipe: an idle one, or a new one while under `maxPipes`; nil (counted) if
    /// the bound is reached or pipe2 fails. The caller falls back to copying through a buffer.
    public func take() -> Pipe? {
        if let pipe = idle.popLast() {
            loaned &+= 1
            return pipe
        }
        guard loaned < maxPipes else {
            exhaustions &+= 1
            return nil
        }
        var fds: (Int32, Int32) = (-1, -1)
        let rc = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: Int32.self, capacity: 2) { clinuxnet_pipe2($0) }
        }
        guard rc == 0 else {
            failures &+= 1
            return nil
        }
        if let pipeSize { _ = clinuxnet_set_pipe_size(fds.1, pipeSize) }
        loaned &+= 1
        return Pipe(readFD: fds.0, writeFD: fds.1)
    }

    /// Returns a pipe that is empty (everything spliced in was spliced out) for reuse.
    public func giveBack(_ pipe: Pipe) {
        precondition(loaned > 0, "PipePool: nothing on loan")
        loaned &-= 1
        if idle.count < maxPipes {
            idle.append(pipe)
        } else {
            closePipe(pipe)
        }
    }

    /// Closes a pipe that may still hold bytes (its connection died mid-transfer): such a pipe
    /// cannot be reused, since the next connection would receive the leftovers.
    public func discard(_ pipe: Pipe) {
        precondition(loaned > 0, "PipePool: nothing on loan")
        loaned &-= 1
        closePipe(pipe)
    }

    private func closePipe(_ pipe: Pipe) {
        _ = Glibc.close(pipe.readFD)
        _ = Glibc.close(pipe.writeFD)
    }
}
