import CLinuxNet
import Foundation
import LVSConfig
import LVSControl
import LVSCore
import LVSVRRP
import LVSVRRPTransport
import Logging
import Synchronization

/// Called on the VRRP thread whenever the set of virtual addresses this director must not serve
/// changes (their instances are not master): the data planes leave them to the kernel.
typealias VRRPStandbyObserver = @Sendable (_ standby: Set<IPAddress>) -> Void

/// Runs the configuration's VRRP instances (DESIGN.md §6a): the pure `VRRPRouter` on a thread of
/// its own, which owns the advert sockets, the link monitor and the timers, and carries out the
/// router's actions (adverts, addresses, gratuitous ARP/NA, notify scripts, tracking scripts).
///
/// Lifecycle: `start` opens every socket (an error refuses the start), removes virtual addresses
/// an earlier run left behind (after a crash), and starts the thread; `reload` hands a new plan
/// to the thread; `stop` resigns every master (priority 0), removes the addresses, runs the STOP
/// notifications and waits for the thread.
final class VRRPService: Sendable {
    enum Message: Sendable {
        case scriptEnded(name: String, runNumber: UInt64, status: Int32?)
        case reload(VRRPPlan)
        case stop
    }

    private let inbox = Mutex<[Message]>([])
    private let snapshot = Mutex(VRRPSnapshot())
    /// An eventfd the thread polls: written after every message.
    private let wake: Int32
    private let finished = DispatchSemaphore(value: 0)
    let logger: Logger
    /// The host's event log: every instance and group transition is a `vrrp` event.
    let events: EventLog?

    private init(wake: Int32, logger: Logger, events: EventLog?) {
        self.wake = wake
        self.logger = logger
        self.events = events
    }

    deinit { close(wake) }

    /// Opens everything `plan` needs and starts the thread.
    static func start(
        _ plan: VRRPPlan, logger: Logger, events: EventLog? = nil, observer: @escaping VRRPStandbyObserver,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now
    ) throws -> VRRPService {
        let wake = clinuxnet_eventfd()
        guard wake >= 0 else { throw VRRPPlanError(message: "eventfd: \(String(cString: strerror(errno)))") }
        let service = VRRPService(wake: wake, logger: logger, events: events)
        let loop = try VRRPLoop(plan: plan, service: service, observer: observer, clock: clock, logger: logger)
        let thread = Thread { [loop] in
            var running = loop
            running.run()
            service.finished.signal()
        }
        thread.name = "lvsd-vrrp"
        thread.start()
        return service
    }

    /// Applies `plan` (SIGHUP): unchanged instances keep their state.
    func reload(_ plan: VRRPPlan) { post(.reload(plan)) }

    /// Resigns, removes the addresses, runs STOP notifications and waits for the thread.
    func stop() {
        post(.stop)
        finished.wait()
    }

    func post(_ message: Message) {
        inbox.withLock { $0.append(message) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    /// The messages posted since the last call.
    func takeMessages() -> [Message] {
        var drained: UInt64 = 0
        _ = read(wake, &drained, 8)
        return inbox.withLock { messages in
            defer { messages.removeAll() }
            return messages
        }
    }

    var wakeDescriptor: Int32 { wake }

    func publish(_ state: VRRPSnapshot) { snapshot.withLock { $0 = state } }

    /// The report for `lvsadm --vrrp`.
    func report(now: MonotonicInstant) -> VRRPReport { snapshot.withLock { $0.report(now: now) } }
}
