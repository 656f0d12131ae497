import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import LVSProxy
import Logging
import Testing

@testable import LVSDaemon

/// Reload through `DirectorHost` in process (a dry run: nothing binds), checked with the
/// ipvsadm-save text of the table.
@Suite("DirectorHost reload")
struct ConfigurationReloadHostTests {
    static func start(_ text: String, in directory: TemporaryDirectory) async throws -> DirectorDaemon {
        try text.write(toFile: directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        var logger = Logger(label: "reload-test")
        logger.logLevel = .critical
        return try await DirectorDaemon.start(
            DaemonConfiguration(
                controlSocketPath: directory.file("lvsd.sock"), configFile: directory.file("keepalived.conf"),
                dryRun: true, seed: 1, proxy: ProxyEngineConfiguration(reactorCount: 1)),
            clock: { MonotonicInstant.seconds(100) }, logger: logger)
    }

    static func saved(_ daemon: DirectorDaemon) -> String {
        IPVSAdminFormatter(resolver: NumericResolver()).save(
            daemon.host.shared.withDirector { $0.snapshot() }, numeric: true)
    }

    static let natConfiguration = """
        global_defs {
            lvs_timeouts tcp 600
        }
        virtual_server 10.0.0.1 80 {
            lb_algo wrr
            lb_kind NAT
            protocol TCP
            persistence_timeout 60
            real_server 192.168.1.1 80 {
                weight 2
            }
            real_server 192.168.1.2 8080 {
                weight 1
                uthreshold 100
            }
        }
        virtual_server fwmark 7 {
            lb_algo sh
            lb_kind DR
            real_server 192.168.1.3 0 {
            }
        }

        """

    @Test("start applies the file; an unchanged reload is zero changes; changes go through")
    func reloadInProcess() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(Self.natConfiguration, in: directory)
        #expect(
            Self.saved(daemon) == """
                -A -t 10.0.0.1:80 -s wrr -p 60
                -a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 2
                -a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 1 -x 100 -y 0
                -A -f 7 -s sh
                -a -f 7 -r 192.168.1.3:0 -g -w 1

                """)
        #expect(daemon.host.shared.withDirector { $0.timeouts.tcpEstablished } == 600)
        let unchanged = await daemon.reload()
        #expect(unchanged == .success(ReloadReport(path: directory.file("keepalived.conf"), changes: 0, warnings: [])))

        let edited = Self.natConfiguration
            .replacingOccurrences(of: "weight 2", with: "weight 5")
            .replacingOccurrences(of: "virtual_server fwmark 7", with: "virtual_server fwmark 8")
        try edited.write(toFile: directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        let report = try await daemon.reload().get()
        // delete FWM 7, edit one real server, add FWM 8 and its real server.
        #expect(report.changes == 4)
        #expect(
            Self.saved(daemon) == """
                -A -t 10.0.0.1:80 -s wrr -p 60
                -a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 5
                -a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 1 -x 100 -y 0
                -A -f 8 -s sh
                -a -f 8 -r 192.168.1.3:0 -g -w 1

                """)
        // Both reloads counted for ping (docs/metrics.md, lvsd_config_reloads_total).
        guard case .pong(let info) = try await daemon.host.handle(.ping).get() else {
            Issue.record("no pong")
            return
        }
        #expect(info.reloads?.succeeded == 2)
        #expect(info.reloads?.failed == 0)
        #expect(info.reloads?.lastSucceeded == true)
        await daemon.stop()
        directory.remove()
    }

    @Test("a reload with errors changes nothing and returns every diagnostic")
    func brokenReload() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(Self.natConfiguration, in: directory)
        let before = Self.saved(daemon)
        try "virtual_server 10.0.0.1 80 {\n    lb_kind NATT\n    weight 2\n".write(
            toFile: directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        guard case .failure(.invalid(let error)) = await daemon.reload() else {
            Issue.record("the broken reload was not refused")
            return
        }
        #expect(error.diagnostics.count { $0.severity == .error } >= 2)
        #expect(error.description.hasSuffix("errors, 0 warnings") || error.description.contains("warning"))
        #expect(Self.saved(daemon) == before)
        guard case .pong(let info) = try await daemon.host.handle(.ping).get() else {
            Issue.record("no pong")
            return
        }
        #expect(info.reloads?.succeeded == 0)
        #expect(info.reloads?.failed == 1)
        #expect(info.reloads?.lastSucceeded == false)
        await daemon.stop()
        directory.remove()
    }

    @Test("a daemon without --config refuses to reload")
    func notConfigured() async throws {
        let daemon = try await TestDaemon.start()
        #expect(await daemon.daemon.reload() == .failure(.notConfigured))
        let reply = try await daemon.daemon.host.handle(.reload).get()
        #expect(
            reply == .failure(ControlFailure(kind: .configuration, message: ReloadFailure.notConfigured.description)))
        await daemon.stop()
    }

    @Test("the reload and health requests travel the control protocol")
    func protocolRoundTrip() throws {
        for body in [ControlRequestBody.reload, .getHealth] {
            let line = ControlProtocol.encode(ControlRequest(id: 3, body: body))
            #expect(try ControlProtocol.decodeRequest(line.dropLast()).get() == ControlRequest(id: 3, body: body))
        }
        let report = HealthReport(
            checking: true,
            virtualServers: [
                VirtualServerHealthReport(
                    name: "10.0.0.1 80",
                    services: [VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)],
                    quorumState: .up, aliveWeight: 2, quorum: 1, sorryServer: nil, sorryServerActive: false,
                    realServers: [
                        RealServerHealthReport(
                            server: RealServerKey(address: IPAddress(ipv4: 0xC0A8_0101), port: 80), state: .down,
                            weight: 2, programmedWeight: 0,
                            checkers: [
                                CheckerHealthReport(
                                    name: "TCP_CHECK", state: .down, lastResult: "connection refused",
                                    lastCheckAgeMilliseconds: 400, consecutiveFailures: 2)
                            ])
                    ])
            ])
        for body in [
            ControlReplyBody.health(report), .reloaded(ReloadReport(path: "/etc/k.conf", changes: 2, warnings: ["w"])),
        ] {
            let line = ControlProtocol.encode(ControlReply(id: 4, body: body))
            #expect(try ControlProtocol.decodeReply(line.dropLast()) == ControlReply(id: 4, body: body))
        }
    }
}
