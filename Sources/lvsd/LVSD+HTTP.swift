import ArgumentParser
import Glibc
import LVSDaemon
import LVSHTTP
import Logging

// The HTTP endpoint of a running daemon (docs/http-api.md).
extension LVSD {
    /// Starts the endpoint when `--http` was given: the REST API over the daemon's host.
    /// Routes of other parts (metrics, events, dashboard) join through `extraRoutes`.
    /// A failure (address in use, …) stops the daemon and exits 1 with the reason.
    func startHTTP(_ daemon: DirectorDaemon, extraRoutes: [HTTPRoute] = [], logger: Logger) async throws -> HTTPServer?
    {
        do {
            guard let configuration = try http.configuration() else { return nil }
            return try await HTTPServer.start(
                configuration, handler: daemon.host, extraRoutes: extraRoutes, logger: logger)
        } catch {
            printError("lvsd: cannot start the HTTP endpoint: \(error)")
            await daemon.stop()
            throw ExitCode(1)
        }
    }

    func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
