import Foundation
import LVSConfig
import LVSControl
import LVSCore
import LVSPacket
import LVSVRRP
import LVSVRRPTransport
import Logging

/// The VRRP thread's state: the router, the sockets and everything in flight. Built by
/// `VRRPService.start` on the caller's thread, then owned by the VRRP thread alone.
struct VRRPLoop: @unchecked Sendable {  // invariant: one thread at a time (built, then moved into the VRRP thread)
    /// One instance's I/O.
    struct Runtime {
        var plan: VRRPPlan.Instance
        var socket: VRRPSocket
        var expectations: VRRPReceiveExpectations
        /// IPv4 identification of our next advert (keepalived counts from 1, skipping 0).
        var identification: UInt16 = 0
        /// AH sequence number of our last advert.
        var sequenceNumber: UInt32 = 0
        var drops: [String: UInt64] = [:]
    }

    /// One gratuitous ARP / unsolicited NA due at `due`.
    struct Announcement {
        var due: MonotonicInstant
        var address: IPAddress
        var device: String
    }

    var plan: VRRPPlan
    var router: VRRPRouter
    var runtimes: [String: Runtime] = [:]
    var announcements: [Announcement] = []
    /// Addresses held now (their instance is master).
    var held = Set<IPAddress>()
    var lastStandby: Set<IPAddress>?
    var transitions: [String: VRRPTransition] = [:]
    var groupTransitions: [String: VRRPTransition] = [:]
    /// Running `vrrp_script`s by name.
    var scriptProcesses: [String: (runNumber: UInt64, process: Process)] = [:]
    var notifyQueues: [String: VRRPNotifyQueue] = [:]
    /// Drops already logged, as `instance sender reason` (keepalived logs once per sender).
    var loggedDrops = Set<String>()
    var fifo: VRRPNotifyFifo?
    let linkMonitor: LinkMonitor
    let announcer: NeighbourAnnouncer
    let addresses = VirtualAddressManager()
    let links = LinkStateReader()
    let service: VRRPService
    let observer: VRRPStandbyObserver
    let clock: @Sendable () -> MonotonicInstant
    let logger: Logger
    var stopping = false

    init(
        plan: VRRPPlan, service: VRRPService, observer: @escaping VRRPStandbyObserver,
        clock: @escaping @Sendable () -> MonotonicInstant, logger: Logger
    ) throws {
        self.plan = plan
        self.service = service
        self.observer = observer
        self.clock = clock
        self.logger = logger
        linkMonitor = try LinkMonitor()
        announcer = try NeighbourAnnouncer()
        router = VRRPRouter(instances: [], groups: [], scripts: [], now: clock())
        if let path = plan.notifyFifo {
            fifo = try VRRPNotifyFifo(
                path: path, script: plan.notifyFifoScript, defaultUser: plan.scriptUser, logger: logger)
        }
        try open(plan)
    }

    /// Opens the sockets of `plan`'s new or changed instances (unchanged ones keep theirs). The
    /// runtimes of instances `plan` no longer has stay until `prune`, so that their resignation
    /// can still be sent.
    mutating func open(_ plan: VRRPPlan) throws {
        var opened: [String: Runtime] = [:]
        for instance in plan.instances {
            if let existing = runtimes[instance.machine.name], existing.plan == instance { continue }
            try createVirtualMAC(instance)
            removeLeftovers(instance)
            let socket = try VRRPSocket(instance.socket)
            opened[instance.machine.name] = Runtime(plan: instance, socket: socket, expectations: instance.expectations)
        }
        runtimes.merge(opened) { _, new in new }
        self.plan = plan
    }

    /// Drops the runtimes (sockets, VMACs) of instances the plan no longer has.
    mutating func prune() {
        let names = Set(plan.instances.map(\.machine.name))
        for (name, runtime) in runtimes where !names.contains(name) {
            deleteVirtualMAC(runtime.plan)
            runtimes[name] = nil
        }
    }

    /// The thread's body: until stopped, wait for packets, messages or the next deadline.
    mutating func run() {
        let now = clock()
        readAllLinks(now: now)
        perform(router(for: plan, now: now), now: now)
        while !stopping {
            waitAndDispatch()
        }
        for queue in notifyQueues.values { queue.drain(timeout: .seconds(10)) }
        for runtime in runtimes.values { deleteVirtualMAC(runtime.plan) }
        publish()
    }

    /// Builds the router for `plan`, carrying over unchanged units' state, and returns the
    /// actions of stopping what went and starting what came.
    mutating func router(for plan: VRRPPlan, now: MonotonicInstant) -> [VRRPRouterAction] {
        let fresh = VRRPRouter(
            instances: plan.instances.map(\.machine), groups: plan.groups.map(\.machine),
            scripts: plan.scripts.map(\.tracker), now: now)
        let (next, actions) = router.reconfigured(to: fresh, now: now)
        router = next
        return actions
    }

    mutating func waitAndDispatch() {
        var descriptors = [pollfd(fd: service.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        descriptors.append(pollfd(fd: linkMonitor.fileDescriptor, events: Int16(POLLIN), revents: 0))
        let names = plan.instances.map(\.machine.name)
        for name in names {
            descriptors.append(
                pollfd(fd: runtimes[name]?.socket.fileDescriptor ?? -1, events: Int16(POLLIN), revents: 0))
        }
        let now = clock()
        let deadlines = [router.nextDeadline, announcements.map(\.due).min()].compactMap { $0 }
        var timeout: Int32 = 1000
        if let next = deadlines.min() {
            let nanoseconds = next.nanoseconds > now.nanoseconds ? next.nanoseconds - now.nanoseconds : 0
            timeout = Int32(min(1000, (nanoseconds + 999_999) / 1_000_000))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        if ready < 0 && errno != EINTR {
            logger.error("vrrp: poll failed: \(String(cString: strerror(errno)))")
        }
        let after = clock()
        if descriptors[0].revents != 0 {
            for message in service.takeMessages() { handle(message, now: after) }
        }
        if descriptors[1].revents != 0 { readLinkEvents(now: after) }
        for (offset, name) in names.enumerated() where descriptors[offset + 2].revents != 0 {
            receive(instance: name, now: after)
        }
        if let next = router.nextDeadline, next <= after {
            perform(router.timersFired(now: after), now: after)
        }
        sendDueAnnouncements(now: after)
        publish()
    }

    mutating func handle(_ message: VRRPService.Message, now: MonotonicInstant) {
        switch message {
        case .scriptEnded(let name, let runNumber, let status):
            scriptProcesses[name] = scriptProcesses[name]?.runNumber == runNumber ? nil : scriptProcesses[name]
            let outcome: VRRPScriptTracker.Outcome = status.map { .exited(status: $0) } ?? .signalled
            perform(router.scriptFinished(name, runNumber: runNumber, outcome: outcome, now: now), now: now)
        case .reload(let next):
            do {
                try open(next)
                perform(router(for: next, now: now), now: now)
                prune()
                logger.notice("vrrp: configuration reloaded (\(next.instances.count) instances)")
            } catch {
                logger.error("vrrp: reload refused, the instances keep running as they were: \(error)")
            }
        case .stop:
            perform(router.stop(now: now), now: now)
            for (_, running) in scriptProcesses { kill(running.process.processIdentifier, SIGKILL) }
            stopping = true
        }
    }
}
