import LVSControl
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What lvsd tells the service manager over its life (docs/design/0017-service-manager.md):
/// `READY=1` once it serves, `RELOADING=1` and `READY=1` around each SIGHUP reload,
/// `STOPPING=1` when it shuts down, and the watchdog pings in between. Without
/// `NOTIFY_SOCKET` every call does nothing, so lvsd runs the same outside systemd.
public final class ServiceManagerSession: Sendable {
    public let notifier: ServiceManagerNotifier?
    private let watchdogInterval: Duration?
    private let watchdog: Mutex<ServiceManagerWatchdog?> = Mutex(nil)

    public init(notifier: ServiceManagerNotifier?, watchdogInterval: Duration?) {
        self.notifier = notifier
        self.watchdogInterval = notifier == nil ? nil : watchdogInterval
    }

    /// The session this process's environment describes. The variables are then removed, so
    /// that notify and check scripts lvsd runs do not speak for it (as sd_notify's
    /// `unset_environment` does).
    public static func fromProcessEnvironment() -> ServiceManagerSession {
        var environment: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
            unsetenv(name)
        }
        return ServiceManagerSession(
            notifier: ServiceManagerNotifier.fromEnvironment(environment),
            watchdogInterval: ServiceManagerNotifier.watchdogInterval(environment: environment, processID: getpid()))
    }

    /// The daemon serves: `READY=1`, and the watchdog starts.
    public func started(controlSocket: String) {
        guard let notifier else { return }
        notifier.ready(status: "serving; control socket \(controlSocket)")
        guard let watchdogInterval else { return }
        watchdog.withLock { running in
            if running == nil { running = ServiceManagerWatchdog(notifier: notifier, interval: watchdogInterval) }
        }
    }

    /// A reload begins.
    public func reloading() {
        notifier?.reloading(monotonicMicroseconds: ServiceManagerNotifier.monotonicMicroseconds())
    }

    /// A reload ended: the daemon serves again (a refused file leaves the running table as it was).
    public func reloaded(_ outcome: Result<ReloadReport, ReloadFailure>) {
        let status: String
        switch outcome {
        case .success(let report): status = "serving; reload applied \(report.changes) changes"
        case .failure(let failure):
            status = "serving; reload refused: " + String(String(describing: failure).prefix(200))
        }
        notifier?.ready(status: status)
    }

    /// Shutting down: `STOPPING=1`, and the watchdog stops.
    public func stopping() {
        notifier?.stopping()
        watchdog.withLock { running in
            running?.cancel()
            running = nil
        }
    }
}
