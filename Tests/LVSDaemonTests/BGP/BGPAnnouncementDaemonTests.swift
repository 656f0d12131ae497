import Foundation
import Glibc
import Testing

/// `bgp_announce` in a running `lvsd --config` against a stand-in for BIRD's control socket:
/// the include file follows quorum, and a clean stop withdraws first (docs/configuration.md §12).
@Suite("lvsd bgp_announce", .serialized)
struct BGPAnnouncementDaemonTests {
    @Test("a VIP is announced while its virtual server has quorum and withdrawn on loss and at stop")
    func followsQuorumAndStop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var realServer = try TestRealServer(name: "A")
        let port = realServer.port
        let vip = try TestSockets.freePort()
        let include = directory.file("bird-vips.conf")
        let bird = try FakeBird(socketPath: directory.file("bird.ctl"), includeFile: include)
        defer { bird.stop() }
        let config = directory.file("keepalived.conf")
        try """
        bgp_announce {
            include_file \(include)
            bird_socket \(bird.socketPath)
            protocol_name test_vips
        }
        virtual_server 127.0.0.1 \(vip) {
            delay_loop 1
            lb_algo mh
            lb_kind PROXY
            protocol TCP
            real_server 127.0.0.1 \(port) {
                TCP_CHECK {
                    connect_timeout 1
                    retry 1
                    delay_before_retry 1
                }
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let route = "    route 127.0.0.1/32 blackhole;\n"
        let announced = await eventually(within: 15) { bird.configurations.last?.contains(route) == true }
        #expect(announced, "\(bird.configurations)\n\(lvsd.log)")
        #expect(bird.configurations.last?.contains("protocol static test_vips4 {\n    ipv4;\n") == true)
        #expect(bird.configurations.last?.contains("protocol static test_vips6 {\n    ipv6;\n}\n") == true)
        let listing = try await lvsadm(lvsd, ["--announcements"])
        #expect(listing.contains("127.0.0.1  announced  quorum in all 1 virtual servers"), "\(listing)")

        // The only real server fails: quorum is lost, the VIP withdrawn.
        realServer.stop()
        let withdrawn = await eventually(within: 15) {
            guard let last = bird.configurations.last else { return false }
            return !last.contains("route ")
        }
        #expect(withdrawn, "\(bird.configurations)")
        let down = try await lvsadm(lvsd, ["--announcements", "--json"])
        #expect(down.contains("\"announced\" : false"), "\(down)")
        #expect(down.contains("no quorum in 127.0.0.1 \(vip)"), "\(down)")

        // It comes back: announced again. Then a clean stop withdraws before lvsd exits.
        realServer = try TestRealServer(name: "A", port: port)
        #expect(await eventually(within: 15) { bird.configurations.last?.contains(route) == true })
        let count = bird.configurations.count
        #expect(await lvsd.stop() == 0)
        #expect(bird.configurations.count > count)
        #expect(bird.configurations.last?.contains("route ") == false)
        #expect(lvsd.log.contains("bgp: withdraw 127.0.0.1 (lvsd is stopping)"))
        realServer.stop()
    }

    @Test("lvsadm --announcements without bgp_announce says so")
    func notConfigured() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.file("keepalived.conf")
        try "virtual_server 127.0.0.1 \(try TestSockets.freePort()) {\n    lb_kind PROXY\n}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(try await lvsadm(lvsd, ["--announcements"]) == "lvsd announces no VIP (no bgp_announce block)\n")
        _ = await lvsd.stop()
    }

    private func lvsadm(_ lvsd: LVSDProcess, _ arguments: [String]) async throws -> String {
        try await lvsd.lvsadm(arguments).standardOutput
    }
}
