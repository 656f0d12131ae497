import CLinuxNet
import Glibc
import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

/// The proxy engine: one `ProxyWorker` per reactor thread, all sharing the director
/// (docs/design/0007-proxy-engine.md). The control plane opens listening sockets (so a bind
/// failure can refuse the command that needs them) and hands one per reactor to the workers.
///
/// Thread model: every method may be called from any thread; the workers run on their own.
public final class ProxyEngine: Sendable {
    public let shared: SharedDirector
    public let configuration: ProxyEngineConfiguration
    let group: ReactorGroup<ProxyWorker>
    let counters: [ProxyCounters]

    /// Creates the reactors (not yet running). Their timers (connect and idle timeouts, the
    /// once-a-second flush) follow `clock`: the system's, or a test's manual one.
    public init(
        shared: SharedDirector, configuration: ProxyEngineConfiguration, timeouts: TimeoutSettings,
        clock: any ReactorClock = SystemReactorClock()
    ) throws(SystemError) {
        self.shared = shared
        self.configuration = configuration
        let count = configuration.reactorCount > 0 ? configuration.reactorCount : SystemLimits.onlineProcessors
        let counters = (0..<count).map { _ in ProxyCounters() }
        self.counters = counters
        self.group = try ReactorGroup(
            count: count, configuration: ReactorConfiguration(name: "lvs-proxy", initialSlotCapacity: 4096),
            clock: clock
        ) { index in
            ProxyWorker(
                index: index, shared: shared, configuration: configuration, counters: counters[index],
                timeouts: timeouts)
        }
    }

    /// Reactor threads.
    public var reactorCount: Int { group.count }

    /// Starts the reactor threads.
    public func start() throws(SystemError) {
        // splice(2) into a socket whose peer is gone raises SIGPIPE (no MSG_NOSIGNAL there).
        Socket.ignoreBrokenPipeSignal()
        try group.start()
    }

    /// Stops every reactor: connections and listeners are closed, held entries released.
    public func stop() {
        group.stop()
    }

    /// Opens one listening socket per reactor for `service` (SO_REUSEPORT: the kernel spreads
    /// clients across them). Nothing is served until `adopt`. Throws a message fit for `lvsadm`.
    public func openListeners(for service: VirtualServiceID) throws(ListenerError) -> [Int32] {
        let address = SocketAddress(service.address, port: service.port)
        var fds: [Int32] = []
        for _ in 0..<group.count {
            do throws(SystemError) {
                switch service.protocolNumber {
                case .tcp:
                    fds.append(
                        try Socket.makeTCPListener(
                            TCPListenerOptions(address: address, freeBind: configuration.freeBind)))
                case .udp:
                    fds.append(
                        try Socket.makeUDPSocket(UDPSocketOptions(address: address, freeBind: configuration.freeBind)))
                case .sctp, .ip:
                    throw SystemError(errno: EPROTONOSUPPORT, function: "socket")
                }
            } catch {
                for fd in fds { _ = Glibc.close(fd) }
                throw ListenerError(service: service, error: error, freeBind: configuration.freeBind)
            }
        }
        return fds
    }

    /// Gives reactor i the i-th socket of `openListeners`.
    public func adopt(_ service: VirtualServiceID, fds: [Int32]) {
        for (index, fd) in fds.enumerated() where !group.post(.adoptListener(service, fd: fd), to: index) {
            _ = Glibc.close(fd)
        }
    }

    /// Stops serving `service` on every reactor (existing connections carry on).
    public func close(_ service: VirtualServiceID) {
        group.postToAll(.closeListener(service))
    }

    /// New protocol timeouts for the idle timers (`--set`).
    public func setTimeouts(_ timeouts: TimeoutSettings) {
        group.postToAll(.timeouts(timeouts))
    }

    /// Replaces the content-switched services (docs/design/0019).
    public func setContentServices(_ services: [ContentSwitchService]) {
        shared.setContentServices(services)
    }

    /// Asks every worker to report its traffic to the director now.
    public func flush() {
        group.postToAll(.flush)
    }

    /// Every counter summed over the reactors, plus the live connections, by name.
    public func statistics() -> [(name: String, value: UInt64)] {
        var result: [(name: String, value: UInt64)] = [
            ("reactors", UInt64(group.count)), ("live_connections", UInt64(max(0, shared.liveConnections))),
        ]
        for counter in ProxyCounter.allCases {
            result.append((counter.name, counters.reduce(0) { $0 &+ $1.value(counter) }))
        }
        for refusal in HTTPRequestRefusal.allCases {
            result.append(("http_refused_" + refusal.name, counters.reduce(0) { $0 &+ $1.value(refusal) }))
        }
        return result
    }

    /// One counter summed over the reactors.
    public func count(_ counter: ProxyCounter) -> UInt64 {
        counters.reduce(0) { $0 &+ $1.value(counter) }
    }

    /// True if this process may set IP_TRANSPARENT (CAP_NET_ADMIN), needed for transparent source.
    public static func mayUseTransparentSource() -> Bool {
        guard
            let fd = try? Socket.makeUDPSocket(
                UDPSocketOptions(address: .loopbackIPv4(port: 0), reusePort: false, transparent: true))
        else { return false }
        _ = Glibc.close(fd)
        return true
    }
}

/// A virtual service's listening socket could not be opened: the refusal `lvsadm` prints.
public struct ListenerError: Error, Sendable, CustomStringConvertible {
    public var service: VirtualServiceID
    public var error: SystemError
    public var message: String

    init(service: VirtualServiceID, error: SystemError, freeBind: Bool) {
        self.service = service
        self.error = error
        let address = "\(service.address.bracketedIfIPv6):\(service.port)"
        switch error.errno {
        case EADDRNOTAVAIL:
            message =
                "Cannot listen on \(address): \(service.address) is not a local address; add it to an interface, or start lvsd with --transparent to bind it anyway"
        case EADDRINUSE:
            message = "Cannot listen on \(address): the address is already in use by another program"
        case EACCES:
            message =
                "Cannot listen on \(address): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        default:
            message = "Cannot listen on \(address): \(error.message)"
        }
    }

    public var description: String { message }
}
