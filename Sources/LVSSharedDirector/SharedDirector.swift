import LVSCore
import Synchronization

/// The director shared by the control plane and every engine thread behind one lock
/// (docs/design/0006-engines-and-the-director.md); in a target of its own so that both engines
/// reach the same concrete type (docs/design/0025-packet-engine-without-a-lock.md).
///
/// Contract: the lock is taken only at connection events (the proxy engine's accept, connect
/// result, a side closing, the end of a connection, the once-a-second traffic flush; the packet
/// engine's packets that start, change or end an entry, and its workers' traffic reports) and
/// by control requests; never per read, write or splice, and never per packet of an
/// established flow. Nothing blocking runs under it.
public final class SharedDirector: Sendable {
    /// The director and the engine's live-connection counts, which the limits check under the
    /// same lock as scheduling.
    package struct State {
        package let director: Director
        package var liveConnections = 0
        package var liveByService: [VirtualServiceID: Int] = [:]
        /// Content-switched services (docs/design/0019), looked up at accept under this lock.
        package var contentServices: [VirtualServiceID: ContentSwitchService] = [:]
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

    /// Runs `body` with the whole state under the lock (the proxy engine's live counts).
    package func withState<T: Sendable>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
