import CLinuxNet
import Foundation
import LVSControl
import LVSCore
import LVSProxy
import LVSSharedDirector
import LVSSync
import LVSSyncTransport
import Logging
import Synchronization

/// Why a sync daemon could not start.
struct SyncServiceError: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// The sockets of one daemon, opened on the caller's thread (so an error refuses the command
/// that asked for them) and then handed to the sync thread, which alone uses them.
struct SyncSockets: @unchecked Sendable {
    // Invariant for @unchecked Sendable: opened on the control thread, then used only by the sync thread.
    var senders: [SyncSender] = []
    var receivers: [SyncReceiver] = []
    var maxLength: Int

    func close() {
        for sender in senders { sender.close() }
        for receiver in receivers { receiver.close() }
    }
}

/// IPVS's connection synchronisation daemons (reference §7, docs/sync.md) on a thread of their
/// own: a master drains the director's sync outbox into messages and multicasts them; a backup
/// receives messages and applies their entries to the director. Both roles may run at once.
///
/// Lifecycle: `start` starts the thread with no daemon; `startDaemon` opens a role's sockets
/// and hands them over; `stopDaemon` closes them; `sendSnapshot` sends every entry once (a
/// returning master's re-synchronisation); `stop` ends the thread.
final class SyncService: Sendable {
    enum Message: Sendable {
        case start(SyncDaemonConfig, SyncSockets)
        case stop(SyncDaemonRole)
        case snapshot
        case quit
    }

    let tuning: SyncTuning
    let logger: Logger
    private let inbox = Mutex<[Message]>([])
    private let published = Mutex(SyncReport(daemons: [], authenticated: false, version: 1, entries: [:]))
    private let wake: Int32
    private let finished = DispatchSemaphore(value: 0)

    private init(wake: Int32, tuning: SyncTuning, logger: Logger) {
        self.wake = wake
        self.tuning = tuning
        self.logger = logger
    }

    deinit { close(wake) }

    /// Starts the thread.
    static func start(
        shared: SharedDirector, tuning: SyncTuning, logger: Logger,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now
    ) throws(SyncServiceError) -> SyncService {
        let wake = clinuxnet_eventfd()
        guard wake >= 0 else { throw SyncServiceError(description: "eventfd: \(String(cString: strerror(errno)))") }
        let service = SyncService(wake: wake, tuning: tuning, logger: logger)
        let thread = Thread {
            var loop = SyncLoop(service: service, shared: shared, clock: clock)
            loop.run()
            service.finished.signal()
        }
        thread.name = "lvsd-sync"
        thread.start()
        return service
    }

    /// Opens the sockets of `config`'s role (one per `sync_ports` thread) and starts it.
    func startDaemon(_ config: SyncDaemonConfig) throws(SyncServiceError) {
        let sockets = try Self.open(config, tuning: tuning)
        post(.start(config, sockets))
    }

    func stopDaemon(_ role: SyncDaemonRole) { post(.stop(role)) }

    /// Sends every connection entry and template now (master only; nothing otherwise).
    func sendSnapshot() { post(.snapshot) }

    /// Stops every daemon and the thread.
    func stop() {
        post(.quit)
        finished.wait()
    }

    func post(_ message: Message) {
        inbox.withLock { $0.append(message) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    func takeMessages() -> [Message] {
        var drained: UInt64 = 0
        _ = read(wake, &drained, 8)
        return inbox.withLock { messages in
            defer { messages.removeAll() }
            return messages
        }
    }

    var wakeDescriptor: Int32 { wake }

    func publish(_ report: SyncReport) { published.withLock { $0 = report } }

    /// What `lvsadm --sync` shows.
    var report: SyncReport { published.withLock { $0 } }

    /// The transport settings of thread `index` of a daemon.
    static func transport(_ config: SyncDaemonConfig, tuning: SyncTuning, thread index: Int)
        -> SyncTransportConfiguration
    {
        SyncTransportConfiguration(
            interfaceName: config.multicastInterface,
            group: config.multicastGroup ?? SyncTransportConfiguration.defaultGroup,
            basePort: config.multicastPort == 0 ? SyncTransportConfiguration.defaultPort : config.multicastPort,
            syncID: config.syncID, ttl: config.multicastTTL == 0 ? 1 : config.multicastTTL, threadIndex: index,
            socketBufferSize: tuning.socketBufferSize)
    }

    static func open(_ config: SyncDaemonConfig, tuning: SyncTuning) throws(SyncServiceError) -> SyncSockets {
        let family = config.multicastGroup?.family ?? .inet
        let configured = config.maxLength == 0 ? nil : Int(config.maxLength)
        var sockets = SyncSockets(maxLength: 0)
        do throws(SyncTransportError) {
            for index in 0..<max(1, min(tuning.ports, SyncTransportConfiguration.maximumThreads)) {
                let transport = transport(config, tuning: tuning, thread: index)
                try transport.validate()
                switch config.role {
                case .master:
                    sockets.senders.append(try SyncSender(transport))
                    sockets.maxLength = SyncMaximumLength.master(configured: configured, groupFamily: family)
                case .backup:
                    let receiver = try SyncReceiver(transport)
                    sockets.receivers.append(receiver)
                    sockets.maxLength = receiver.interface.backupMaximumLength(
                        configured: configured, groupFamily: family)
                }
            }
        } catch {
            sockets.close()
            throw SyncServiceError(description: "\(config.role.rawValue) sync daemon: \(error)")
        }
        return sockets
    }
}
