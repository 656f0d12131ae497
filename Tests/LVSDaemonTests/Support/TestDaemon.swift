import LVSControl
import LVSCore
import LVSDaemon
import Logging

/// An in-process daemon on a socket in its own temporary directory.
struct TestDaemon: Sendable {
    let directory: TemporaryDirectory
    let daemon: DirectorDaemon

    var socketPath: String { daemon.controlServer.path }

    static func start(
        rulesFile: String? = nil, in directory: TemporaryDirectory? = nil,
        policy: ControlAccessPolicy = .forCurrentProcess
    ) async throws -> TestDaemon {
        let directory = try directory ?? TemporaryDirectory()
        var logger = Logger(label: "lvsd-test")
        logger.logLevel = .warning
        let daemon = try await DirectorDaemon.start(
            DaemonConfiguration(
                controlSocketPath: directory.file("lvsd.sock"), rulesFile: rulesFile, dryRun: true, seed: 1),
            policy: policy, clock: { MonotonicInstant.seconds(100) }, logger: logger)
        return TestDaemon(directory: directory, daemon: daemon)
    }

    func client() throws -> ControlClient { try ControlClient.connect(path: socketPath, timeoutMilliseconds: 10_000) }

    func stop() async {
        await daemon.stop()
        directory.remove()
    }
}
