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
        /// Content-switched services (docs/design/0019), looked up at accept under this lock.
        var contentServices: [VirtualServiceID: ContentSwitchService] = [:]
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

    /// Replaces the content-switched services (after a transaction or a reload); connections
    /// already accepted keep the description they started with.
    public func setContentServices(_ services: [ContentSwitchService]) {
        let table = Dictionary(services.map { ($0.service, $0) }, uniquingKeysWith: { _, last in last })
        state.withLock { $0.contentServices = table }
    }

    /// The content-switched services, by virtual service.
    public var contentServices: [VirtualServiceID: ContentSwitchService] {
        state.withLock { $0.contentServices }
    }

    func withState<T: Sendable>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
