import LVSControl
import LVSCore
import LVSDaemon
import LVSProxy
import Logging

/// An in-process daemon on a socket in its own temporary directory.
struct TestDaemon: Sendable {
    let directory: TemporaryDirectory
    let daemon: DirectorDaemon

    var socketPath: String { daemon.controlServer.path }

    static func start(
        rulesFile: String? = nil, in directory: TemporaryDirectory? = nil,
        policy: ControlAccessPolicy = .forCurrentProcess, dryRun: Bool = true
    ) async throws -> TestDaemon {
        let directory = try directory ?? TemporaryDirectory()
        var logger = Logger(label: "lvsd-test")
        logger.logLevel = .warning
        // A daemon that binds shares the reactors' clock; a dry run keeps a fixed one.
        let fixed: @Sendable () -> MonotonicInstant = { MonotonicInstant.seconds(100) }
        let live: @Sendable () -> MonotonicInstant = MonotonicClock.now
        let clock = dryRun ? fixed : live
        let daemon = try await DirectorDaemon.start(
            DaemonConfiguration(
                controlSocketPath: directory.file("lvsd.sock"), rulesFile: rulesFile, dryRun: dryRun, seed: 1,
                proxy: ProxyEngineConfiguration(reactorCount: 2)),
            policy: policy, clock: clock, logger: logger)
        return TestDaemon(directory: directory, daemon: daemon)
    }

    func client() throws -> ControlClient { try ControlClient.connect(path: socketPath, timeoutMilliseconds: 10_000) }

    func stop() async {
        await daemon.stop()
        directory.remove()
    }
}
