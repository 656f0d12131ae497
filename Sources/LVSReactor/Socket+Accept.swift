import CLinuxNet
import Glibc

/// One accept4 attempt.
public enum AcceptResult: Sendable, Equatable {
    /// A new non-blocking, close-on-exec connection from `peer`.
    case accepted(fd: Int32, peer: SocketAddress)
    /// The queue is empty (EAGAIN): wait for the listener's next edge.
    case wouldBlock
    /// Out of descriptors or kernel memory (EMFILE, ENFILE, ENOBUFS, ENOMEM). Connections stay
    /// queued, but an edge-triggered listener gets no new edge for them: pause, count it, and
    /// retry from a timer (docs/design/0005-reactor.md, "Accepting").
    case descriptorLimit(SystemError)
    /// Any other error (EBADF, EINVAL: the listener itself is broken).
    case failed(SystemError)
}

/// Receives connections from `Socket.acceptAll`: usually the engine's handler itself.
public protocol AcceptSink {
    mutating func accepted(fd: Int32, peer: SocketAddress)
}

/// How an `acceptAll` drain ended, with how many connections it handed over.
public enum AcceptDrainOutcome: Sendable, Equatable {
    /// Reached EAGAIN: the listener's next edge will announce more.
    case drained(accepted: Int)
    /// Stopped at `budget` with connections perhaps still queued: call again (e.g. from
    /// `batchCompleted`), since no new edge will come for them.
    case budgetExhausted(accepted: Int)
    /// See `AcceptResult.descriptorLimit`.
    case descriptorLimit(accepted: Int, SystemError)
    case failed(accepted: Int, SystemError)
}

extension Socket {
    /// Accepts one connection. Retries by itself on EINTR, and on errors that concern only the
    /// connection being accepted (ECONNABORTED: reset while queued; EPROTO, EPERM: refused by
    /// protocol or firewall) by moving on to the next one.
    public static func accept(_ listener: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        while true {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { clinuxnet_accept4(listener, $0, &length) }
            }
            if fd >= 0 {
                let peer = withUnsafeBytes(of: &storage) { SocketAddress($0.baseAddress!, length: length) }
                // A non-IP peer cannot reach a TCP/IP listener; map it to 0.0.0.0:0 rather than fail.
                return .accepted(fd: fd, peer: peer ?? .v4(sockaddr_in()))
            }
            let error = SystemError.last("accept4")
            switch error.errno {
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EINTR, ECONNABORTED, EPROTO, EPERM: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .descriptorLimit(error)
            default: return .failed(error)
            }
        }
    }

    /// Accepts until EAGAIN (as an edge-triggered listener must), handing each connection to
    /// `sink`, or until `budget` connections (fairness between listeners on one reactor).
    public static func acceptAll<Sink: AcceptSink>(
        _ listener: Int32, budget: Int = Int.max, into sink: inout Sink
    ) -> AcceptDrainOutcome {
        var accepted = 0
        while accepted < budget {
            switch accept(listener) {
            case .accepted(let fd, let peer):
                accepted &+= 1
                sink.accepted(fd: fd, peer: peer)
            case .wouldBlock:
                return .drained(accepted: accepted)
            case .descriptorLimit(let error):
                return .descriptorLimit(accepted: accepted, error)
            case .failed(let error):
                return .failed(accepted: accepted, error)
            }
        }
        return .budgetExhausted(accepted: accepted)
    }
}
