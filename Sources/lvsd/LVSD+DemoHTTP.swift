import ArgumentParser
import LVSDaemon
import LVSHTTP
import Logging

// The demo's HTTP endpoint: the dashboard and the REST API on loopback, so that `lvsd --demo`
// shows them without any option (docs/http-api.md, "Dashboard").
extension LVSD {
    /// Ports the demo tries for the dashboard before taking any free one.
    static let demoDashboardPorts = DemoPlan.preferredDashboardPort...(DemoPlan.preferredDashboardPort + 9)

    /// Starts the endpoint (on `--http`'s address when given, else 127.0.0.1 from port 8090 on)
    /// and prints the demo's instructions with its address. Without a free port the demo runs on
    /// and says so; a bad `--http` stops it, as it stops the daemon.
    func startDemoHTTP(_ session: DemoSession, logger: Logger) async throws -> HTTPServer? {
        let configured: HTTPServerConfiguration?
        do {
            configured = try http.configuration()
        } catch {
            printError("lvsd: cannot start the HTTP endpoint: \(error)")
            await session.stop()
            throw ExitCode(1)
        }
        let server: HTTPServer?
        if let configured {
            server = try? await HTTPServer.start(configured, handler: session.daemon.host, logger: logger)
        } else {
            server = await Self.startOnLoopback(session, logger: logger)
        }
        print(session.plan.instructions(dashboardPort: server?.port), terminator: "")
        if server == nil { printError("lvsd: the demo runs without its dashboard: no port could be bound") }
        return server
    }

    /// The first of `demoDashboardPorts` that is free, else one the kernel chooses.
    private static func startOnLoopback(_ session: DemoSession, logger: Logger) async -> HTTPServer? {
        guard let access = try? HTTPAccessPolicy.forBinding(host: "127.0.0.1", token: nil, authReads: false) else {
            return nil
        }
        for port in Array(demoDashboardPorts) + [0] {
            let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port, access: access)
            if let server = try? await HTTPServer.start(configuration, handler: session.daemon.host, logger: logger) {
                return server
            }
        }
        return nil
    }

    /// The endpoint first, so that no page keeps asking a stopping daemon.
    func stopDemo(_ session: DemoSession, _ httpServer: HTTPServer?) async {
        await httpServer?.stop()
        await session.stop()
    }
}
