import LVSConfig
import LVSControl
import LVSCore
import Logging
import NIOPosix
import Testing

@testable import LVSDaemon

/// `lvs_sync_daemon` without `vrrp_instance`: active-active directors run a backup and a master
/// from the start (docs/sync.md, docs/design/0031-active-active-dr.md). The daemons use `lo`
/// and a port of their own: nothing leaves the machine.
@Suite struct ActiveActiveSyncTests {
    static func configuration(vrrp: Bool) -> KeepalivedConfiguration {
        var configuration = KeepalivedConfiguration()
        var settings = LVSSyncDaemonSettings(interface: "lo")
        settings.syncID = 5
        settings.port = 18_848
        configuration.globalDefinitions.lvsSyncDaemon = settings
        if vrrp {
            configuration.vrrpInstances = [
                VRRPInstanceDefinition(name: "VI_1", location: ConfigurationLocation(file: "t", line: 1, column: 1))
            ]
        }
        return configuration
    }

    func daemons(_ configuration: KeepalivedConfiguration) async throws -> [SyncDaemonConfig] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: Director(seed: 1), eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: true), clock: { .seconds(5) },
            logger: Logger(label: "test"))
        host.startActiveActiveSync(configuration)
        let reply = try await host.handle(.getDaemons).get()
        host.stopSync()
        try await group.shutdownGracefully()
        guard case .daemons(let daemons) = reply else { return [] }
        return daemons.map(\.config)
    }

    @Test("without vrrp_instance both daemons start, with lvs_sync_daemon's settings")
    func bothRolesFromTheStart() async throws {
        let started = try await daemons(Self.configuration(vrrp: false))
        #expect(started.map(\.role) == [.master, .backup])
        #expect(started.allSatisfy { $0.multicastInterface == "lo" && $0.syncID == 5 && $0.multicastPort == 18_848 })
    }

    @Test("with a vrrp_instance the daemons follow VRRP instead: nothing starts here")
    func vrrpDecides() async throws {
        #expect(try await daemons(Self.configuration(vrrp: true)).isEmpty)
    }
}
