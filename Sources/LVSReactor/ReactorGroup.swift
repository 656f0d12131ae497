import Synchronization

/// N reactors, one per thread (by default one per online CPU), started and stopped together.
///
/// The control plane posts to one reactor (a connection handed over) or to all (a new
/// forwarding snapshot, DESIGN.md §4: published to every worker).
public final class ReactorGroup<Handler: ReactorHandler>: Sendable {
    /// The reactors, index 0..<count.
    public let reactors: [Reactor<Handler>]
    private let threads = Mutex<[ReactorThread]>([])

    /// Creates `count` reactors, asking `makeHandler` for each one's handler (given its index).
    /// Each reactor's thread is named "<configuration.name>-<index>".
    public init(
        count: Int = SystemLimits.onlineProcessors,
        configuration: ReactorConfiguration = ReactorConfiguration(),
        clock: any ReactorClock = SystemReactorClock(),
        makeHandler: (Int) -> Handler
    ) throws(SystemError) {
        var reactors: [Reactor<Handler>] = []
        for index in 0..<max(1, count) {
            var perReactor = configuration
            perReactor.name = "\(configuration.name)-\(index)"
            reactors.append(try Reactor(handler: makeHandler(index), configuration: perReactor, clock: clock))
        }
        self.reactors = reactors
    }

    public var count: Int { reactors.count }

    /// Starts every reactor on its own thread. If one cannot start, those already started are
    /// stopped and joined before the error is thrown.
    public func start() throws(SystemError) {
        var started: [ReactorThread] = []
        for reactor in reactors {
            do {
                started.append(try reactor.start())
            } catch {
                for (index, thread) in started.enumerated() {
                    reactors[index].stop()
                    thread.join()
                }
                throw error
            }
        }
        threads.withLock { $0 = started }
    }

    /// Stops every reactor and waits for their threads. Idempotent.
    public func stop() {
        for reactor in reactors { reactor.stop() }
        let running = threads.withLock { threads in
            defer { threads = [] }
            return threads
        }
        for thread in running { thread.join() }
    }

    /// Posts to reactor `index`; false if out of range or stopped.
    @discardableResult
    public func post(_ message: Handler.Message, to index: Int) -> Bool {
        guard reactors.indices.contains(index) else { return false }
        return reactors[index].post(message)
    }

    /// Posts a copy to every reactor; returns how many accepted it.
    @discardableResult
    public func postToAll(_ message: Handler.Message) -> Int {
        var delivered = 0
        for reactor in reactors where reactor.post(message) { delivered += 1 }
        return delivered
    }
}
