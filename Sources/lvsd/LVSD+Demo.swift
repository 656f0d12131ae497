import ArgumentParser
import Glibc
import LVSControl
import LVSDaemon
import Logging

// `lvsd --demo` (README.md, "Set-up"): a director with its own virtual service and real servers.
extension LVSD {
    func runDemo(
        _ configuration: DaemonConfiguration, directory: String?, signals: TerminationSignals, logger: Logger
    ) async throws {
        let session: DemoSession
        do {
            session = try await DemoSession.start(configuration, privateSocketDirectory: directory, logger: logger)
        } catch {
            printError("lvsd: \(NetworkErrorText.cause(of: error))")
            throw ExitCode(1)
        }
        let httpServer = try await startDemoHTTP(session, logger: logger)  // prints the instructions
        Self.dropCapabilities(session.daemon, extras: try keptCapabilityExtras(), logger: logger)
        fflush(nil)
        let signal = await signals.next()
        logger.notice("\(TerminationSignals.name(of: signal)) received, stopping the demo")
        await stopDemo(session, httpServer)
    }
}
