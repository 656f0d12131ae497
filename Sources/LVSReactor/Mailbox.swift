import CLinuxNet
import Glibc
import Synchronization

/// The control plane's way into a reactor: a mutex-protected queue plus an eventfd in the
/// reactor's epoll set that wakes it.
///
/// Invariant: the lock guards only the queue, the closed flag and the eventfd's lifetime; it is
/// taken for rare control messages (a new forwarding snapshot, stop), never per packet or
/// connection, so a lock here costs the data path nothing.
@usableFromInline
final class Mailbox<Message: Sendable>: Sendable {
    @usableFromInline
    enum Item: Sendable {
        case message(Message)
        case stop
        /// Nothing to deliver: the reactor's clock moved (`ManualReactorClock`).
        case wake
    }

    struct State: ~Copyable {
        var queue: [Item] = []
        var isClosed = false
    }

    /// Read (drained) only by the reactor thread; written under the lock so it is never written
    /// after `close()` (when its number may belong to another file).
    @usableFromInline let eventFD: Int32
    private let state = Mutex(State())

    init() throws(SystemError) {
        let fd = clinuxnet_eventfd()
        guard fd >= 0 else { throw SystemError.last("eventfd") }
        self.eventFD = fd
    }

    /// Queues an item and wakes the reactor; false if the reactor has stopped.
    @usableFromInline
    func post(_ item: Item) -> Bool {
        state.withLock { state in
            guard !state.isClosed else { return false }
            state.queue.append(item)
            _ = clinuxnet_eventfd_signal(eventFD)
            return true
        }
    }

    /// Takes every queued item into `items` (which must be empty; swapping arrays keeps both
    /// capacities, so steady-state draining allocates nothing).
    @usableFromInline
    func drain(into items: inout [Item]) {
        // Reset the counter before taking the queue: a post racing with us either lands in the
        // queue we take or signals again afterwards, so nothing is left unannounced.
        var counter: UInt64 = 0
        _ = clinuxnet_eventfd_drain(eventFD, &counter)
        state.withLock { state in swap(&state.queue, &items) }
    }

    /// Refuses further posts, drops what is queued and closes the eventfd. Idempotent.
    @usableFromInline
    func close() {
        state.withLock { state in
            guard !state.isClosed else { return }
            state.isClosed = true
            state.queue.removeAll()
            _ = Glibc.close(eventFD)
        }
    }
}
