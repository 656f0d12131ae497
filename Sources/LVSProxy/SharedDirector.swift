import LVSCore
import Synchronization

/// The director shared by the control plane and every reactor thread behind one lock
/// (docs/design/0006-engines-and-the-director.md).
///
/// Contract: the lock is taken only at connection events (accept, connect result, a side
/// closing, the end of a connection, the once-a-second traffic flush) and by control requests;
/// never per read, write or splice. Nothing blocking runs under it.
public final class SharedDirector: Sendable {
    /// The director and the engine's live-connection counts, which the limits check under the
    /// same lock as scheduling.
    struct State {
        let director: Director
        var liveConnections = 0
        var liveByService: [VirtualServiceID: Int] = [:]
    }

    private let state: Mutex<State>

    /// - Parameter director: moved in; nothing else may keep it.
    public init(_ director: sending Director) {
        state = Mutex(State(director: director))
    }

    /// Runs `body` with the director under the lock.
    public func withDirector<T: Sendable, E: Error>(_ body: (Director) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state) throws(E) -> T in try body(state.director) }
    }

    /// Connections the engines hold open now.
    public var liveConnections: Int { state.withLock { $0.liveConnections } }

    func withState<T: Sendable>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
