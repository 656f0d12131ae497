import LVSControl
import LVSCore
import Logging
import NIOPosix
import Testing

@testable import LVSDaemon

@Suite("Director host")
struct DirectorHostTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xCFAF_2C6E), port: 80)
    static func realServer(_ last: UInt32) -> RealServerConfig {
        RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0A00 | last), port: 80, forwarding: .masquerading)
    }

    /// Runs `body` with a host on its own one-thread event loop group.
    func withHost(_ body: (DirectorHost) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: Director(seed: 1), eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: true), clock: { .seconds(5) },
            logger: Logger(label: "test"))
        try await body(host)
        try await group.shutdownGracefully()
    }

    @Test("an applied command shows in the table; a refused one names ipvsadm's message")
    func applyAndRefuse() async throws {
        try await withHost { host in
            #expect(
                try await host.handle(.apply(.addService(VirtualServiceConfig(id: Self.vip, scheduler: "rr")))).get()
                    == .ok)
            let again = try await host.handle(.apply(.addService(VirtualServiceConfig(id: Self.vip)))).get()
            #expect(
                again
                    == .failure(
                        ControlFailure(kind: .admin, message: "Service already exists", adminError: .alreadyExists)))
            guard case .table(let table) = try await host.handle(.getTable).get() else {
                Issue.record("expected a table")
                return
            }
            #expect(table.services.map(\.config.id) == [Self.vip])
            #expect(table.services.first?.config.scheduler == "rr")
        }
    }

    @Test("a batch with one bad command applies nothing and names its index")
    func atomicBatch() async throws {
        try await withHost { host in
            let batch: [AdminCommand] = [
                .addService(VirtualServiceConfig(id: Self.vip, scheduler: "rr")),
                .addRealServer(Self.vip, Self.realServer(1)),
                .addRealServer(Self.vip, Self.realServer(1)),
            ]
            let reply = try await host.handle(.applyBatch(batch)).get()
            #expect(
                reply
                    == .failure(
                        ControlFailure(
                            kind: .admin, message: "Destination already exists", adminError: .alreadyExists,
                            batchIndex: 2)))
            #expect(try await host.handle(.getTable).get() == .table(TableSnapshot()))
            #expect(try await host.handle(.applyBatch(Array(batch.prefix(2)))).get() == .ok)
        }
    }

    @Test("timeouts, daemons (master first) and ping")
    func reads() async throws {
        try await withHost { host in
            #expect(try await host.handle(.getTimeouts).get() == .timeouts(TimeoutSettings()))
            _ = try await host.handle(.apply(.startDaemon(SyncDaemonConfig(role: .backup, multicastInterface: "lo"))))
                .get()
            _ = try await host.handle(.apply(.startDaemon(SyncDaemonConfig(role: .master, multicastInterface: "lo"))))
                .get()
            guard case .daemons(let daemons) = try await host.handle(.getDaemons).get() else {
                Issue.record("expected daemons")
                return
            }
            #expect(daemons.map(\.config.role) == [.master, .backup])
            #expect(
                try await host.handle(.ping).get()
                    == .pong(ControlServerInfo(daemonVersion: "t", dryRun: true, reloads: ReloadStatistics())))
            try await host.tick().get()
        }
    }
}
